"""A household's whole story on one timeline, told from what three services know of it.

The registry knows where each value came from (file, batch, row) and every lifecycle move;
verification knows its tasks, visits (photos, GPS, flags) and decisions with the rule set's
reasons; referral knows the case, each referral per agency with its due dates and every move of
it. Each entry is ``{"at", "kind", "actor", "detail"}``; entries are in time order, the planned
re-verification last. Kinds: imported, status, task, visit, decision, case, referral,
referral_status, case_resolved, reverification.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Entry = dict[str, Any]
NOT_POOR = "tidak_miskin"


def story(
    household: Mapping[str, Any],
    timeline: Iterable[Mapping[str, Any]],
    verification: Mapping[str, Any] | None,
    cases: Iterable[Mapping[str, Any]],
) -> list[Entry]:
    """The entries of one household, oldest first (an entry without a time goes last)."""
    entries = [
        *imported(household),
        *status_moves(timeline),
        *field_work(verification or {}),
        *care(cases),
    ]
    return sorted(entries, key=lambda e: (e["at"] is None, e["at"] or "", _ORDER[e["kind"]]))


_ORDER = {
    kind: n
    for n, kind in enumerate(
        (
            "imported",
            "status",
            "task",
            "visit",
            "decision",
            "case",
            "referral",
            "referral_status",
            "case_resolved",
            "reverification",
        )
    )
}


def _entry(at: str | None, kind: str, actor: str | None = None, **detail: Any) -> Entry:
    return {"at": at, "kind": kind, "actor": actor, "detail": detail}


def imported(household: Mapping[str, Any]) -> list[Entry]:
    """One entry per file row the household's values came from (a member's row names them)."""
    found: dict[tuple, Entry] = {}
    sources = [(None, household.get("provenance") or {})]
    sources += [(m.get("nama"), m.get("provenance") or {}) for m in household.get("members", [])]
    for who, provenance in sources:
        for ref in provenance.values():
            key = (ref.get("batch"), ref.get("row"))
            if ref.get("batch") is None or key in found:
                continue
            found[key] = _entry(
                ref.get("at"),
                "imported",
                ref.get("by"),
                source=ref.get("source"),
                batch_id=ref.get("batch"),
                filename=ref.get("filename"),
                row=ref.get("row"),
                member=who,
            )
    return list(found.values())


def status_moves(timeline: Iterable[Mapping[str, Any]]) -> list[Entry]:
    return [
        _entry(
            move.get("at"),
            "status",
            move.get("actor"),
            action=move.get("action"),
            to=move.get("to_status"),
            reason=move.get("reason"),
            welfare_class=move.get("welfare_class"),
            **{"from": move.get("from_status")},
        )
        for move in timeline
    ]


def field_work(verification: Mapping[str, Any]) -> list[Entry]:
    """Each task, its visits and its decisions; the re-verification on the calendar."""
    entries: list[Entry] = []
    for task in verification.get("tasks", []):
        transitions = task.get("transitions") or [{}]
        entries.append(
            _entry(
                transitions[0].get("at"),
                "task",
                transitions[0].get("actor"),
                task_id=task["task_id"],
                state=task.get("state"),
                reason=task.get("reason"),
                assignee=task.get("assignee"),
                due_at=task.get("due_at"),
            )
        )
        explained = {}
        for visit in task.get("visits", []):
            explained[visit["visit_id"]] = visit.get("explanation") or []
            entries.append(
                _entry(
                    visit.get("started_at"),
                    "visit",
                    visit.get("verifier"),
                    task_id=task["task_id"],
                    visit_id=visit["visit_id"],
                    outcome=visit.get("outcome"),
                    welfare_class=visit.get("welfare_class"),
                    lat=visit.get("latitude"),
                    lng=visit.get("longitude"),
                    photos=[
                        {"sha256": p["sha256"], "kind": p.get("kind")}
                        for p in visit.get("photo_details") or []
                    ],
                    flags=visit.get("flags") or [],
                    late=bool(visit.get("late")),
                )
            )
        for decision in task.get("decisions", []):
            entries.append(
                _entry(
                    decision.get("decided_at"),
                    "decision",
                    decision.get("decided_by"),
                    task_id=task["task_id"],
                    outcome=decision.get("outcome"),
                    welfare_class=decision.get("welfare_class"),
                    needs=[n.get("code") for n in decision.get("needs") or []],
                    reasons=decision.get("reasons") or [],
                    explanation=explained.get(decision.get("visit_id"), []),
                    note=decision.get("note"),
                )
            )
    if verification.get("reverify_at"):
        entries.append(_entry(verification["reverify_at"], "reverification"))
    return entries


def care(cases: Iterable[Mapping[str, Any]]) -> list[Entry]:
    """Each case, its referrals per agency with their due dates and moves, its resolution."""
    entries: list[Entry] = []
    for case in cases:
        referrals = case.get("referrals") or []
        entries.append(
            _entry(
                case.get("opened_at"),
                "case",
                case_id=case["case_id"],
                welfare_class=case.get("welfare_class"),
                in_care_while_not_poor=case.get("welfare_class") == NOT_POOR,
                needs=[r.get("need") for r in referrals if r.get("rerouted_from") is None],
            )
        )
        for referral in referrals:
            history = referral.get("history") or [{}]
            entries.append(
                _entry(
                    history[0].get("at") or case.get("opened_at"),
                    "referral",
                    referral_id=referral["referral_id"],
                    opd_code=referral.get("opd_code"),
                    need=referral.get("need"),
                    programme=referral.get("programme"),
                    state=referral.get("state"),
                    receive_by=referral.get("receive_by"),
                    complete_by=referral.get("complete_by"),
                    rerouted_from=referral.get("rerouted_from"),
                )
            )
            entries += [
                _entry(
                    move.get("at"),
                    "referral_status",
                    move.get("actor"),
                    referral_id=referral["referral_id"],
                    opd_code=referral.get("opd_code"),
                    to=move.get("to"),
                    note=move.get("note"),
                    **{"from": move.get("from")},
                )
                for move in history[1:]
            ]
        if case.get("resolved_at"):
            entries.append(_entry(case["resolved_at"], "case_resolved", case_id=case["case_id"]))
    return entries


def photos_of(verification: Mapping[str, Any] | None) -> dict[str, str]:
    """Every photo of the household's visits: SHA-256 → kind (what may be shown of it)."""
    found: dict[str, str] = {}
    for task in (verification or {}).get("tasks", []):
        for visit in task.get("visits", []):
            for photo in visit.get("photo_details") or []:
                found[photo["sha256"]] = photo.get("kind") or ""
    return found
