"""What the verifiers find at the door: each household's condition as questionnaire answers.

A household's condition is a set of hardships (a damaged house, too few meals, children out of
school, ...), each written as the answers a verifier records. The day chooses, per household,
the welfare class its visit should show; the hardships are drawn until the rule set in force
(``services.verification.domain.welfare``, the same the service applies) puts the answers in
that class, so the day's mix of classes is known in advance and the service's verdicts can
be held to it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from services.verification.domain import welfare
from services.verification.domain.questionnaire import sample_answers

Hardship = Callable[[int], dict[str, Any]]  # members -> answers


def _house(m: int) -> dict[str, Any]:
    return {
        "floor_area_m2": float(6 * m),
        "floor": "tanah",
        "wall": "anyaman_bambu",
        "wall_condition": "rusak_berat",
        "roof": "daun_rumbia",
        "roof_condition": "rusak_berat",
    }


def _water(m: int) -> dict[str, Any]:
    return {"water_source": "air_sungai_danau", "sanitation": "tidak_ada", "toilet": "tidak_ada"}


def _energy(m: int) -> dict[str, Any]:
    return {"lighting": "non_pln", "power_va": None, "cooking_fuel": "kayu_bakar"}


def _food(m: int) -> dict[str, Any]:
    return {"meals_per_day": 1, "protein_days_per_week": 0}


def _school(m: int) -> dict[str, Any]:
    return {"school_age_children": 1, "children_out_of_school": 1} if m > 1 else {}


def _health(m: int) -> dict[str, Any]:
    return {
        "members_chronic_illness": 1,
        "health_insurance": "tidak_ada",
        "members_without_insurance": m,
    }


def _documents(m: int) -> dict[str, Any]:
    return {"members_without_nik": 1, "children_without_birth_certificate": min(1, m - 1)}


def _work(m: int) -> dict[str, Any]:
    return {
        "head_work_status": "buruh_lepas",
        "head_sector": "pertanian_pangan",
        "household_income": 550_000 * m,
    }


def _destitute(m: int) -> dict[str, Any]:
    return {
        "head_work_status": "buruh_lepas",
        "head_sector": "pertanian_pangan",
        "household_income": 250_000 * m,
        "has_motorcycle": False,
        "has_gas_cylinder": False,
    }


HARDSHIPS: dict[str, Hardship] = {
    "rumah": _house,
    "air_sanitasi": _water,
    "energi": _energy,
    "pangan": _food,
    "sekolah": _school,
    "kesehatan": _health,
    "dokumen": _documents,
    "pekerjaan": _work,
    "melarat": _destitute,
}


def comfortable(members: int) -> dict[str, Any]:
    """A household that is not poor, whatever its size."""
    return sample_answers(
        member_count=members,
        floor_area_m2=float(14 * members),
        school_age_children=min(2, members - 1),
        household_income=2_000_000 * members,
    )


def answers_for(welfare_class: str, members: int, rnd: random.Random) -> dict[str, Any]:
    """Answers that the rule set in force classes as ``welfare_class``."""
    members = max(1, min(members, 20))
    if welfare_class == welfare.NOT_POOR:
        return comfortable(members)
    names = sorted(HARDSHIPS)
    for _ in range(500):
        chosen = rnd.sample(names, rnd.randint(2, len(names)))
        answers = comfortable(members)
        for name in sorted(chosen):
            answers.update(HARDSHIPS[name](members))
        if welfare.decide(answers).welfare_class == welfare_class:
            return answers
    raise ValueError(f"no answers found for {welfare_class} with {members} members")


def false_claim(members: int, rnd: random.Random) -> dict[str, Any]:
    """Claims the hardships of the very poor, but the verifier saw a car, gold and cattle: the
    visit is flagged (``asset_contradiction``) and the supervisor refuses the claim."""
    answers = answers_for("sangat_miskin", members, rnd)
    answers.update({"has_car": True, "has_gold": True, "cattle": 8})
    return answers
