"""Where tasks come from and where they go, on the real database: registered households become
tasks for the verifiers of their area with balanced loads; overdue tasks move on; re-checks fall
due. Each test drives the use cases the service's entrypoints call."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.verification.errors import NotFound
from services.verification.models import Household, Task, TaskTransition
from services.verification.use_cases import intake, tasks
from sipmas import events
from tests.verification.conftest import SANGATTA_UTARA, add_staff, register_household, registered

KECAMATAN, DESA = SANGATTA_UTARA
OTHER_DESA = "64.08.04.2011"


def _outbox(session, event_type: str) -> list[dict]:
    rows = session.execute(
        sa.text("SELECT body FROM outbox WHERE routing_key = :t ORDER BY id"), {"t": event_type}
    ).scalars()
    return list(rows)


def test_a_registered_claim_becomes_a_task_for_the_verifier_of_its_desa(session):
    add_staff(session, "ani", desa=[DESA])
    add_staff(session, "budi", kecamatan=[KECAMATAN])
    add_staff(session, "citra", desa=[OTHER_DESA])

    task = register_household(session, 101)

    assert (task.state, task.assignee, task.reason) == ("assigned", "ani", "registered")
    [created] = _outbox(session, "verification_task_created")
    assert created["data"]["household_id"] == 101
    assert created["data"]["assignee"] == "ani"
    assert events.validate_event(created)["data"]["task_id"] == task.id
    assert "nik" not in str(created).lower()


def test_the_registry_event_delivered_twice_opens_one_task(session):
    add_staff(session, "ani", desa=[DESA])
    event = registered(102)

    intake.on_registered(session, "verification.on_household_registered", event)
    again = intake.on_registered(session, "verification.on_household_registered", event)

    assert again is None
    assert session.scalar(sa.select(sa.func.count()).select_from(Task)) == 1
    assert len(_outbox(session, "verification_task_created")) == 1


def test_a_dtsen_household_above_the_target_desil_is_kept_but_not_sent_to_the_field(session):
    add_staff(session, "ani", desa=[DESA])

    assert register_household(session, 103, source="dtsen", desil=8) is None
    assert register_household(session, 104, source="dtsen", desil=3).state == "assigned"
    assert session.get(Household, 103).desil == 8  # known, so an operator can still ask
    assert intake.request(session, 103, actor="operator-1").reason == "requested"


def test_tasks_are_balanced_between_the_verifiers_of_an_area(session):
    add_staff(session, "ani", desa=[DESA])
    add_staff(session, "dewi", desa=[DESA])

    assignees = [register_household(session, 200 + i).assignee for i in range(6)]

    assert sorted(assignees) == ["ani"] * 3 + ["dewi"] * 3


def test_a_household_without_a_verifier_in_its_area_waits_open(session):
    add_staff(session, "citra", desa=[OTHER_DESA])

    task = register_household(session, 300)

    assert (task.state, task.assignee) == ("open", None)


def test_asking_twice_for_a_household_with_a_live_task_gives_the_same_task(session):
    add_staff(session, "ani", desa=[DESA])
    first = register_household(session, 301)

    assert intake.request(session, 301, actor="operator-1").id == first.id
    with pytest.raises(NotFound):
        intake.request(session, 99999, actor="operator-1")


def test_an_overdue_task_is_reassigned_once_then_escalated(session):
    add_staff(session, "ani", desa=[DESA])
    add_staff(session, "dewi", desa=[DESA])
    task = register_household(session, 400)
    first = task.assignee

    later = tasks.now() + timedelta(days=60)
    assert tasks.sweep_overdue(session, at=later) == {"reassign": 1, "escalate": 0}
    assert (task.state, task.reassignments) == ("assigned", 1)
    assert task.assignee != first

    assert tasks.sweep_overdue(session, at=later + timedelta(days=60)) == {
        "reassign": 0,
        "escalate": 1,
    }
    assert (task.state, task.assignee) == ("open", None)
    assert task.escalated_at is not None
    actions = session.scalars(
        sa.select(TaskTransition.action)
        .where(TaskTransition.task_id == task.id)
        .order_by(TaskTransition.id)
    ).all()
    assert actions == ["create", "assign", "reassign", "escalate"]


def test_a_resolved_case_schedules_the_recheck_and_the_clock_opens_it(session):
    add_staff(session, "ani", desa=[DESA])
    task = register_household(session, 500)
    task.state = "approved"  # as after a decision
    session.flush()
    resolved = events.envelope("case_resolved", {"household_id": 500, "case_id": 7})

    intake.on_case_resolved(session, "verification.on_case_resolved", resolved)
    intake.on_case_resolved(session, "verification.on_case_resolved", resolved)  # redelivered

    household = session.get(Household, 500)
    assert household.reverify_at > tasks.now() + timedelta(days=30)
    assert tasks.reverifications_due(session) == 0
    assert tasks.reverifications_due(session, at=household.reverify_at) == 1
    live = tasks.live_task(session, 500)
    assert (live.reason, live.state, live.assignee) == ("reverification", "assigned", "ani")
    assert household.reverify_at is None
