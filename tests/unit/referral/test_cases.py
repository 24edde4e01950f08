"""Planning a case: one referral per need, in a fixed order, none twice."""

from __future__ import annotations

import pytest

from services.referral.domain import cases, routing
from tests.unit.referral.builders import household

TABLE = routing.default_table()
FAMILY = household(10, 25, welfare_class="sangat_miskin")


def _need(code: str, *reasons: str) -> dict:
    return {"code": code, "reasons": list(reasons)}


@pytest.mark.parametrize(
    ("welfare_class", "graduated", "eligible"),
    [
        ("sangat_miskin", False, True),
        ("miskin", False, True),
        ("rentan_miskin", False, True),
        ("tidak_miskin", False, False),
        ("miskin", True, False),
    ],
)
def test_poor_households_that_have_not_graduated_get_a_case(welfare_class, graduated, eligible):
    assert cases.eligible_for_case(welfare_class, graduated) is eligible


@pytest.mark.parametrize(
    ("needs", "eligible"),
    [
        (["adminduk"], True),
        (["pmks.lansia_telantar"], True),
        (["rumah", "ekonomi"], False),
    ],
)
def test_a_household_not_poor_gets_a_case_for_an_unconditional_need(needs, eligible):
    assert cases.eligible_for_case("tidak_miskin", True, needs) is eligible


def test_one_referral_per_need_each_routed_by_the_table():
    needs = [
        _need("rumah", "lantai_tanah"),
        _need("pendidikan", "anak_tidak_sekolah"),
        _need("pangan", "makan_kurang"),
        _need("pmks.korban_tindak_kekerasan", "korban_tindak_kekerasan"),
    ]

    planned = cases.plan(needs, FAMILY, TABLE)

    assert [(p.need, p.route.opd_code) for p in planned] == [
        ("rumah", "perkim"),
        ("pendidikan", "disdikbud"),
        ("pangan", "dkp"),
        ("pmks.korban_tindak_kekerasan", "dpppa"),
    ]
    assert planned[0].reasons == ("lantai_tanah",)
    assert all(p.route == routing.route(p.need, FAMILY, TABLE) for p in planned)


def test_the_order_is_fixed_whatever_order_the_needs_came_in():
    needs = [_need("pmks.odha"), _need("ekonomi"), _need("zzz"), _need("rumah"), _need("adminduk")]

    forward = cases.plan(needs, FAMILY, TABLE)
    backward = cases.plan(list(reversed(needs)), FAMILY, TABLE)

    assert forward == backward
    assert [p.need for p in forward] == ["rumah", "adminduk", "ekonomi", "pmks.odha", "zzz"]


def test_a_need_given_twice_is_one_referral_with_both_reasons():
    needs = [_need("rumah", "lantai_tanah", "atap_rusak"), _need("rumah", "atap_rusak", "x")]

    planned = cases.plan(needs, FAMILY, TABLE)

    assert [(p.need, p.reasons) for p in planned] == [
        ("rumah", ("lantai_tanah", "atap_rusak", "x"))
    ]


def test_a_need_with_an_open_referral_is_not_referred_twice():
    needs = [_need("rumah"), _need("kesehatan")]

    planned = cases.plan(needs, FAMILY, TABLE, already_open=frozenset({("rumah", "perkim")}))

    assert [p.need for p in planned] == ["kesehatan"]


def test_a_rerouted_need_held_by_another_agency_is_not_sent_back_to_the_first():
    planned = cases.plan([_need("rumah")], FAMILY, TABLE, frozenset({("rumah", "baznas")}))

    assert planned == []


def test_an_unknown_need_still_reaches_dinsos_for_assessment():
    (planned,) = cases.plan([_need("transportasi")], FAMILY, TABLE)

    assert (planned.route.opd_code, planned.route.rule_id) == ("dinsos", "fallback-dinsos")


def test_no_needs_no_referrals():
    assert cases.plan([], FAMILY, TABLE) == []
