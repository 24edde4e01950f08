"""``sipmas demo``: one realistic day of Dinsos Kutai Timur, driven through the running services.

The script of the day, step by step (each step a function below, in this order):

1. ``preflight``   the services answer over RPC, ``sipmas sinks`` is listening;
2. ``files``       the day's DTSEN, P3KE and PMKS exports are generated;
3. ``people``      a verifier per kecamatan the files cover and a district supervisor; the
                   agencies' broker users, webhooks (to the sinks) and systems (simulated);
4. ``morning``     the files are imported as an operator imports them; the registry announces
                   the new households; families' phone numbers (with SMS consent) are noted;
5. ``in_the_field`` the tasks reach the verifiers; each household is visited, the supervisor
                   decides (approves, reviews flags, sends a second verifier, rejects);
6. ``afternoon``   verified needs become referrals, agencies answer, cases resolve, the registry
                   follows, notifications go out — each awaited with a bound and progress lines;
7. ``evening``     the figures, the checks that they add up, and the exit code (0: they do).
"""

from __future__ import annotations

import json
import logging
import random
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import pika
import pika.exceptions

from services.notifications.domain import webhooks
from services.verification.use_cases.intake import needs_visit
from sipmas import reference, settings
from sipmas_cli.demo import agencies, field, imports, sinks, summary
from sipmas_cli.demo.client import Cluster, Refusal, TimedOut, wait_until
from sipmas_cli.demo.summary import Facts

ACTOR = "sipmas-demo"
SMS_CONSENT = 0.6  # families who gave a phone and agreed to SMS
PHONE_ONLY = 0.2  # families who gave a phone but no consent


class NotReady(Exception):
    """The system is not up (a service or the sinks do not answer): what to start."""


def main(households: int, seed: int | None, wait: float) -> int:
    logging.getLogger("pika").setLevel(logging.WARNING)
    seed = seed if seed is not None else int(time.time()) % 1_000_000
    print(f"SIPMAS demo: a day of Dinsos Kutai Timur, {households} households, --seed {seed}")
    step(1, "is the system up?")
    try:
        sink_mark = preflight()
    except NotReady as error:
        print(f"\nNot ready: {error}")
        return 2
    with Cluster(settings.amqp_uri()) as cluster:
        return Day(cluster, households, seed, wait, sink_mark).run()


def preflight() -> int:
    """The sinks' last message number (what came before the day is not counted)."""
    try:
        found = sinks.health()
    except OSError as error:
        raise NotReady(
            f"no sinks at {sinks.http_base()} ({error}); start them with `sipmas sinks` "
            "(make run does), with the services' SIPMAS_SMTP_PORT and SIPMAS_SMS_GATEWAY_URL"
        ) from None
    try:
        silent = [service for service, *_ in PROBES if not consumed(f"rpc-{service}")]
        with Cluster(settings.amqp_uri(), timeout=10) as cluster:
            silent += [p[0] for p in PROBES if p[0] not in silent and not answers(cluster, *p)]
    except Exception as error:  # the broker itself
        raise NotReady(
            f"no broker at AMQP_URI ({type(error).__name__}: {error}); start it with `make run`"
        ) from None
    if silent:
        raise NotReady(
            f"no answer from the {', '.join(silent)} service(s); start them with `make run`"
        )
    print(f"  services answer; sinks: SMTP {found['smtp']}, kept in {found['dir']}")
    return int(found.get("last", 0))


PROBES = (  # a harmless call each service answers when it runs
    ("registry", "list_imports", 1),
    ("verification", "my_tasks", "nobody"),
    ("referral", "routing_table"),
    ("notifications", "get_contact", "agency", "dinsos"),
)


def consumed(queue: str) -> bool:
    """Whether a service consumes its RPC queue now (the broker knows at once)."""
    connection = pika.BlockingConnection(pika.URLParameters(settings.amqp_uri()))
    try:
        declared = connection.channel().queue_declare(queue, passive=True)
        return declared.method.consumer_count > 0
    except pika.exceptions.ChannelClosedByBroker:  # 404: the service never ran here
        return False
    finally:
        if connection.is_open:
            connection.close()


def answers(cluster: Cluster, service: str, method: str, *args: Any) -> bool:
    try:
        cluster.ask(service, method, *args)
    except Exception:  # a timeout: nobody consumes its queue (or the queue is not there)
        return False
    return True


class Day:
    def __init__(self, cluster: Cluster, households: int, seed: int, wait: float, mark: int):
        self.cluster = cluster
        self.size = households
        self.seed = seed
        self.wait = wait
        self.sink_mark = mark
        self.rnd = random.Random(seed)
        self.folder = Path("var/demo") / f"day-{seed}"
        self.agencies: list[agencies.Agency] = []
        self.facts = Facts(seed, [], {}, {}, {})

    def run(self) -> int:
        try:
            self.files()
            self.people()
            self.morning()
            if not self.facts.households:
                print(
                    "\nThe files registered no new household: these exports were imported "
                    "before (the same --seed?). Run again with another --seed."
                )
                return 1
            self.in_the_field()
            self.afternoon()
        except Refusal as refusal:
            print(f"\nA service refused a step of the day: {refusal}")
            if "evidence store" in str(refusal.answer):
                print(
                    "  The photos went to another evidence store than the services read: run "
                    "`sipmas demo` where the services run (the repository for `make run`), or "
                    "give both the same SIPMAS_EVIDENCE_ROOT."
                )
            return 1
        except Exception as error:  # the day stops; say where, then the traceback
            print(f"\nThe day stopped: {type(error).__name__}: {error}")
            traceback.print_exc()
            return 1
        finally:
            agencies.stop_all(self.agencies)
        return self.evening()

    # -- 2. files -----------------------------------------------------------------------------

    def files(self) -> None:
        step(2, f"the day's exports ({self.folder})")
        self.exports = imports.generate(self.folder, self.size, self.seed)
        for export in self.exports:
            print(f"      {export.path.name}: {export.households} households")
        self.kecamatan = set().union(*(e.kecamatan for e in self.exports))

    # -- 3. people ----------------------------------------------------------------------------

    def people(self) -> None:
        step(3, "staff, and the agencies' systems")
        self.team = field.register_team(self.cluster, self.kecamatan)
        print(
            f"      {len(self.team.verifiers)} verifiers (one per kecamatan), "
            f"supervisor {self.team.supervisor}"
        )
        for verifier, phone in self.team.phones.items():
            self.facts.phones[("staff", verifier)] = phone
        vhost = agencies.load_broker_users(settings.amqp_uri())
        codes = sorted(reference.opd_codes())
        for code in codes:
            self.cluster.call(
                "notifications",
                "set_agency_contact",
                code,
                {
                    "webhook_url": f"{sinks.http_base()}/webhook/{code}",
                    "webhook_secret": secret(code),
                },
            )
        self.agencies, self.facts.ledger = agencies.start_all(settings.amqp_uri(), codes, self.seed)
        print(
            f"      {len(codes)} agencies connected as opd-<code> (vhost {vhost!r}), "
            f"webhooks to {sinks.http_base()}/webhook/<code>"
        )

    # -- 4. morning ---------------------------------------------------------------------------

    def morning(self) -> None:
        step(4, "imports")
        if self.cluster.offers("registry", "household_counts", {}):
            self.facts.counts_before = {"status": self.counts(["status"])}
        by_rpc = self.cluster.offers("registry", "start_import", "", "", "")
        print(f"      through {'the registry' if by_rpc else 'sipmas import (in this process)'}")
        heard = imports.Announcements(settings.amqp_uri())
        try:
            for export in self.exports:
                done = imports.import_export(export, ACTOR, self.cluster if by_rpc else None)
                self.facts.imported.append(done)
                print(
                    f"      {export.path.name}: {done.rows_read} rows, {done.imported} imported, "
                    f"{done.merged} merged, {done.rejected} rejected (row report "
                    f"{done.report}) -> {done.households_registered} new households"
                    if done.status != "duplicate"
                    else f"      {export.path.name}: already imported (batch {done.batch_id})"
                )
            batches = {i.batch_id for i in self.facts.imported}
            expected = sum(i.households_registered for i in self.facts.imported)
            if not heard.collect(batches, expected, timeout=min(self.wait, 60)):
                self.facts.waits.append(
                    f"registry announced {len(heard.registered)} of {expected} new households"
                )
            self.facts.households, self.facts.merged = heard.registered, heard.merged
        finally:
            heard.close()
        if self.facts.counts_before is not None:
            self.facts.counts_before["extreme_poor"] = self.extreme_poor_counts()
        self.contacts()

    def contacts(self) -> None:
        """Phone numbers the families gave, most with their consent to SMS."""
        consented = 0
        for household_id in sorted(self.facts.households):
            draw = random.Random(f"{self.seed}:phone:{household_id}").random()
            if draw >= SMS_CONSENT + PHONE_ONLY:
                continue
            phone = f"+62813{household_id % 10**8:08d}"
            consent = draw < SMS_CONSENT
            self.cluster.call(
                "notifications",
                "register_household_contact",
                {
                    "household_id": household_id,
                    "phone": phone,
                    "sms_consent": consent,
                    "consent_source": "formulir persetujuan saat pendataan",
                },
            )
            self.facts.phones[("household", str(household_id))] = phone
            consented += consent
        print(
            f"      {len(self.facts.households)} new households, {len(self.facts.merged)} known "
            f"ones matched; {consented} families agreed to SMS"
        )

    # -- 5. field -----------------------------------------------------------------------------

    def in_the_field(self) -> None:
        step(5, "the field")
        day = self.facts.households
        expected = {
            h for h, household in day.items() if needs_visit(household.source, household.desil)
        }
        print(
            f"      {len(expected)} households go to the field "
            f"({len(day) - len(expected)} DTSEN households above desil 5 stay registered)"
        )
        tasks: dict[int, dict] = {}
        started = time.monotonic()

        def gathered() -> bool:
            tasks.update(field.gather_tasks(self.cluster, self.team, day))
            missing = expected - set(tasks)
            if missing and time.monotonic() - started > 5:
                field.place_missing(self.cluster, self.team, day, missing)
            return not missing

        self.awaited(
            gathered,
            "tasks on the verifiers' desks",
            lambda: f"{len(expected & set(tasks))}/{len(expected)}",
        )
        tasks = {h: t for h, t in tasks.items() if h in expected}
        planned = field.plan(list(tasks), self.rnd)
        visited = field.visit_all(self.cluster, self.team, tasks, planned, self.seed)
        flagged = sum(1 for v in visited.values() if v.flags)
        print(f"      {len(visited)} visits submitted, {flagged} flagged by the service")
        field.decide_all(self.cluster, self.team, tasks, visited, self.seed)
        self.facts.visited = visited
        approved = sum(1 for v in visited.values() if v.eligible)
        print(
            f"      supervisor: {approved} verified eligible, {len(visited) - approved} claims "
            f"rejected, {sum(1 for v in visited.values() if v.second_verifier)} second visits"
        )

    # -- 6. afternoon -------------------------------------------------------------------------

    def afternoon(self) -> None:
        step(6, "referrals, agencies, registry, notifications")
        facts = self.facts
        with_needs = sorted(h for h, v in facts.visited.items() if v.needs)

        def cases_settled() -> bool:
            for household_id in with_needs:
                answer = self.cluster.ask("referral", "household_cases", household_id)
                facts.cases[household_id] = [] if "error" in answer else answer["cases"]
            return not summary.check_cases(facts) and not summary.check_referrals(facts)

        def cases_progress() -> str:
            resolved = sum(
                1 for c in facts.cases.values() for case in c if case["state"] == "resolved"
            )
            open_ = sum(1 for r in facts.referrals() if r["state"] in summary.LIVE_REFERRALS)
            return f"{resolved}/{len(with_needs)} cases resolved, {open_} referrals open"

        self.awaited(cases_settled, "cases resolved", cases_progress)
        print(f"      {cases_progress()}")

        def registry_settled() -> bool:
            for household_id in sorted(facts.households):
                answer = self.cluster.ask("registry", "get_household", household_id)
                facts.records[household_id] = answer.get("household", {})
            return not summary.check_statuses(facts)

        self.awaited(
            registry_settled,
            "the registry following",
            lambda: f"{len(summary.check_statuses(facts))} households not there yet",
        )

        def notified() -> bool:
            for household_id in sorted(facts.households):
                answer = self.cluster.call(
                    "notifications", "delivery_log", "household", household_id, 1000
                )
                facts.deliveries[household_id] = answer["deliveries"]
            return not summary.check_notifications(facts)

        def notify_progress() -> str:
            states = Counter(d["state"] for d in facts.day_deliveries())
            return ", ".join(f"{n} {s}" for s, n in sorted(states.items()))

        self.awaited(notified, "notifications going out", notify_progress)
        print(f"      notifications: {notify_progress()}")

    def awaited(self, done, what: str, progress) -> None:
        try:
            wait_until(done, timeout=self.wait, what=what, progress=progress, poll=1.0)
        except TimedOut as error:
            self.facts.waits.append(str(error))
            print(f"      ! {error}")

    # -- 7. evening ---------------------------------------------------------------------------

    def evening(self) -> int:
        step(7, "the summary")
        facts = self.facts
        if facts.counts_before is not None:
            facts.counts_after = {
                "status": self.counts(["status"]),
                "extreme_poor": self.extreme_poor_counts(),
            }
        facts.sink_messages = sinks.received_since(self.sink_mark)
        facts.webhook_checks = {
            m["n"]: verified_webhook(sinks.kept(m["n"]), m.get("opd_code") or "")
            for m in facts.sink_messages
            if m["channel"] == "webhook"
        }
        facts.other_referrals = self.other_referrals()
        results = summary.checks(facts)
        print(summary.render(facts, results))
        return 0 if all(r.ok for r in results) else 1

    def other_referrals(self) -> dict[int, str]:
        """Referrals the agencies heard of that are not the day's (an earlier day's backlog),
        as the referral service knows them."""
        ours = {r["referral_id"] for r in self.facts.referrals()}
        received, _ = self.facts.ledger.snapshot() if self.facts.ledger else ([], [])
        households = {m.household_id for m in received if m.referral_id not in ours}
        found: dict[int, str] = {}
        for household_id in sorted(h for h in households if h is not None):
            answer = self.cluster.ask("referral", "household_cases", household_id)
            for case in answer.get("cases", []):
                for referral in case["referrals"]:
                    found[referral["referral_id"]] = referral["opd_code"]
        return found

    # -- the registry's figures -----------------------------------------------------------------

    def counts(self, group_by: list[str], **filters: Any) -> dict[str, Any]:
        return self.cluster.call(
            "registry", "household_counts", {"group_by": group_by, "filter": filters}
        )

    def extreme_poor_counts(self) -> dict[str, Any]:
        return self.counts(["kecamatan"], extreme_poor=True)


STARTED = time.monotonic()


def step(number: int, what: str) -> None:
    print(f"\n[{number}/7] {what} (at {time.monotonic() - STARTED:.0f} s)", flush=True)


def secret(opd_code: str) -> str:
    """The signing secret of an agency's (simulated) webhook receiver, for development."""
    return f"sipmas-demo-webhook-{opd_code}"


def verified_webhook(kept: bytes, opd_code: str) -> bool:
    """The webhook as the sink kept it is signed with the agency's secret."""
    request = json.loads(kept)
    headers = request["headers"]
    signature = webhooks.sign(secret(opd_code), headers[webhooks.TIMESTAMP] or "", request["body"])
    return signature == headers[webhooks.SIGNATURE]
