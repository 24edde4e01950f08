"""The visit questionnaire: what it accepts, and errors that name the field to correct."""

import pytest
from marshmallow import ValidationError

from services.verification.domain import questionnaire as q


def load(**overrides):
    return q.Answers().load(q.sample_answers(**overrides))


def errors_of(answers: dict) -> dict:
    with pytest.raises(ValidationError) as caught:
        q.Answers().load(answers)
    return caught.value.messages


def test_the_sample_is_valid_and_loads_as_given():
    loaded = load()
    assert loaded["member_count"] == 4
    assert loaded["floor"] == "keramik"
    assert loaded["power_va"] == 1300
    assert loaded["pmks"] == []


def test_every_question_has_an_indicator_and_every_indicator_a_question():
    assert set(q.INDICATOR_BY_CODE) == set(q.Answers().fields)
    assert all(i.label_id and i.label_en and i.source_field for i in q.INDICATORS)


def test_photo_kinds_and_outcomes():
    assert set(q.REQUIRED_PHOTO_KINDS) <= set(q.PHOTO_KINDS)
    assert q.VISIT_OUTCOMES == ("found", "moved", "split", "deceased", "not_found")


def test_a_missing_answer_is_named():
    answers = q.sample_answers()
    del answers["has_car"]
    assert errors_of(answers) == {"has_car": ["Missing data for required field."]}


def test_an_unknown_field_is_refused_by_name():
    assert "bogus" in errors_of(q.sample_answers(bogus=1))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"floor": "emas"}, "floor"),
        ({"roof": "genteng_emas"}, "roof"),
        ({"wall_condition": "hancur"}, "wall_condition"),
        ({"meals_per_day": 7}, "meals_per_day"),
        ({"protein_days_per_week": 8}, "protein_days_per_week"),
        ({"member_count": 0}, "member_count"),
        ({"floor_area_m2": 0}, "floor_area_m2"),
        ({"household_income": -1}, "household_income"),
        ({"pmks": ["bukan_pmks"]}, "pmks"),
    ],
)
def test_values_outside_the_vocabulary_or_range_are_named(overrides, field):
    assert list(errors_of(q.sample_answers(**overrides))) == [field]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"school_age_children": 1, "children_out_of_school": 2}, "children_out_of_school"),
        ({"members_without_nik": 5}, "members_without_nik"),
        ({"members_not_on_kk": 5}, "members_not_on_kk"),
        ({"children_without_birth_certificate": 5}, "children_without_birth_certificate"),
        ({"members_disability": 5}, "members_disability"),
        ({"school_age_children": 5}, "school_age_children"),
        ({"lighting": "non_pln"}, "power_va"),  # a power only for metered PLN
        ({"power_va": None}, "power_va"),  # metered PLN has a power
        ({"sanitation": "tidak_ada"}, "toilet"),  # leher_angsa without any facility
        ({"toilet": "tidak_ada"}, "toilet"),
        ({"head_work_status": "tidak_bekerja"}, "head_sector"),  # not working, in perdagangan
        ({"head_sector": "tidak_ada"}, "head_sector"),
        ({"health_insurance": "tidak_ada"}, "members_without_insurance"),  # 0 of 4 uninsured
        ({"members_without_insurance": 4}, "members_without_insurance"),  # all, yet insured
        (
            {"lighting": "tanpa_listrik", "power_va": None, "cooking_fuel": "listrik"},
            "cooking_fuel",
        ),
        ({"pmks": ["fakir_miskin", "fakir_miskin"]}, "pmks"),
    ],
)
def test_impossible_combinations_are_named_by_the_field_to_correct(overrides, field):
    assert list(errors_of(q.sample_answers(**overrides))) == [field]


def test_possible_combinations_pass():
    loaded = load(
        lighting="tanpa_listrik",
        power_va=None,
        sanitation="tidak_ada",
        toilet="tidak_ada",
        head_work_status="tidak_bekerja",
        head_sector="tidak_ada",
        health_insurance="tidak_ada",
        members_without_insurance=4,
        school_age_children=2,
        children_out_of_school=2,
        pmks=["lansia_telantar", "penyandang_disabilitas"],
    )
    assert loaded["children_out_of_school"] == 2
    assert loaded["pmks"] == ["lansia_telantar", "penyandang_disabilitas"]


def test_a_string_is_not_a_count():
    assert list(errors_of(q.sample_answers(member_count="4"))) == ["member_count"]
