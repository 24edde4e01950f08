"""Evening: the day's figures as tables, and the checks that they add up.

Every check is a plain function of what the day saw (:class:`Facts`) returning what failed, so
the summary says exactly which number does not add up. ``sipmas demo`` exits 0 only when every
check passes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from services.verification.domain.welfare import ELIGIBLE_CLASSES
from sipmas import reference
from sipmas.events import LIFECYCLE_STATUSES, REFERRAL_STATES
from sipmas_cli.demo.agencies import Ledger
from sipmas_cli.demo.field import NEGLECTED_ELDER, REJECTED, Visited
from sipmas_cli.demo.imports import Household, Imported

LIVE_REFERRALS = ("created", "sent", "received", "in_progress")
SETTLED_DELIVERIES = ("sent", "dead", "skipped")


@dataclass
class Facts:
    """What the day did and what the services say about it afterwards."""

    seed: int
    imported: list[Imported]
    households: dict[int, Household]  # registered by the day's files
    merged: dict[int, int]  # known households the files matched: id -> batch
    visited: dict[int, Visited]
    records: dict[int, dict[str, Any]] = field(default_factory=dict)  # registry.get_household
    cases: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # by household
    deliveries: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # by household
    phones: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, id) -> phone
    ledger: Ledger | None = None
    sink_messages: list[dict[str, Any]] = field(default_factory=list)
    webhook_checks: dict[int, bool] = field(default_factory=dict)  # sink n -> signature ok
    other_referrals: dict[int, str] = field(default_factory=dict)  # referral id -> opd (not ours)
    # household_counts, district-wide: "status" before the imports and after the day,
    # "extreme_poor" per kecamatan as imported and after the day (None: the RPC is not there)
    counts_before: dict[str, Any] | None = None
    counts_after: dict[str, Any] | None = None
    waits: list[str] = field(default_factory=list)  # bounded waits that ran out

    def referrals(self) -> list[dict[str, Any]]:
        return [r for cases in self.cases.values() for c in cases for r in c["referrals"]]

    def day_deliveries(self) -> list[dict[str, Any]]:
        return [d for found in self.deliveries.values() for d in found]


@dataclass
class Check:
    name: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


# --- the figures ---------------------------------------------------------------------------------


def expected_status(facts: Facts, household_id: int) -> str:
    """Where the day should have left a household in the registry's lifecycle."""
    visited = facts.visited.get(household_id)
    if visited is None:
        return "registered"  # not sent to the field (DTSEN desil 6-10: outside the target)
    if visited.needs:  # eligible, or classed not poor with a need raised whatever its welfare
        return "awaiting_verification"  # case resolved: the household awaits its re-check
    if not visited.eligible:
        return "not_eligible"
    return "verified_eligible"


def status_counts(facts: Facts) -> Counter:
    return Counter(r.get("status") for r in facts.records.values())


def outcome(referral: dict[str, Any]) -> str:
    """What became of a referral, in the words of the summary."""
    state = referral["state"]
    if state == "closed":
        return "completed" if referral.get("evidence_ref") else "rejected, closed"
    if state == "rerouted":
        return "rejected, rerouted"
    return state if state == "cancelled" else "open"


VISIT_LABELS = {
    "sangat_miskin": "very poor (sangat miskin): approved",
    "miskin": "poor (miskin): approved",
    "rentan_miskin": "near-poor (rentan miskin): approved",
    "not_poor": "not poor: claim rejected by the rules",
    "not_poor_elder": "not poor, a neglected elder: approved, referred for the elder alone",
    "not_found": "not found at the address: rejected",
    "false_claim": "false claim, assets seen (flagged): rejected by the supervisor",
    "too_fast": "visit too short (flagged): flags reviewed, approved",
    "far_away": "GPS in Berau (flagged): second verifier, approved",
}
OUTCOMES = ("completed", "rejected, rerouted", "rejected, closed", "cancelled", "open")


def extreme_poor(facts: Facts) -> dict[str, tuple[int, int]]:
    """Extreme poor per kecamatan among the day's households, before (as imported: desil 1) and
    after (the verdict: ``sangat_miskin``; a household without a verdict keeps its desil)."""
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for household_id, household in facts.households.items():
        before = household.desil == 1
        visited = facts.visited.get(household_id)
        decided = visited is not None and visited.decision.get("outcome") in (
            "approved",
            "rejected",
        )
        after = visited.welfare_class == "sangat_miskin" and visited.eligible if decided else before
        found[household.kecamatan_code or "?"][0] += before
        found[household.kecamatan_code or "?"][1] += after
    return {k: (v[0], v[1]) for k, v in found.items()}


def district_extreme_poor(facts: Facts) -> dict[str, tuple[int, int]] | None:
    if not facts.counts_before or not facts.counts_after:
        return None
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for index, counts in enumerate((facts.counts_before, facts.counts_after)):
        for row in counts["extreme_poor"]["rows"]:
            rows[row["kecamatan"] or "?"][index] += row["count"]
    return {k: (v[0], v[1]) for k, v in rows.items()}


# --- the checks ----------------------------------------------------------------------------------


def check_imports(facts: Facts) -> list[str]:
    announced = len(facts.households)
    registered = sum(i.households_registered for i in facts.imported)
    problems = []
    if announced != registered:
        problems.append(f"the imports registered {registered} households, {announced} announced")
    if not facts.households:
        problems.append("the files registered no new household (same --seed as an earlier day?)")
    return problems


def check_statuses(facts: Facts) -> list[str]:
    problems = []
    for household_id in sorted(facts.households):
        record = facts.records.get(household_id)
        status = record.get("status") if record else None
        want = expected_status(facts, household_id)
        if status not in LIFECYCLE_STATUSES:
            problems.append(f"household {household_id}: no lifecycle status ({status!r})")
        elif status != want:
            problems.append(f"household {household_id}: {status}, expected {want}")
    total = sum(status_counts(facts).values())
    if total != len(facts.households):
        problems.append(f"{total} households in a status, {len(facts.households)} imported")
    if facts.counts_before and facts.counts_after:
        before, after = facts.counts_before["status"], facts.counts_after["status"]
        added = len(facts.households)
        if after["total"] != before["total"] + added:
            problems.append(
                f"registry: {before['total']} households before the day + {added} new "
                f"!= {after['total']} after"
            )
        in_status = sum(r["count"] for r in after["rows"])
        if in_status != after["total"]:
            problems.append(f"registry: {in_status} in a status, {after['total']} households")
    return problems


def check_extreme_poor(facts: Facts) -> list[str]:
    """The registry's own count (``household_counts``) moved exactly as the day's verdicts."""
    district = district_extreme_poor(facts)
    if district is None:
        return []
    mine = extreme_poor(facts)
    problems = []
    for code in sorted(set(district) | set(mine)):
        b, a = district.get(code, (0, 0))
        mb, ma = mine.get(code, (0, 0))
        if a - b != ma - mb:
            problems.append(
                f"{kecamatan_name(code)}: the registry changed by {a - b:+d}, "
                f"the day's verdicts by {ma - mb:+d}"
            )
    return problems


def check_decisions(facts: Facts) -> list[str]:
    problems = []
    for household_id, visited in sorted(facts.visited.items()):
        decision = visited.decision
        refused = visited.planned in REJECTED
        eligible = not refused and visited.planned != "not_poor_elder"
        if decision.get("outcome") not in ("approved", "rejected"):
            problems.append(f"household {household_id}: visit not decided")
        elif visited.planned == "not_poor_elder" and not (
            visited.welfare_class == "tidak_miskin" and visited.needs == [f"pmks.{NEGLECTED_ELDER}"]
        ):
            problems.append(
                f"household {household_id}: not poor with a neglected elder, decided "
                f"{visited.welfare_class} with needs {visited.needs}"
            )
        elif eligible != visited.eligible or (
            visited.planned in ELIGIBLE_CLASSES and visited.welfare_class != visited.planned
        ):
            problems.append(
                f"household {household_id}: planned {visited.planned}, decided "
                f"{decision.get('outcome')} {visited.welfare_class}"
            )
        if visited.planned in ("too_fast", "far_away") and not visited.flags:
            problems.append(
                f"household {household_id}: the {visited.planned} visit was not flagged"
            )
    return problems


def check_cases(facts: Facts) -> list[str]:
    problems = []
    for household_id, visited in sorted(facts.visited.items()):
        cases = facts.cases.get(household_id, [])
        if not visited.needs:
            if cases:
                problems.append(f"household {household_id}: a case without eligible needs")
            continue
        if len(cases) != 1:
            problems.append(f"household {household_id}: {len(cases)} cases for its needs")
            continue
        first = sorted(r["need"] for r in cases[0]["referrals"] if r["rerouted_from"] is None)
        if first != sorted(visited.needs):
            problems.append(f"household {household_id}: needs {visited.needs}, referrals {first}")
    return problems


def check_referrals(facts: Facts) -> list[str]:
    problems = []
    referrals = facts.referrals()
    successors = {r["rerouted_from"] for r in referrals if r["rerouted_from"] is not None}
    for r in referrals:
        label = f"referral {r['referral_id']} ({r['opd_code']}, {r['need']})"
        if r["state"] not in REFERRAL_STATES:
            problems.append(f"{label}: unknown state {r['state']!r}")
        elif r["state"] in LIVE_REFERRALS:
            problems.append(f"{label}: still {r['state']}")
        if r["state"] == "rerouted" and r["referral_id"] not in successors:
            problems.append(f"{label}: rerouted, but no referral carries its need on")
        if r["state"] == "closed" and not (r.get("evidence_ref") or r.get("reason")):
            problems.append(f"{label}: closed with neither evidence nor a reason")
    for household_id, cases in sorted(facts.cases.items()):
        for case in cases:
            if case["state"] != "resolved":
                problems.append(f"household {household_id}: case {case['case_id']} {case['state']}")
    return problems


def check_agency_messages(facts: Facts) -> list[str]:
    ledger = facts.ledger or Ledger()
    received, sent = ledger.snapshot()
    problems = list(ledger.errors)
    ours = {r["referral_id"]: r["opd_code"] for r in facts.referrals()}
    known = {**facts.other_referrals, **ours}
    created = {(m.opd_code, m.referral_id) for m in received if m.routing_key.endswith(".created")}
    for referral_id, opd_code in sorted(ours.items()):
        if (opd_code, referral_id) not in created:
            problems.append(f"referral {referral_id} never reached {opd_code}")
    for message in received:
        if message.routing_key.endswith(".refused"):
            data = message.data
            problems.append(
                f"{message.opd_code}: update {data.get('update_id')} refused: {data.get('code')}"
            )
        elif message.referral_id is not None and known.get(message.referral_id) != message.opd_code:
            problems.append(
                f"{message.opd_code} received {message.event_type} for referral "
                f"{message.referral_id}, which the referral service does not give it"
            )
    answered = {s.referral_id for s in sent}
    for opd_code, referral_id in sorted(created):
        if referral_id not in answered:
            problems.append(f"{opd_code} did not answer referral {referral_id}")
    return problems


def check_notifications(facts: Facts) -> list[str]:
    problems = []
    for d in facts.day_deliveries():
        label = f"delivery {d['delivery_id']} ({d['event_type']}, {d['channel']})"
        if d["state"] in ("dead", "skipped") and not d.get("reason"):
            problems.append(f"{label}: {d['state']} without a reason")
        elif d["state"] == "pending" and not deferred(d):
            last = d["log"][-1]["detail"] if d["log"] else "no attempt yet"
            problems.append(f"{label}: still pending ({last})")
        elif d["state"] not in (*SETTLED_DELIVERIES, "pending"):
            problems.append(f"{label}: unknown state {d['state']!r}")
    for household_id, visited in sorted(facts.visited.items()):
        of = facts.deliveries.get(household_id, [])
        told = Counter(d["event_type"] for d in of)
        if not told["verification_task_created"]:
            problems.append(f"household {household_id}: nobody was told of its visit task")
        if visited.flags and not told["verification_flagged"]:
            problems.append(f"household {household_id}: nobody was told its visit was flagged")
        referrals = [r for c in facts.cases.get(household_id, []) for r in c["referrals"]]
        to_agencies = [
            d
            for d in of
            if d["event_type"] == "referral_created"
            and d["channel"] == "email"
            and d["recipient_kind"] == "agency"
        ]
        if len(to_agencies) != len(referrals):
            problems.append(
                f"household {household_id}: {len(referrals)} referrals, "
                f"{len(to_agencies)} agency emails"
            )
        if visited.eligible and not told["household_verified"]:
            problems.append(f"household {household_id}: no household_verified notification planned")
        refused = sum(1 for r in referrals if outcome(r).startswith("rejected"))
        if told["referral_status_changed"] < refused:
            problems.append(
                f"household {household_id}: {refused} referrals rejected, Dinsos told of "
                f"{told['referral_status_changed']}"
            )
        resolved = [c for c in facts.cases.get(household_id, []) if c["state"] == "resolved"]
        if resolved and not told["case_resolved"]:
            problems.append(f"household {household_id}: nobody was told its case was resolved")
    return problems


def deferred(delivery: dict[str, Any]) -> bool:
    """A household's SMS waiting for the end of the quiet hours: accounted for, with its reason."""
    return bool(delivery["log"]) and delivery["log"][-1]["outcome"] == "deferred"


def check_sinks(facts: Facts) -> list[str]:
    """What the notifications service says it sent, the sinks received (and webhooks verify)."""
    problems = []
    mail = {m.get("delivery_id") for m in facts.sink_messages if m["channel"] == "email"}
    hooks = {
        (m.get("opd_code"), m.get("event_id")): m["n"]
        for m in facts.sink_messages
        if m["channel"] == "webhook"
    }
    texts = Counter(m.get("to") for m in facts.sink_messages if m["channel"] == "sms")
    expected_texts: Counter = Counter()
    for d in facts.day_deliveries():
        if d["state"] != "sent":
            continue
        if d["channel"] == "email" and d["delivery_id"] not in mail:
            problems.append(f"email delivery {d['delivery_id']} sent, not in the SMTP sink")
        elif d["channel"] == "webhook":
            n = hooks.get((d["recipient_id"], d["event_id"]))
            if n is None:
                problems.append(f"webhook delivery {d['delivery_id']} sent, not received")
            elif not facts.webhook_checks.get(n, False):
                problems.append(f"webhook {n} to {d['recipient_id']}: signature does not verify")
        elif d["channel"] == "sms":
            expected_texts[facts.phones.get((d["recipient_kind"], d["recipient_id"]))] += 1
    for phone, count in sorted(expected_texts.items(), key=lambda kv: str(kv[0])):
        if texts[phone] < count:
            problems.append(f"{count} SMS sent to {phone}, {texts[phone]} received")
    return problems


CHECKS: tuple[tuple[str, Callable[[Facts], list[str]]], ...] = (
    ("files imported and every new household announced", check_imports),
    ("every imported household in exactly one status, the one its day led to", check_statuses),
    ("every visit decided as the day planned it", check_decisions),
    ("extreme poor per kecamatan: the registry moved as the day's verdicts", check_extreme_poor),
    ("every household with needs to refer has a case, one referral per need", check_cases),
    ("every referral accounted for in one final state, every case resolved", check_referrals),
    (
        "every agency message matches a referral, every referral reached its agency",
        check_agency_messages,
    ),
    ("every required notification sent or dead-lettered with a reason", check_notifications),
    ("the sinks received what was sent; webhooks verify", check_sinks),
)


def checks(facts: Facts) -> list[Check]:
    found = [Check(name, run(facts)) for name, run in CHECKS]
    if facts.waits:
        found.append(Check("every bounded wait finished in time", list(facts.waits)))
    return found


# --- printing ------------------------------------------------------------------------------------


def table(title: str, header: list[str], rows: Iterable[list[Any]]) -> str:
    rows = [[str(c) for c in row] for row in rows]
    widths = [max([len(str(h)), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  " + "  ".join([first, *rest])

    rule = "  " + "  ".join("-" * w for w in widths)
    return "\n".join([f"\n{title}", line(header), rule, *(line(r) for r in rows)])


def kecamatan_name(code: str) -> str:
    found = reference.kecamatan_by_code().get(code)
    return found.name if found else code


def render(facts: Facts, results: list[Check]) -> str:
    parts = [f"\n=== SIPMAS demo: the day's summary (seed {facts.seed}) ==="]
    parts.append(
        table(
            "Files imported",
            ["file", "rows", "imported", "merged", "rejected", "new households"],
            [
                [i.source, i.rows_read, i.imported, i.merged, i.rejected, i.households_registered]
                for i in facts.imported
            ],
        )
    )
    statuses = status_counts(facts)
    rows = [[s, statuses[s]] for s in LIFECYCLE_STATUSES if statuses[s]]
    parts.append(
        table(
            "Households per status (the day's)",
            ["status", "households"],
            [*rows, ["total", sum(statuses.values())]],
        )
    )
    if statuses["awaiting_verification"]:
        parts.append("\n  (awaiting_verification: the case is resolved, the re-check is due later)")
    if facts.counts_after:
        after = facts.counts_after["status"]
        before = facts.counts_before["status"] if facts.counts_before else None
        by_status = {r["status"]: r["count"] for r in after["rows"]}
        was = {r["status"]: r["count"] for r in before["rows"]} if before else {}
        parts.append(
            table(
                "Households per status (the whole registry)",
                ["status", "before the day", "after"],
                [[s, was.get(s, 0), by_status.get(s, 0)] for s in LIFECYCLE_STATUSES]
                + [["total", before["total"] if before else "", after["total"]]],
            )
        )
    plans = Counter(v.planned for v in facts.visited.values())
    parts.append(
        table(
            "Field visits",
            ["what the visit found, what the supervisor did", "households"],
            [[label, plans[p]] for p, label in VISIT_LABELS.items() if plans[p]]
            + [
                ["flagged", sum(1 for v in facts.visited.values() if v.flags)],
                [
                    "second verifier sent",
                    sum(1 for v in facts.visited.values() if v.second_verifier),
                ],
                [
                    "claims rejected",
                    sum(1 for v in facts.visited.values() if v.planned in REJECTED),
                ],
                [
                    "in care while classed not poor",
                    sum(1 for v in facts.visited.values() if v.in_care_while_not_poor),
                ],
            ],
        )
    )
    per_agency: dict[str, Counter] = defaultdict(Counter)
    for r in facts.referrals():
        per_agency[r["opd_code"]][outcome(r)] += 1
    parts.append(
        table(
            "Referrals per agency and state",
            ["agency", *OUTCOMES, "total"],
            [
                [code, *(c[o] for o in OUTCOMES), sum(c.values())]
                for code, c in sorted(per_agency.items())
            ]
            + [
                [
                    "total",
                    *(sum(c[o] for c in per_agency.values()) for o in OUTCOMES),
                    len(facts.referrals()),
                ]
            ],
        )
    )
    channels: dict[str, Counter] = defaultdict(Counter)
    for d in facts.day_deliveries():
        state = "deferred" if d["state"] == "pending" and deferred(d) else d["state"]
        channels[d["channel"]][state] += 1
    states = ("sent", "dead", "skipped", "deferred", "pending")
    received = Counter(m["channel"] for m in facts.sink_messages)
    parts.append(
        table(
            "Notifications per channel and outcome",
            ["channel", *states, "sinks received"],
            [[ch, *(c[s] for s in states), received[ch]] for ch, c in sorted(channels.items())],
        )
    )
    district = district_extreme_poor(facts)
    mine = extreme_poor(facts)
    source = district if district is not None else mine
    where = "the whole registry" if district is not None else "the day's households"
    parts.append(
        table(
            f"Extreme poor per kecamatan, before (as imported) and after ({where})",
            ["kecamatan", "before", "after", "change"],
            [
                [kecamatan_name(k), b, a, f"{a - b:+d}"]
                for k, (b, a) in sorted(source.items(), key=lambda kv: kecamatan_name(kv[0]))
            ]
            + [
                [
                    "total",
                    sum(b for b, _ in source.values()),
                    sum(a for _, a in source.values()),
                    f"{sum(a - b for b, a in source.values()):+d}",
                ]
            ],
        )
    )
    parts.append("\nChecks")
    for result in results:
        parts.append(f"  [{'ok' if result.ok else 'FAILED'}] {result.name}")
        for problem in result.problems[:10]:
            parts.append(f"         - {problem}")
        if len(result.problems) > 10:
            parts.append(f"         - … and {len(result.problems) - 10} more")
    ok = all(r.ok for r in results)
    parts.append(
        "\nThe numbers add up." if ok else "\nThe numbers do NOT add up: see the failed checks."
    )
    return "\n".join(parts)
