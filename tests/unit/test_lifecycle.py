"""The lifecycle state machine, as a table of cases and as properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registry.domain import lifecycle as lc
from sipmas.events import LIFECYCLE_STATUSES


@pytest.mark.parametrize(
    ("current", "action", "expected"),
    [
        ("registered", "request_verification", "awaiting_verification"),
        ("awaiting_verification", "verify_eligible", "verified_eligible"),
        ("awaiting_verification", "verify_not_eligible", "not_eligible"),
        ("verified_eligible", "refer", "referred"),
        # classed not poor (or graduated), referred for a PMKS or adminduk need all the same
        ("not_eligible", "refer", "referred"),
        ("graduated", "refer", "referred"),
        ("referred", "start_intervention", "in_intervention"),
        ("in_intervention", "resolve_case", "awaiting_verification"),
        ("awaiting_verification", "graduate", "graduated"),
        ("graduated", "request_verification", "awaiting_verification"),
        ("in_intervention", "close", "closed"),
        ("closed", "reopen", "registered"),
    ],
)
def test_legal_moves(current, action, expected):
    assert lc.next_status(current, action) == expected


@pytest.mark.parametrize(
    ("current", "action"),
    [
        ("registered", "refer"),  # nobody is referred before verification
        ("awaiting_verification", "refer"),
        ("registered", "start_intervention"),
        ("closed", "close"),
        ("closed", "verify_eligible"),
        ("registered", "teleport"),
    ],
)
def test_illegal_moves_are_refused_with_both_languages(current, action):
    with pytest.raises(lc.IllegalTransition) as caught:
        lc.next_status(current, action)
    assert "not allowed" in str(caught.value) and "tidak boleh" in str(caught.value)


@given(st.sampled_from(LIFECYCLE_STATUSES), st.sampled_from(sorted(lc.TRANSITIONS)))
def test_every_move_lands_on_a_known_status(current, action):
    try:
        assert lc.next_status(current, action) in LIFECYCLE_STATUSES
    except lc.IllegalTransition:
        assert current not in lc.TRANSITIONS[action][0]


def test_every_status_can_be_left_except_by_closing_twice():
    for status in LIFECYCLE_STATUSES:
        exits = {
            action: lc.next_status(status, action)
            for action, (sources, _) in lc.TRANSITIONS.items()
            if status in sources
        }
        assert exits, f"{status} is a dead end"
        if status != "closed":
            assert exits["close"] == "closed"
    with pytest.raises(lc.IllegalTransition):
        lc.next_status("closed", "close")


def test_in_care_while_not_poor_is_said_of_a_referred_household_classed_not_poor():
    assert lc.in_care_while_not_poor("referred", "tidak_miskin")
    assert lc.in_care_while_not_poor("in_intervention", "tidak_miskin")
    assert not lc.in_care_while_not_poor("referred", "miskin")
    assert not lc.in_care_while_not_poor("not_eligible", "tidak_miskin")
    assert lc.reason_for_event("case_opened", {"needs": ["pmks.lansia_telantar"]}, "miskin") == (
        "case_opened"
    )


@pytest.mark.parametrize(
    ("event_type", "data", "current", "action"),
    [
        ("verification_task_created", {}, "registered", "request_verification"),
        ("verification_task_created", {}, "awaiting_verification", None),
        (
            "household_verified",
            {"welfare_class": "miskin"},
            "awaiting_verification",
            "verify_eligible",
        ),
        (
            "household_verified",
            {"welfare_class": "tidak_miskin"},
            "awaiting_verification",
            "verify_not_eligible",
        ),
        (
            "household_verified",
            {"welfare_class": "tidak_miskin", "graduated": True},
            "awaiting_verification",
            "graduate",
        ),
        ("household_rejected", {"reasons": ["x"]}, "awaiting_verification", "verify_not_eligible"),
        ("case_opened", {}, "verified_eligible", "refer"),
        ("referral_status_changed", {"to_status": "in_progress"}, "referred", "start_intervention"),
        ("referral_status_changed", {"to_status": "in_progress"}, "in_intervention", None),
        ("referral_status_changed", {"to_status": "sent"}, "referred", None),
        ("case_resolved", {}, "in_intervention", "resolve_case"),
    ],
)
def test_events_mean_actions(event_type, data, current, action):
    assert lc.action_for_event(event_type, data, current) == action
