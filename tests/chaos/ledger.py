"""The chaos run's books: what should exist after the run, what does, and the difference, in the
manner of Jepsen — for each kind of thing the count expected, and of those ok, lost, duplicated;
plus what exists that nobody asked for (unexpected).

The rows, precisely:

households
    expected: the families of the imported file (distinct No. KK). ok: exactly one registry
    household has that No. KK and the head's NIK. lost: none has. duplicated: extra registry
    households for one No. KK. unexpected: registry households of no family of the file, or
    with another head.
verifications
    expected: the households the field driver visited and decided. ok: exactly one verification
    task, exactly one decision with the outcome the supervisor gave, exactly one verdict
    transition (``verify_eligible``/``verify_not_eligible``/``graduate``) in the registry's
    timeline caused by that decision's event, and the registry status the day leads to (not
    eligible; verified eligible; or, with needs, awaiting its re-check after the resolved case).
    lost: no task, no decision, or the verdict never reached the registry. duplicated: a second
    task, decision or verdict transition. unexpected: tasks of households nobody imported, a
    decision other than the supervisor's, a verdict caused by another event, a wrong status.
referrals
    expected: one per need the approved decision refers (every need of a verified-eligible
    household; of one classed not poor, its PMKS and adminduk needs).
    A need rejected by an agency and rerouted is one chain (``rerouted_from``) and counts once.
    ok: exactly one case for the household, resolved, and exactly one chain for the need, ending
    closed. lost: no chain for the need, a chain still open, the case not resolved (or absent).
    duplicated: a second case, a second chain for one need, a chain that forks. unexpected: a
    referral for a need the decision did not name, a case for a household without needs.
agency messages
    expected: every message the referral service committed for an agency (``sipmas.opd``:
    ``created`` for every referral, ``updated`` for every applied answer), and a ``created`` for
    every referral. ok: received by the agency its routing key names (first delivery of its
    event id). redelivered: a later delivery of an event id already received (at-least-once,
    deduped by the agency as a partner must; allowed). lost: never received, or a referral
    without a ``created``. duplicated: two different events creating one referral. unexpected:
    a message received by another agency, or unknown to the referral service, or a refusal of
    an agency's answer.
notifications
    expected: every delivery the notifications database planned to send (not the ones it
    skipped by rule: no consent, no address on an optional channel), and at least one planned
    delivery for every event the rules name. ok: sent, and received by the sinks (email by its
    Message-ID's delivery id, webhook by agency and event id, SMS by number and text).
    redelivered: the same message received again — the sender was killed between handing it
    over and recording it, and sent it again on restart (at-least-once; a receiver dedupes it by
    Message-ID or ``X-SIPMAS-Event-Id``; allowed, and shown). lost: dead, still pending, sent but
    never received, or an event nobody planned for. duplicated: two deliveries planned for one
    event, recipient and channel. unexpected: received, but planned by no delivery.
person reads
    expected: every answer the gateway gave the supervisor who searches and reads households
    through it all along the run (``readers``). ok: exactly one audit entry with the answer's
    request id, the reader as actor, outcome 200. lost: an answer with no audit entry — data
    that left unlogged. duplicated: two entries for one request. unexpected: an answer that
    carried another household than the one asked for, an audit entry by anyone else, or one
    that says 200 for a request the reader saw refused. Entries of requests whose answer was
    cut off (the gateway killed after its commit) are shown, not counted: logged, never seen.
stuck
    messages left in any queue of the vhost (consumer, retry and dead-letter queues, agencies'
    queues, RPC queues), outbox rows never published, deliveries still pending.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from services.notifications.domain import audiences
from services.registry.domain.lifecycle import VERDICT_ACTIONS
from services.registry.domain.sources import FORMATS, normalise_header
from sipmas import events, settings
from sipmas_cli.demo.agencies import Ledger as AgencyLedger
from sipmas_cli.demo.field import REJECTED
from tests.chaos.readers import READER, Read
from tests.support import broker

SERVICES = ("registry", "verification", "referral", "notifications", "gateway")
COLUMNS = ("expected", "ok", "lost", "duplicated", "unexpected", "redelivered")


@dataclass
class Row:
    name: str
    expected: int = 0
    ok: int = 0
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    redelivered: int = 0
    problems: list[str] = field(default_factory=list)

    def count(self, column: str, problem: str | None = None, n: int = 1) -> None:
        setattr(self, column, getattr(self, column) + n)
        if problem is not None and column != "ok":
            self.problems.append(f"{column}: {problem}")  # redeliveries too: allowed, but shown

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.unexpected)


# --- what the run left: read from the file, the databases, the sinks and the agencies ---------


def file_families(path: Path, encoding: str, delimiter: str) -> dict[int, int | None]:
    """The families of a P3KE export: No. KK -> the head's NIK."""
    names = FORMATS["p3ke"].header_map()
    families: dict[int, int | None] = {}
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = [names.get(normalise_header(h), "") for h in next(reader)]
        for row in reader:
            values = dict(zip(header, row, strict=False))
            kk = int(values["no_kk"])
            families.setdefault(kk, None)
            if values.get("hubungan", "").lower().startswith("kepala"):
                families[kk] = int(values["nik"])
    return families


def query(url: str, sql: str) -> list[sa.Row]:
    engine = sa.create_engine(settings.with_psycopg2(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql)))
    finally:
        engine.dispose()


@dataclass
class Facts:
    families: dict[int, int | None]
    outcomes: dict[int, str]  # household id -> the supervisor's decision (the field driver)
    scenarios: dict[int, str]
    agencies: AgencyLedger
    sinks: list[dict[str, Any]]  # the sinks' index, SMS with their text
    db: dict[str, dict[str, list]] = field(default_factory=dict)
    reads: list[Read] = field(default_factory=list)  # the gateway's answers to the reader
    queues: dict[str, int] = field(default_factory=dict)  # queue -> messages left
    orphaned_replies: dict[str, int] = field(default_factory=dict)  # rpc.reply-* of the dead

    def table(self, service: str, name: str) -> list:
        return self.db[service][name]


QUERIES = {
    "registry": {
        "households": "SELECT id, no_kk, head_nik, status FROM households",
        "verdicts": "SELECT household_id, action, cause_event_id::text AS cause FROM "
        "status_transitions WHERE action IN ({})".format(
            ", ".join(f"'{a}'" for a in sorted(VERDICT_ACTIONS))
        ),
    },
    "verification": {
        "tasks": "SELECT id, household_id, state FROM tasks",
        "decisions": "SELECT id, household_id, task_id, outcome, welfare_class, needs "
        "FROM decisions WHERE outcome IN ('approved', 'rejected')",
    },
    "referral": {
        "cases": "SELECT id, household_id, state FROM cases",
        "referrals": "SELECT id, case_id, household_id, need, opd_code, state, rerouted_from "
        "FROM referrals",
    },
    "notifications": {
        "deliveries": "SELECT id, event_id::text AS event_id, event_type, recipient_kind, "
        "recipient_id, channel, address, state, reason, message FROM deliveries",
    },
    "gateway": {
        "audit": "SELECT seq, actor, action, outcome, request_id FROM audit_log",
    },
}
OUTBOX = "SELECT event_id::text AS event_id, exchange, routing_key, body, published_at FROM outbox"


def read_databases(urls: dict[str, str]) -> dict[str, dict[str, list]]:
    found: dict[str, dict[str, list]] = {}
    for service in SERVICES:
        found[service] = {name: query(urls[service], sql) for name, sql in QUERIES[service].items()}
        found[service]["outbox"] = query(urls[service], OUTBOX)
    return found


def read_sinks(root: Path) -> list[dict[str, Any]]:
    """The sinks' index; each SMS with its number and text (read from the kept request)."""
    index = root / "index.jsonl"
    if not index.exists():
        return []
    entries = [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines()]
    for entry in entries:
        if entry["channel"] == "sms":
            sent = json.loads((root / entry["file"]).read_bytes() or b"{}")
            entry["to"], entry["text"] = sent.get("to"), sent.get("text")
    return entries


def orphaned_reply(queue: dict[str, Any]) -> bool:
    """A reply queue nobody consumes: its caller was killed (or gave up and left); a reply that
    arrives there has nobody to go to, and the queue expires (nameko's ``x-expires``). The work
    itself was redone by the caller's redelivered message: not stuck, shown apart."""
    return queue["name"].startswith("rpc.reply-") and not queue.get("consumers")


def queue_depths(vhost: str) -> tuple[dict[str, int], dict[str, int]]:
    """Messages (ready and unacknowledged) in the queues of ``vhost`` by the management API:
    (the queues that hold work, the orphaned reply queues)."""
    work, orphans = {}, {}
    for queue in broker.queues(vhost):
        (orphans if orphaned_reply(queue) else work)[queue["name"]] = int(
            queue.get("messages") or 0
        )
    return work, orphans


# --- the rows ---------------------------------------------------------------------------------


def households(facts: Facts) -> Row:
    row = Row("households", expected=len(facts.families))
    by_kk: dict[int, list] = defaultdict(list)
    for household in facts.table("registry", "households"):
        by_kk[household.no_kk].append(household)
    for kk, head in sorted(facts.families.items()):
        found = by_kk.get(kk, [])
        if not found:
            row.count("lost", f"family KK …{str(kk)[-4:]} is not in the registry")
        elif len(found) > 1:
            ids = [h.id for h in found]
            row.count("duplicated", f"family KK …{str(kk)[-4:]} is {ids}", len(found) - 1)
        elif found[0].head_nik != head:
            row.count("unexpected", f"household {found[0].id} has another head")
        else:
            row.count("ok")
    for kk, found in sorted(by_kk.items(), key=lambda kv: str(kv[0])):
        if kk not in facts.families:
            row.count("unexpected", f"households {[h.id for h in found]}: no family of the file")
    return row


def expected_status(scenario: str, needs: list) -> str:
    if scenario in REJECTED:
        return "not_eligible"
    return "awaiting_verification" if needs else "verified_eligible"


def _verdict_events(facts: Facts) -> dict[int, str]:
    """decision id -> the event id of the verdict it published (household_verified/rejected)."""
    found = {}
    for event in facts.table("verification", "outbox"):
        if event.routing_key in ("household_verified", "household_rejected"):
            found[event.body["data"]["decision_id"]] = event.event_id
    return found


def verifications(facts: Facts) -> Row:
    row = Row("verifications", expected=len(facts.outcomes))
    tasks = _group(facts.table("verification", "tasks"))
    decisions = _group(facts.table("verification", "decisions"))
    verdicts = _group(facts.table("registry", "verdicts"))
    status = {h.id: h.status for h in facts.table("registry", "households")}
    events_of = _verdict_events(facts)
    for household_id, outcome in sorted(facts.outcomes.items()):
        label = f"household {household_id}"
        t, d, v = tasks[household_id], decisions[household_id], verdicts[household_id]
        if not t or not d or not v:
            missing = [n for n, got in (("task", t), ("decision", d), ("verdict", v)) if not got]
            row.count("lost", f"{label}: no {', no '.join(missing)}")
        elif len(t) > 1 or len(d) > 1 or len(v) > 1:
            row.count(
                "duplicated", f"{label}: {len(t)} tasks, {len(d)} decisions, {len(v)} verdicts"
            )
        elif d[0].outcome != outcome:
            row.count("unexpected", f"{label}: decided {d[0].outcome}, the supervisor {outcome}")
        elif v[0].cause != events_of.get(d[0].id):
            row.count("unexpected", f"{label}: verdict caused by {v[0].cause}, not the decision")
        elif status.get(household_id) != (
            want := expected_status(facts.scenarios[household_id], _needs(d[0]))
        ):
            row.count(
                "unexpected",
                f"{label}: registry status {status.get(household_id)}, {want} expected",
            )
        else:
            row.count("ok")
    for household_id in sorted(set(tasks) - set(facts.outcomes)):
        row.count("unexpected", f"household {household_id}: a task nobody expected")
    for household_id in sorted(set(verdicts) - set(facts.outcomes)):
        row.count("unexpected", f"household {household_id}: a verdict without a decision")
    return row


def _needs(decision: Any) -> list[str]:
    """What an approved decision refers: every need of an eligible household; of one classed
    not poor, the needs verification raises whatever the welfare (a PMKS condition, missing
    documents), which are all it raises for such a household."""
    return sorted(n["code"] for n in decision.needs or []) if decision.outcome == "approved" else []


def referrals(facts: Facts) -> Row:
    row = Row("referrals")
    needs = {
        d.household_id: _needs(d)
        for d in facts.table("verification", "decisions")
        if d.household_id in facts.outcomes
    }
    cases = _group(facts.table("referral", "cases"))
    by_household = _group(facts.table("referral", "referrals"))
    successors: dict[int, list] = defaultdict(list)
    for referral in facts.table("referral", "referrals"):
        if referral.rerouted_from is not None:
            successors[referral.rerouted_from].append(referral)
    for household_id, wanted in sorted(needs.items()):
        row.expected += len(wanted)
        found = cases[household_id]
        if not wanted:
            if found:
                row.count("unexpected", f"household {household_id}: a case without needs")
            continue
        if len(found) > 1:
            row.count("duplicated", f"household {household_id}: {len(found)} cases")
        resolved = bool(found) and all(c.state == "resolved" for c in found)
        roots = [r for r in by_household[household_id] if r.rerouted_from is None]
        for need in wanted:
            label = f"household {household_id}, need {need}"
            chains = [r for r in roots if r.need == need]
            if not chains:
                row.count("lost", f"{label}: no referral")
                continue
            if len(chains) > 1:
                row.count("duplicated", f"{label}: {len(chains)} referrals", len(chains) - 1)
                continue
            end, forked = _chain_end(chains[0], successors)
            if forked:
                row.count("duplicated", f"{label}: referral {chains[0].id} rerouted twice")
            elif end.state != "closed":
                row.count("lost", f"{label}: referral {end.id} ({end.opd_code}) still {end.state}")
            elif not resolved:
                row.count("lost", f"{label}: case {[c.id for c in found]} not resolved")
            else:
                row.count("ok")
        for referral in roots:
            if referral.need not in wanted:
                row.count("unexpected", f"household {household_id}: referral for {referral.need}")
    for household_id in sorted(set(cases) - set(needs)):
        row.count("unexpected", f"household {household_id}: a case nobody expected")
    return row


def _chain_end(referral: Any, successors: dict[int, list]) -> tuple[Any, bool]:
    while successors.get(referral.id):
        following = successors[referral.id]
        if len(following) > 1:
            return referral, True
        referral = following[0]
    return referral, False


def agency_messages(facts: Facts) -> Row:
    row = Row("agency messages")
    received, _ = facts.agencies.snapshot()
    got = {m.event_id: m for m in received}
    created: dict[int, set[str]] = defaultdict(set)
    committed = set()
    for message in facts.table("referral", "outbox"):
        if message.exchange != events.OPD_EXCHANGE:
            continue
        _, opd_code, kind = message.routing_key.split(".", 2)
        committed.add(message.event_id)
        label = f"{kind} {message.event_id[:8]} to {opd_code}"
        if kind == "refused":
            row.count("unexpected", f"an agency's answer refused: {message.body['data']}")
            continue
        row.expected += 1
        if kind == "created":
            created[message.body["data"]["referral_id"]].add(message.event_id)
        heard = got.get(message.event_id)
        if heard is None:
            row.count("lost", f"{label}: never received")
        elif heard.opd_code != opd_code:
            row.count("unexpected", f"{label}: received by {heard.opd_code}")
        else:
            row.count("ok")
    for referral in facts.table("referral", "referrals"):
        ids = created.get(referral.id, set())
        if not ids:
            row.expected += 1
            row.count("lost", f"referral {referral.id}: no created message committed")
        elif len(ids) > 1:
            row.count(
                "duplicated", f"referral {referral.id}: created by {len(ids)} events", len(ids) - 1
            )
    for message in received:
        if message.event_id not in committed:
            row.count("unexpected", f"{message.opd_code} received {message.event_id}, unknown")
    row.redelivered = sum(facts.agencies.redelivered.values())
    row.problems += [f"agency error: {e}" for e in facts.agencies.errors]
    row.unexpected += len(facts.agencies.errors)
    return row


def _wire_identity(delivery: Any) -> tuple:
    if delivery.channel == "email":
        return ("email", delivery.id)
    if delivery.channel == "webhook":
        return ("webhook", delivery.recipient_id, delivery.event_id)
    return ("sms", delivery.address, (delivery.message or {}).get("text"))


def _sink_identity(entry: dict[str, Any]) -> tuple:
    if entry["channel"] == "email":
        return ("email", entry.get("delivery_id"))
    if entry["channel"] == "webhook":
        return ("webhook", entry.get("opd_code"), entry.get("event_id"))
    return ("sms", entry.get("to"), entry.get("text"))


def notifications(facts: Facts) -> Row:
    row = Row("notifications")
    deliveries = facts.table("notifications", "deliveries")
    planned = {d.event_id for d in deliveries}
    for service in ("verification", "referral"):
        for event in facts.table(service, "outbox"):
            data = event.body.get("data", {})
            ours = event.exchange == events.exchange_of(service)
            if (
                ours
                and audiences.applicable(event.routing_key, data)
                and event.event_id not in planned
            ):
                row.expected += 1
                row.count("lost", f"{event.routing_key} {event.event_id[:8]}: nothing planned")
    wanted: Counter = Counter()
    for delivery in deliveries:
        if delivery.state == "skipped":
            continue
        row.expected += 1
        label = f"delivery {delivery.id} ({delivery.event_type}, {delivery.channel})"
        if delivery.state != "sent":
            row.count("lost", f"{label}: {delivery.state} {delivery.reason or ''}".strip())
        else:
            wanted[_wire_identity(delivery)] += 1
    keys = Counter((d.event_id, d.recipient_kind, d.recipient_id, d.channel) for d in deliveries)
    for key, n in keys.items():
        if n > 1:
            row.count("duplicated", f"{n} deliveries of {key}", n - 1)
    arrived = Counter(_sink_identity(entry) for entry in facts.sinks)
    for identity, n in wanted.items():
        got = arrived.get(identity, 0)
        row.count("ok", n=min(n, got))
        if got < n:
            row.count("lost", f"{identity[:2]}: sent, not received", n - got)
        if got > n:
            row.count("redelivered", f"{identity[:2]}: received {got} times", got - n)
    for identity, got in arrived.items():
        if identity not in wanted:
            row.count("unexpected", f"{identity[:2]}: received, planned by no sent delivery", got)
    return row


def person_reads(facts: Facts) -> Row:
    row = Row("person reads")
    entries: defaultdict[str, list] = defaultdict(list)
    for entry in facts.table("gateway", "audit"):
        if entry.actor != READER:
            row.count("unexpected", f"audit entry {entry.seq} by {entry.actor}")
        else:
            entries[entry.request_id].append(entry)
    seen = {read.request_id: read for read in facts.reads if read.request_id}
    for read in facts.reads:
        if read.status != 200:
            continue
        row.expected += 1
        logged = entries.get(read.request_id, [])
        if read.asked is not None and read.answered != (read.asked,):
            row.count("unexpected", f"asked {read.asked}, got {read.answered}")
        elif not logged:
            row.count("lost", f"request {read.request_id}: answered, never audited")
        elif len(logged) > 1:
            row.count("duplicated", f"request {read.request_id}: {len(logged)} audit entries")
        elif logged[0].outcome != 200:
            row.count("unexpected", f"request {read.request_id}: answered, audited {logged}")
        else:
            row.count("ok")
    for request_id, logged in entries.items():
        read = seen.get(request_id)
        if read is None:
            row.problems.append(f"shown: request {request_id} audited, its answer cut off")
        elif read.status != 200 and any(e.outcome == 200 for e in logged):
            row.count("unexpected", f"request {request_id}: refused ({read.status}), audited 200")
    return row


def stuck(facts: Facts) -> list[str]:
    """What is left where nothing should be: messages in queues, unpublished outbox rows,
    pending deliveries."""
    left = [f"queue {name}: {n} messages" for name, n in sorted(facts.queues.items()) if n]
    for service in SERVICES:
        unpublished = sum(1 for r in facts.table(service, "outbox") if r.published_at is None)
        if unpublished:
            left.append(f"{service} outbox: {unpublished} rows never published")
    pending = sum(1 for d in facts.table("notifications", "deliveries") if d.state == "pending")
    if pending:
        left.append(f"notifications: {pending} deliveries pending")
    return left


def rows(facts: Facts) -> list[Row]:
    return [
        households(facts),
        verifications(facts),
        referrals(facts),
        agency_messages(facts),
        notifications(facts),
        person_reads(facts),
    ]


def render(
    found: Iterable[Row], left: list[str], header: str = "", orphans: dict[str, int] | None = None
) -> str:
    orphans = {k: v for k, v in (orphans or {}).items() if v}
    found = list(found)
    width = max(len(r.name) for r in found)
    lines = [header] if header else []
    lines.append("  " + "".ljust(width) + "".join(c.rjust(12) for c in COLUMNS))
    for r in found:
        lines.append(
            "  " + r.name.ljust(width) + "".join(str(getattr(r, c)).rjust(12) for c in COLUMNS)
        )
    lines.append(f"  {'stuck'.ljust(width)}{str(len(left)).rjust(12)}")
    if orphans:
        lines.append(
            f"  ({sum(orphans.values())} replies to callers killed meanwhile, in "
            f"{len(orphans)} reply queues nobody consumes: they expire)"
        )
    for r in found:
        for problem in r.problems[:15]:
            lines.append(f"    {r.name}: {problem}")
        if len(r.problems) > 15:
            lines.append(f"    {r.name}: … and {len(r.problems) - 15} more")
    lines += [f"    stuck: {item}" for item in left]
    return "\n".join(lines)


def _group(records: Iterable[Any]) -> defaultdict[int, list]:
    grouped: defaultdict[int, list] = defaultdict(list)
    for record in records:
        grouped[record.household_id].append(record)
    return grouped
