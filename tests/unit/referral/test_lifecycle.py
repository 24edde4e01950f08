"""The referral state machine and what an agency's status update may do to it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.referral.domain import lifecycle
from sipmas.events import OPD_STATUSES, REFERRAL_STATES

LEGAL = [
    ("created", "send", "sent"),
    ("sent", "receive", "received"),
    ("sent", "start", "in_progress"),
    ("received", "start", "in_progress"),
    ("received", "complete", "completed"),
    ("in_progress", "complete", "completed"),
    ("sent", "reject", "rejected"),
    ("received", "reject", "rejected"),
    ("in_progress", "reject", "rejected"),
    ("completed", "close", "closed"),
    ("rejected", "close", "closed"),
    ("rejected", "reroute", "rerouted"),
    ("created", "cancel", "cancelled"),
    ("sent", "cancel", "cancelled"),
    ("received", "cancel", "cancelled"),
    ("in_progress", "cancel", "cancelled"),
    ("completed", "cancel", "cancelled"),
    ("rejected", "cancel", "cancelled"),
]


@pytest.mark.parametrize(("state", "action", "expected"), LEGAL)
def test_every_legal_transition(state, action, expected):
    assert lifecycle.next_state(state, action) == expected


def test_the_table_is_exactly_the_legal_transitions_over_the_contracts_states():
    assert {(s, a): t for s, a, t in LEGAL} == lifecycle.TRANSITIONS
    used = {s for s, _, _ in LEGAL} | {t for _, _, t in LEGAL}
    assert used == set(REFERRAL_STATES)
    assert {"closed", "rerouted", "cancelled"} == lifecycle.FINAL


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("created", "receive"),  # an agency cannot receive what was never sent
        ("sent", "complete"),  # nor complete what it never acknowledged or started
        ("created", "reject"),
        ("completed", "reject"),
        ("in_progress", "close"),  # only a completed or rejected referral closes
        ("sent", "reroute"),
        ("closed", "cancel"),
        ("rerouted", "send"),
        ("cancelled", "send"),
        ("sent", "teleport"),
        ("nowhere", "send"),
    ],
)
def test_an_illegal_transition_is_refused_naming_state_and_action(state, action):
    with pytest.raises(lifecycle.IllegalTransition) as caught:
        lifecycle.next_state(state, action)

    assert isinstance(caught.value, ValueError)
    assert (caught.value.state, caught.value.action) == (state, action)
    message = str(caught.value)
    assert f"'{action}'" in message and f"'{state}'" in message
    assert "not allowed" in message and "tidak boleh" in message


@pytest.mark.parametrize("state", sorted(lifecycle.FINAL))
def test_final_states_allow_nothing(state):
    assert lifecycle.allowed_actions(state) == ()


@pytest.mark.parametrize("state", sorted(set(REFERRAL_STATES) - lifecycle.FINAL))
def test_anything_not_final_can_be_cancelled(state):
    assert "cancel" in lifecycle.allowed_actions(state)


@given(st.lists(st.sampled_from(sorted({a for _, a in lifecycle.TRANSITIONS})), max_size=12))
def test_any_walk_stays_in_the_contracts_states_and_stops_at_a_final_one(actions):
    state = "created"
    for action in actions:
        if action in lifecycle.allowed_actions(state):
            state = lifecycle.next_state(state, action)
        assert state in REFERRAL_STATES
    assert (lifecycle.allowed_actions(state) == ()) == (state in lifecycle.FINAL)


# --- agency updates -----------------------------------------------------------------------------


def test_every_agency_status_asks_for_an_action():
    assert set(lifecycle.AGENCY_ACTIONS) == set(OPD_STATUSES)
    assert set(lifecycle.REQUIRED) <= {a for _, a in lifecycle.TRANSITIONS}


@pytest.mark.parametrize(
    ("state", "update", "verdict"),
    [
        ("sent", {"status": "accepted"}, None),
        ("sent", {"status": "in_progress"}, None),
        ("received", {"status": "in_progress"}, None),
        ("in_progress", {"status": "completed", "evidence_ref": "BAST-017"}, None),
        ("received", {"status": "completed", "evidence_ref": "ab" * 32}, None),
        ("sent", {"status": "rejected", "reason": "kuota habis"}, None),
        ("received", {"status": "accepted"}, "no_change"),
        ("in_progress", {"status": "in_progress"}, "no_change"),
        ("in_progress", {"status": "accepted"}, "illegal_transition"),  # received long ago
        ("sent", {"status": "completed", "evidence_ref": "x"}, "illegal_transition"),
        ("completed", {"status": "completed", "evidence_ref": "x"}, "illegal_transition"),
        ("closed", {"status": "rejected", "reason": "x"}, "illegal_transition"),
        ("cancelled", {"status": "accepted"}, "illegal_transition"),
        ("in_progress", {"status": "completed"}, "evidence_required"),
        ("in_progress", {"status": "completed", "evidence_ref": "  "}, "evidence_required"),
        ("sent", {"status": "rejected"}, "reason_required"),
        ("received", {"status": "rejected", "reason": ""}, "reason_required"),
        ("sent", {"status": "finished"}, "invalid"),
        ("sent", {}, "invalid"),
    ],
)
def test_an_update_is_applied_ignored_or_refused_with_a_code(state, update, verdict):
    found = lifecycle.update_refusal(state, update)

    assert (found and found[0]) == verdict


@pytest.mark.parametrize(
    ("state", "update", "field"),
    [
        ("in_progress", {"status": "completed"}, "evidence_ref"),
        ("sent", {"status": "rejected"}, "reason"),
        ("sent", {"status": "completed", "evidence_ref": "x"}, "status"),
        ("sent", {"status": "finished"}, "status"),
    ],
)
def test_a_refusal_names_the_field(state, update, field):
    code, fields = lifecycle.update_refusal(state, update)

    assert list(fields) == [field] and fields[field]
    assert code in lifecycle.REFUSALS


def test_every_refusal_reads_in_both_languages():
    assert set(lifecycle.REFUSALS) == {
        "unknown_referral",
        "not_your_referral",
        "illegal_transition",
        "evidence_required",
        "reason_required",
        "invalid",
        "sender_mismatch",
    }
    for reason in lifecycle.REFUSALS.values():
        assert set(reason) == {"id", "en"} and all(reason.values())


@pytest.mark.parametrize(
    ("states", "settled"),
    [
        ([], False),  # a case without referrals is not settled: something went wrong
        (["closed"], True),
        (["closed", "rerouted", "closed", "cancelled"], True),
        (["rerouted", "sent"], False),  # the successor still works
        (["completed"], False),  # not closed yet
        (["rejected"], False),
    ],
)
def test_a_case_is_settled_when_every_referral_is_final(states, settled):
    assert lifecycle.case_settled(iter(states)) is settled
