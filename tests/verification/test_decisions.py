"""A supervisor's decision on the real database: maker-checker holds, a flagged visit needs a
second verifier or a review, and each outcome tells the registry what it should hear — with the
decision explained by the rule set that made it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.verification.domain.lifecycle import IllegalTransition
from services.verification.domain.questionnaire import sample_answers
from services.verification.errors import Invalid, Refused
from services.verification.use_cases import decisions, visits
from services.verification.use_cases import history as records
from sipmas import events
from tests.verification.conftest import (
    DESA_CODE,
    add_staff,
    load,
    poor_answers,
    register_household,
    visit_payload,
)


@pytest.fixture
def staff(session):
    add_staff(session, "ani", desa=[DESA_CODE])
    add_staff(session, "sri", role="supervisor")
    add_staff(session, "operator-1", role="operator")


def _visited(session, household_id: int, answers, **overrides):
    task = register_household(session, household_id, **overrides.pop("household", {}))
    visits.submit(session, load(visit_payload(task.id, task.assignee, answers, **overrides)))
    return task


def _last_event(session, event_type: str) -> dict:
    body = session.scalar(
        sa.text("SELECT body FROM outbox WHERE routing_key = :t ORDER BY id DESC LIMIT 1"),
        {"t": event_type},
    )
    return events.validate_event(body)["data"] if body else None


def test_approving_a_poor_household_verifies_it_with_its_needs_and_evidence(session, staff):
    task = _visited(session, 1, poor_answers())

    decision = decisions.approve(session, task.id, "sri")

    assert (decision["outcome"], task.state) == ("approved", "approved")
    verified = _last_event(session, "household_verified")
    assert verified["household_id"] == 1
    assert verified["welfare_class"] == "sangat_miskin"
    assert verified["rule_set_version"] == "2026.1"
    assert verified["approved_by"] == "sri" and verified["verified_by"] == "ani"
    assert len(verified["evidence"]) == 5
    needs = {need["code"]: need["reasons"] for need in verified["needs"]}
    assert "lantai_tanah" in needs["rumah"] and "makan_kurang" in needs["pangan"]


def test_a_household_found_not_poor_is_rejected_with_reasons_and_evidence(session, staff):
    task = _visited(session, 2, sample_answers())

    decisions.approve(session, task.id, "sri")

    rejected = _last_event(session, "household_rejected")
    assert rejected["household_id"] == 2
    assert "welfare_class:tidak_miskin" in rejected["reasons"]
    assert len(rejected["evidence"]) == 5
    assert _last_event(session, "household_verified") is None


def test_a_household_once_eligible_and_now_not_poor_is_reported_as_graduated(session, staff):
    first = _visited(session, 3, poor_answers())
    decisions.approve(session, first.id, "sri")
    again = register_household(session, 3)  # a new task: the re-verification
    assert again.id != first.id
    visits.submit(session, load(visit_payload(again.id, "ani", sample_answers())))

    decision = decisions.approve(session, again.id, "sri")

    assert decision["graduated"] is True
    verified = _last_event(session, "household_verified")
    assert (verified["welfare_class"], verified["graduated"]) == ("tidak_miskin", True)


def test_only_supervisors_approve(session, staff):
    task = _visited(session, 4, poor_answers())

    for actor, code in [("ani", "not_supervisor"), ("operator-1", "not_supervisor")]:
        with pytest.raises(Refused) as refused:
            decisions.approve(session, task.id, actor)
        assert refused.value.code == code
    assert task.state == "submitted"


def test_a_supervisor_who_made_the_visit_may_not_approve_it(session, staff):
    add_staff(session, "sri", role="supervisor", desa=[DESA_CODE])
    task = register_household(session, 5)
    task.assignee = "sri"
    visits.submit(session, load(visit_payload(task.id, "sri", poor_answers())))

    with pytest.raises(Refused) as refused:
        decisions.approve(session, task.id, "sri")

    assert refused.value.code == "own_visit"
    assert task.state == "submitted"


def test_a_flagged_visit_needs_a_review_or_a_second_verifier(session, staff):
    add_staff(session, "budi", desa=["64.08.04.2011"])
    task = _visited(session, 6, poor_answers(has_car=True))

    with pytest.raises(Refused) as refused:
        decisions.approve(session, task.id, "sri")
    assert refused.value.code == "flags_unreviewed"

    decisions.assign_second_verifier(session, task.id, "budi", "sri")
    second = visits.submit(session, load(visit_payload(task.id, "budi", poor_answers())))
    assert second["flags"] == []
    decision = decisions.approve(session, task.id, "sri")

    assert decision["visit_id"] == second["visit_id"]  # the second visit's findings count
    assert task.state == "approved"


def test_a_supervisor_who_reviewed_the_flags_may_approve(session, staff):
    task = _visited(session, 7, poor_answers(has_car=True))

    decision = decisions.approve(session, task.id, "sri", flags_reviewed=True, note="car is a taxi")

    assert decision["flags_reviewed"] is True


def test_a_false_claim_is_rejected_with_the_supervisors_reasons(session, staff):
    task = _visited(session, 8, poor_answers(has_car=True))

    with pytest.raises(Invalid):
        decisions.reject(session, task.id, "sri", [])
    decisions.reject(session, task.id, "sri", ["mengaku miskin: punya mobil"])

    rejected = _last_event(session, "household_rejected")
    assert rejected["reasons"] == ["mengaku miskin: punya mobil"]
    assert task.state == "rejected"
    with pytest.raises(IllegalTransition):
        decisions.approve(session, task.id, "sri", flags_reviewed=True)


def test_a_returned_visit_goes_back_to_its_verifier_and_comes_back_fixed(session, staff):
    task = _visited(session, 9, poor_answers())

    with pytest.raises(Invalid):
        decisions.return_visit(session, task.id, "sri", " ")
    decisions.return_visit(session, task.id, "sri", "foto atap buram")
    assert (task.state, task.assignee) == ("returned", "ani")
    visits.submit(session, load(visit_payload(task.id, "ani", poor_answers())))
    decisions.approve(session, task.id, "sri")

    history = records.history(session, 9)
    [record] = history["tasks"]
    assert [d["outcome"] for d in record["decisions"]] == ["returned", "approved"]
    assert [t["action"] for t in record["transitions"]] == [
        "create",
        "assign",
        "start_visit",
        "submit",
        "return",
        "start_visit",
        "submit",
        "approve",
    ]


def test_the_history_explains_every_decision_by_its_rule_set(session, staff):
    task = _visited(session, 10, poor_answers())
    decisions.approve(session, task.id, "sri")

    [record] = records.history(session, 10)["tasks"]
    [visit] = record["visits"]

    explained = {line["code"] for line in visit["explanation"]}
    assert {"lantai_tanah", "makan_kurang"} <= explained
    assert all(line.get("label_id") for line in visit["explanation"])
    assert visit["rule_set_version"] == "2026.1"


def test_a_deceased_household_is_rejected_naming_the_outcome(session, staff):
    task = _visited(session, 11, None, outcome="deceased")

    decisions.approve(session, task.id, "sri")

    assert _last_event(session, "household_rejected")["reasons"] == ["visit_outcome:deceased"]
