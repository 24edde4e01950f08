"""Dinsos staff's referral list with each household by head and address
(``services/gateway/domain/referral_lists.py``)."""

from __future__ import annotations

from services.gateway.domain import referral_lists

FOUND = {
    "id": 7,
    "head_name": "SITI AMINAH",
    "alamat": "JL. MASABA",
    "rt": "007",
    "rw": "003",
    "desa_code": "64.08.04.2001",
    "kecamatan_code": "64.08.04",
    "members": 4,
    "head_nik": "6408********0001",
    "status": "verified",
}


def test_each_household_once_in_the_lists_order():
    referrals = [{"household_id": 9}, {"household_id": 7}, {"household_id": 9}, {"x": 1}]
    assert referral_lists.household_ids(referrals) == [9, 7]
    assert referral_lists.household_ids([{"household": {"household_id": 3}}]) == [3]


def test_the_ids_go_in_pieces_the_registry_takes():
    pieces = list(referral_lists.batches(list(range(2500))))
    assert [len(p) for p in pieces] == [1000, 1000, 500]
    assert [i for p in pieces for i in p] == list(range(2500))


def test_a_referral_gets_its_household_as_the_agency_view_names_it_and_no_nik():
    listed = referral_lists.with_households(
        [{"referral_id": 1, "household_id": 7}, {"referral_id": 2, "household_id": 8}], [FOUND]
    )
    assert listed[0]["household"] == {
        "household_id": 7,
        "head_name": "SITI AMINAH",
        "alamat": "JL. MASABA",
        "rt": "007",
        "rw": "003",
        "desa_code": "64.08.04.2001",
        "kecamatan_code": "64.08.04",
        "member_count": 4,
    }
    assert listed[1]["household"] is None  # outside the caller's area, or gone
