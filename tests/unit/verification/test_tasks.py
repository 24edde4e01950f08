"""The task state machine and the maker-checker rule."""

import pytest

from services.verification.domain import lifecycle

LEGAL = [
    ("open", "assign", "assigned"),
    ("assigned", "reassign", "assigned"),
    ("assigned", "start_visit", "visited"),
    ("returned", "start_visit", "visited"),
    ("visited", "submit", "submitted"),
    ("returned", "submit", "submitted"),
    ("submitted", "approve", "approved"),
    ("submitted", "return", "returned"),
    ("submitted", "reject", "rejected"),
    ("open", "cancel", "cancelled"),
    ("assigned", "cancel", "cancelled"),
    ("visited", "cancel", "cancelled"),
    ("returned", "cancel", "cancelled"),
    ("open", "expire", "expired"),
    ("assigned", "expire", "expired"),
    ("assigned", "escalate", "open"),
]


@pytest.mark.parametrize(("state", "action", "expected"), LEGAL)
def test_every_legal_transition(state, action, expected):
    assert lifecycle.next_state(state, action) == expected


def test_the_table_is_exactly_the_legal_transitions():
    assert {(s, a): t for s, a, t in LEGAL} == lifecycle.TRANSITIONS


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("open", "approve"),  # nothing to approve before a visit
        ("open", "submit"),
        ("visited", "expire"),  # a visit under way does not expire
        ("submitted", "cancel"),  # a submitted visit is decided, not cancelled
        ("approved", "return"),
        ("approved", "cancel"),
        ("open", "escalate"),
        ("assigned", "teleport"),
        ("nowhere", "assign"),
    ],
)
def test_an_illegal_transition_is_refused_naming_state_and_action(state, action):
    with pytest.raises(lifecycle.IllegalTransition) as caught:
        lifecycle.next_state(state, action)
    assert isinstance(caught.value, ValueError)
    assert (caught.value.state, caught.value.action) == (state, action)
    assert f"'{action}'" in str(caught.value) and f"'{state}'" in str(caught.value)


@pytest.mark.parametrize("state", sorted(lifecycle.TERMINAL))
def test_terminal_states_have_no_actions(state):
    assert lifecycle.allowed_actions(state) == ()


def test_terminal_states():
    assert {"approved", "rejected", "cancelled", "expired"} == lifecycle.TERMINAL
    live = set(lifecycle.STATES) - lifecycle.TERMINAL
    assert all(lifecycle.allowed_actions(state) for state in live)


def test_allowed_actions():
    assert lifecycle.allowed_actions("assigned") == (
        "reassign",
        "start_visit",
        "cancel",
        "expire",
        "escalate",
    )
    assert lifecycle.allowed_actions("submitted") == ("approve", "return", "reject")


BASE = dict(
    approver="sri",
    approver_role="supervisor",
    visitor="andi",
    flags=[],
    flags_reviewed=False,
    second_visit_by=None,
)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, None),
        ({"approver_role": "admin"}, None),
        ({"approver_role": "verifier"}, "not_supervisor"),
        ({"approver_role": "operator"}, "not_supervisor"),
        ({"approver_role": ""}, "not_supervisor"),  # unknown or inactive staff
        ({"approver": "andi"}, "own_visit"),
        ({"approver": "sri", "second_visit_by": "sri", "flags": ["missing_gps"]}, "own_visit"),
        ({"flags": ["missing_gps"]}, "flags_unreviewed"),
        ({"flags": ["missing_gps"], "second_visit_by": "andi"}, "flags_unreviewed"),
        ({"flags": ["missing_gps"], "flags_reviewed": True}, None),
        ({"flags": ["missing_gps"], "second_visit_by": "budi"}, None),
    ],
)
def test_maker_checker(changes, expected):
    assert lifecycle.approval_refusal(**{**BASE, **changes}) == expected


def test_every_refusal_has_both_messages():
    assert set(lifecycle.REFUSALS) == {"not_supervisor", "own_visit", "flags_unreviewed"}
    assert all(m["id"] and m["en"] for m in lifecycle.REFUSALS.values())


def standing(state, assignee="ani", second=None, verifier="ani", ever=True):
    return lifecycle.visit_standing(
        state=state,
        assignee=assignee,
        second_assignee=second,
        verifier=verifier,
        ever_assigned=ever,
    )


@pytest.mark.parametrize("state", ["assigned", "visited", "returned"])
def test_the_assignees_visit_is_on_time_while_the_task_waits_for_one(state):
    assert standing(state) == lifecycle.ON_TIME


def test_a_second_verifier_visits_a_submitted_task():
    assert standing("submitted", second="budi", verifier="budi") == lifecycle.SECOND


@pytest.mark.parametrize(
    ("state", "assignee", "reason"),
    [
        ("assigned", "budi", "reassigned"),  # given to another while the phone was offline
        ("submitted", "budi", "reassigned"),
        ("open", None, "reassigned"),  # escalated back to the supervisor
        ("cancelled", "ani", "cancelled"),
        ("expired", "ani", "expired"),
        ("approved", "ani", "decided"),
        ("rejected", "budi", "decided"),
        ("submitted", "ani", "already_submitted"),  # another of ani's devices was first
    ],
)
def test_a_visit_after_the_task_moved_on_is_late_and_says_why(state, assignee, reason):
    assert standing(state, assignee=assignee) == reason
    assert reason in lifecycle.LATE_REASONS


def test_a_verifier_who_never_held_the_task_is_refused():
    assert standing("assigned", assignee="budi", ever=False) == lifecycle.NOT_YOURS
    assert standing("cancelled", assignee="budi", ever=False) == lifecycle.NOT_YOURS


def test_every_late_reason_is_told_in_both_languages():
    for message in lifecycle.LATE_REASONS.values():
        assert message["id"] and message["en"]
