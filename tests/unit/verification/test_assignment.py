"""Balanced assignment by area, and what an overdue task gets."""

from datetime import UTC, datetime, timedelta

import pytest

from services.verification.domain import assignment
from services.verification.domain.assignment import Verifier

DESA, OTHER_DESA = "64.08.04.2001", "64.08.04.2002"
KEC, OTHER_KEC = "64.08.04", "64.08.05"


def verifier(id_, desa=(), kec=(), load=0, active=True):
    return Verifier(id_, frozenset(desa), frozenset(kec), load, active)


def test_the_desa_verifier_comes_first_even_when_busier():
    team = [verifier("ani", kec=[KEC], load=0), verifier("budi", desa=[DESA], load=7)]
    assert assignment.choose_verifier(DESA, KEC, team) == "budi"


def test_else_the_kecamatan_verifier():
    team = [verifier("ani", kec=[KEC], load=3), verifier("budi", desa=[OTHER_DESA], load=0)]
    assert assignment.choose_verifier(DESA, KEC, team) == "ani"


def test_the_least_loaded_then_by_id():
    team = [
        verifier("dewi", desa=[DESA], load=2),
        verifier("citra", desa=[DESA], load=1),
        verifier("bayu", desa=[DESA], load=1),
    ]
    assert assignment.choose_verifier(DESA, KEC, team) == "bayu"
    assert assignment.choose_verifier(DESA, KEC, list(reversed(team))) == "bayu"


def test_inactive_and_excluded_verifiers_are_passed_over():
    team = [
        verifier("ani", desa=[DESA], active=False),
        verifier("budi", desa=[DESA], load=5),
        verifier("citra", kec=[KEC]),
    ]
    assert assignment.choose_verifier(DESA, KEC, team) == "budi"
    assert assignment.choose_verifier(DESA, KEC, team, exclude=frozenset({"budi"})) == "citra"


def test_nobody_for_the_area():
    team = [verifier("ani", desa=[OTHER_DESA], kec=[OTHER_KEC])]
    assert assignment.choose_verifier(DESA, KEC, team) is None
    assert assignment.choose_verifier(None, None, team) is None
    assert assignment.choose_verifier(DESA, KEC, []) is None


def test_a_household_known_only_by_kecamatan():
    team = [verifier("ani", desa=[DESA], kec=[KEC], load=4), verifier("budi", kec=[KEC], load=1)]
    assert assignment.choose_verifier(None, KEC, team) == "budi"


DUE = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
LATE = DUE + timedelta(hours=1)


@pytest.mark.parametrize(
    ("state", "now", "reassignments", "expected"),
    [
        ("assigned", DUE - timedelta(days=1), 0, None),
        ("assigned", DUE, 0, None),  # due, not yet overdue
        ("assigned", LATE, 0, "reassign"),
        ("assigned", LATE, 1, "escalate"),
        ("assigned", LATE, 3, "escalate"),
        ("open", LATE, 0, "escalate"),
        ("open", DUE, 0, None),
        ("visited", LATE, 0, None),
        ("returned", LATE, 0, None),
        ("submitted", LATE, 0, None),
        ("approved", LATE, 0, None),
    ],
)
def test_overdue_action(state, now, reassignments, expected):
    assert (
        assignment.overdue_action(state=state, due_at=DUE, now=now, reassignments=reassignments)
        == expected
    )


def test_more_reassignments_allowed():
    kwargs = dict(state="assigned", due_at=DUE, now=LATE, max_reassignments=2)
    assert assignment.overdue_action(reassignments=1, **kwargs) == "reassign"
    assert assignment.overdue_action(reassignments=2, **kwargs) == "escalate"


def test_dates():
    assert assignment.due_date(DUE, 14) == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    assert assignment.next_reverification(DUE, 365) == datetime(2027, 3, 16, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        assignment.due_date(DUE, 0)
    with pytest.raises(ValueError):
        assignment.next_reverification(DUE, -1)
