"""The area scope rule: who sees which household, without a database. The SQL form of the same
rule is exercised against the real database in ``tests/registry/test_scope.py``."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from services.registry.domain import scope
from sipmas import reference

DESA = reference.desa()
SANGATTA_UTARA = "64.08.04"
SANGATTA_UTARA_DESA = [d for d in DESA if d.kecamatan_code == SANGATTA_UTARA]
ELSEWHERE = next(d for d in DESA if d.kecamatan_code != SANGATTA_UTARA)


def admitted(area: scope.Scope | None) -> set[str]:
    return {d.code for d in DESA if scope.admits(area, d.kecamatan_code, d.code)}


def test_no_scope_is_the_whole_district():
    assert scope.parse(None) is None
    assert admitted(None) == {d.code for d in DESA}
    assert scope.where(None) == ("true", {})


@pytest.mark.parametrize("raw", [{}, {"kecamatan_codes": [], "desa_codes": []}, {"desa_codes": []}])
def test_an_empty_area_holds_nothing_never_everything(raw):
    area = scope.parse(raw)

    assert area is not None
    assert admitted(area) == set()
    assert scope.where(area) == ("false", {})


def test_an_operator_of_one_desa_sees_that_desa_alone():
    desa = SANGATTA_UTARA_DESA[0]

    area = scope.parse({"desa_codes": [desa.code]})

    assert admitted(area) == {desa.code}
    assert not scope.admits(area, desa.kecamatan_code, SANGATTA_UTARA_DESA[1].code)
    assert not scope.admits(area, None, None)


def test_a_kecamatan_covers_every_desa_in_it_and_nothing_outside():
    area = scope.parse({"kecamatan_codes": [SANGATTA_UTARA]})

    assert admitted(area) == {d.code for d in SANGATTA_UTARA_DESA}
    assert ELSEWHERE.code not in admitted(area)


def test_desa_and_kecamatan_add_up():
    area = scope.parse({"kecamatan_codes": [SANGATTA_UTARA], "desa_codes": [ELSEWHERE.code]})

    assert admitted(area) == {d.code for d in SANGATTA_UTARA_DESA} | {ELSEWHERE.code}


def test_a_wider_area_never_sees_less():
    narrow = scope.parse({"desa_codes": [SANGATTA_UTARA_DESA[0].code]})
    wider = scope.parse(
        {"desa_codes": [SANGATTA_UTARA_DESA[0].code], "kecamatan_codes": [ELSEWHERE.kecamatan_code]}
    )

    assert admitted(narrow) < admitted(wider)


@pytest.mark.parametrize(
    "raw",
    [
        "all",
        ["64.08.04"],
        {"kecamatan": ["64.08.04"]},  # a misspelt key is not silently ignored
        {"desa_codes": "64.08.04.2001"},
        {"desa_codes": [None]},
        {"kecamatan_codes": [6408]},
    ],
)
def test_a_malformed_scope_is_refused_naming_scope_never_read_as_everything(raw):
    with pytest.raises(ValidationError) as refused:
        scope.parse(raw)

    assert "scope" in refused.value.messages


def test_the_sql_form_names_the_same_codes():
    area = scope.parse({"kecamatan_codes": ["64.08.04"], "desa_codes": ["64.08.01.2003"]})

    condition, params = scope.where(area, alias="x")

    assert "x.desa_code" in condition and "x.kecamatan_code" in condition
    assert params == {"scope_desa": ["64.08.01.2003"], "scope_kecamatan": ["64.08.04"]}
