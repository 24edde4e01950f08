"""NIK (Nomor Induk Kependudukan): the checks the registry applies, masking, pseudonyms.

A NIK is 16 digits: the 6-digit Kemendagri kecamatan code of first registration, the birth date
as DDMMYY (women: day + 40) and a 4-digit serial. It is permanent, so it is the key of a person.

The bulk importer applies the same checks in SQL (``services/registry/domain/row_checks.py``);
a property test holds the two to the same answers.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from sipmas import reference

DIGITS16 = re.compile(r"^[0-9]{16}$")
SCIENTIFIC = re.compile(r"^[0-9](?:[.,][0-9]+)?[eE]\+?[0-9]+$")
DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # YY has no century: allow 29 Feb


@dataclass(frozen=True)
class NikParts:
    area: str  # 6-digit kecamatan code of first registration, e.g. 640804
    day: int  # the birth day, women's +40 removed
    month: int
    year2: int
    serial: str
    female: bool


def parts(nik: str) -> NikParts:
    """Split a 16-digit NIK; the caller has checked it with :func:`errors`."""
    day = int(nik[6:8])
    return NikParts(
        area=nik[:6],
        day=day - 40 if day > 40 else day,
        month=int(nik[8:10]),
        year2=int(nik[10:12]),
        serial=nik[12:],
        female=day > 40,
    )


def errors(raw: str | None) -> list[str]:
    """Problems that make ``raw`` unusable as a NIK (codes of ``services.registry.problems``).

    Spreadsheet damage is named, never repaired: ``6.40801E+15`` lost its digits for good, and a
    15-digit value lost its leading or trailing digit.
    """
    value = (raw or "").strip()
    if not value:
        return ["nik_missing"]
    if SCIENTIFIC.match(value):
        return ["nik_scientific"]
    if not value.isascii() or not value.isdigit():
        return ["nik_not_digits"]
    if len(value) == 15:
        return ["nik_15_digits"]
    if len(value) != 16:
        return ["nik_length"]
    found = []
    if (
        value[:2] not in reference.PROVINCE_CODES
        or value[2:4] == "00"
        or value[4:6] == "00"
        or (value[:4] == "6408" and f"64.08.{value[4:6]}" not in reference.kecamatan_by_code())
    ):
        found.append("nik_area")
    p = parts(value)
    if (
        not (1 <= p.month <= 12 and 1 <= p.day <= DAYS_IN_MONTH[p.month - 1])
        or 31 < int(value[6:8]) <= 40
    ):
        found.append("nik_date")
    if p.serial == "0000":
        found.append("nik_serial")
    return found


def warnings(nik: str, sex: str | None, birth_date: date | None) -> list[str]:
    """Disagreements between a valid NIK and the person's sex and birth date.

    Warnings, not rejections: legacy NIKs and data-entry errors exist, and the NIK never changes.
    """
    p = parts(nik)
    found = []
    if sex in ("L", "P") and p.female != (sex == "P"):
        found.append("nik_sex_mismatch")
    if birth_date is not None and (
        birth_date.day,
        birth_date.month,
        birth_date.year % 100,
    ) != (p.day, p.month, p.year2):
        found.append("nik_birth_date_mismatch")
    return found


def column_zeroed(niks: list[str]) -> bool:
    """True when every NIK of a column ends in 0: a spreadsheet kept only 15 significant digits.

    One NIK in ten ends in 0 by chance, so the warning needs a column long enough to mean it.
    """
    valid = [n for n in niks if DIGITS16.match(n)]
    return len(valid) >= 5 and all(n.endswith("0") for n in valid)


def mask(nik: str | None) -> str:
    """Keep the area code and the serial (``6408********0003``): enough to recognise, not use."""
    if not nik:
        return ""
    value = str(nik)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_sql(expression: str) -> str:
    """:func:`mask` as SQL on a text ``expression``, for what is masked in the database (the
    import's row report): the same answer, a short value hidden whole."""
    e = expression
    return (
        f"CASE WHEN length({e}) <= 8 THEN repeat('*', length({e})) "
        f"ELSE left({e}, 4) || repeat('*', length({e}) - 8) || right({e}, 4) END"
    )


# sixteen digits on their own; not inside a hex token (a request id, a uuid's hex: 1 in 100 holds
# sixteen digits in a row, and masking them would cut the id the logs are correlated by)
_SIXTEEN_DIGITS = re.compile(r"(?<![0-9a-f])\d{16}(?![0-9a-f])")


def scrub(text: str) -> str:
    """``text`` with anything that looks like a NIK masked: for what leaves a process as free
    text (a dead letter's error, a log line, a rendered notification)."""
    return _SIXTEEN_DIGITS.sub(lambda match: mask(match.group()), text)


def pseudonym(nik: str, key: bytes) -> str:
    """A keyed pseudonym (HMAC-SHA256, 20 hex digits) that correlates without revealing."""
    return hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()[:20]


def make(area: str, birth: date, female: bool, serial: int) -> str:
    """Compose a NIK (for synthetic data and tests)."""
    day = birth.day + (40 if female else 0)
    return f"{area}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"
