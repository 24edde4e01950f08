"""NIK rules in Python (``tests/registry/test_row_checks_sql.py`` holds their SQL twin to
them)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sipmas import nik


@pytest.mark.parametrize(
    ("raw", "first"),
    [
        ("", "nik_missing"),
        ("6.40801E+15", "nik_scientific"),
        ("6,408E+15", "nik_scientific"),
        ("6408 0412 0590 0003", "nik_not_digits"),
        ("640804120590003", "nik_15_digits"),
        ("64080412059000031", "nik_length"),
        ("9908041205900003", "nik_area"),  # no province 99
        ("6408991205900003", "nik_area"),  # Kutim has kecamatan 01-18 only
        ("6408043505900003", "nik_date"),  # day 35: neither a man's nor a woman's day
        ("6408041213900003", "nik_date"),  # month 13
        ("6408043102900003", "nik_date"),  # 31 February
        ("6408041205900000", "nik_serial"),
    ],
)
def test_damaged_niks_are_named(raw, first):
    assert nik.errors(raw)[0] == first


def test_a_womans_nik_has_day_plus_forty():
    value = nik.make("640804", date(1990, 5, 12), female=True, serial=3)
    assert value == "6408045205900003" and nik.errors(value) == []
    assert nik.parts(value).female and nik.parts(value).day == 12


def test_sex_and_birth_date_disagreements_are_warnings():
    value = nik.make("640804", date(1990, 5, 12), female=True, serial=3)
    assert nik.warnings(value, "P", date(1990, 5, 12)) == []
    assert nik.warnings(value, "L", date(1991, 5, 12)) == [
        "nik_sex_mismatch",
        "nik_birth_date_mismatch",
    ]


def test_a_column_of_niks_all_ending_in_zero_is_a_spreadsheet_sign():
    assert nik.column_zeroed(["6408045205900010", "6408045205900020"] * 3)
    assert not nik.column_zeroed(["6408045205900010", "6408045205900023"] * 3)
    assert not nik.column_zeroed(["6408045205900010"])  # too few to mean anything


def test_masking_keeps_only_the_ends():
    assert nik.mask("6408045205900003") == "6408********0003"
    assert nik.pseudonym("6408045205900003", b"k") != nik.pseudonym("6408045205900004", b"k")


@given(
    area=st.sampled_from(["640801", "640818", "647101", "110101", "640899", "990101"]),
    birth=st.dates(date(1925, 1, 1), date(2025, 12, 31)),
    female=st.booleans(),
    serial=st.integers(0, 9999),
)
def test_made_niks_are_valid_exactly_when_their_parts_are(area, birth, female, serial):
    value = nik.make(area, birth, female, serial)
    expected = []
    if area in ("640899", "990101"):
        expected.append("nik_area")
    if serial == 0:
        expected.append("nik_serial")
    assert nik.errors(value) == expected
