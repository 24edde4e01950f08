"""Synthetic export files for Kutim (DTSEN, DTKS, P3KE, PMKS) with the damage real files carry.

What ``sipmas generate`` writes. The files test the importer (every injected damage is listed in
the :class:`Manifest`, so a test can check that every bad row is named) and make benchmark files
(a million rows in seconds).

The people are plausible, never real: households of 1-8 with a head aged 20-80, usually a spouse,
children born when their mother was 18-44, sometimes a grandparent or grandchildren. Every NIK
passes :func:`sipmas.nik.errors` and agrees with the person's sex and birth date, with a real
Kemendagri area code; every address is a real desa of the household's kecamatan. Columns, headers
and value writings come from ``sources.py`` and ``vocabulary.py``, so a file always matches the
table the importer reads with.

Determinism: one set of arguments gives one file, byte for byte. People come from one random
stream and damage from another, so the same seed at error rate 0 and 0.2 describes the same
people, and the two files differ only in the rows the manifest names.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import zipfile
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import Any, Generic, TypeVar

from services.registry.domain import vocabulary
from services.registry.domain.sources import FIELDS, FORMATS, SourceFormat
from sipmas import nik as niks
from sipmas import reference
from sipmas_cli import synthetic_names as names

T = TypeVar("T")

REFERENCE_DATE = date(2025, 7, 1)  # the synthetic "today": ages count to it, nothing is later
REFERENCE_ORDINAL = REFERENCE_DATE.toordinal()
KK_FIRST_ISSUE = date(2008, 1, 1).toordinal()  # SIAK-era family cards
XLSX_TIMESTAMP = "2025-07-01T00:00:00Z"

# Rough share of Kutim's households per kecamatan (Sangatta is the town), for plausibility
# only: not an official figure.
KECAMATAN_WEIGHTS = {
    "64.08.01": 4, "64.08.02": 6, "64.08.03": 3, "64.08.04": 26, "64.08.05": 5, "64.08.06": 2,
    "64.08.07": 3, "64.08.08": 5, "64.08.09": 8, "64.08.10": 3, "64.08.11": 2, "64.08.12": 9,
    "64.08.13": 4, "64.08.14": 4, "64.08.15": 3, "64.08.16": 3, "64.08.17": 2, "64.08.18": 2,
}  # fmt: skip
# NIKs first registered elsewhere in Kaltim: Kemendagri kabupaten/kota → its kecamatan count.
OTHER_KALTIM = {"6402": 10, "6403": 10, "6471": 6, "6472": 10, "6474": 3}

HOUSEHOLD_SIZES = {1: 10, 2: 17, 3: 22, 4: 22, 5: 15, 6: 8, 7: 4, 8: 2}  # mean ≈ 3.65
HEAD_AGE_BANDS = {(20, 29): 12, (30, 39): 25, (40, 49): 25, (50, 59): 20, (60, 69): 12, (70, 80): 6}
DESIL_WEIGHTS: dict[str, dict[int, int]] = {
    "dtsen": {1: 18, 2: 16, 3: 14, 4: 12, 5: 9, 6: 8, 7: 7, 8: 6, 9: 5, 10: 5},
    "dtks": {1: 35, 2: 30, 3: 20, 4: 15},
    "p3ke": {1: 40, 2: 25, 3: 20, 4: 15},
    "pmks": {},
}

# Dukcapil education and occupation codes (as remembered; the importer keeps them as text).
EDUCATION = {
    1: "Tidak/Belum Sekolah", 2: "Belum Tamat SD/Sederajat", 3: "Tamat SD/Sederajat",
    4: "SLTP/Sederajat", 5: "SLTA/Sederajat", 6: "Diploma I/II",
    7: "Akademi/Diploma III/S. Muda", 8: "Diploma IV/Strata I",
}  # fmt: skip
JOBS = {
    1: "Belum/Tidak Bekerja", 2: "Mengurus Rumah Tangga", 3: "Pelajar/Mahasiswa", 4: "Pensiunan",
    8: "Perdagangan", 9: "Petani/Pekebun", 11: "Nelayan/Perikanan", 15: "Karyawan Swasta",
    19: "Buruh Harian Lepas", 20: "Buruh Tani/Perkebunan", 88: "Wiraswasta",
}  # fmt: skip
DISABILITIES = ("", "Disabilitas Fisik", "Disabilitas Netra", "Disabilitas Rungu Wicara",
                "Disabilitas Intelektual", "Disabilitas Mental")  # fmt: skip
STATUS_DTSEN = {"DTSEN AKTIF": 96, "DTSEN NONAKTIF": 3, "DTSEN AKTIF - ASESMEN MENINGGAL": 1}

# Error codes and how often each damage is seen, relative to the others.
ERROR_WEIGHTS = {
    "nik_scientific": 12, "nik_15_digits": 10, "nik_not_digits": 8, "nik_date": 6,
    "nik_missing": 8, "nik_duplicate": 8, "name_missing": 5, "date_invalid": 8, "sex_invalid": 5,
    "desa_unknown": 6, "desil_invalid": 5, "kk_invalid": 8, "pmks_unknown": 6, "row_columns": 5,
}  # fmt: skip
ERROR_CODES = tuple(ERROR_WEIGHTS)
ERROR_FIELDS = {  # the canonical field whose column carries each damage
    "nik_scientific": "nik", "nik_15_digits": "nik", "nik_not_digits": "nik", "nik_date": "nik",
    "nik_missing": "nik", "nik_duplicate": "nik", "name_missing": "nama",
    "date_invalid": "tanggal_lahir", "sex_invalid": "jenis_kelamin", "desil_invalid": "desil",
    "kk_invalid": "no_kk", "pmks_unknown": "pmks", "row_columns": "alamat",
}  # fmt: skip
NBSP_RATE = 0.003  # names ending in a no-break space
ZEROED_CODE = "nik_column_zeroed"
SEX_MISMATCH_CODE = "nik_sex_mismatch"


# ---------------------------------------------------------------------------------------------
# The manifest


@dataclass(frozen=True)
class InjectedError:
    """One damage (or warning) as written: ``row`` 1 is the header, 0 means the whole file."""

    row: int
    column: str  # the header as written in the file
    code: str
    detail: str = ""


@dataclass
class Manifest:
    """What a generated file holds, and every damage in it, so tests can hold the importer to it.

    ``valid_rows`` / ``valid_households`` count rows (households) free of injected errors. With
    ``zeroed_nik_column`` the whole NIK column is suspect (most serials become 0000) and the
    counts do not account for it: the file-level warning says so.
    """

    source: str
    path: str
    format: str  # csv | xlsx
    households: int
    rows: int = 0
    valid_households: int = 0
    valid_rows: int = 0
    seed: int = 0
    error_rate: float = 0.0
    encoding: str | None = None  # csv: utf-8-sig (BOM) | utf-8 | cp1252
    delimiter: str | None = None
    errors: list[InjectedError] = field(default_factory=list)
    warnings: list[InjectedError] = field(default_factory=list)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(asdict(self), indent=indent, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Small tools


class Weighted(Generic[T]):
    """A weighted choice by bisection: one draw costs one ``random()`` and a C-level bisect."""

    __slots__ = ("values", "cumulative", "total")

    def __init__(self, weights: Mapping[T, float]) -> None:
        self.values: list[T] = list(weights)
        self.cumulative: list[float] = []
        total = 0.0
        for weight in weights.values():
            total += weight
            self.cumulative.append(total)
        self.total = total

    def __call__(self, rnd: Callable[[], float]) -> T:
        return self.values[bisect_right(self.cumulative, rnd() * self.total)]


def pick(values: Sequence[T], rnd: Callable[[], float]) -> T:
    """Uniform choice, cheaper than ``Random.choice`` in the hot loop."""
    return values[int(rnd() * len(values))]


# ---------------------------------------------------------------------------------------------
# Places


@dataclass(frozen=True)
class Place:
    """A desa with every way an export writes it, precomputed once."""

    kecamatan_name: str
    kecamatan_upper: str
    kecamatan_bps: str
    desa_name: str
    desa_upper: str
    desa_code: str  # BPS code, or the Kemendagri code for the five desa BPS has none for
    area: str  # the kecamatan's 6-digit Kemendagri code, as in NIK and KK
    area_index: int  # index into AREAS


def _areas() -> tuple[str, ...]:
    kutim = tuple(k.code.replace(".", "") for k in reference.kecamatan())
    other = tuple(
        f"{kab}{i:02d}" for kab, count in OTHER_KALTIM.items() for i in range(1, count + 1)
    )
    return kutim + other


AREAS = _areas()
KUTIM_AREA_COUNT = len(reference.kecamatan())


def _places() -> Weighted[Place]:
    by_kecamatan: dict[str, list[reference.Desa]] = {}
    for desa in reference.desa():
        by_kecamatan.setdefault(desa.kecamatan_code, []).append(desa)
    weights: dict[Place, float] = {}
    for kecamatan in reference.kecamatan():
        area = kecamatan.code.replace(".", "")
        for desa in by_kecamatan[kecamatan.code]:
            place = Place(
                kecamatan.name,
                kecamatan.name.upper(),
                kecamatan.bps_code,
                desa.name,
                desa.name.upper(),
                desa.bps_code or desa.code,
                area,
                AREAS.index(area),
            )
            weights[place] = KECAMATAN_WEIGHTS[kecamatan.code] / len(by_kecamatan[kecamatan.code])
    return Weighted(weights)


PLACES = _places()


# ---------------------------------------------------------------------------------------------
# People and households


@dataclass(slots=True)
class Person:
    nik: str
    name: str
    sex: str  # L | P
    birth: date
    relation: str  # vocabulary.RELATION key
    marital: str  # vocabulary.MARITAL key
    education: int
    job: int
    disability: int  # index into DISABILITIES, 0 = none
    illness: int  # id_penyakit_menahun, 1 = none
    pmks: tuple[str, ...] = ()  # PMKS category codes (PMKS files only)
    note: str = ""  # the PMKS list's "Keterangan"


@dataclass(slots=True)
class Household:
    no: int
    place: Place
    group: names.Group
    kk: str
    alamat: str
    rt: int
    rw: int
    desil: int
    status: str
    housing: dict[str, str]  # DTSEN only: code numbers as written
    flags: dict[str, bool]  # assets and programmes
    people: list[Person]


Spec = tuple[str, str, int, str]  # relation, sex, age, marital

GROUPS = Weighted({g: g.share for g in names.GROUPS})
STATUS_DTSEN_PICK = Weighted(STATUS_DTSEN)
SIZES = Weighted(HOUSEHOLD_SIZES)
HEAD_AGES = Weighted(HEAD_AGE_BANDS)
ADULT_EDUCATION = Weighted({1: 8, 2: 14, 3: 32, 4: 20, 5: 20, 6: 1, 7: 2, 8: 3})
ELDER_EDUCATION = Weighted({1: 30, 2: 30, 3: 30, 4: 6, 5: 4})
MALE_JOBS = Weighted({9: 28, 19: 20, 20: 15, 11: 6, 88: 10, 15: 8, 8: 4, 1: 5})
FEMALE_JOBS = Weighted({2: 55, 9: 10, 8: 6, 88: 8, 19: 5, 1: 12, 15: 4})
ELDER_JOBS = Weighted({1: 45, 9: 30, 4: 3, 19: 5, 88: 5, 8: 4})
ILLNESSES = Weighted({2: 40, 3: 15, 4: 10, 5: 8, 6: 15, 7: 5, 8: 7})
HOUSING = {  # code numbers without a published list: small numbers, skewed
    "status_bangunan": Weighted({"1": 75, "2": 8, "3": 12, "4": 1, "5": 4}),
    "lantai": Weighted({"1": 5, "2": 10, "3": 15, "4": 25, "5": 10, "6": 20, "7": 10, "8": 5}),
    "dinding": Weighted({"1": 20, "2": 10, "3": 45, "4": 15, "5": 10}),
    "atap": Weighted({"1": 5, "2": 10, "3": 55, "4": 20, "5": 10}),
    "air_minum": Weighted({"1": 3, "2": 20, "3": 10, "4": 25, "5": 15, "6": 12, "7": 10, "8": 5}),
    "penerangan": Weighted(
        {"1": 75, "2": 8, "3": 12, "4": 5}
    ),  # PLN meter / no meter / non-PLN / none
    "bahan_bakar": Weighted({"1": 5, "2": 60, "3": 5, "4": 25, "5": 5}),
    "fasilitas_bab": Weighted({"1": 70, "2": 12, "3": 5, "4": 13}),
}


class People:
    """Households and people from one random stream, with NIK and KK serials kept unique.

    A NIK's serial counts the people sharing its area and birth date (DDMMYY, women +40), as
    SIAK does; a KK's serial counts the cards of its area and issue date. Counters live in flat
    arrays indexed by those keys, so a million people cost no dictionary.
    """

    def __init__(self, source: str, seed: int) -> None:
        self.rng = random.Random(f"people:{source}:{seed}")
        self.rnd = self.rng.random
        self.desil = Weighted(DESIL_WEIGHTS[source]) if DESIL_WEIGHTS[source] else None
        self.with_housing = source == "dtsen"
        self.nik_serials = array("H", bytes(2 * len(AREAS) * 100 * 12 * 31 * 2))
        self.kk_serials = array("H", bytes(2 * KUTIM_AREA_COUNT * 100 * 12 * 31))

    # -- identifiers

    def nik(self, home: int, birth: date, female: bool) -> str:
        """A fresh NIK: mostly registered in the home kecamatan, sometimes elsewhere."""
        x = self.rnd()
        if x < 0.86:
            area = home
        elif x < 0.96:
            area = int(self.rnd() * KUTIM_AREA_COUNT)
        else:
            area = KUTIM_AREA_COUNT + int(self.rnd() * (len(AREAS) - KUTIM_AREA_COUNT))
        return self.nik_in(area, birth, female)

    def nik_in(self, area: int, birth: date, female: bool) -> str:
        key = ((area * 100 + birth.year % 100) * 12 + birth.month - 1) * 31 + birth.day - 1
        key = key * 2 + female
        serial = self.nik_serials[key] + 1
        if serial > 9999:
            raise ValueError("more than 9999 people share one NIK area and birth date")
        self.nik_serials[key] = serial
        return niks.make(AREAS[area], birth, female, serial)

    def kk(self, place: Place, head_birth: date) -> str:
        """A KK issued in the household's kecamatan after the head turned 17."""
        first = max(KK_FIRST_ISSUE, head_birth.toordinal() + 17 * 366)
        issued = date.fromordinal(first + int(self.rnd() * (REFERENCE_ORDINAL - first)))
        key = ((place.area_index * 100 + issued.year % 100) * 12 + issued.month - 1) * 31
        key += issued.day - 1
        serial = self.kk_serials[key] + 1
        if serial > 9999:
            raise ValueError("more than 9999 family cards share one area and issue date")
        self.kk_serials[key] = serial
        return f"{place.area}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}{serial:04d}"

    # -- households

    def household(self, no: int) -> Household:
        rnd = self.rnd
        place = PLACES(rnd)
        group = GROUPS(rnd)
        specs = self.members(SIZES(rnd))
        people = self.people(place, group, specs)
        desil = self.desil(rnd) if self.desil else 0
        rt = 1 + int(rnd() * 25)
        return Household(
            no=no,
            place=place,
            group=group,
            kk=self.kk(place, people[0].birth),
            alamat=self.alamat(place, rt),
            rt=rt,
            rw=1 + int(rnd() * 8),
            desil=desil,
            status=STATUS_DTSEN_PICK(rnd),
            housing=self.housing(desil) if self.with_housing else {},
            flags=self.flags(desil, people),
            people=people,
        )

    def members(self, size: int) -> list[Spec]:
        """Relation, sex, age and marital status of each member, head first."""
        if size == 1:
            return [self.lone_head()]
        rnd = self.rnd
        lo, hi = HEAD_AGES(rnd)
        head_age = min(80, max(lo + int(rnd() * (hi - lo + 1)), 16 + 2 * size))
        specs: list[Spec] = []
        if rnd() < 0.85:
            male_head = rnd() < 0.96
            gap = int(rnd() * 11) - 2  # the husband is usually a few years older
            partner_age = max(18, head_age - gap if male_head else head_age + gap)
            head_sex, partner_sex = ("L", "P") if male_head else ("P", "L")
            specs.append(("kepala", head_sex, head_age, "kawin"))
            specs.append(("pasangan", partner_sex, min(partner_age, 85), "kawin"))
            mother_age = partner_age if male_head else head_age
        else:
            head_sex = "P" if rnd() < 0.7 else "L"
            widowed = head_age >= 45 and rnd() < 0.7
            specs.append(("kepala", head_sex, head_age, "cerai_mati" if widowed else "cerai_hidup"))
            mother_age = head_age if head_sex == "P" else head_age - 3
        specs += self.kin(size - len(specs), head_age, mother_age)
        return specs

    def lone_head(self) -> Spec:
        rnd = self.rnd
        if rnd() < 0.35:
            sex = "L" if rnd() < 0.65 else "P"
            return (
                "kepala",
                sex,
                20 + int(rnd() * 16),
                "belum_kawin" if rnd() < 0.8 else "cerai_hidup",
            )
        sex = "P" if rnd() < 0.6 else "L"
        x = rnd()
        marital = "cerai_mati" if x < 0.75 else "cerai_hidup" if x < 0.9 else "belum_kawin"
        return ("kepala", sex, 55 + int(rnd() * 26), marital)

    def kin(self, count: int, head_age: int, mother_age: int) -> list[Spec]:
        """A grandparent, grandchildren and children, each born when it could have been."""
        rnd = self.rnd
        specs: list[Spec] = []
        if count and head_age <= 58 and rnd() < 0.10:
            parent_age = min(95, head_age + 20 + int(rnd() * 13))
            specs.append(("orang_tua", "P" if rnd() < 0.65 else "L", parent_age, "cerai_mati"))
            count -= 1
        if count and head_age >= 45 and rnd() < 0.35:
            for _ in range(1 + (count >= 2 and rnd() < 0.4)):
                grandchild_age = int(rnd() * (min(head_age - 38, 17) + 1))
                specs.append(("cucu", pick("LP", rnd), grandchild_age, "belum_kawin"))
                count -= 1
        children = []
        oldest_mother = min(44, mother_age)
        for _ in range(count):
            at_birth = 18 + int(rnd() * (oldest_mother - 17)) if oldest_mother >= 18 else mother_age
            age = max(0, mother_age - at_birth)
            marital = "kawin" if age >= 20 and rnd() < 0.12 else "belum_kawin"
            children.append(("anak", pick("LP", rnd), age, marital))
        children.sort(key=lambda spec: -spec[2])
        return children + specs

    def people(self, place: Place, group: names.Group, specs: list[Spec]) -> list[Person]:
        rnd = self.rnd
        surname = pick(group.second_male, rnd)
        people = []
        for relation, sex, age, marital in specs:
            female = sex == "P"
            own_group = group if relation != "pasangan" or rnd() < 0.8 else GROUPS(rnd)
            carries = not female and relation == "kepala" or relation in ("anak", "cucu")
            family = surname if group.family_names and carries and rnd() < 0.7 else None
            birth = date.fromordinal(REFERENCE_ORDINAL - int((age + rnd() * 0.99) * 365.2425) - 1)
            people.append(
                Person(  # positional: a million calls
                    self.nik(place.area_index, birth, female),
                    self.name(own_group, female, family),
                    sex,
                    birth,
                    relation,
                    marital,
                    self.education(age),
                    self.job(age, female),
                    self.disability(age),
                    ILLNESSES(rnd) if age >= 40 and rnd() < age / 200 else 1,
                )
            )
        return people

    def name(self, group: names.Group, female: bool, family: str | None) -> str:
        rnd = self.rnd
        first = pick(group.female if female else group.male, rnd)
        prefixes = group.prefix_female if female else group.prefix_male
        if prefixes and rnd() < 0.08:
            first = f"{pick(prefixes, rnd)} {first}"
        second = family or (
            pick(group.second_female if female else group.second_male, rnd) if rnd() < 0.75 else ""
        )
        name = f"{first} {second}" if second and second not in first else first
        # A no-break space pasted in from a web page or Word: valid once trimmed, and the one
        # non-ASCII byte that tells a Windows-1252 file from a UTF-8 one.
        return name + "\xa0" if rnd() < NBSP_RATE else name

    def education(self, age: int) -> int:
        if age < 7:
            return 1
        if age < 13:
            return 2
        if age < 19:
            return 3 if age < 16 else 4
        return (ELDER_EDUCATION if age >= 60 else ADULT_EDUCATION)(self.rnd)

    def job(self, age: int, female: bool) -> int:
        if age < 5:
            return 1
        if age < 19 or (age < 23 and self.rnd() < 0.3):
            return 3
        if age >= 60:
            return ELDER_JOBS(self.rnd)
        return (FEMALE_JOBS if female else MALE_JOBS)(self.rnd)

    def disability(self, age: int) -> int:
        chance = 0.01 if age < 18 else 0.02 if age < 60 else 0.08
        return 1 + int(self.rnd() * 5) if self.rnd() < chance else 0

    def alamat(self, place: Place, rt: int) -> str:
        rnd = self.rnd
        x = rnd()
        street = pick(names.STREETS, rnd)
        number = f" No. {1 + int(rnd() * 120)}" if rnd() < 0.4 else ""
        if x < 0.40:
            return f"Jl. {street}{number}"
        if x < 0.58:
            return f"Gg. {street}{number}"
        if x < 0.68:
            return pick(names.DUSUN, rnd)
        if x < 0.82:
            return f"RT {rt:02d}"
        if x < 0.92:
            return f"Jl. Poros {place.desa_name} Km. {1 + int(rnd() * 40)}"
        return f"Jl. {street}{number}, {pick(names.DUSUN, rnd)}"  # a comma: quoted in P3KE

    def housing(self, desil: int) -> dict[str, str]:
        """Housing as DTSEN writes it: code numbers, and the floor area in m²."""
        rnd = self.rnd
        found = {f: weights(rnd) for f, weights in HOUSING.items()}
        found["luas_lantai"] = str(18 + int(rnd() * (42 if desil <= 4 else 90)))
        return found

    def flags(self, desil: int, people: list[Person]) -> dict[str, bool]:
        """Assets and programmes, likelier as the desil says (desil 0: PMKS, no desil)."""
        rnd = self.rnd
        poor = desil <= 4
        pupils = any(p.job == 3 for p in people)
        return {
            "aset_mobil": rnd() < (0.01 if poor else 0.03 if desil <= 7 else 0.08),
            "aset_motor": rnd() < (0.55 if poor else 0.8),
            "aset_ac": rnd() < (0.01 if poor else 0.08),
            "aset_lemari_es": rnd() < (0.25 if poor else 0.6),
            "aset_emas": rnd() < (0.05 if poor else 0.2),
            "prog_pkh": rnd() < (0.45 if desil <= 2 else 0.25 if poor else 0.03),
            "prog_bpnt": rnd() < (0.55 if poor else 0.1),
            "prog_pbi": rnd() < (0.85 if desil <= 5 else 0.1),
            "prog_pip": pupils and rnd() < 0.3,
        }


# ---------------------------------------------------------------------------------------------
# PMKS: who in a household is listed, under which categories


PMKS_NAMES = {c.code: c.name for c in reference.pmks()}
PMKS_CASES = Weighted(
    {
        "fakir_miskin": 45,
        "lansia": 15,
        "disabilitas": 12,
        "anak": 6,
        "prse": 6,  # perempuan rawan sosial ekonomi: a woman heading the household
        "bencana": 6,  # floods: the whole household
        "kat": 2,  # komunitas adat terpencil: a whole Dayak household
        "kekerasan": 3,
        "rare": 5,
    }
)
RARE_ADULT = (
    "gelandangan", "pengemis", "pemulung", "bekas_warga_binaan_lp", "odha", "korban_napza",
    "korban_trafficking", "pekerja_migran_bermasalah", "korban_bencana_sosial",
    "kelompok_minoritas", "keluarga_bermasalah_sosial_psikologis",
)  # fmt: skip
RARE_CHILD = ("anak_jalanan", "anak_berhadapan_hukum", "anak_perlindungan_khusus")


def age_of(person: Person) -> int:
    """Age in whole years on REFERENCE_DATE."""
    birth = person.birth
    before_birthday = (REFERENCE_DATE.month, REFERENCE_DATE.day) < (birth.month, birth.day)
    return REFERENCE_DATE.year - birth.year - before_birthday


def pmks_cases(household: Household, rnd: Callable[[], float]) -> list[Person]:
    """The household's people on a Dinsos PMKS list, each with its categories, by age and sex.

    Usually one or two people (the destitute head, an elderly or disabled member); a disaster
    or a remote indigenous community lists the whole household.
    """
    people = household.people
    head = people[0]
    case = PMKS_CASES(rnd)
    listed: list[tuple[Person, str]] = []
    if case == "lansia":
        listed = [(p, "lansia_telantar") for p in people if age_of(p) >= 60]
    elif case == "disabilitas":
        person = pick(people, rnd)
        person.disability = person.disability or 1 + int(rnd() * 5)
        adult = age_of(person) >= 18
        listed = [(person, "penyandang_disabilitas" if adult else "anak_disabilitas")]
    elif case == "anak":
        children = [p for p in people if age_of(p) < 18]
        if children:
            child = pick(children, rnd)
            listed = [(child, "anak_balita_telantar" if age_of(child) <= 5 else "anak_telantar")]
    elif case == "prse" and head.sex == "P" and 18 <= age_of(head) < 60:
        listed = [(head, "perempuan_rawan_sosial_ekonomi")]
    elif case == "bencana":
        listed = [(p, "korban_bencana_alam") for p in people]
    elif case == "kat" and household.group.name == "dayak":
        listed = [(p, "komunitas_adat_terpencil") for p in people]
    elif case == "kekerasan":
        person = pick(people, rnd)
        if age_of(person) < 18:
            listed = [(person, "anak_korban_kekerasan")]
        elif person.sex == "P":
            listed = [(person, "korban_tindak_kekerasan")]
    elif case == "rare":
        person = pick(people, rnd)
        if age_of(person) >= 18:
            listed = [(person, pick(RARE_ADULT, rnd))]
        elif age_of(person) >= 12:
            listed = [(person, pick(RARE_CHILD, rnd))]
    if not listed:  # "fakir_miskin", and every case the household cannot have
        listed = [(head, "fakir_miskin")]
        if len(people) > 1 and people[1].relation == "pasangan" and rnd() < 0.25:
            listed.append((people[1], "fakir_miskin"))
    for person, category in listed:
        person.pmks = (
            (category, "fakir_miskin")
            if category != "fakir_miskin" and rnd() < 0.08
            else (category,)
        )
        person.note = _pmks_note(person, household)
    return [person for person, _ in listed]


def _pmks_note(person: Person, household: Household) -> str:
    if person.disability:
        return DISABILITIES[person.disability]
    if person.pmks[0] == "lansia_telantar" and len(household.people) == 1:
        return "Tinggal sendiri"
    if person.pmks[0] == "korban_bencana_alam":
        return "Banjir"
    return ""


# ---------------------------------------------------------------------------------------------
# Rendering: how each export writes each field


Cell = Callable[[Any], str]
VOCABULARY_KINDS = {"jenis_kelamin": "sex", "hubungan": "relation", "status_kawin": "marital"}


def _upper_or_text(style: str, get: Callable[[Any], str]) -> Cell:
    if style == "upper":
        return lambda x: get(x).upper()
    if style == "text":
        return get
    raise ValueError(f"style {style!r} not supported")


def household_cell(field_name: str, style: str, rt_width: int) -> Cell:
    """How a household-level column is written, as a function of the household."""
    if field_name == "kode_kecamatan" and style == "bps_code":
        return lambda h: h.place.kecamatan_bps
    if field_name == "kode_desa" and style == "bps_code":
        return lambda h: h.place.desa_code
    if field_name == "nama_kecamatan":
        upper = style == "upper"
        return (lambda h: h.place.kecamatan_upper) if upper else (lambda h: h.place.kecamatan_name)
    if field_name == "nama_desa":
        upper = style == "upper"
        return (lambda h: h.place.desa_upper) if upper else (lambda h: h.place.desa_name)
    if field_name == "alamat":
        return _upper_or_text(style, lambda h: h.alamat)
    if field_name in ("rt", "rw"):
        texts, number = tuple(str(n).zfill(rt_width) for n in range(100)), attrgetter(field_name)
        return lambda h: texts[number(h)]
    if field_name == "no_kk":
        return lambda h: h.kk
    if field_name == "id_keluarga":
        return lambda h: f"{h.place.area}{h.no:08d}"
    if field_name == "desil":
        return (lambda h: f"Desil {h.desil}") if style == "desil_word" else (lambda h: str(h.desil))
    if field_name == "status_dtsen":
        return lambda h: h.status
    if field_name in HOUSING or field_name == "luas_lantai":
        return lambda h: h.housing[field_name]
    if FIELDS[field_name][1] == "flag":
        table = vocabulary.FLAG[style]
        return lambda h: table[h.flags[field_name]]
    raise ValueError(f"no writer for household field {field_name!r} in style {style!r}")


def person_cell(field_name: str, style: str, zeroed: bool) -> Cell:
    """How a person-level column is written, as a function of the person."""
    if field_name == "nik":
        return (lambda p: p.nik[:15] + "0") if zeroed else (lambda p: p.nik)
    if field_name == "nama":
        return _upper_or_text(style, lambda p: p.name)
    if field_name == "tanggal_lahir":
        sep = {"dd-mm-yyyy": "-", "dd/mm/yyyy": "/"}[style]
        return lambda p: f"{p.birth.day:02d}{sep}{p.birth.month:02d}{sep}{p.birth.year}"
    if field_name in VOCABULARY_KINDS:  # the vocabulary kind is also the Person attribute
        kind = VOCABULARY_KINDS[field_name]
        table, value = vocabulary.WRITINGS[kind][style], attrgetter(kind)
        return lambda p: table[value(p)]
    if field_name in ("pendidikan", "pekerjaan"):
        words, name = (EDUCATION, "education") if field_name == "pendidikan" else (JOBS, "job")
        code = attrgetter(name)
        if style == "code":
            return lambda p: str(code(p))
        return _upper_or_text(style, lambda p: words[code(p)])
    if field_name == "disabilitas":
        return (lambda p: str(p.disability)) if style == "code" else (lambda p: p.note)
    if field_name == "penyakit_kronis":
        return lambda p: str(p.illness)
    if field_name == "pmks" and style == "pmks_name":
        return lambda p: "|".join(PMKS_NAMES[c] for c in p.pmks)
    raise ValueError(f"no writer for person field {field_name!r} in style {style!r}")


# ---------------------------------------------------------------------------------------------
# Damage


Damaged = tuple[list, str | None, str]  # the row, the header when not the field's own, detail


class Damage:
    """Injects one error into a row, from its own random stream, and records it.

    How each code is written (the column is the field's own unless said):
    nik_scientific ``6.40804E+15``; nik_15_digits first or last digit cut (xlsx: sometimes a
    number cell); nik_not_digits ``'6408...``, ``6408 0412 ...`` or a letter O/o/l/I for a digit;
    nik_date day 32-39 or month 13/00; nik_missing and name_missing blank; nik_duplicate the NIK
    of an earlier clean row (detail: ``NIK of row n``); date_invalid ``31-02-1980``,
    ``1980/13/01``, ``TIDAK TAHU``, no year, ...; sex_invalid ``X``/``0``/``3``/``?``;
    desa_unknown a Kaltim desa outside Kutim (DTSEN: its BPS code in ``kode_kelurahan_desa``
    and its name, since the code is read first); desil_invalid ``0``/``11``/``12``/``abc``
    (P3KE ``Desil 0``, ``Desil 11``, ``Desil lima``); kk_invalid 15, 17 or 10 digits or
    ``6.40804E+15``; pmks_unknown a word not among the 26; row_columns (CSV only) an unquoted
    delimiter in ``alamat`` (one more field) or a field dropped (one fewer; the column named is
    the dropped one).
    """

    POOL = 64  # recent clean NIKs a duplicate is copied from

    def __init__(self, fmt: SourceFormat, kind: str, seed: int, rate: float) -> None:
        self.rng = random.Random(f"damage:{fmt.code}:{seed}")
        self.rnd = self.rng.random
        self.rate = rate
        self.header = [c.header for c in fmt.columns]
        self.index = {c.field: i for i, c in enumerate(fmt.columns)}
        self.styles = {c.field: c.style for c in fmt.columns}
        self.desa_field = "kode_desa" if "kode_desa" in self.index else "nama_desa"
        codes = {c: w for c, w in ERROR_WEIGHTS.items() if self.applies(c, kind)}
        self.codes = Weighted(codes)
        self.numeric_cells = kind == "xlsx"  # a damaged NIK may then be a number cell
        self.pool: list[tuple[int, str]] = []
        self.errors: list[InjectedError] = []

    def applies(self, code: str, kind: str) -> bool:
        if code == "row_columns":
            return kind == "csv"
        if code == "desa_unknown":
            return True
        return ERROR_FIELDS[code] in self.index

    def remember(self, row_no: int, row: list) -> None:
        """Keep a clean row's NIK as a candidate for ``nik_duplicate``."""
        entry = (row_no, row[self.index["nik"]])
        if len(self.pool) < self.POOL:
            self.pool.append(entry)
        else:
            self.pool[row_no % self.POOL] = entry

    def inject(self, row_no: int, row: list) -> list:
        """Damage ``row`` in one way, chosen by weight, and record it."""
        code = self.codes(self.rnd)
        if code == "nik_duplicate" and not self.pool:
            code = "nik_missing"
        column = self.desa_field if code == "desa_unknown" else ERROR_FIELDS[code]
        row, header, detail = getattr(self, code)(row, self.index[column])
        self.errors.append(
            InjectedError(row_no, header or self.header[self.index[column]], code, detail)
        )
        return row

    # Each damage: (row, column index) → (row, header if not the field's own, detail).

    def _set(self, row: list, i: int, value: Any, detail: str = "") -> Damaged:
        row[i] = value
        return row, None, detail or f"{value!s}"

    def nik_scientific(self, row: list, i: int) -> Damaged:
        return self._set(row, i, f"{int(row[i]):.5E}")

    def nik_15_digits(self, row: list, i: int) -> Damaged:
        value = row[i][1:] if self.rnd() < 0.3 else row[i][:15]
        return self._set(row, i, int(value) if self.numeric_cells and self.rnd() < 0.5 else value)

    def nik_not_digits(self, row: list, i: int) -> Damaged:
        value: str = row[i]
        x = self.rnd()
        if x < 0.3:
            damaged = "'" + value  # Excel's text prefix typed into the cell
        elif x < 0.6:
            damaged = f"{value[:4]} {value[4:8]} {value[8:12]} {value[12:]}"
        else:
            at = 6 + int(self.rnd() * 10)
            damaged = value[:at] + pick("OolI", self.rnd) + value[at + 1 :]
        return self._set(row, i, damaged)

    def nik_date(self, row: list, i: int) -> Damaged:
        value: str = row[i]
        x = self.rnd()
        if x < 0.5:
            damaged = value[:6] + str(32 + int(self.rnd() * 8)) + value[8:]  # day 32-39
        elif x < 0.8:
            damaged = value[:8] + "13" + value[10:]
        else:
            damaged = value[:8] + "00" + value[10:]
        return self._set(row, i, damaged)

    def nik_missing(self, row: list, i: int) -> Damaged:
        return self._set(row, i, "", "blank")

    def nik_duplicate(self, row: list, i: int) -> Damaged:
        source_row, value = pick(self.pool, self.rnd)
        return self._set(row, i, value, f"NIK of row {source_row}")

    def name_missing(self, row: list, i: int) -> Damaged:
        return self._set(row, i, "", "blank")

    def date_invalid(self, row: list, i: int) -> Damaged:
        day, month, year = re.split(r"[-/]", row[i])
        sep = "/" if "/" in self.styles["tanggal_lahir"] else "-"
        damaged = pick(
            (f"31{sep}02{sep}{year}", f"30{sep}02{sep}{year}", f"{day}{sep}13{sep}{year}",
             f"{year}/13/{day}", f"32{sep}{month}{sep}{year}", "TIDAK TAHU", f"{day}{sep}{month}"),
            self.rnd,
        )  # fmt: skip
        return self._set(row, i, damaged)

    def sex_invalid(self, row: list, i: int) -> Damaged:
        return self._set(row, i, pick(("X", "0", "3", "?"), self.rnd))

    def desa_unknown(self, row: list, i: int) -> Damaged:
        name = pick(names.FOREIGN_DESA, self.rnd)
        if self.desa_field == "kode_desa":  # the desa is found by code first: damage both
            kabupaten = pick("1235", self.rnd)  # BPS 6401-6405 without Kutim's 6404
            code = f"640{kabupaten}{10 + int(self.rnd() * 80):03d}{1 + int(self.rnd() * 20):03d}"
            row[i] = code
            if "nama_desa" in self.index:
                row[self.index["nama_desa"]] = name.upper()
            return row, None, f"{code} {name.upper()}"
        written = name.upper() if self.styles["nama_desa"] == "upper" else name
        return self._set(row, i, written)

    def desil_invalid(self, row: list, i: int) -> Damaged:
        words = self.styles["desil"] == "desil_word"
        choices = (
            ("Desil 0", "Desil 11", "abc", "Desil lima") if words else ("0", "11", "12", "abc")
        )
        return self._set(row, i, pick(choices, self.rnd))

    def kk_invalid(self, row: list, i: int) -> Damaged:
        value: str = row[i]
        damaged = pick((value[:15], value + "1", f"{int(value):.5E}", value[:10]), self.rnd)
        return self._set(row, i, damaged)

    def pmks_unknown(self, row: list, i: int) -> Damaged:
        return self._set(row, i, pick(names.UNKNOWN_PMKS, self.rnd))

    def row_columns(self, row: list, i: int) -> Damaged:
        if self.rnd() < 0.5:  # an unquoted delimiter inside the address: one more field
            row[i : i + 1] = [row[i], "RT 03"]
            return row, None, "one more field"
        gone = 1 + int(self.rnd() * (len(row) - 1))
        del row[gone]
        return row, self.header[gone], "one fewer field"


# ---------------------------------------------------------------------------------------------
# Writing


@dataclass(frozen=True)
class FileStyle:
    """Per-file habits, chosen by the seed: encoding and whether RT/RW are zero-padded."""

    encoding: str
    rt_width: int


def file_style(source: str, seed: int) -> FileStyle:
    rnd = random.Random(f"file:{source}:{seed}").random
    bom = {"dtsen": 0.5, "p3ke": 0.4, "pmks": 0.7}
    # DTKS: a SIKS-NG export saved by Excel as "CSV (Comma delimited)", i.e. Windows-1252.
    encoding = "cp1252" if source == "dtks" else "utf-8-sig" if rnd() < bom[source] else "utf-8"
    return FileStyle(encoding, 3 if rnd() < 0.6 else 1)


def write_file(
    source: str,
    households: int,
    out: str | Path,
    seed: int = 0,
    error_rate: float = 0.0,
    fmt: str | None = None,
    *,
    zeroed_nik_column: bool = False,
    warning_rate: float = 0.0,
) -> Manifest:
    """Write a synthetic ``source`` export of ``households`` households to ``out``.

    ``fmt`` (csv | xlsx) defaults to the file's extension. At ``error_rate`` a row carries one
    injected error; ``warning_rate`` makes men's NIKs carry the women's day (+40), which the
    importer should warn about, not reject. ``zeroed_nik_column`` writes every NIK as Excel keeps
    a 16-digit number: the last digit 0.
    """
    if source not in FORMATS:
        raise ValueError(f"unknown source {source!r}; one of {sorted(FORMATS)}")
    if households < 0 or not 0.0 <= error_rate <= 1.0 or not 0.0 <= warning_rate <= 1.0:
        raise ValueError("households must be >= 0 and rates between 0 and 1")
    path = Path(out)
    kind = (fmt or path.suffix.lstrip(".")).lower()
    if kind not in ("csv", "xlsx"):
        raise ValueError(f"format must be csv or xlsx, not {kind!r}")
    source_format = FORMATS[source]
    style = file_style(source, seed)
    manifest = Manifest(
        source=source,
        path=str(path),
        format=kind,
        households=households,
        seed=seed,
        error_rate=error_rate,
        encoding=style.encoding if kind == "csv" else None,
        delimiter=source_format.delimiter if kind == "csv" else None,
    )
    damage = Damage(source_format, kind, seed, error_rate)
    rows = Rows(
        source_format, households, seed, style, damage, manifest, zeroed_nik_column, warning_rate
    )
    header = [c.header for c in source_format.columns]
    if kind == "csv":
        write_csv(path, header, rows, style.encoding, source_format.delimiter)
    else:
        write_xlsx(path, header, rows, source_format, zeroed_nik_column)
    manifest.errors = damage.errors
    manifest.valid_rows = manifest.rows - len(damage.errors)
    if zeroed_nik_column:
        zeroed = InjectedError(0, header[damage.index["nik"]], ZEROED_CODE, "last digit 0")
        manifest.warnings.insert(0, zeroed)
    return manifest


class Rows:
    """The file's data rows, generated as they are written (a million rows never sit in memory)."""

    def __init__(
        self,
        fmt: SourceFormat,
        households: int,
        seed: int,
        style: FileStyle,
        damage: Damage,
        manifest: Manifest,
        zeroed: bool,
        warning_rate: float,
    ) -> None:
        self.fmt = fmt
        self.households = households
        self.people = People(fmt.code, seed)
        self.damage = damage
        self.manifest = manifest
        self.warning_rate = warning_rate
        self.warn_rnd = random.Random(f"warnings:{fmt.code}:{seed}").random
        self.width = len(fmt.columns)
        self.household_cells: list[tuple[int, Cell]] = []
        self.person_cells: list[tuple[int, Cell]] = []
        for i, column in enumerate(fmt.columns):
            if FIELDS[column.field][0] == "household":
                self.household_cells.append(
                    (i, household_cell(column.field, column.style, style.rt_width))
                )
            else:
                self.person_cells.append((i, person_cell(column.field, column.style, zeroed)))

    def __iter__(self) -> Iterator[list]:
        people, damage, manifest = self.people, self.damage, self.manifest
        rate, chance = damage.rate, damage.rnd
        warning_rate, warn = self.warning_rate, self.warn_rnd
        pmks = self.fmt.code == "pmks"
        household_cells, person_cells = self.household_cells, self.person_cells
        row_no = 1
        for no in range(self.households):
            household = people.household(no)
            members = pmks_cases(household, people.rnd) if pmks else household.people
            template = [""] * self.width
            for i, cell in household_cells:
                template[i] = cell(household)
            clean = True
            for person in members:
                row_no += 1
                damaged = rate and chance() < rate
                if not damaged and warning_rate and person.sex == "L" and warn() < warning_rate:
                    self.sex_mismatch(person, row_no)
                row = template.copy()
                for i, cell in person_cells:
                    row[i] = cell(person)
                if damaged:
                    row, clean = damage.inject(row_no, row), False
                elif rate:
                    damage.remember(row_no, row)
                yield row
            manifest.rows = row_no - 1
            manifest.valid_households += clean

    def sex_mismatch(self, person: Person, row_no: int) -> None:
        """Give a man a women's NIK (day + 40): valid, but the importer should warn."""
        area = AREAS.index(person.nik[:6])
        person.nik = self.people.nik_in(area, person.birth, True)
        header = next(c.header for c in self.fmt.columns if c.field == "nik")
        self.manifest.warnings.append(
            InjectedError(row_no, header, SEX_MISMATCH_CODE, "man with day + 40")
        )


def write_csv(path: Path, header: list[str], rows: Rows, encoding: str, delimiter: str) -> None:
    """As Excel and SIKS-NG save them: CRLF, minimal quoting, the file's encoding (BOM or not)."""
    with open(path, "w", encoding=encoding, newline="", buffering=1 << 20) as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


NUMBER_STYLES = ("code", "number", "0/1")


def write_xlsx(path: Path, header: list[str], rows: Rows, fmt: SourceFormat, zeroed: bool) -> None:
    """One sheet; NIK and KK as text cells (``@``), codes as numbers, as a careful export does."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(fmt.code.upper())
    sheet.append(header)
    text_columns = [i for i, c in enumerate(fmt.columns) if c.field in ("nik", "no_kk")]
    number_columns = [i for i, c in enumerate(fmt.columns) if c.style in NUMBER_STYLES]
    nik_column = next(i for i, c in enumerate(fmt.columns) if c.field == "nik")

    def text(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # a damaged NIK left as a number cell
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "@"
        return cell

    width = len(header)
    for row in rows:
        if len(row) == width:  # row_columns never reaches xlsx; guard the indices anyway
            for i in number_columns:
                value = row[i]
                if isinstance(value, str) and value.isdigit() and (value == "0" or value[0] != "0"):
                    row[i] = int(value)
            nik = row[nik_column]
            if zeroed and isinstance(nik, str) and len(nik) == 16 and nik.isdigit():
                row[nik_column] = int(nik)  # what Excel keeps of a 16-digit number: a number
            for i in text_columns:
                row[i] = text(row[i])
        sheet.append(row)
    book.save(path)
    _freeze_zip(path)


def _freeze_zip(path: Path) -> None:
    """Rewrite the XLSX with fixed timestamps so one seed gives one file, byte for byte.

    openpyxl stamps the save time into ``docProps/core.xml`` and into every zip entry.
    """
    frozen = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(frozen, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", XLSX_TIMESTAMP.encode(), data)
            entry = zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0))
            target.writestr(entry, data, zipfile.ZIP_DEFLATED)
    os.replace(frozen, path)


__all__ = [
    "ERROR_CODES",
    "InjectedError",
    "Manifest",
    "write_file",
]
