"""What an agency sees: its own referral and the persons it concerns, a NIK only where the
programme registers people by NIK; every message valid under ``sipmas.events.OpdReferral``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.referral.domain import contract, routing, sla
from sipmas import events
from tests.unit.referral.builders import household, member

TABLE = routing.default_table()
NIKS = ["6408041403820001", "6408045406860002", "6408045003160003", "6408041201080004"]
MEMBERS = [
    {"index": 0, "name": "SUPRIADI", "nik": NIKS[0], "age": 44, "sex": "L", "relation": "kepala"},
    {"index": 1, "name": "MARLINA", "nik": NIKS[1], "age": 40, "sex": "P", "relation": "istri"},
    {"index": 2, "name": "AYU", "nik": NIKS[2], "age": 10, "sex": "p", "relation": "anak"},
    {
        "index": 3,
        "name": "RAHMAT",
        "nik": NIKS[3],
        "age": 17,
        "sex": None,
        "relation": "anak",
        "pmks": ["korban_tindak_kekerasan"],
    },
]
FACTS = household(
    members=(
        member(0, 44, relation="kepala"),
        member(1, 40, relation="istri"),
        member(2, 10),
        member(3, 17, "korban_tindak_kekerasan"),
    ),
    welfare_class="miskin",
)
ADDRESS = {
    "household_id": 1,
    "kecamatan_code": "64.08.04",
    "desa_code": "64.08.04.2001",
    "rt": "003",
    "rw": "001",
    "alamat": "Jl. Poros Sangatta",
    "head_name": "SUPRIADI",
    "member_count": 4,
    "members": MEMBERS,  # what the adapter holds; never for an agency
    "needs": ["rumah", "kesehatan"],
}


def _route(need: str) -> routing.Route:
    return routing.route(need, FACTS, TABLE)


def _names(persons: list[dict]) -> list[str]:
    return [p["name"] for p in persons]


def test_a_whole_household_referral_without_nik_names_the_head_only():
    persons = contract.opd_persons(MEMBERS, _route("rumah"))

    assert persons == [
        {"name": "SUPRIADI", "nik": None, "age": 44, "sex": "L", "relation": "kepala"}
    ]


def test_a_programme_that_registers_by_nik_gets_every_member_with_nik():
    persons = contract.opd_persons(MEMBERS, _route("kesehatan"))

    assert [p["nik"] for p in persons] == NIKS


def test_a_referral_about_some_members_names_only_them():
    assert _names(contract.opd_persons(MEMBERS, _route("pendidikan"))) == ["AYU"]
    victims = contract.opd_persons(MEMBERS, _route("pmks.korban_tindak_kekerasan"))
    assert _names(victims) == ["RAHMAT"] and victims[0]["nik"] is None


def test_without_a_head_the_first_member_listed_is_the_contact():
    members = [dict(m, relation="famili_lain") for m in MEMBERS]

    assert _names(contract.opd_persons(members, _route("rumah"))) == ["SUPRIADI"]


def test_sex_is_l_or_p_or_unknown():
    persons = contract.opd_persons(MEMBERS, _route("kesehatan"))

    assert [p["sex"] for p in persons] == ["L", "P", "P", None]


def _data(need: str, persons=None, **overrides) -> dict:
    route = _route(need)
    receive_by, complete_by = sla.due_dates(datetime(2026, 3, 2, tzinfo=UTC), route)
    referral = SimpleNamespace(
        id=7,
        case_id=3,
        need=need,
        state="sent",
        opd_code=route.opd_code,
        programme=route.programme,
        rule_id=route.rule_id,
        carries_nik=route.carries_nik,
        reasons=["lantai_tanah"],
        household=ADDRESS,
        persons=contract.opd_persons(MEMBERS, route) if persons is None else persons,
        receive_by=receive_by,
        complete_by=complete_by,
        reason=None,
    )
    for name, value in overrides.items():
        setattr(referral, name, value)
    return contract.opd_referral_data(referral, "miskin")


@pytest.mark.parametrize(
    "need", ["rumah", "kesehatan", "pendidikan", "pmks.korban_tindak_kekerasan"]
)
def test_the_message_is_valid_under_the_contract(need):
    data = _data(need)

    event = events.validate_event(events.envelope("opd_referral_created", data))
    loaded = event["data"]

    assert set(data) == set(events.OpdReferral().fields)
    assert (loaded["opd_code"], loaded["need"], loaded["status"]) == (
        _route(need).opd_code,
        need,
        "sent",
    )
    assert loaded["rule_id"] == _route(need).rule_id


def test_another_agencys_data_is_never_present():
    body = json.dumps(events.envelope("opd_referral_created", _data("rumah")))

    assert all(nik not in body for nik in NIKS)
    assert "kesehatan" not in body and "MARLINA" not in body and "members" not in body


def test_a_nik_passed_in_for_a_route_that_does_not_carry_it_is_dropped():
    leaked = [dict(MEMBERS[0])]

    data = _data("rumah", persons=leaked)

    assert data["persons"][0]["nik"] is None and "index" not in data["persons"][0]


@given(
    st.lists(st.sampled_from(range(4)), unique=True).map(tuple),
    st.booleans(),
)
def test_no_nik_leaves_unless_the_route_carries_it(persons, carries_nik):
    route = routing.Route("r", "dinsos", "p", carries_nik, 7, 30, persons)

    sent = contract.opd_persons(MEMBERS, route)

    assert sent  # someone is always named
    if carries_nik:
        assert all(p["nik"] in NIKS for p in sent)
    else:
        assert all(p["nik"] is None for p in sent)
