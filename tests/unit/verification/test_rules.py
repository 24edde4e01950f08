"""The rule set: each need and class by a table of cases, and its promises as properties."""

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.verification.domain import questionnaire as q
from services.verification.domain import welfare
from sipmas import reference

RANK = {cls: i for i, cls in enumerate(welfare.WELFARE_CLASSES)}  # 0 = sangat_miskin, the poorest

# Two ways to be poor enough (score 6, rentan_miskin) for needs to stand, raising different needs:
HOUSING_POOR = {"floor": "tanah", "wall": "bambu", "roof": "daun_rumbia", "floor_area_m2": 20.0}
INCOME_POOR = {"household_income": 1_000_000}  # Rp250.000 per capita: below both lines


def answers(**overrides):
    return q.Answers().load(q.sample_answers(**overrides))


def decide(**overrides):
    return welfare.decide(answers(**overrides))


def needs_of(decision) -> dict[str, tuple[str, ...]]:
    return {n.code: n.reasons for n in decision.needs}


def test_the_sample_household_is_not_poor_and_needs_nothing():
    decision = decide()
    assert decision == welfare.Decision("tidak_miskin", 0, (), (), "2026.1")


def test_the_two_poor_bases():
    housing = decide(**HOUSING_POOR)
    assert (housing.welfare_class, housing.score) == ("rentan_miskin", 6)
    assert needs_of(housing) == {
        "rumah": ("luas_lantai_sempit", "lantai_tanah", "dinding_buruk", "atap_rusak")
    }
    income = decide(**INCOME_POOR)
    assert (income.welfare_class, income.score) == ("rentan_miskin", 6)
    assert needs_of(income) == {
        "pangan": ("pendapatan_ekstrem",),
        "ekonomi": ("pendapatan_di_bawah_gk", "pendapatan_ekstrem"),
    }


@pytest.mark.parametrize(
    ("need", "base", "raising", "reasons"),
    [
        ("rumah", INCOME_POOR, {"floor": "tanah"}, ("lantai_tanah",)),
        ("rumah", INCOME_POOR, {"floor": "kayu_murah"}, ("lantai_kualitas_rendah",)),
        ("rumah", INCOME_POOR, {"roof_condition": "rusak_berat"}, ("atap_rusak",)),
        ("rumah", INCOME_POOR, {"floor_area_m2": 31.9}, ("luas_lantai_sempit",)),
        ("rumah", INCOME_POOR, {"water_source": "air_sungai_danau"}, ("air_tidak_layak",)),
        ("rumah", INCOME_POOR, {"sanitation": "umum"}, ("sanitasi_tidak_layak",)),
        (
            "rumah",
            INCOME_POOR,
            {"lighting": "tanpa_listrik", "power_va": None},
            ("tanpa_listrik",),
        ),
        ("pendidikan", INCOME_POOR, {"children_out_of_school": 1}, ("anak_tidak_sekolah",)),
        (
            "kesehatan",
            INCOME_POOR,
            {"members_chronic_illness": 1, "health_insurance": "bpjs_mandiri"},
            ("sakit_kronis_tanpa_jaminan",),
        ),
        (
            "kesehatan",
            INCOME_POOR,
            {"health_insurance": "tidak_ada", "members_without_insurance": 4},
            ("tanpa_jaminan_kesehatan",),
        ),
        ("kesehatan", INCOME_POOR, {"members_disability": 1}, ("anggota_disabilitas",)),
        ("pangan", HOUSING_POOR, {"meals_per_day": 1}, ("makan_kurang",)),
        ("pangan", HOUSING_POOR, {"protein_days_per_week": 1}, ("protein_kurang",)),
        ("adminduk", {}, {"members_without_nik": 1}, ("anggota_tanpa_nik",)),
        ("adminduk", {}, {"members_not_on_kk": 2}, ("anggota_tanpa_kk",)),
        ("adminduk", {}, {"children_without_birth_certificate": 1}, ("anak_tanpa_akta",)),
        (
            "ekonomi",
            HOUSING_POOR,
            {"head_work_status": "tidak_bekerja", "head_sector": "tidak_ada"},
            ("krt_tidak_bekerja",),
        ),
        ("ekonomi", HOUSING_POOR, {"head_work_status": "buruh_lepas"}, ("pekerjaan_krt_rentan",)),
        ("ekonomi", HOUSING_POOR, {"household_income": 2_856_963}, ("pendapatan_di_bawah_gk",)),
        (
            "ekonomi",
            HOUSING_POOR,
            {"has_gas_cylinder": False, "has_motorcycle": False},
            ("tanpa_aset",),
        ),
        (
            "pmks.penyandang_disabilitas",
            {},
            {"pmks": ["penyandang_disabilitas"]},
            ("penyandang_disabilitas",),
        ),
    ],
)
def test_each_need_is_raised_with_its_reason(need, base, raising, reasons):
    assert need not in needs_of(decide(**base))
    assert needs_of(decide(**base, **raising))[need] == reasons


@pytest.mark.parametrize(
    ("need", "base", "near_miss"),
    [
        ("rumah", INCOME_POOR, {"floor_area_m2": 32.0}),  # exactly 8 m² per person
        ("rumah", INCOME_POOR, {"floor": "semen", "roof": "sirap", "wall": "kayu_bagus"}),
        ("rumah", INCOME_POOR, {"roof_condition": "rusak_ringan"}),
        ("rumah", INCOME_POOR, {"water_source": "sumur_terlindung"}),
        ("pendidikan", INCOME_POOR, {"school_age_children": 3, "children_out_of_school": 0}),
        (
            "kesehatan",
            INCOME_POOR,
            {"members_chronic_illness": 2, "health_insurance": "pbi_jk"},  # covered by PBI-JK
        ),
        ("pangan", HOUSING_POOR, {"meals_per_day": 2, "protein_days_per_week": 2}),
        ("ekonomi", HOUSING_POOR, {"household_income": 2_856_964}),  # exactly the poverty line
        ("ekonomi", HOUSING_POOR, {"head_work_status": "berusaha_sendiri"}),  # in perdagangan
        ("adminduk", INCOME_POOR, {"members_without_nik": 0}),
    ],
)
def test_a_near_miss_raises_no_need(need, base, near_miss):
    assert need not in needs_of(decide(**base, **near_miss))


def test_a_household_that_is_not_poor_gets_no_needs_but_adminduk_and_pmks():
    decision = decide(floor="tanah", members_without_nik=1, pmks=["lansia_telantar"])
    assert decision.welfare_class == "tidak_miskin"
    assert decision.deprivations == ("lantai_tanah", "anggota_tanpa_nik")
    assert needs_of(decision) == {
        "adminduk": ("anggota_tanpa_nik",),
        "pmks.lansia_telantar": ("lansia_telantar",),
    }


def test_pmks_categories_raise_needs_but_no_score():
    decision = decide(pmks=["fakir_miskin", "lansia_telantar"])
    assert decision.score == 0
    assert [n.code for n in decision.needs] == ["pmks.fakir_miskin", "pmks.lansia_telantar"]


def test_the_pmks_needs_cover_the_26_categories():
    current = welfare.rule_set()
    assert len(current.pmks_needs) == 26
    assert set(current.pmks_needs) == reference.pmks_codes()
    assert current.pmks_needs["penyandang_disabilitas"] == "pmks.penyandang_disabilitas"


# score → class at each threshold, by answers whose score is known
FOUR = {"floor": "tanah", "floor_area_m2": 28.0}  # 2 + 2


@pytest.mark.parametrize(
    ("overrides", "score", "welfare_class"),
    [
        (FOUR, 4, "tidak_miskin"),
        ({**FOUR, "wall": "bambu"}, 5, "rentan_miskin"),
        ({**HOUSING_POOR, "lighting": "tanpa_listrik", "power_va": None}, 8, "rentan_miskin"),
        (
            {
                **HOUSING_POOR,
                "lighting": "tanpa_listrik",
                "power_va": None,
                "cooking_fuel": "kayu_bakar",
            },
            9,
            "miskin",
        ),
        ({**HOUSING_POOR, **INCOME_POOR, "cooking_fuel": "arang"}, 13, "miskin"),
        (
            {**HOUSING_POOR, **INCOME_POOR, "cooking_fuel": "arang", "sanitation": "umum"},
            14,
            "sangat_miskin",
        ),
    ],
)
def test_each_class_threshold(overrides, score, welfare_class):
    decision = decide(**overrides)
    assert (decision.score, decision.welfare_class) == (score, welfare_class)


@pytest.mark.parametrize(
    ("points", "welfare_class"),
    [(0, "tidak_miskin"), (4, "tidak_miskin"), (5, "rentan_miskin"), (8, "rentan_miskin")]
    + [(9, "miskin"), (13, "miskin"), (14, "sangat_miskin"), (37, "sangat_miskin")],
)
def test_classify(points, welfare_class):
    assert welfare.classify(points, welfare.rule_set()) == welfare_class


def test_to_dict_is_json_safe_and_complete():
    decision = decide(**HOUSING_POOR, members_without_nik=1)
    stored = decision.to_dict()
    assert json.loads(json.dumps(stored)) == stored
    assert stored == {
        "welfare_class": "rentan_miskin",
        "score": 7,
        "deprivations": [
            "luas_lantai_sempit",
            "lantai_tanah",
            "dinding_buruk",
            "atap_rusak",
            "anggota_tanpa_nik",
        ],
        "needs": [
            {
                "code": "rumah",
                "reasons": ["luas_lantai_sempit", "lantai_tanah", "dinding_buruk", "atap_rusak"],
            },
            {"code": "adminduk", "reasons": ["anggota_tanpa_nik"]},
        ],
        "rule_set_version": "2026.1",
    }


def test_explain_a_stored_decision():
    stored = decide(floor="tanah", pmks=["lansia_telantar"], members_without_nik=1).to_dict()
    lines = welfare.explain(json.loads(json.dumps(stored)))
    assert lines[0] == {
        "kind": "welfare_class",
        "code": "tidak_miskin",
        "label_id": "Tidak miskin",
        "label_en": "Not poor",
        "score": 3,
        "rule_set_version": "2026.1",
    }
    assert lines[1] == {
        "kind": "deprivation",
        "code": "lantai_tanah",
        "label_id": "Lantai tanah",
        "label_en": "Earth floor",
        "weight": 2,
    }
    assert lines[-1]["code"] == "pmks.lansia_telantar"
    assert lines[-1]["label_id"] == "Layanan PMKS: Lanjut Usia Telantar"
    assert lines[-1]["reasons"][0]["label_id"] == "Lanjut Usia Telantar"


def test_an_unknown_version_is_named():
    with pytest.raises(welfare.UnknownRuleSet, match="1999.9") as caught:
        welfare.rule_set("1999.9")
    assert isinstance(caught.value, ValueError)
    with pytest.raises(welfare.UnknownRuleSet):
        welfare.explain({"rule_set_version": "1999.9", "welfare_class": "miskin"})


def test_current_version():
    assert welfare.CURRENT_VERSION == "2026.1"
    assert welfare.rule_set() is welfare.RULE_SETS["2026.1"]
    assert welfare.rule_set("2026.1").version == "2026.1"


def test_a_rule_set_refuses_a_weight_that_could_lower_the_class():
    current = welfare.rule_set()
    bad = welfare.Deprivation("bonus", "x", "x", -1, (), lambda a: True)
    with pytest.raises(ValueError, match="positive"):
        welfare.RuleSet("bad", (*current.deprivations, bad), current.thresholds, current.pmks_needs)
    with pytest.raises(ValueError, match="descending"):
        welfare.RuleSet(
            "bad",
            current.deprivations,
            ((5, "sangat_miskin"), (9, "miskin"), (14, "rentan_miskin")),
            current.pmks_needs,
        )


@pytest.mark.parametrize(
    ("previous", "new", "expected"),
    [
        ("miskin", "tidak_miskin", True),
        ("sangat_miskin", "tidak_miskin", True),
        ("rentan_miskin", "tidak_miskin", True),
        ("tidak_miskin", "tidak_miskin", False),
        (None, "tidak_miskin", False),
        ("miskin", "rentan_miskin", False),
        ("miskin", "", False),
    ],
)
def test_is_graduation(previous, new, expected):
    assert welfare.is_graduation(previous, new) is expected


# --- properties ---------------------------------------------------------------------------------


@st.composite
def loaded_answers(draw):
    """Any valid set of answers, loaded by the schema."""
    members = draw(st.integers(1, 12))
    school = draw(st.integers(0, members))
    lighting = draw(st.sampled_from(q.LIGHTING))
    sanitation = draw(st.sampled_from(q.SANITATION))
    insurance = draw(st.sampled_from(q.HEALTH_INSURANCE))
    work = draw(st.sampled_from(q.WORK_STATUSES))
    fuels = [f for f in q.COOKING_FUELS if not (f == "listrik" and lighting == "tanpa_listrik")]

    def count(maximum=members):
        return draw(st.integers(0, maximum))

    def pick(codes):
        return draw(st.sampled_from(codes))

    data = {
        "member_count": members,
        "floor_area_m2": draw(st.floats(1, 400, allow_nan=False)),
        "floor": pick(q.FLOORS),
        "wall": pick(q.WALLS),
        "wall_condition": pick(q.CONDITIONS),
        "roof": pick(q.ROOFS),
        "roof_condition": pick(q.CONDITIONS),
        "water_source": pick(q.WATER_SOURCES),
        "sanitation": sanitation,
        "toilet": "tidak_ada" if sanitation == "tidak_ada" else pick(q.TOILETS[:-1]),
        "lighting": lighting,
        "power_va": pick((450, 900, 1300, 2200, 5500)) if lighting == "pln_meteran" else None,
        "cooking_fuel": pick(fuels),
        "meals_per_day": count(4),
        "protein_days_per_week": count(7),
        "school_age_children": school,
        "children_out_of_school": count(school),
        "members_chronic_illness": count(),
        "members_disability": count(),
        "health_insurance": insurance,
        "members_without_insurance": members if insurance == "tidak_ada" else count(members - 1),
        "members_without_nik": count(),
        "members_not_on_kk": count(),
        "children_without_birth_certificate": count(),
        "head_work_status": work,
        "head_sector": "tidak_ada" if work == "tidak_bekerja" else pick(q.SECTORS[1:]),
        "household_income": draw(st.integers(0, 20_000_000)),
        **{asset: draw(st.booleans()) for asset in q.ASSETS},
        **{animal: count(8) for animal in q.LIVESTOCK},
        "land_area_m2": pick((0.0, 800.0, 60_000.0)),
        "other_house": draw(st.booleans()),
        "pmks": draw(
            st.lists(st.sampled_from(sorted(reference.pmks_codes())), max_size=3, unique=True)
        ),
    }
    return q.Answers().load(data)


def _no_electricity(a):
    fuel = "kayu_bakar" if a["cooking_fuel"] == "listrik" else a["cooking_fuel"]
    return {"lighting": "tanpa_listrik", "power_va": None, "cooking_fuel": fuel}


def _no_assets(a):
    return {**dict.fromkeys(q.ASSETS, False), **dict.fromkeys(q.LIVESTOCK, 0)} | {
        "land_area_m2": 0.0,
        "other_house": False,
    }


# One worsening per deprivation: (the deprivation it makes true, the answers it changes).
WORSENINGS = {
    "luas_lantai_sempit": lambda a: {"floor_area_m2": 1.0},
    "lantai_tanah": lambda a: {"floor": "tanah"},
    "dinding_buruk": lambda a: {"wall_condition": "rusak_berat"},
    "atap_rusak": lambda a: {"roof_condition": "rusak_berat"},
    "air_tidak_layak": lambda a: {"water_source": "air_sungai_danau"},
    "sanitasi_tidak_layak": lambda a: {"sanitation": "tidak_ada", "toilet": "tidak_ada"},
    "tanpa_listrik": _no_electricity,
    "bahan_bakar_kayu": lambda a: {"cooking_fuel": "kayu_bakar"},
    "makan_kurang": lambda a: {"meals_per_day": 1},
    "protein_kurang": lambda a: {"protein_days_per_week": 0},
    "anak_tidak_sekolah": lambda a: {
        "school_age_children": max(a["school_age_children"], 1),
        "children_out_of_school": max(a["children_out_of_school"], 1),
    },
    "sakit_kronis_tanpa_jaminan": lambda a: {
        "members_chronic_illness": max(a["members_chronic_illness"], 1),
        "health_insurance": "tidak_ada",
        "members_without_insurance": a["member_count"],
    },
    "anggota_disabilitas": lambda a: {"members_disability": 1},
    "anggota_tanpa_nik": lambda a: {"members_without_nik": 1},
    "anggota_tanpa_kk": lambda a: {"members_not_on_kk": 1},
    "anak_tanpa_akta": lambda a: {"children_without_birth_certificate": 1},
    "krt_tidak_bekerja": lambda a: {
        "head_work_status": "tidak_bekerja",
        "head_sector": "tidak_ada",
    },
    "pendapatan_ekstrem": lambda a: {"household_income": 0},
    "tanpa_aset": _no_assets,
}


@settings(max_examples=200)
@given(loaded_answers(), st.sampled_from(sorted(WORSENINGS)))
def test_a_worse_answer_never_makes_a_household_less_poor(a, deprivation):
    before = welfare.decide(a)
    worse = q.Answers().load({**a, **WORSENINGS[deprivation](a)})
    after = welfare.decide(worse)
    assert deprivation in after.deprivations
    assert after.score >= before.score
    assert RANK[after.welfare_class] <= RANK[before.welfare_class]


@given(st.data())
def test_adding_deprivations_never_lowers_score_or_class(data):
    current = welfare.rule_set()
    codes = [d.code for d in current.deprivations]
    found = set(data.draw(st.lists(st.sampled_from(codes), unique=True)))
    added = found | set(data.draw(st.lists(st.sampled_from(codes), unique=True)))
    low, high = welfare.score(found, current), welfare.score(added, current)
    assert high >= low
    assert RANK[welfare.classify(high, current)] <= RANK[welfare.classify(low, current)]


@given(loaded_answers())
def test_a_decision_is_a_pure_function_of_the_answers(a):
    kept = copy.deepcopy(a)
    first = welfare.decide(a)
    assert welfare.decide(a) == first
    assert a == kept
    assert welfare.decide(copy.deepcopy(a)) == first


@given(loaded_answers())
def test_needs_have_reasons_and_follow_the_class(a):
    decision = welfare.decide(a)
    for need in decision.needs:
        assert need.reasons
        assert (
            need.code in welfare.NEEDS or need.code.removeprefix("pmks.") in reference.pmks_codes()
        )
    if decision.welfare_class == "tidak_miskin":
        assert all(n.code == "adminduk" or n.code.startswith("pmks.") for n in decision.needs)
    assert decision.score == welfare.score(set(decision.deprivations), welfare.rule_set())


@pytest.mark.parametrize("version", sorted(welfare.RULE_SETS))
def test_explain_covers_every_deprivation_and_need_of_every_rule_set(version):
    rule_set = welfare.RULE_SETS[version]
    every = [d.code for d in rule_set.deprivations]
    needs = [
        {"code": need, "reasons": [d.code for d in rule_set.deprivations if need in d.needs]}
        for need in welfare.NEEDS
    ] + [{"code": need, "reasons": [code]} for code, need in rule_set.pmks_needs.items()]
    lines = welfare.explain(
        {
            "rule_set_version": version,
            "welfare_class": "miskin",
            "score": 9,
            "deprivations": every,
            "needs": needs,
        }
    )
    explained = {(line["kind"], line["code"]): line for line in lines}
    for d in rule_set.deprivations:
        line = explained[("deprivation", d.code)]
        assert (line["label_id"], line["label_en"], line["weight"]) == (
            d.label_id,
            d.label_en,
            d.weight,
        )
    for need in needs:
        line = explained[("need", need["code"])]
        assert line["label_id"] != need["code"] and line["label_en"] != need["code"]
        assert all(r["label_id"] != r["code"] for r in line["reasons"])
    assert len(lines) == 1 + len(every) + len(needs)
