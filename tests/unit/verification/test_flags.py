"""Automatic flags: each fires on a case that should raise it and stays quiet on a near miss."""

import math
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.verification.domain import flags, welfare
from services.verification.domain import questionnaire as q

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
END = START + timedelta(minutes=45)
SANGATTA = (0.5, 117.5)
POOR = {  # score 12: miskin
    "floor": "tanah",
    "wall": "bambu",
    "roof": "daun_rumbia",
    "floor_area_m2": 20.0,
    "household_income": 1_000_000,
    "has_gas_cylinder": False,
}
KM_PER_DEGREE = flags.EARTH_RADIUS_KM * math.pi / 180  # along a meridian


def answers(**overrides):
    return q.Answers().load(q.sample_answers(**overrides))


def photo(kind, minutes=10, sha=None):
    return flags.Photo(
        sha256=sha or (kind[0] * 64),
        kind=kind,
        captured_at=START + timedelta(minutes=minutes),
        lat=SANGATTA[0],
        lon=SANGATTA[1],
    )


def facts(outcome="found", **answer_overrides) -> flags.VisitFacts:
    """A plain, honest visit (no flag), with ``answer_overrides`` in its answers."""
    found = answers(**answer_overrides) if outcome == "found" else None
    return flags.VisitFacts(
        answers=found,
        decision=welfare.decide(found) if found else None,
        outcome=outcome,
        started_at=START,
        ended_at=END,
        lat=SANGATTA[0],
        lon=SANGATTA[1],
        photos=tuple(photo(kind) for kind in q.REQUIRED_PHOTO_KINDS),
        registry_desil=3,
        registry_source="dtsen",
        household_point=(SANGATTA[0] + 1 / KM_PER_DEGREE, SANGATTA[1]),  # 1 km north
        photos_seen_elsewhere={},
    )


def codes(visit, thresholds=flags.Thresholds()):
    return [f.code for f in flags.check_visit(visit, thresholds)]


def test_an_honest_visit_raises_nothing():
    assert codes(facts()) == []
    assert codes(facts(**POOR)) == []
    assert facts(**POOR).decision.welfare_class == "miskin"
    assert codes(facts("moved")) == []


def north(km):
    return (SANGATTA[0] + km / KM_PER_DEGREE, SANGATTA[1])


def rumah_photo_at(minutes):
    return (photo("rumah", minutes), *(photo(k) for k in q.REQUIRED_PHOTO_KINDS[1:]))


def with_exif(minutes=10, place=SANGATTA):
    """The required photos, the first with what its own EXIF said (``minutes`` after START)."""
    first = replace(
        photo("rumah"),
        exif_time=START + timedelta(minutes=minutes),
        exif_lat=place[0],
        exif_lon=place[1],
    )
    return (first, *(photo(k) for k in q.REQUIRED_PHOTO_KINDS[1:]))


DAY = 86_400

# (flag, a visit that should raise it, a near miss that should not)
CASES = [
    ("asset_contradiction", facts(**POOR, has_car=True), facts(has_car=True)),  # not poor
    ("asset_contradiction", facts(**POOR, cattle=3, buffalo=2), facts(**POOR, cattle=4)),
    ("asset_contradiction", facts(**POOR, goats=20), facts(**POOR, goats=19)),
    ("asset_contradiction", facts(**POOR, land_area_m2=50_000), facts(**POOR, land_area_m2=49_999)),
    ("asset_contradiction", facts(**POOR, has_gold=True), facts(**POOR, has_flat_tv=True)),
    (
        "answer_contradiction",
        facts(
            head_work_status="tidak_bekerja", head_sector="tidak_ada", household_income=8_570_893
        ),
        facts(
            head_work_status="tidak_bekerja", head_sector="tidak_ada", household_income=8_570_892
        ),
    ),
    (
        "answer_contradiction",
        facts(lighting="tanpa_listrik", power_va=None, has_refrigerator=True),
        facts(lighting="non_pln", power_va=None, has_refrigerator=True),
    ),
    (
        "registry_contradiction",
        replace(facts(**POOR), registry_desil=9),
        replace(facts(**POOR), registry_desil=8),
    ),
    (
        "registry_contradiction",
        replace(facts(**POOR), registry_desil=10),
        replace(facts(), registry_desil=10),
    ),
    (
        "photo_reused",
        replace(facts(), photos_seen_elsewhere={"r" * 64: (12, 40)}),
        replace(facts(), photos_seen_elsewhere={"r" * 64: ()}),
    ),
    (
        "far_from_household",
        replace(facts(), household_point=north(5.1)),
        replace(facts(), household_point=north(4.9)),
    ),
    (
        "far_from_household",
        replace(facts(), household_point=north(30)),
        replace(facts(), household_point=None),
    ),
    (
        "outside_kutim",
        replace(facts(), lat=2.15, lon=117.49, household_point=None),  # Tanjung Redeb, Berau
        replace(facts(), lat=1.95, lon=119.05, household_point=None),  # the box's corner
    ),
    ("missing_gps", replace(facts(), lat=None), facts()),
    ("missing_gps", replace(facts("moved"), lon=None), facts("moved")),
    (
        "visit_too_short",
        replace(facts(), ended_at=START + timedelta(minutes=9)),
        replace(facts(), ended_at=START + timedelta(minutes=10)),
    ),
    (
        "visit_too_short",
        replace(facts(), ended_at=START + timedelta(minutes=2)),
        replace(facts("moved"), ended_at=START + timedelta(minutes=2)),  # a short "moved" is fine
    ),
    (
        "missing_photos",
        replace(facts(), photos=facts().photos[:-1]),
        replace(facts("moved"), photos=()),
    ),
    (
        "photo_time_outside_visit",
        replace(facts(), photos=rumah_photo_at(-61)),
        replace(facts(), photos=rumah_photo_at(-59)),
    ),
    (
        "photo_time_outside_visit",
        replace(facts(), photos=rumah_photo_at(45 + 61)),
        replace(facts(), photos=rumah_photo_at(45 + 60)),
    ),
    (
        "far_from_household",  # the desa's centre, as far as its boundary reaches
        replace(facts(), household_point=north(30), household_radius_km=24.9),
        replace(facts(), household_point=north(30), household_radius_km=25.1),
    ),
    (
        "clock_off",
        replace(facts(), clock_offset_seconds=2 * DAY),
        replace(facts(), clock_offset_seconds=15 * 60),
    ),
    (
        "clock_off",
        replace(facts(), clock_offset_seconds=-16 * 60),
        replace(facts(), clock_offset_seconds=None),
    ),
    (
        "photo_times_apart",
        replace(facts(), photos=rumah_photo_at(13 * 60)),
        replace(facts(), photos=rumah_photo_at(11 * 60)),
    ),
    (
        "photo_times_apart",  # the EXIF time counts too
        replace(facts(), photos=with_exif(minutes=-2 * 24 * 60)),
        replace(facts(), photos=with_exif(minutes=-11 * 60)),
    ),
    (
        "photo_exif_mismatch",
        replace(facts(), photos=with_exif(minutes=-61)),
        replace(facts(), photos=with_exif(minutes=-59)),
    ),
    (
        "photo_exif_mismatch",  # 1 km north is the household: 6.1 km from it is too far
        replace(facts(), photos=with_exif(place=north(7.1))),
        replace(facts(), photos=with_exif(place=north(5.9))),
    ),
    (
        "nik_mismatch",
        replace(facts(), nik_check="mismatch"),
        replace(facts(), nik_check="unreadable"),
    ),
]


@pytest.mark.parametrize(("code", "raising", "near_miss"), CASES)
def test_each_flag_fires_and_a_near_miss_does_not(code, raising, near_miss):
    assert code in codes(raising)
    assert code not in codes(near_miss)


def test_every_check_has_a_case():
    assert {c.code for c in flags.CHECKS} == {code for code, _, _ in CASES}


@pytest.mark.parametrize(("code", "raising", "near_miss"), CASES)
def test_details_never_carry_a_nik_and_every_flag_has_labels(code, raising, near_miss):
    for flag in flags.check_visit(raising):
        assert not re.search(r"\d{16}", flag.detail + flag.detail_id)
        assert flag.label_id and flag.label_en
        assert flag.detail_id and flag.detail_id != flag.detail  # said in Indonesian too


def test_details_say_what_was_found():
    visit = replace(
        facts(**POOR, has_car=True, has_ac=True, lighting="tanpa_listrik", power_va=None),
        photos_seen_elsewhere={"r" * 64: (12, 40)},
        lat=None,
    )
    found = {f.code: f.detail for f in flags.check_visit(visit)}
    assert found == {
        "asset_contradiction": "decided sangat_miskin but owns: car, air conditioner",
        "answer_contradiction": "air conditioner without electricity",
        "photo_reused": "rumah photo rrrrrrrrrrrr used for household(s) 12, 40",
        "missing_gps": "visit has no GPS position",
    }
    said = {f.code: f.detail_id for f in flags.check_visit(visit)}
    assert said == {
        "asset_contradiction": "diputuskan sangat_miskin tetapi memiliki: mobil, AC",
        "answer_contradiction": "AC tanpa listrik",
        "photo_reused": "foto rumah rrrrrrrrrrrr dipakai untuk rumah tangga 12, 40",
        "missing_gps": "kunjungan tanpa posisi GPS",
    }


def test_a_missing_photo_is_named():
    visit = replace(facts(), photos=tuple(p for p in facts().photos if p.kind != "dapur"))
    assert flags.check_visit(visit) == [
        flags.Flag("missing_photos", "missing photos: dapur", "foto tidak ada: dapur")
    ]


def test_the_phone_clock_is_told_in_words():
    late = replace(facts(), clock_offset_seconds=-2 * DAY)
    assert flags.check_visit(late) == [
        flags.Flag(
            "clock_off",
            "phone clock 2.0 days behind the server's",
            "jam ponsel 2,0 hari lebih lambat dari server",
        )
    ]


def test_thresholds_move_the_line():
    short = replace(facts(), ended_at=START + timedelta(minutes=12))
    assert codes(short) == []
    assert codes(short, flags.Thresholds(min_visit_minutes=15)) == ["visit_too_short"]


def test_a_photo_without_a_time_is_not_judged():
    undated = replace(photo("rumah"), captured_at=None)
    assert codes(replace(facts(), photos=(undated, *facts().photos[1:]))) == []


def test_haversine():
    assert flags.haversine_km((0.0, 117.0), (0.0, 118.0)) == pytest.approx(111.19, abs=0.01)
    assert flags.haversine_km(SANGATTA, SANGATTA) == 0


# --- verifier outliers --------------------------------------------------------------------------


def classes(eligible: int, total: int) -> list[str]:
    return ["miskin"] * eligible + ["tidak_miskin"] * (total - eligible)


def test_a_verifier_far_from_peers_is_flagged_and_one_within_noise_is_not():
    results = {"ani": classes(10, 20), "budi": classes(10, 20), "citra": classes(20, 20)}
    flagged = flags.verifier_outliers(results, flags.Thresholds())
    assert list(flagged) == ["citra"]  # z = (1.0 - 0.5) / sqrt(0.25/20) = +4.5
    assert flagged["citra"].code == "verifier_outlier"
    assert flagged["citra"].detail == (
        "verifier citra: 20/20 eligible (100%) vs peers 20/40 (50%), z=+4.5"
    )
    assert flagged["citra"].label_en == "Verifier's results stand apart from peers'"
    # ani: peers 30/40 = 0.75, z ≈ -2.5: within noise


def test_too_harsh_is_flagged_too():
    results = {"ani": classes(18, 20), "budi": classes(18, 20), "citra": classes(5, 20)}
    assert list(flags.verifier_outliers(results)) == ["citra"]


def test_too_few_visits_or_peers_are_not_judged():
    few_visits = {"ani": classes(10, 20), "budi": classes(10, 20), "citra": classes(19, 19)}
    assert flags.verifier_outliers(few_visits, flags.Thresholds()) == {}
    one_peer = {"ani": classes(10, 40), "citra": classes(20, 20)}
    assert flags.verifier_outliers(one_peer, flags.Thresholds()) == {}


def test_unanimous_peers_do_not_make_every_difference_significant():
    results = {"ani": classes(20, 20), "budi": classes(20, 20), "citra": classes(19, 20)}
    assert flags.verifier_outliers(results) == {}  # z ≈ -1.5 with the shrunk SE
    results["citra"] = classes(10, 20)
    assert list(flags.verifier_outliers(results)) == ["citra"]


def test_outlier_z():
    assert flags.outlier_z(20, 20, 20, 40) == pytest.approx(4.472, abs=0.001)
