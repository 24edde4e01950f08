"""The rule set that turns a visit's answers into a welfare class and needs: one table, versioned.

Each deprivation is an indicator test with a positive weight and the needs it raises. The score
is the sum of the weights of the deprivations found, and the class follows from thresholds on the
score. Because weights are positive, one more deprivation can never lower the score or the class
(``RuleSet`` refuses a table that would break this).

Needs are raised only for households that are not ``tidak_miskin``, except the needs in
``RuleSet.unconditional_needs`` (``adminduk``) and the PMKS needs: a missing NIK or birth
certificate, or a neglected elder, is a matter for Disdukcapil or Dinsos whatever the household's
welfare. PMKS categories raise needs but never add to the score: they are the verifier's judgment,
and the class must follow from observable indicators.

A stored decision carries its ``rule_set_version``; versions are never edited or removed, only
added, so ``explain`` can re-explain a decision years later with the rules it was made by.
This is a local scoring of the visit, not BPS's proxy-means test: the DTSEN desil stays the
national ranking, and a far-off desil is flagged (``flags.registry_contradiction``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from services.verification.domain.questionnaire import ASSETS, LIVESTOCK
from sipmas import reference

# Garis kemiskinan Kutai Timur, rupiah per capita per month: BPS, March 2023 (innalar.com quoting
# BPS; reference/kutim_kemiskinan_bps.csv), the latest year with a figure. The Rp753.332 quoted for
# 2025 by katakaltim.com is unverified (it equals Kukar's 2024 figure), so it is not used.
GARIS_KEMISKINAN_KUTIM = 714_241
# Extreme poverty (USD 1.9 PPP/day): Rp322.170 per capita per month, 2022 (P3KE; fields.md §6).
GARIS_KEMISKINAN_EKSTREM = 322_170
MIN_FLOOR_M2_PER_PERSON = 8  # the old "14 kriteria" no. 1

WELFARE_CLASSES = ("sangat_miskin", "miskin", "rentan_miskin", "tidak_miskin")
ELIGIBLE_CLASSES = ("sangat_miskin", "miskin", "rentan_miskin")
NOT_POOR = "tidak_miskin"
CLASS_LABELS: dict[str, tuple[str, str]] = {
    "sangat_miskin": ("Sangat miskin", "Very poor"),
    "miskin": ("Miskin", "Poor"),
    "rentan_miskin": ("Rentan miskin", "Near-poor (vulnerable)"),
    "tidak_miskin": ("Tidak miskin", "Not poor"),
}
# need code → (Indonesian, English); the referral service routes them to the OPD that owns them.
NEEDS: dict[str, tuple[str, str]] = {
    "rumah": ("Rumah tidak layak huni, air dan sanitasi", "Housing, water and sanitation"),
    "pendidikan": ("Pendidikan anak", "Children's schooling"),
    "kesehatan": ("Kesehatan dan jaminan kesehatan", "Health and health insurance"),
    "pangan": ("Kemiskinan pangan (gizi)", "Food poverty (nutrition)"),
    "adminduk": ("Dokumen kependudukan", "Civil registration documents"),
    "ekonomi": ("Pekerjaan dan pendapatan", "Work and income"),
}
PMKS_NEED_PREFIX = "pmks."


class UnknownRuleSet(ValueError):
    """A rule-set version this code does not carry."""

    def __init__(self, version: str):
        super().__init__(f"unknown rule set version {version!r} / versi aturan tidak dikenal")
        self.version = version


@dataclass(frozen=True)
class NeedFinding:
    code: str
    reasons: tuple[str, ...]  # deprivation or PMKS codes that raised the need


@dataclass(frozen=True)
class Decision:
    welfare_class: str
    score: int
    deprivations: tuple[str, ...]
    needs: tuple[NeedFinding, ...]
    rule_set_version: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, as stored with the visit and read back by :func:`explain`."""
        return {
            "welfare_class": self.welfare_class,
            "score": self.score,
            "deprivations": list(self.deprivations),
            "needs": [{"code": n.code, "reasons": list(n.reasons)} for n in self.needs],
            "rule_set_version": self.rule_set_version,
        }


@dataclass(frozen=True)
class Deprivation:
    code: str
    label_id: str
    label_en: str
    weight: int
    needs: tuple[str, ...]
    test: Callable[[Mapping], bool]


@dataclass(frozen=True)
class RuleSet:
    version: str
    deprivations: tuple[Deprivation, ...]
    thresholds: tuple[tuple[int, str], ...]  # (minimum score, class), highest first
    pmks_needs: Mapping[str, str]  # PMKS code → need code (``pmks.<code>``)
    unconditional_needs: frozenset[str] = frozenset({"adminduk"})

    def __post_init__(self) -> None:
        """Refuse a table that would break monotonicity or name an unknown need or class."""
        for d in self.deprivations:
            if d.weight <= 0:
                raise ValueError(f"{self.version}: weight of {d.code} must be positive")
            if not set(d.needs) <= set(NEEDS):
                raise ValueError(f"{self.version}: {d.code} raises an unknown need")
        if len({d.code for d in self.deprivations}) != len(self.deprivations):
            raise ValueError(f"{self.version}: a deprivation code is used twice")
        minimums = [t for t, _ in self.thresholds]
        if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
            raise ValueError(f"{self.version}: thresholds must be strictly descending")
        if [c for _, c in self.thresholds] != list(ELIGIBLE_CLASSES):
            raise ValueError(f"{self.version}: thresholds must name {ELIGIBLE_CLASSES} in order")
        if set(self.pmks_needs) != reference.pmks_codes() or not all(
            need.startswith(PMKS_NEED_PREFIX) for need in self.pmks_needs.values()
        ):
            raise ValueError(f"{self.version}: pmks_needs must map the 26 PMKS to pmks.* needs")
        if not self.unconditional_needs <= set(NEEDS):
            raise ValueError(f"{self.version}: an unconditional need is unknown")

    def deprivation(self, code: str) -> Deprivation | None:
        return next((d for d in self.deprivations if d.code == code), None)


# --- the indicator tests (answers as loaded by ``questionnaire.Answers``) -----------------------


def income_per_capita(a: Mapping) -> float:
    return a["household_income"] / a["member_count"]


def floor_area_per_person(a: Mapping) -> float:
    return a["floor_area_m2"] / a["member_count"]


def _insecure_work(a: Mapping) -> bool:
    """The "14 kriteria" no. 12: casual or unpaid family work, or a smallholder of the land/sea."""
    if a["head_work_status"] in ("buruh_lepas", "pekerja_keluarga"):
        return True
    primary = ("pertanian_pangan", "perkebunan", "peternakan", "perikanan", "kehutanan")
    return a["head_work_status"] == "berusaha_sendiri" and a["head_sector"] in primary


def _no_assets(a: Mapping) -> bool:
    """The "14 kriteria" no. 14: nothing of value to sell in a crisis."""
    return (
        not any(a[asset] for asset in ASSETS)
        and not any(a[animal] for animal in LIVESTOCK)
        and a["land_area_m2"] == 0
        and not a["other_house"]
    )


def _chronic_without_cover(a: Mapping) -> bool:
    """Chronic illness outside PBI-JK/PBI daerah, or with members uninsured: the illness is paid
    for by the household (no cover, or a premium it must keep paying)."""
    subsidised = a["health_insurance"] in ("pbi_jk", "pbi_daerah")
    return a["members_chronic_illness"] > 0 and (
        not subsidised or a["members_without_insurance"] > 0
    )


def _limited_power(a: Mapping) -> bool:
    """No metered PLN, or the 450 VA subsidised connection."""
    return a["lighting"] != "pln_meteran" or (a["power_va"] or 0) <= 450


D = Deprivation
DEPRIVATIONS_2026_1: tuple[Deprivation, ...] = (
    # housing (Perkim), water and sanitation
    D(
        "luas_lantai_sempit",
        f"Luas lantai < {MIN_FLOOR_M2_PER_PERSON} m² per orang",
        f"Floor area < {MIN_FLOOR_M2_PER_PERSON} m² per person",
        2,
        ("rumah",),
        lambda a: floor_area_per_person(a) < MIN_FLOOR_M2_PER_PERSON,
    ),
    D(
        "lantai_tanah",
        "Lantai tanah",
        "Earth floor",
        2,
        ("rumah",),
        lambda a: a["floor"] == "tanah",
    ),
    D(
        "lantai_kualitas_rendah",
        "Lantai bambu atau kayu/papan kualitas rendah",
        "Bamboo or low-quality wooden floor",
        1,
        ("rumah",),
        lambda a: a["floor"] in ("bambu", "kayu_murah"),
    ),
    D(
        "dinding_buruk",
        "Dinding bambu/kayu kualitas rendah atau rusak berat",
        "Bamboo or low-quality wooden walls, or walls badly damaged",
        1,
        ("rumah",),
        lambda a: (
            a["wall"] in ("bambu", "anyaman_bambu", "batang_kayu", "kayu_murah")
            or a["wall_condition"] == "rusak_berat"
        ),
    ),
    D(
        "atap_rusak",
        "Atap daun/rumbia/bambu atau rusak berat",
        "Thatch or bamboo roof, or roof badly damaged",
        1,
        ("rumah",),
        lambda a: a["roof"] in ("daun_rumbia", "bambu") or a["roof_condition"] == "rusak_berat",
    ),
    D(
        "air_tidak_layak",
        "Air minum dari sumber tak terlindung",
        "Drinking water from an unprotected source",
        1,
        ("rumah",),
        lambda a: (
            a["water_source"]
            in ("sumur_tak_terlindung", "mata_air_tak_terlindung", "air_sungai_danau")
        ),
    ),
    D(
        "sanitasi_tidak_layak",
        "Tidak punya jamban sendiri/bersama atau kloset cemplung",
        "No own or shared toilet, or an open pit",
        1,
        ("rumah",),
        lambda a: a["sanitation"] in ("umum", "tidak_ada") or a["toilet"] == "cemplung",
    ),
    D(
        "tanpa_listrik",
        "Penerangan bukan listrik",
        "No electric lighting",
        2,
        ("rumah",),
        lambda a: a["lighting"] == "tanpa_listrik",
    ),
    D(
        "listrik_terbatas",
        "Listrik non-PLN, tanpa meteran, atau 450 VA",
        "Non-PLN, unmetered or 450 VA electricity",
        1,
        (),
        lambda a: a["lighting"] != "tanpa_listrik" and _limited_power(a),
    ),
    D(
        "bahan_bakar_kayu",
        "Memasak dengan kayu bakar/arang",
        "Cooking with firewood or charcoal",
        1,
        (),
        lambda a: a["cooking_fuel"] in ("kayu_bakar", "arang"),
    ),
    # food poverty (Dinsos UEP/KUBE, DKP)
    D(
        "makan_kurang",
        "Makan kurang dari 2 kali sehari",
        "Fewer than 2 meals a day",
        3,
        ("pangan",),
        lambda a: a["meals_per_day"] < 2,
    ),
    D(
        "protein_kurang",
        "Daging/ikan/telur paling banyak 1 hari seminggu",
        "Meat, fish or egg on at most 1 day a week",
        2,
        ("pangan",),
        lambda a: a["protein_days_per_week"] <= 1,
    ),
    # education (Disdikbud)
    D(
        "anak_tidak_sekolah",
        "Anak usia sekolah tidak bersekolah",
        "School-age children out of school",
        2,
        ("pendidikan",),
        lambda a: a["children_out_of_school"] > 0,
    ),
    # health (Dinkes)
    D(
        "sakit_kronis_tanpa_jaminan",
        "Anggota sakit kronis tanpa PBI-JK/PBI daerah",
        "Chronic illness without subsidised insurance",
        2,
        ("kesehatan",),
        _chronic_without_cover,
    ),
    D(
        "tanpa_jaminan_kesehatan",
        "Anggota tanpa jaminan kesehatan",
        "Members without health insurance",
        1,
        ("kesehatan",),
        lambda a: a["members_without_insurance"] > 0,
    ),
    D(
        "anggota_disabilitas",
        "Anggota penyandang disabilitas",
        "Member(s) with disability",
        1,
        ("kesehatan",),
        lambda a: a["members_disability"] > 0,
    ),
    # civil registration (Disdukcapil)
    D(
        "anggota_tanpa_nik",
        "Anggota tanpa NIK",
        "Members without NIK",
        1,
        ("adminduk",),
        lambda a: a["members_without_nik"] > 0,
    ),
    D(
        "anggota_tanpa_kk",
        "Anggota tidak tercantum di KK",
        "Members not on a family card",
        1,
        ("adminduk",),
        lambda a: a["members_not_on_kk"] > 0,
    ),
    D(
        "anak_tanpa_akta",
        "Anak tanpa akta kelahiran",
        "Children without birth certificate",
        1,
        ("adminduk",),
        lambda a: a["children_without_birth_certificate"] > 0,
    ),
    # work and income (Disnakertrans, Diskop UKM, Dinsos)
    D(
        "krt_tidak_bekerja",
        "Kepala rumah tangga tidak bekerja",
        "Head of household not working",
        2,
        ("ekonomi",),
        lambda a: a["head_work_status"] == "tidak_bekerja",
    ),
    D(
        "pekerjaan_krt_rentan",
        "Kepala rumah tangga buruh lepas/pekerja keluarga/petani-nelayan kecil",
        "Head is a casual or family worker, or a small farmer/fisher",
        1,
        ("ekonomi",),
        _insecure_work,
    ),
    D(
        "pendapatan_di_bawah_gk",
        "Pendapatan per kapita di bawah garis kemiskinan Kutim",
        "Income per capita below the Kutim poverty line",
        3,
        ("ekonomi",),
        lambda a: income_per_capita(a) < GARIS_KEMISKINAN_KUTIM,
    ),
    D(
        "pendapatan_ekstrem",
        "Pendapatan per kapita di bawah garis kemiskinan ekstrem",
        "Income per capita below the extreme-poverty line",
        3,
        ("pangan", "ekonomi"),
        lambda a: income_per_capita(a) < GARIS_KEMISKINAN_EKSTREM,
    ),
    D(
        "tanpa_aset",
        "Tidak punya aset, ternak, lahan atau rumah lain",
        "No assets, livestock, land or other house",
        1,
        ("ekonomi",),
        _no_assets,
    ),
)
del D

THRESHOLDS_2026_1 = ((14, "sangat_miskin"), (9, "miskin"), (5, "rentan_miskin"))


def _pmks_needs() -> Mapping[str, str]:
    return MappingProxyType(
        {code: PMKS_NEED_PREFIX + code for code in sorted(reference.pmks_codes())}
    )


CURRENT_VERSION = "2026.1"
RULE_SETS: dict[str, RuleSet] = {
    "2026.1": RuleSet(
        version="2026.1",
        deprivations=DEPRIVATIONS_2026_1,
        thresholds=THRESHOLDS_2026_1,
        pmks_needs=_pmks_needs(),
    ),
}


def rule_set(version: str | None = None) -> RuleSet:
    """The rule set of ``version`` (the current one by default)."""
    found = RULE_SETS.get(version or CURRENT_VERSION)
    if found is None:
        raise UnknownRuleSet(str(version))
    return found


# --- deciding -----------------------------------------------------------------------------------


def score(codes: Set[str], rules: RuleSet) -> int:
    """The sum of the weights of the deprivations found."""
    return sum(d.weight for d in rules.deprivations if d.code in codes)


def classify(points: int, rules: RuleSet) -> str:
    """The first class whose minimum the score reaches, else ``tidak_miskin``."""
    return next((cls for minimum, cls in rules.thresholds if points >= minimum), NOT_POOR)


def decide(answers: Mapping, rule_set: RuleSet | None = None) -> Decision:
    """A found household's welfare class and needs under ``rule_set`` (the current by default)."""
    rules = rule_set or RULE_SETS[CURRENT_VERSION]
    found = tuple(d for d in rules.deprivations if d.test(answers))
    points = sum(d.weight for d in found)
    welfare_class = classify(points, rules)
    return Decision(
        welfare_class=welfare_class,
        score=points,
        deprivations=tuple(d.code for d in found),
        needs=_needs(found, answers.get("pmks") or (), welfare_class, rules),
        rule_set_version=rules.version,
    )


def _needs(
    found: tuple[Deprivation, ...], pmks: Iterable[str], welfare_class: str, rules: RuleSet
) -> tuple[NeedFinding, ...]:
    """Needs in a fixed order (``NEEDS``, then PMKS needs by code), each with its reasons."""
    reasons: dict[str, list[str]] = {code: [] for code in NEEDS}
    for deprivation in found:
        for need in deprivation.needs:
            reasons[need].append(deprivation.code)
    poor = welfare_class != NOT_POOR
    needs = [
        NeedFinding(code, tuple(why))
        for code, why in reasons.items()
        if why and (poor or code in rules.unconditional_needs)
    ]
    pmks_reasons: dict[str, list[str]] = {}
    for category in sorted(set(pmks)):
        pmks_reasons.setdefault(rules.pmks_needs[category], []).append(category)
    needs += [NeedFinding(code, tuple(why)) for code, why in sorted(pmks_reasons.items())]
    return tuple(needs)


def is_graduation(previous_class: str | None, new_class: str) -> bool:
    """Previously eligible and now not poor: the household leaves the programmes."""
    return previous_class in ELIGIBLE_CLASSES and new_class == NOT_POOR


def is_verified(welfare_class: str, graduated: bool, needs: Iterable[Mapping]) -> bool:
    """Whether an approved visit that found the household is told as ``household_verified``
    (else as ``household_rejected``): classed poor, graduated, or with a need raised whatever
    its welfare (:func:`_needs` raises no other for a household not poor) — a neglected elder or
    a missing KK in a household classed not poor is still referred, for that need alone."""
    return welfare_class in ELIGIBLE_CLASSES or graduated or any(True for _ in needs)


# --- explaining ---------------------------------------------------------------------------------


@cache
def _pmks_labels() -> dict[str, tuple[str, str]]:
    return {p.code: (p.name, p.english) for p in reference.pmks()}


def _reason_labels(code: str, rules: RuleSet) -> tuple[str, str]:
    deprivation = rules.deprivation(code)
    if deprivation is not None:
        return deprivation.label_id, deprivation.label_en
    return _pmks_labels().get(code, (code, code))


def _reason(code: str, rules: RuleSet) -> dict[str, str]:
    label_id, label_en = _reason_labels(code, rules)
    return {"code": code, "label_id": label_id, "label_en": label_en}


def _need_labels(code: str) -> tuple[str, str]:
    if code.startswith(PMKS_NEED_PREFIX):
        name_id, name_en = _pmks_labels().get(code.removeprefix(PMKS_NEED_PREFIX), (code, code))
        return f"Layanan PMKS: {name_id}", f"PMKS service: {name_en}"
    return NEEDS.get(code, (code, code))


def explain(decision_dict: Mapping) -> list[dict[str, Any]]:
    """A stored decision in words, by the rule set of its own version: the class and score, each
    deprivation with its weight, and each need with the reasons that raised it."""
    rules = rule_set(decision_dict["rule_set_version"])
    welfare_class = decision_dict["welfare_class"]
    class_id, class_en = CLASS_LABELS.get(welfare_class, (welfare_class, welfare_class))
    lines: list[dict[str, Any]] = [
        {
            "kind": "welfare_class",
            "code": welfare_class,
            "label_id": class_id,
            "label_en": class_en,
            "score": decision_dict.get("score"),
            "rule_set_version": rules.version,
        }
    ]
    for code in decision_dict.get("deprivations", ()):
        deprivation = rules.deprivation(code)
        label_id, label_en = _reason_labels(code, rules)
        lines.append(
            {
                "kind": "deprivation",
                "code": code,
                "label_id": label_id,
                "label_en": label_en,
                "weight": deprivation.weight if deprivation else None,
            }
        )
    for need in decision_dict.get("needs", ()):
        label_id, label_en = _need_labels(need["code"])
        lines.append(
            {
                "kind": "need",
                "code": need["code"],
                "label_id": label_id,
                "label_en": label_en,
                "reasons": [_reason(code, rules) for code in need.get("reasons", ())],
            }
        )
    return lines
