"""Service-level targets at and around their deadlines, and who hears when one is missed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.referral.domain import routing, sla
from sipmas import reference

SENT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ROUTE = routing.Route("r", "perkim", "RTLH", False, 14, 180, ())
RECEIVE_BY, COMPLETE_BY = sla.due_dates(SENT, ROUTE)
SECOND = timedelta(seconds=1)


def test_targets_count_calendar_days_from_sending():
    assert datetime(2026, 3, 16, 8, 0, tzinfo=UTC) == RECEIVE_BY
    assert datetime(2026, 8, 29, 8, 0, tzinfo=UTC) == COMPLETE_BY
    assert sla.due_dates(SENT, routing.default_table().rules[0]) == (RECEIVE_BY, COMPLETE_BY)


@pytest.mark.parametrize(
    ("state", "now", "stage"),
    [
        ("sent", RECEIVE_BY - SECOND, None),
        ("sent", RECEIVE_BY, None),  # on the dot is on time
        ("sent", RECEIVE_BY + SECOND, "receive"),
        ("created", RECEIVE_BY + SECOND, "receive"),
        ("received", RECEIVE_BY + SECOND, None),
        ("in_progress", RECEIVE_BY + SECOND, None),
        ("sent", COMPLETE_BY, "receive"),
        ("sent", COMPLETE_BY + SECOND, "complete"),  # the later stage is not hidden
        ("received", COMPLETE_BY, None),
        ("received", COMPLETE_BY + SECOND, "complete"),
        ("in_progress", COMPLETE_BY + SECOND, "complete"),
        ("completed", COMPLETE_BY + SECOND, None),
        ("rejected", COMPLETE_BY + SECOND, None),  # Dinsos's move now, not the agency's
        ("closed", COMPLETE_BY + SECOND, None),
        ("rerouted", COMPLETE_BY + SECOND, None),
        ("cancelled", RECEIVE_BY + SECOND, None),
    ],
)
def test_the_stage_overdue(state, now, stage):
    found = sla.overdue_stage(state=state, receive_by=RECEIVE_BY, complete_by=COMPLETE_BY, now=now)

    assert found == stage


EARLY = st.timedeltas(min_value=timedelta(days=-3650), max_value=timedelta(0))


@given(st.sampled_from(sorted(sla.AWAITING_COMPLETION)), EARLY)
def test_nothing_is_overdue_before_the_receive_target(state, early):
    found = sla.overdue_stage(
        state=state, receive_by=RECEIVE_BY, complete_by=COMPLETE_BY, now=RECEIVE_BY + early
    )

    assert found is None


@pytest.mark.parametrize("stage", sla.STAGES)
def test_a_late_agency_and_dinsos_hear_of_it(stage):
    assert sla.escalation_recipients("perkim", stage) == ("perkim", "dinsos")


@pytest.mark.parametrize("stage", sla.STAGES)
def test_a_late_dinsos_is_escalated_to_bappeda_as_tkpkd_secretariat(stage):
    assert sla.escalation_recipients("dinsos", stage) == ("dinsos", "bappeda")


def test_every_recipient_is_a_known_agency():
    for opd in reference.opd_codes():
        assert set(sla.escalation_recipients(opd, "receive")) <= reference.opd_codes()


def test_an_unknown_stage_is_refused():
    with pytest.raises(ValueError, match="late"):
        sla.escalation_recipients("perkim", "late")
