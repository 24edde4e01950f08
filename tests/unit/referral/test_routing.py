"""Which agency owns a need: the default Kutim table as a table of cases, rerouting, and the
first-match rule as a property."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.referral.domain import routing
from services.referral.domain.routing import Rule, route
from services.verification.domain import welfare as verification_rules
from sipmas import reference
from tests.unit.referral.builders import household, member

TABLE = routing.default_table()


def test_the_default_table_loads_and_validates():
    table = routing.parse_table(routing.default_table_text(), version=1)

    assert table == TABLE and table.version == 1
    assert table.fallback.is_fallback and table.fallback.opd_code == "dinsos"
    assert {r.opd_code for r in table.rules} <= reference.opd_codes()


def test_every_need_verification_raises_has_a_rule_of_its_own():
    assert set(routing.BASIC_NEEDS) == set(verification_rules.NEEDS)
    named = {r.need for r in TABLE.rules}
    assert routing.known_needs() <= named
    assert routing.known_needs() == set(
        verification_rules.RULE_SETS["2026.1"].pmks_needs.values()
    ) | set(verification_rules.NEEDS)


HEAD_ONLY = household()
WITH_CHILD_10 = household(10)
WITH_CHILD_17 = household(17)
WITH_BOTH = household(10, 17)
WITH_UNKNOWN_AGE = household(None)
WITH_YOUNG_ADULT = household(25)
VICTIM = household(
    members=(member(0, 45, relation="kepala"), member(1, 38, "korban_tindak_kekerasan"))
)


@pytest.mark.parametrize(
    ("need", "facts", "opd", "rule_id", "carries_nik", "persons"),
    [
        ("rumah", HEAD_ONLY, "perkim", "rumah-perkim", False, ()),
        ("kesehatan", HEAD_ONLY, "dinkes", "kesehatan-dinkes", True, ()),
        ("pendidikan", WITH_CHILD_10, "disdikbud", "pendidikan-disdikbud", False, (1,)),
        ("pendidikan", WITH_CHILD_17, "bag_kesra", "pendidikan-bag_kesra", False, (1,)),
        ("pendidikan", WITH_BOTH, "disdikbud", "pendidikan-disdikbud", False, (1,)),
        (
            "pendidikan",
            household(7, 15, 16, 24),
            "disdikbud",
            "pendidikan-disdikbud",
            False,
            (1, 2),
        ),
        ("pendidikan", household(5), "baznas", "pendidikan-baznas", False, ()),
        ("pendidikan", WITH_UNKNOWN_AGE, "baznas", "pendidikan-baznas", False, ()),
        ("pangan", household(welfare_class="sangat_miskin"), "dkp", "pangan-dkp", False, ()),
        ("pangan", HEAD_ONLY, "dinsos", "pangan-dinsos", False, ()),
        ("adminduk", HEAD_ONLY, "disdukcapil", "adminduk-disdukcapil", True, ()),
        ("ekonomi", WITH_YOUNG_ADULT, "disnakertrans", "ekonomi-disnakertrans", False, (1,)),
        ("ekonomi", HEAD_ONLY, "diskop_ukm", "ekonomi-diskop_ukm", False, ()),
        (
            "pmks.korban_tindak_kekerasan",
            VICTIM,
            "dpppa",
            "pmks-korban_tindak_kekerasan-dpppa",
            False,
            (1,),
        ),
        (
            "pmks.anak_korban_kekerasan",
            household(9, pmks={"anak_korban_kekerasan"}),
            "dpppa",
            "pmks-anak_korban_kekerasan-dpppa",
            False,
            (),  # recorded for the household, not a member: the whole household
        ),
        ("pmks.korban_trafficking", HEAD_ONLY, "dpppa", "pmks-korban_trafficking-dpppa", False, ()),
        ("pmks.lansia_telantar", HEAD_ONLY, "dinsos", "pmks-lansia_telantar-dinsos", False, ()),
        (
            "pmks.penyandang_disabilitas",
            HEAD_ONLY,
            "dinsos",
            "pmks-penyandang_disabilitas-dinsos",
            False,
            (),
        ),
        (
            "pmks.korban_bencana_alam",
            HEAD_ONLY,
            "dinsos",
            "pmks-korban_bencana_alam-dinsos",
            False,
            (),
        ),
        ("pmks.fakir_miskin", HEAD_ONLY, "dinsos", "pmks-fakir_miskin-dinsos", True, ()),
        ("transportasi", HEAD_ONLY, "dinsos", "fallback-dinsos", False, ()),
    ],
)
def test_each_need_goes_to_the_agency_that_owns_it(need, facts, opd, rule_id, carries_nik, persons):
    found = route(need, facts, TABLE)

    assert (found.opd_code, found.rule_id) == (opd, rule_id)
    assert (found.carries_nik, found.persons) == (carries_nik, persons)
    rule = TABLE.rule(rule_id)
    assert (found.receive_days, found.complete_days) == (rule.receive_days, rule.complete_days)


@pytest.mark.parametrize(
    ("need", "facts", "refused", "opd", "rule_id"),
    [
        ("rumah", HEAD_ONLY, {"perkim"}, "baznas", "rumah-baznas"),
        ("rumah", HEAD_ONLY, {"perkim", "baznas"}, "dinsos", "fallback-dinsos"),
        ("kesehatan", HEAD_ONLY, {"dinkes"}, "dinsos", "kesehatan-dinsos"),
        ("pendidikan", WITH_CHILD_10, {"disdikbud"}, "baznas", "pendidikan-baznas"),
        ("pendidikan", WITH_BOTH, {"disdikbud"}, "bag_kesra", "pendidikan-bag_kesra"),
        ("pangan", household(welfare_class="sangat_miskin"), {"dkp"}, "dinsos", "pangan-dinsos"),
        ("ekonomi", WITH_YOUNG_ADULT, {"disnakertrans"}, "diskop_ukm", "ekonomi-diskop_ukm"),
        (
            "pmks.korban_trafficking",
            HEAD_ONLY,
            {"dpppa"},
            "dinsos",
            "pmks-korban_trafficking-dinsos",
        ),
        ("pmks.lansia_telantar", HEAD_ONLY, {"dinsos"}, "baznas", "pmks-lansia_telantar-baznas"),
    ],
)
def test_a_rejected_need_is_rerouted_to_the_next_agency_never_the_one_that_refused(
    need, facts, refused, opd, rule_id
):
    found = route(need, facts, TABLE, exclude_opd=frozenset(refused))

    assert (found.opd_code, found.rule_id) == (opd, rule_id)


@pytest.mark.parametrize(
    ("need", "refused"),
    [
        ("kesehatan", {"dinkes", "dinsos"}),
        ("ekonomi", {"disnakertrans", "diskop_ukm", "dinsos"}),
        ("transportasi", {"dinsos"}),  # the fallback's own agency refused
    ],
)
def test_when_every_agency_for_the_need_refused_nobody_is_left(need, refused):
    assert route(need, WITH_YOUNG_ADULT, TABLE, exclude_opd=frozenset(refused)) is None


def _rule(**fields) -> Rule:
    defaults = dict(
        rule_id="r",
        need="pendidikan",
        pmks=None,
        welfare_classes=frozenset(),
        min_age=None,
        max_age=None,
        opd_code="disdikbud",
        programme="p",
        carries_nik=False,
        receive_days=1,
        complete_days=2,
    )
    return Rule(**{**defaults, **fields})


@pytest.mark.parametrize(("age", "matches"), [(6, False), (7, True), (15, True), (16, False)])
def test_age_bounds_are_inclusive(age, matches):
    assert _rule(min_age=7, max_age=15).matches("pendidikan", household(age)) is matches


def test_a_member_of_unknown_age_is_never_within_bounds():
    assert not _rule(min_age=0).matches("pendidikan", household(members=(member(0, None),)))
    assert _rule().matches("pendidikan", household(members=(member(0, None),)))


def test_a_rule_may_require_a_pmks_category_and_a_welfare_class():
    rule = _rule(
        need="ekonomi", pmks="penyandang_disabilitas", welfare_classes=frozenset({"miskin"})
    )
    disabled = household(members=(member(0, 45, "penyandang_disabilitas"),))

    assert rule.matches("ekonomi", disabled)
    assert not rule.matches("ekonomi", household(50))
    assert not rule.matches(
        "ekonomi", household(members=disabled.members, welfare_class="rentan_miskin")
    )
    assert not rule.matches("rumah", disabled)


def test_a_pmks_rule_with_ages_concerns_the_members_with_the_category_in_those_ages():
    rule = _rule(need="kesehatan", pmks="odha", min_age=18, opd_code="dinkes")
    members = (member(0, 45, "odha"), member(1, 12, "odha"), member(2, 40))

    assert routing.concerned_persons(rule, "kesehatan", household(members=members)) == (0,)


# --- the first match wins, as a property --------------------------------------------------------

NEEDS = st.sampled_from(sorted(routing.known_needs()) + ["transportasi", "*"])
PMKS = st.sampled_from(sorted(reference.pmks_codes()))
MEMBERS = st.lists(
    st.builds(
        lambda index, age, pmks: member(index, age, *pmks),
        st.integers(0, 30),
        st.none() | st.integers(0, 100),
        st.lists(PMKS, max_size=2),
    ),
    max_size=6,
    unique_by=lambda m: m.index,
).map(tuple)
HOUSEHOLDS = st.builds(
    household,
    members=MEMBERS,
    welfare_class=st.sampled_from(["sangat_miskin", "miskin", "rentan_miskin", "tidak_miskin"]),
    pmks=st.frozensets(PMKS, max_size=3),
)
EXCLUSIONS = st.frozensets(st.sampled_from(sorted(reference.opd_codes())), max_size=4)


@given(NEEDS, HOUSEHOLDS, EXCLUSIONS)
def test_the_route_is_the_first_matching_rule_of_an_agency_not_excluded(need, facts, refused):
    found = route(need, facts, TABLE, exclude_opd=refused)

    open_rules = [r for r in TABLE.rules if r.opd_code not in refused]
    matching = [r for r in open_rules if r.matches(need, facts)]
    if found is None:
        assert matching == [] and TABLE.fallback.opd_code in refused
        return
    rule = TABLE.rule(found.rule_id)
    assert rule is matching[0] and rule.need in (need, "*")
    assert found.opd_code not in refused
    assert set(found.persons) <= {m.index for m in facts.members}


@given(NEEDS, HOUSEHOLDS)
def test_without_exclusions_every_need_reaches_an_agency(need, facts):
    assert route(need, facts, TABLE) is not None
