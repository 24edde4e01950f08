"""Tasks in the database: created, assigned by area with balanced load, moved through the task
state machine (``lifecycle.py``) with every move kept, swept when overdue, and re-opened when a
household's re-verification falls due. Events go to the outbox in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.verification.domain import assignment, lifecycle
from services.verification.errors import Invalid, NotFound
from services.verification.models import (
    LIVE_TASK_STATES,
    FlagRecord,
    Household,
    Staff,
    Task,
    TaskTransition,
    Visit,
)
from sipmas import events, outbox, settings

SYSTEM = "verification"
# Why a task exists; the registry's timeline shows it.
REASONS = ("registered", "requested", "reverification", "after_case")


def now() -> datetime:
    return datetime.now(UTC)


def live_task(session: Session, household_id: int) -> Task | None:
    return session.scalars(
        sa.select(Task).where(Task.household_id == household_id, Task.state.in_(LIVE_TASK_STATES))
    ).first()


def open_task(
    session: Session,
    household: Household,
    reason: str,
    *,
    actor: str = SYSTEM,
    cause_event_id: str | None = None,
) -> Task:
    """The household's live task, or a new one assigned to the least-loaded verifier of its area.

    One live task per household (a unique partial index backs this): asking twice is harmless.
    """
    existing = live_task(session, household.id)
    if existing is not None:
        return existing
    task = Task(
        household_id=household.id,
        reason=reason,
        state="open",
        due_at=assignment.due_date(now(), settings.task_due_days()),
        requested_by=actor,
        cause_event_id=cause_event_id,
    )
    session.add(task)
    session.flush()
    _record(session, task, None, "open", "create", actor, reason)
    assign_by_area(session, task, household, actor=actor)
    outbox.add(session, _task_created(task, household))
    return task


def assign_by_area(
    session: Session, task: Task, household: Household, *, actor: str, exclude=frozenset()
) -> str | None:
    """Give the task to the verifier of the household's area with the fewest open tasks."""
    chosen = assignment.choose_verifier(
        household.desa_code, household.kecamatan_code, verifier_loads(session), exclude=exclude
    )
    if chosen is not None:
        action = "assign" if task.state == "open" else "reassign"
        move(session, task, action, actor, note=f"by area -> {chosen}", assignee=chosen)
    return chosen


def assign(session: Session, task_id: int, verifier_id: str, actor: str) -> Task:
    """A supervisor places a task by hand (any verifier, even outside the usual area)."""
    task = get_task(session, task_id, lock=True)
    verifier = session.get(Staff, verifier_id)
    if verifier is None or not verifier.active or verifier.role != "verifier":
        raise Invalid({"verifier": [f"no active verifier {verifier_id!r}"]})
    action = "assign" if task.state == "open" else "reassign"
    return move(
        session, task, action, actor, note=f"by hand -> {verifier_id}", assignee=verifier_id
    )


def move(
    session: Session,
    task: Task,
    action: str,
    actor: str,
    *,
    note: str | None = None,
    assignee: str | None = None,
) -> Task:
    """Apply one action of the task state machine and keep it in the task's history."""
    before = task.state
    task.state = lifecycle.next_state(before, action)
    if assignee is not None:
        if action == "reassign":
            task.reassignments += 1
        task.assignee = assignee
    if action == "escalate":
        task.assignee = None
        task.escalated_at = now()
    task.updated_at = now()
    _record(session, task, before, task.state, action, actor, note, assignee)
    return task


def get_task(session: Session, task_id: int, *, lock: bool = False) -> Task:
    query = sa.select(Task).where(Task.id == task_id)
    task = session.scalars(query.with_for_update() if lock else query).first()
    if task is None:
        raise NotFound("task", task_id)
    return task


def verifier_loads(session: Session) -> list[assignment.Verifier]:
    """Every active verifier with the number of tasks on their desk."""
    load = (
        sa.select(Task.assignee, sa.func.count().label("n"))
        .where(Task.state.in_(("assigned", "visited", "returned")))
        .group_by(Task.assignee)
        .subquery()
    )
    rows = session.execute(
        sa.select(Staff, sa.func.coalesce(load.c.n, 0))
        .outerjoin(load, load.c.assignee == Staff.id)
        .where(Staff.role == "verifier", Staff.active)
    ).all()
    return [
        assignment.Verifier(
            id=staff.id,
            desa_codes=frozenset(staff.desa_codes or ()),
            kecamatan_codes=frozenset(staff.kecamatan_codes or ()),
            open_tasks=count,
        )
        for staff, count in rows
    ]


def task_list(session: Session, verifier_id: str, states: Sequence[str] = ()) -> list[dict]:
    """A verifier's tasks, soonest due first, with what they need to find the house; a second
    verifier also sees the submitted tasks they were asked to visit again."""
    wanted = tuple(states) or ("assigned", "visited", "returned")
    rows = session.execute(
        sa.select(Task, Household)
        .join(Household, Household.id == Task.household_id)
        .where(
            sa.or_(
                sa.and_(Task.assignee == verifier_id, Task.state.in_(wanted)),
                sa.and_(Task.second_assignee == verifier_id, Task.state == "submitted"),
            )
        )
        .order_by(Task.due_at, Task.id)
    ).all()
    return views(session, rows)


LIVE_STATES = ("open", "assigned", "visited", "submitted", "returned")


def area_tasks(
    session: Session,
    area: dict[str, Any] | None,
    states: Sequence[str] = (),
    limit: int = 200,
) -> list[dict]:
    """Tasks of the households in an area (``kecamatan_codes``/``desa_codes``; None: the
    district), soonest due first: what a supervisor follows and decides on."""
    wanted = tuple(states) or LIVE_STATES
    query = (
        sa.select(Task, Household)
        .join(Household, Household.id == Task.household_id)
        .where(Task.state.in_(wanted))
    )
    if area is not None:
        query = query.where(
            sa.or_(
                Household.desa_code.in_(list(area.get("desa_codes") or ())),
                Household.kecamatan_code.in_(list(area.get("kecamatan_codes") or ())),
            )
        )
    rows = session.execute(query.order_by(Task.due_at, Task.id).limit(limit)).all()
    return views(session, rows)


def task_of(session: Session, task_id: int) -> dict[str, Any]:
    """One task with its household (what ``task_list`` shows of it)."""
    task = get_task(session, task_id)
    return views(session, [(task, session.get(Household, task.household_id))])[0]


def views(session: Session, rows: Sequence[tuple[Task, Household]]) -> list[dict[str, Any]]:
    """Tasks as lists show them, with the flags of their visits, the late visits that came after
    the task moved on, and when they were submitted (three statements for the whole list)."""
    ids = [task.id for task, _ in rows]
    flags = dict(
        session.execute(
            sa.select(Visit.task_id, sa.func.count(FlagRecord.id))
            .join(FlagRecord, FlagRecord.visit_id == Visit.id)
            .where(Visit.task_id.in_(ids))
            .group_by(Visit.task_id)
        ).all()
    )
    late = dict(
        session.execute(
            sa.select(Visit.task_id, sa.func.count(Visit.id))
            .where(Visit.task_id.in_(ids), Visit.late)
            .group_by(Visit.task_id)
        ).all()
    )
    submitted = dict(
        session.execute(
            sa.select(TaskTransition.task_id, sa.func.max(TaskTransition.at))
            .where(TaskTransition.task_id.in_(ids), TaskTransition.to_state == "submitted")
            .group_by(TaskTransition.task_id)
        ).all()
    )
    at = now()
    return [
        {
            **task_view(task, household),
            "overdue": task.state in WAITING_FOR_A_VISIT and task.due_at < at,
            "flag_count": flags.get(task.id, 0),
            "late_visits": late.get(task.id, 0),
            "submitted_at": submitted[task.id].isoformat() if task.id in submitted else None,
        }
        for task, household in rows
    ]


WAITING_FOR_A_VISIT = frozenset({"open", "assigned", "visited", "returned"})


def task_view(task: Task, household: Household) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "state": task.state,
        "reason": task.reason,
        "assignee": task.assignee,
        "second_assignee": task.second_assignee,
        "due_at": task.due_at.isoformat(),
        "household": {
            "household_id": household.id,
            "head_name": household.head_name,
            "kecamatan_code": household.kecamatan_code,
            "desa_code": household.desa_code,
            "rt": household.rt,
            "rw": household.rw,
            "alamat": household.alamat,
            "member_count": household.member_count,
        },
    }


def sweep_overdue(session: Session, at: datetime | None = None) -> dict[str, int]:
    """Reassign or escalate every overdue task, as ``assignment.overdue_action`` decides.

    Locks with SKIP LOCKED, so two replicas sweeping at once never move the same task twice.
    """
    at = at or now()
    overdue = session.scalars(
        sa.select(Task)
        .where(Task.state.in_(("open", "assigned")), Task.due_at < at)
        .with_for_update(skip_locked=True)
    ).all()
    counts = {"reassign": 0, "escalate": 0}
    for task in overdue:
        action = assignment.overdue_action(
            state=task.state, due_at=task.due_at, now=at, reassignments=task.reassignments
        )
        if action is None:
            continue
        if action == "reassign" and _reassign_overdue(session, task):
            counts["reassign"] += 1
        elif action == "escalate" or action == "reassign":
            _escalate(session, task)
            counts["escalate"] += 1
    return counts


def _reassign_overdue(session: Session, task: Task) -> bool:
    household = session.get(Household, task.household_id)
    exclude = frozenset({task.assignee}) if task.assignee else frozenset()
    chosen = assign_by_area(session, task, household, actor=SYSTEM, exclude=exclude)
    if chosen is None:
        return False
    task.due_at = assignment.due_date(now(), settings.task_due_days())
    return True


def _escalate(session: Session, task: Task) -> None:
    """Put the task back on the supervisors' desk; it is not swept again until re-placed."""
    if task.state == "assigned":
        move(session, task, "escalate", SYSTEM, note="overdue")
    task.escalated_at = now()
    task.due_at = assignment.due_date(now(), settings.task_due_days())


def reverifications_due(session: Session, at: datetime | None = None, limit: int = 500) -> int:
    """Open a re-verification task for every household whose re-check date has come."""
    at = at or now()
    due = session.scalars(
        sa.select(Household)
        .where(Household.reverify_at <= at)
        .order_by(Household.reverify_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for household in due:
        household.reverify_at = None
        open_task(session, household, "reverification")
    return len(due)


def _record(session, task, from_state, to_state, action, actor, note, assignee=None) -> None:
    session.add(
        TaskTransition(
            task_id=task.id,
            from_state=from_state,
            to_state=to_state,
            action=action,
            actor=actor,
            note=note,
            assignee=assignee,
        )
    )


def _task_created(task: Task, household: Household) -> dict[str, Any]:
    return events.envelope(
        "verification_task_created",
        {
            "household_id": household.id,
            "task_id": task.id,
            "reason": task.reason,
            "desa_code": household.desa_code,
            "kecamatan_code": household.kecamatan_code,
            "assignee": task.assignee,
            "due_at": task.due_at,
        },
        household.correlation_id,
    )
