"""Kutai Timur reference data carried as package data (copied from the project's reference set).

Sources and doubts: ``data/SOURCES.md``. Loaders return plain frozen records; callers cache.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

KABUPATEN_CODE = "64.08"  # Kemendagri code of Kabupaten Kutai Timur
KABUPATEN_BPS_CODE = "6404"


@dataclass(frozen=True)
class Kecamatan:
    code: str  # Kemendagri, e.g. 64.08.04
    name: str
    bps_code: str


@dataclass(frozen=True)
class Desa:
    code: str  # Kemendagri, e.g. 64.08.04.2001
    name: str
    kecamatan_code: str
    jenis: str  # desa | kelurahan
    bps_code: str  # BPS 2018 code, blank for the five newer desa
    kodepos: str


@dataclass(frozen=True)
class PmksCategory:
    code: str
    name: str
    english: str
    order: int
    abbreviation: str


@dataclass(frozen=True)
class Opd:
    code: str
    name: str
    abbreviation: str
    field: str


@dataclass(frozen=True)
class DesaPoint:
    """Where a desa lies: its centroid and how far its boundary reaches from it."""

    lat: float
    lon: float
    radius_km: float


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files(__package__).joinpath("data", filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def desa() -> tuple[Desa, ...]:
    return tuple(
        Desa(
            code=r["kode_desa"],
            name=r["nama_desa"],
            kecamatan_code=r["kode_kecamatan"],
            jenis=r["jenis"],
            bps_code=r["kode_bps_desa_2018"],
            kodepos=r["kodepos"],
        )
        for r in _rows("kutim_wilayah.csv")
    )


@cache
def desa_points() -> dict[str, DesaPoint]:
    """Each desa's centroid and reach (``data/kutim_desa_titik.csv``), by desa code."""
    return {
        r["kode_desa"]: DesaPoint(float(r["lat"]), float(r["lon"]), float(r["radius_km"]))
        for r in _rows("kutim_desa_titik.csv")
    }


@cache
def kecamatan() -> tuple[Kecamatan, ...]:
    seen: dict[str, Kecamatan] = {}
    for r in _rows("kutim_wilayah.csv"):
        seen.setdefault(
            r["kode_kecamatan"],
            Kecamatan(r["kode_kecamatan"], r["nama_kecamatan"], r["kode_bps_kecamatan"]),
        )
    return tuple(seen.values())


@cache
def desa_by_code() -> dict[str, Desa]:
    return {d.code: d for d in desa()}


@cache
def kecamatan_by_code() -> dict[str, Kecamatan]:
    return {k.code: k for k in kecamatan()}


@cache
def pmks() -> tuple[PmksCategory, ...]:
    return tuple(
        PmksCategory(r["code"], r["nama"], r["english"], int(r["urutan"]), r["singkatan_umum"])
        for r in _rows("pmks_26_detail.csv")
    )


@cache
def pmks_codes() -> frozenset[str]:
    return frozenset(p.code for p in pmks())


@cache
def opd() -> tuple[Opd, ...]:
    return tuple(Opd(r["code"], r["nama"], r["singkatan"], r["bidang"]) for r in _rows("opd.csv"))


def opd_codes() -> frozenset[str]:
    return frozenset(o.code for o in opd())


# Kemendagri province codes (the first two NIK digits), for the NIK prefix check. SIPMAS carries
# kecamatan codes only for Kutim; NIKs first registered elsewhere are checked at province level.
PROVINCE_CODES = frozenset(
    f"{code}"
    for code in (
        11,
        12,
        13,
        14,
        15,
        16,
        17,
        18,
        19,
        21,
        31,
        32,
        33,
        34,
        35,
        36,
        51,
        52,
        53,
        61,
        62,
        63,
        64,
        65,
        71,
        72,
        73,
        74,
        75,
        76,
        81,
        82,
        91,
        92,
        93,
        94,
        95,
        96,
        97,
    )
)
