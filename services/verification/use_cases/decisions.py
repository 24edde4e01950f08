"""A supervisor's decision on a submitted visit — approve, return or reject — under the
maker-checker rule (``lifecycle.approval_refusal``), and what it tells the other services.

Approving accepts the visit's findings; the household's outcome follows from them:

- found and eligible (``sangat_miskin``, ``miskin``, ``rentan_miskin``) → ``household_verified``;
- found not poor after having been eligible → ``household_verified`` with ``graduated``;
- found not poor with a need raised whatever the welfare (a PMKS condition, missing documents)
  → ``household_verified`` classed ``tidak_miskin`` with those needs: referral opens a case for
  them alone (``domain/welfare.is_verified``);
- found not poor otherwise → ``household_rejected`` with the rule set's reasons and the photos;
- deceased or not found → ``household_rejected`` naming the visit's outcome;
- moved or split → recorded on the visit; the registry keeps the household awaiting a visit at
  its new address.

Rejecting refuses the claim whatever the rules computed (a false claim the flags exposed), with
the supervisor's reasons. Returning sends the visit back to its verifier with a note.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.verification.domain import lifecycle, welfare
from services.verification.errors import Invalid, Refused
from services.verification.models import (
    DecisionRecord,
    FlagRecord,
    Household,
    Photo,
    Staff,
    Task,
    TaskTransition,
    Visit,
)
from services.verification.use_cases import tasks
from services.verification.use_cases.visits import latest_visit
from sipmas import events, outbox, settings

GONE = ("deceased", "not_found")


def approve(
    session: Session, task_id: int, actor: str, *, flags_reviewed: bool = False, note: str = ""
) -> dict[str, Any]:
    task = tasks.get_task(session, task_id, lock=True)
    visit = latest_visit(session, task.id)
    _check_checker(session, task, actor, flags_reviewed=flags_reviewed)
    tasks.move(session, task, "approve", actor, note=note or None)
    household = session.get(Household, task.household_id)
    decision = visit.decision or {}
    graduated = welfare.is_graduation(household.welfare_class, visit.welfare_class or "")
    record = _record(
        session,
        task,
        visit,
        "approved",
        actor,
        note=note,
        flags_reviewed=flags_reviewed,
        welfare_class=visit.welfare_class,
        needs=decision.get("needs", []),
        deprivations=decision.get("deprivations", []),
        rule_set_version=visit.rule_set_version,
        graduated=graduated,
        reasons=_reasons_of(visit, decision),
    )
    _remember(household, visit)
    message = _household_message(session, household, task, visit, record)
    if message is not None:
        outbox.add(session, message)
    return view(record)


def reject(
    session: Session, task_id: int, actor: str, reasons: list[str], note: str = ""
) -> dict[str, Any]:
    """Refuse the household's claim, with the supervisor's reasons and the visit's evidence."""
    if not reasons:
        raise Invalid({"reasons": ["give at least one reason / sebutkan alasan"]})
    task = tasks.get_task(session, task_id, lock=True)
    visit = latest_visit(session, task.id)
    _check_checker(session, task, actor, flags_reviewed=True)
    tasks.move(session, task, "reject", actor, note=note or None)
    household = session.get(Household, task.household_id)
    record = _record(
        session,
        task,
        visit,
        "rejected",
        actor,
        note=note,
        flags_reviewed=True,
        welfare_class=visit.welfare_class,
        rule_set_version=visit.rule_set_version,
        reasons=list(reasons),
    )
    outbox.add(session, _rejected(household, task, visit, record, session))
    return view(record)


def return_visit(session: Session, task_id: int, actor: str, note: str) -> dict[str, Any]:
    """Send the visit back to its verifier: something is missing or wrong, say what."""
    if not note.strip():
        raise Invalid({"note": ["say what to fix / sebutkan yang harus diperbaiki"]})
    task = tasks.get_task(session, task_id, lock=True)
    visit = latest_visit(session, task.id)
    _check_role(session, actor)
    tasks.move(session, task, "return", actor, note=note)
    record = _record(session, task, visit, "returned", actor, note=note, reasons=["returned"])
    return view(record)


def assign_second_verifier(session: Session, task_id: int, verifier: str, actor: str) -> dict:
    """A flagged visit may be checked by a second verifier instead of the supervisor alone."""
    task = tasks.get_task(session, task_id, lock=True)
    _check_role(session, actor)
    if task.state != "submitted":
        raise lifecycle.IllegalTransition(task.state, "assign_second_verifier")
    staff = session.get(Staff, verifier)
    if staff is None or staff.role != "verifier" or not staff.active:
        raise Invalid({"verifier": [f"no active verifier {verifier!r}"]})
    if verifier in _visitors(session, task.id, with_late=True):
        raise Invalid({"verifier": ["must be another verifier / harus verifikator lain"]})
    task.second_assignee = verifier
    session.add(
        TaskTransition(
            task_id=task.id,
            from_state=task.state,
            to_state=task.state,
            action="assign_second_verifier",
            actor=actor,
            note=verifier,
            assignee=verifier,
        )
    )
    return {"task_id": task.id, "second_assignee": verifier}


# --- the checker ---------------------------------------------------------------------------------


def _check_role(session: Session, actor: str) -> Staff:
    staff = session.get(Staff, actor)
    if staff is None or not staff.active or staff.role not in ("supervisor", "admin"):
        raise Refused("not_supervisor", lifecycle.REFUSALS["not_supervisor"]["en"])
    return staff


def _check_checker(session: Session, task: Task, actor: str, *, flags_reviewed: bool) -> None:
    """Maker-checker: a supervisor decides, never on a visit of their own; a flagged visit needs
    a second verifier's visit or the supervisor's explicit review of its flags."""
    staff = session.get(Staff, actor)
    visitors = _visitors(session, task.id)  # a late visit is seen, it is no second opinion
    raised = session.scalars(
        sa.select(FlagRecord.code)
        .join(Visit, Visit.id == FlagRecord.visit_id)
        .where(Visit.task_id == task.id, sa.not_(Visit.late))
    ).all()
    first = visitors[0] if visitors else ""
    own = actor in _visitors(session, task.id, with_late=True)
    refusal = lifecycle.approval_refusal(
        approver=actor,
        approver_role=staff.role if staff is not None and staff.active else "",
        visitor=actor if own else first,  # any visit of theirs is their own
        flags=list(raised),
        flags_reviewed=flags_reviewed,
        second_visit_by=next((v for v in visitors if v != first), None),
    )
    if refusal is not None:
        message = lifecycle.REFUSALS[refusal]
        raise Refused(refusal, f"{message['en']} / {message['id']}")


def _visitors(session: Session, task_id: int, with_late: bool = False) -> list[str]:
    """The verifiers who visited for this task, first visit first (late visits too when
    ``with_late``)."""
    query = sa.select(Visit.verifier).where(Visit.task_id == task_id)
    if not with_late:
        query = query.where(sa.not_(Visit.late))
    rows = session.execute(query.order_by(Visit.id)).all()
    seen: list[str] = []
    for (who,) in rows:
        if who not in seen:
            seen.append(who)
    return seen


# --- what the decision tells --------------------------------------------------------------------


def _remember(household: Household, visit: Visit) -> None:
    """Keep the household's class and put its next re-verification on the calendar."""
    if visit.outcome != "found":
        return
    household.welfare_class = visit.welfare_class
    household.verified_at = tasks.now()
    household.reverify_at = tasks.now() + timedelta(days=settings.reverification_days())


def _household_message(session, household, task, visit, record) -> dict[str, Any] | None:
    if visit.outcome in GONE:
        return _rejected(household, task, visit, record, session)
    if visit.outcome != "found":
        return None
    if welfare.is_verified(visit.welfare_class or "", record.graduated, record.needs or ()):
        return _verified(session, household, task, visit, record)
    return _rejected(household, task, visit, record, session)


def _verified(session, household, task, visit, record) -> dict[str, Any]:
    return events.envelope(
        "household_verified",
        {
            "household_id": household.id,
            "welfare_class": visit.welfare_class,
            "needs": record.needs,
            "rule_set_version": visit.rule_set_version,
            "graduated": record.graduated,
            "decision_id": record.id,
            "task_id": task.id,
            "deprivations": list(record.deprivations),
            "evidence": _evidence(session, visit),
            "desa_code": household.desa_code,
            "kecamatan_code": household.kecamatan_code,
            "member_count": household.member_count,
            "pmks": sorted(set(household.pmks or []) | set(_observed_pmks(visit))),
            "verified_by": visit.verifier,
            "approved_by": record.decided_by,
        },
        household.correlation_id,
    )


def _rejected(household, task, visit, record, session) -> dict[str, Any]:
    return events.envelope(
        "household_rejected",
        {
            "household_id": household.id,
            "reasons": list(record.reasons),
            "decision_id": record.id,
            "task_id": task.id,
            "evidence": _evidence(session, visit),
            "rule_set_version": visit.rule_set_version,
            "decided_by": record.decided_by,
        },
        household.correlation_id,
    )


def _reasons_of(visit: Visit, decision: dict[str, Any]) -> list[str]:
    """Why, in codes a reader can look up: the visit's outcome, or the class and deprivations."""
    if visit.outcome != "found":
        return [f"visit_outcome:{visit.outcome}"]
    return [f"welfare_class:{visit.welfare_class}", f"score:{decision.get('score')}"] + [
        f"deprivation:{code}" for code in decision.get("deprivations", [])
    ]


def _observed_pmks(visit: Visit) -> list[str]:
    return list((visit.answers or {}).get("pmks") or [])


def _evidence(session: Session, visit: Visit) -> list[str]:
    return list(
        session.scalars(
            sa.select(Photo.sha256).where(Photo.visit_id == visit.id).order_by(Photo.kind)
        ).all()
    )


def _record(session, task, visit, outcome, actor, **values) -> DecisionRecord:
    record = DecisionRecord(
        task_id=task.id,
        visit_id=visit.id,
        household_id=task.household_id,
        outcome=outcome,
        decided_by=actor,
        **{k: v for k, v in values.items() if v is not None},
    )
    session.add(record)
    session.flush()
    return record


def view(record: DecisionRecord) -> dict[str, Any]:
    return {
        "decision_id": record.id,
        "task_id": record.task_id,
        "visit_id": record.visit_id,
        "household_id": record.household_id,
        "outcome": record.outcome,
        "welfare_class": record.welfare_class,
        "needs": record.needs or [],
        "deprivations": list(record.deprivations or []),
        "rule_set_version": record.rule_set_version,
        "reasons": list(record.reasons or []),
        "graduated": bool(record.graduated),
        "flags_reviewed": bool(record.flags_reviewed),
        "decided_by": record.decided_by,
        "note": record.note,
        "decided_at": record.decided_at.isoformat() if record.decided_at else None,
    }
