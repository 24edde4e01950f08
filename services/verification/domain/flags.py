"""Automatic flags on a visit: signs of a false claim of poverty ("mengaku miskin"), of a visit
that did not happen as recorded, or of a verifier whose results stand apart from their peers'.

A flag does not reject anything: it sends the visit to a second verifier or to a supervisor's
explicit review (``tasks.approval_refusal``). Every check is a pure function of the visit's facts
returning its detail when it fires (``Said``: in English for the log, in Bahasa Indonesia for the
supervisor), or None. Details carry codes, counts, distances and household ids, never a NIK.
Thresholds live in one place, ``Thresholds``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from services.verification.domain.questionnaire import REQUIRED_PHOTO_KINDS
from services.verification.domain.welfare import (
    ELIGIBLE_CLASSES,
    GARIS_KEMISKINAN_KUTIM,
    Decision,
    income_per_capita,
)

POOR_CLASSES = ("sangat_miskin", "miskin")

# Kutai Timur's extent, approximately: 115°56'-118°58' E, 1°17' S-1°52' N as BPS's "Kutai Timur
# Dalam Angka" gives it (quoted from memory, not re-checked), rounded outwards. A bounding box,
# because the district's boundary polygon is not in the reference data, and a box that holds the
# whole district never flags a visit inside it. Being a rectangle it also admits
# parts of the neighbours (Bontang, even Samarinda): it catches a visit recorded in Berau or
# Java, while ``far_from_household`` catches the nearer ones.
KUTIM_LAT = (-1.35, 1.95)
KUTIM_LON = (115.9, 119.05)
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Thresholds:
    """Where the checks draw the line. Defaults are deliberately lenient: a flag costs a supervisor
    review, so it should fire on what a reviewer would also find odd."""

    max_distance_km: float = 5.0  # visit GPS to the household's known point
    min_visit_minutes: float = 10.0  # a full questionnaire with photos takes longer
    photo_slack_minutes: float = 60.0  # photo time allowed before the start / after the end
    registry_desil_min: int = 9  # DTSEN desil 9-10: the richest fifth nationally
    large_livestock_min: int = 5  # cattle + buffalo + horses (a cow is worth ~Rp15-20 million)
    small_livestock_min: int = 20  # pigs + goats
    land_area_min_m2: float = 50_000  # 5 ha of land owned
    income_multiple: float = 3.0  # income per capita this many poverty lines, yet "not working"
    outlier_z: float = 3.0  # standard errors from the peers' share
    outlier_min_visits: int = 20  # fewer visits say too little about a verifier
    outlier_min_peers: int = 2  # the peers' share needs more than one other verifier
    max_clock_offset_minutes: float = 15.0  # the phone's clock against the server's
    photo_spread_hours: float = 12.0  # a visit's photos are taken within one visit, not days


@dataclass(frozen=True)
class Photo:
    sha256: str
    kind: str
    captured_at: datetime | None
    lat: float | None
    lon: float | None
    # what the photo's own EXIF said, read on the phone before it compressed the photo
    exif_time: datetime | None = None
    exif_lat: float | None = None
    exif_lon: float | None = None


@dataclass(frozen=True)
class VisitFacts:
    """What the checks see of a visit; the adapter looks up the registry and earlier photos."""

    answers: Mapping | None
    decision: Decision | None
    outcome: str
    started_at: datetime
    ended_at: datetime
    lat: float | None
    lon: float | None
    photos: tuple[Photo, ...]
    registry_desil: int | None
    registry_source: str | None
    household_point: tuple[float, float] | None
    photos_seen_elsewhere: Mapping[str, tuple[int, ...]]  # sha256 → other household ids
    # how far from ``household_point`` the house may be: 0 for its own GPS, the desa's reach
    # when the point is the desa's centre
    household_radius_km: float = 0.0
    clock_offset_seconds: float | None = None  # the phone's clock minus the server's, at send
    nik_check: str | None = None  # the NIK typed at the door against the registry's


class Said(NamedTuple):
    """A flag's detail in both languages."""

    en: str
    id: str


def _id(value: float, digits: int, sign: bool = False) -> str:
    """A number as Indonesians write it: a decimal comma (``2,5``)."""
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    return text.replace(".", ",")


def _joined(parts: Sequence[Said]) -> Said | None:
    """Several findings of one check as one detail (None without any)."""
    if not parts:
        return None
    return Said("; ".join(p.en for p in parts), "; ".join(p.id for p in parts))


@dataclass(frozen=True)
class Flag:
    code: str
    detail: str  # English, for the log; never a NIK
    detail_id: str = ""  # the same in Bahasa Indonesia, for the supervisor

    @property
    def label_id(self) -> str:
        return LABELS[self.code][0]

    @property
    def label_en(self) -> str:
        return LABELS[self.code][1]


# --- the per-visit checks -----------------------------------------------------------------------


def _poor(facts: VisitFacts, classes: Sequence[str] = POOR_CLASSES) -> bool:
    return facts.decision is not None and facts.decision.welfare_class in classes


def asset_contradiction(facts: VisitFacts, t: Thresholds) -> Said | None:
    """A household decided very poor or poor that owns what the poor do not."""
    if not _poor(facts) or facts.answers is None:
        return None
    a = facts.answers
    found = [
        name
        for name, owned in (
            (Said("car", "mobil"), a["has_car"]),
            (Said("air conditioner", "AC"), a["has_ac"]),
            (Said("motor boat", "perahu motor"), a["has_motor_boat"]),
            (Said("gold >=10 g", "emas >=10 g"), a["has_gold"]),
            (Said("another house", "rumah lain"), a["other_house"]),
            (
                Said("large livestock", "ternak besar"),
                a["cattle"] + a["buffalo"] + a["horses"] >= t.large_livestock_min,
            ),
            (
                Said("small livestock", "ternak kecil"),
                a["pigs"] + a["goats"] >= t.small_livestock_min,
            ),
            (Said("land", "lahan"), a["land_area_m2"] >= t.land_area_min_m2),
        )
        if owned
    ]
    if not found:
        return None
    welfare = facts.decision.welfare_class
    return Said(
        f"decided {welfare} but owns: {', '.join(n.en for n in found)}",
        f"diputuskan {welfare} tetapi memiliki: {', '.join(n.id for n in found)}",
    )


def answer_contradiction(facts: VisitFacts, t: Thresholds) -> Said | None:
    """Answers that can each be true but hardly together (the schema refuses the impossible)."""
    a = facts.answers
    if a is None:
        return None
    found = []
    multiple = income_per_capita(a) / GARIS_KEMISKINAN_KUTIM
    if a["head_work_status"] == "tidak_bekerja" and multiple > t.income_multiple:
        found.append(
            Said(
                f"head not working yet income per capita {multiple:.1f}x the poverty line",
                f"kepala tidak bekerja tetapi pendapatan per kapita {_id(multiple, 1)}x "
                "garis kemiskinan",
            )
        )
    if a["lighting"] == "tanpa_listrik":
        appliances = [
            name
            for name, owned in (
                (Said("refrigerator", "kulkas"), a["has_refrigerator"]),
                (Said("air conditioner", "AC"), a["has_ac"]),
                (Said("water heater", "pemanas air"), a["has_water_heater"]),
            )
            if owned
        ]
        if appliances:
            found.append(
                Said(
                    f"{', '.join(n.en for n in appliances)} without electricity",
                    f"{', '.join(n.id for n in appliances)} tanpa listrik",
                )
            )
    return _joined(found)


def registry_contradiction(facts: VisitFacts, t: Thresholds) -> Said | None:
    """Decided eligible while the national ranking puts the household among the richest.

    Any eligible class counts: entering the programmes at all is what a false claim is after.
    """
    desil = facts.registry_desil
    if not _poor(facts, ELIGIBLE_CLASSES) or desil is None or desil < t.registry_desil_min:
        return None
    welfare = facts.decision.welfare_class
    return Said(
        f"decided {welfare} but the registry "
        f"({facts.registry_source or 'unknown source'}) ranks it desil {desil}",
        f"diputuskan {welfare} tetapi registri "
        f"({facts.registry_source or 'sumber tidak diketahui'}) menempatkannya di desil {desil}",
    )


def photo_reused(facts: VisitFacts, t: Thresholds) -> Said | None:
    """The same photo bytes already stand for another household."""
    reused = []
    for p in facts.photos:
        others = ", ".join(str(h) for h in facts.photos_seen_elsewhere.get(p.sha256, ()))
        if others:
            reused.append(
                Said(
                    f"{p.kind} photo {p.sha256[:12]} used for household(s) {others}",
                    f"foto {p.kind} {p.sha256[:12]} dipakai untuk rumah tangga {others}",
                )
            )
    return _joined(reused)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _gps(facts: VisitFacts) -> tuple[float, float] | None:
    return None if facts.lat is None or facts.lon is None else (facts.lat, facts.lon)


def far_from_household(facts: VisitFacts, t: Thresholds) -> Said | None:
    """The visit was recorded away from where the household is known to live."""
    here = _gps(facts)
    if here is None or facts.household_point is None:
        return None
    distance = haversine_km(here, facts.household_point)
    if distance <= t.max_distance_km + facts.household_radius_km:
        return None
    return Said(
        f"visit recorded {distance:.1f} km from the household's known location",
        f"kunjungan tercatat {_id(distance, 1)} km dari lokasi rumah tangga yang diketahui",
    )


def outside_kutim(facts: VisitFacts, t: Thresholds) -> Said | None:
    """The visit was recorded outside Kutai Timur altogether."""
    here = _gps(facts)
    if here is None or in_kutim(*here):
        return None
    return Said(
        f"visit recorded at ({here[0]:.3f}, {here[1]:.3f}), outside Kutai Timur",
        f"kunjungan tercatat di ({_id(here[0], 3)}; {_id(here[1], 3)}), di luar Kutai Timur",
    )


def in_kutim(lat: float, lon: float) -> bool:
    return KUTIM_LAT[0] <= lat <= KUTIM_LAT[1] and KUTIM_LON[0] <= lon <= KUTIM_LON[1]


def missing_gps(facts: VisitFacts, t: Thresholds) -> Said | None:
    """Without a position nothing shows the verifier was there (any outcome)."""
    if _gps(facts) is not None:
        return None
    return Said("visit has no GPS position", "kunjungan tanpa posisi GPS")


def visit_too_short(facts: VisitFacts, t: Thresholds) -> Said | None:
    """A found household's questionnaire and photos cannot be done this fast. Other outcomes
    (moved, deceased, ...) are legitimately short and are not checked."""
    if facts.outcome != "found":
        return None
    minutes = (facts.ended_at - facts.started_at).total_seconds() / 60
    if minutes >= t.min_visit_minutes:
        return None
    return Said(
        f"visit lasted {minutes:.0f} min (minimum {t.min_visit_minutes:.0f})",
        f"kunjungan berlangsung {minutes:.0f} menit (minimal {t.min_visit_minutes:.0f})",
    )


def missing_photos(facts: VisitFacts, t: Thresholds) -> Said | None:
    """A found household's condition must be shown, not only told."""
    if facts.outcome != "found":
        return None
    have = {p.kind for p in facts.photos}
    missing = [kind for kind in REQUIRED_PHOTO_KINDS if kind not in have]
    if not missing:
        return None
    return Said(f"missing photos: {', '.join(missing)}", f"foto tidak ada: {', '.join(missing)}")


def photo_time_outside_visit(facts: VisitFacts, t: Thresholds) -> Said | None:
    """A photo taken long before or after the visit may show another day, or another house.
    Photos without a capture time are not judged here."""
    slack = timedelta(minutes=t.photo_slack_minutes)
    earliest, latest = facts.started_at - slack, facts.ended_at + slack
    outside = [
        Said(
            f"{p.kind} photo {p.sha256[:12]} at {p.captured_at.isoformat()}",
            f"foto {p.kind} {p.sha256[:12]} pada {p.captured_at.isoformat()}",
        )
        for p in facts.photos
        if p.captured_at is not None and not earliest <= p.captured_at <= latest
    ]
    return _joined(outside)


def clock_off(facts: VisitFacts, t: Thresholds) -> Said | None:
    """The phone's clock stood far from the server's when it sent the visit: every time it
    recorded (the visit's, the photos') may be as wrong, or set back on purpose."""
    offset = facts.clock_offset_seconds
    if offset is None or abs(offset) <= t.max_clock_offset_minutes * 60:
        return None
    span = _duration(abs(offset))
    if offset > 0:
        return Said(
            f"phone clock {span.en} ahead of the server's",
            f"jam ponsel {span.id} lebih cepat dari server",
        )
    return Said(
        f"phone clock {span.en} behind the server's",
        f"jam ponsel {span.id} lebih lambat dari server",
    )


def _duration(seconds: float) -> Said:
    if seconds >= 86_400:
        return Said(f"{seconds / 86_400:.1f} days", f"{_id(seconds / 86_400, 1)} hari")
    if seconds >= 3_600:
        return Said(f"{seconds / 3_600:.1f} h", f"{_id(seconds / 3_600, 1)} jam")
    return Said(f"{seconds / 60:.0f} min", f"{seconds / 60:.0f} menit")


def photo_times_apart(facts: VisitFacts, t: Thresholds) -> Said | None:
    """A visit's photos, by the phone's time or their own EXIF, were taken far apart: days
    apart is two visits (or old photos) made into one."""
    times = [
        moment
        for p in facts.photos
        for moment in (p.captured_at, p.exif_time)
        if moment is not None
    ]
    if len(times) < 2:
        return None
    spread = (max(times) - min(times)).total_seconds()
    if spread <= t.photo_spread_hours * 3_600:
        return None
    span = _duration(spread)
    return Said(f"photos taken {span.en} apart", f"foto diambil berselang {span.id}")


def photo_exif_mismatch(facts: VisitFacts, t: Thresholds) -> Said | None:
    """What a photo's own EXIF says contradicts the visit: taken outside the visit's time, or
    far from the household (a photo from the gallery rather than the door)."""
    slack = timedelta(minutes=t.photo_slack_minutes)
    earliest, latest = facts.started_at - slack, facts.ended_at + slack
    where = facts.household_point or _gps(facts)
    reach = t.max_distance_km + (facts.household_radius_km if facts.household_point else 0)
    found = []
    for p in facts.photos:
        if p.exif_time is not None and not earliest <= p.exif_time <= latest:
            found.append(
                Said(
                    f"{p.kind} photo {p.sha256[:12]} EXIF time {p.exif_time.isoformat()}",
                    f"foto {p.kind} {p.sha256[:12]} waktu EXIF {p.exif_time.isoformat()}",
                )
            )
        if p.exif_lat is not None and p.exif_lon is not None and where is not None:
            distance = haversine_km((p.exif_lat, p.exif_lon), where)
            if distance > reach:
                found.append(
                    Said(
                        f"{p.kind} photo {p.sha256[:12]} EXIF place {distance:.1f} km away",
                        f"foto {p.kind} {p.sha256[:12]} tempat EXIF {_id(distance, 1)} km jauhnya",
                    )
                )
    return _joined(found)


def nik_mismatch(facts: VisitFacts, t: Thresholds) -> Said | None:
    """The NIK on the card shown at the door is no member's of this household in the registry
    (the server compared it; neither NIK is written here)."""
    if facts.nik_check != "mismatch":
        return None
    return Said(
        "the NIK typed from the card is not a member's of this household",
        "NIK yang diketik dari kartu bukan milik anggota rumah tangga ini",
    )


@dataclass(frozen=True)
class Check:
    code: str
    run: Callable[[VisitFacts, Thresholds], Said | None]
    label_id: str
    label_en: str


CHECKS: tuple[Check, ...] = (
    Check(
        "asset_contradiction",
        asset_contradiction,
        "Aset tidak sesuai dengan status miskin",
        "Assets contradict the poverty class",
    ),
    Check(
        "answer_contradiction",
        answer_contradiction,
        "Jawaban saling bertentangan",
        "Answers contradict each other",
    ),
    Check(
        "registry_contradiction",
        registry_contradiction,
        "Bertentangan dengan desil DTSEN",
        "Contradicts the registry's desil",
    ),
    Check("photo_reused", photo_reused, "Foto sudah dipakai rumah tangga lain", "Photo reused"),
    Check(
        "far_from_household",
        far_from_household,
        "Lokasi kunjungan jauh dari rumah",
        "Visit far from the household",
    ),
    Check("outside_kutim", outside_kutim, "Lokasi di luar Kutai Timur", "Outside Kutai Timur"),
    Check("missing_gps", missing_gps, "Tanpa lokasi GPS", "No GPS position"),
    Check("visit_too_short", visit_too_short, "Kunjungan terlalu singkat", "Visit too short"),
    Check("missing_photos", missing_photos, "Foto wajib tidak lengkap", "Required photos missing"),
    Check(
        "photo_time_outside_visit",
        photo_time_outside_visit,
        "Waktu foto di luar waktu kunjungan",
        "Photo taken outside the visit",
    ),
    Check("clock_off", clock_off, "Jam ponsel tidak sesuai jam server", "Phone clock is off"),
    Check(
        "photo_times_apart",
        photo_times_apart,
        "Foto diambil pada waktu berjauhan",
        "Photos taken far apart in time",
    ),
    Check(
        "photo_exif_mismatch",
        photo_exif_mismatch,
        "Waktu atau lokasi EXIF foto tidak sesuai kunjungan",
        "Photo's EXIF time or place contradicts the visit",
    ),
    Check(
        "nik_mismatch",
        nik_mismatch,
        "NIK di KTP tidak cocok dengan data keluarga",
        "NIK on the card does not match the household",
    ),
)
LABELS: dict[str, tuple[str, str]] = {c.code: (c.label_id, c.label_en) for c in CHECKS} | {
    "verifier_outlier": (
        "Hasil verifikator menyimpang dari rekan",
        "Verifier's results stand apart from peers'",
    )
}


def check_visit(facts: VisitFacts, thresholds: Thresholds = Thresholds()) -> list[Flag]:
    """Every check of ``CHECKS`` on one visit, in table order; the flags that fired."""
    flags = []
    for check in CHECKS:
        detail = check.run(facts, thresholds)
        if detail is not None:
            flags.append(Flag(check.code, detail.en, detail.id))
    return flags


# --- verifiers against their peers ----------------------------------------------------------------


def verifier_outliers(
    results: Mapping[str, Sequence[str]], thresholds: Thresholds = Thresholds()
) -> dict[str, Flag]:
    """Verifiers whose share of eligible classes stands far from their peers'.

    For verifier v with n visits of which x were decided eligible, the peers are all other
    verifiers pooled: share p = X / N. If v judged like the peers, x would be binomial(n, p), so
    v's share x/n has standard error sqrt(p(1-p)/n) around p; v is flagged when
    |x/n - p| exceeds ``outlier_z`` such errors, in either direction (too lenient is a false
    claim let through, too harsh leaves the poor out). The SE uses the peers' share shrunk by one
    success and one failure, (X+1)/(N+2), so unanimous peers (p = 0 or 1) do not make any
    difference infinitely significant. Only verifiers with ``outlier_min_visits`` and at least
    ``outlier_min_peers`` peers with visits are judged: below that the comparison is noise.
    Areas differ in poverty, so a flag asks a supervisor to look, it does not prove bias.
    """
    counts = {who: _eligible_count(classes) for who, classes in results.items() if classes}
    total_n = sum(n for _, n in counts.values())
    total_x = sum(x for x, _ in counts.values())
    flagged: dict[str, Flag] = {}
    for who, (x, n) in counts.items():
        peers = len(counts) - 1
        if n < thresholds.outlier_min_visits or peers < thresholds.outlier_min_peers:
            continue
        peer_x, peer_n = total_x - x, total_n - n
        z = outlier_z(x, n, peer_x, peer_n)
        if abs(z) > thresholds.outlier_z:
            flagged[who] = Flag(
                "verifier_outlier",
                f"verifier {who}: {x}/{n} eligible ({x / n:.0%}) vs peers "
                f"{peer_x}/{peer_n} ({peer_x / peer_n:.0%}), z={z:+.1f}",
                f"verifikator {who}: {x}/{n} layak ({x / n:.0%}) dibanding rekan "
                f"{peer_x}/{peer_n} ({peer_x / peer_n:.0%}), z={_id(z, 1, sign=True)}",
            )
    return flagged


def _eligible_count(classes: Sequence[str]) -> tuple[int, int]:
    return sum(1 for c in classes if c in ELIGIBLE_CLASSES), len(classes)


def outlier_z(x: int, n: int, peer_x: int, peer_n: int) -> float:
    """Standard errors between a verifier's share x/n and the peers' share (see above)."""
    shrunk = (peer_x + 1) / (peer_n + 2)
    se = math.sqrt(shrunk * (1 - shrunk) / n)
    return (x / n - peer_x / peer_n) / se
