"""Which Kutim desa a row means, from whatever the export wrote: codes or names.

Exports name places in three ways: Kemendagri codes (``64.08.04.2001`` or ``6408042001``), BPS
codes (``6404010001``, 2018 bridge), or names in any case, with or without "DESA"/"KEL." and
with the spelling differences Kemendagri and BPS keep (Kombeng/Kongbeng). A desa is found by its
code first, then by name within the kecamatan, then by name alone when it is unique in Kutim, and
last by a close spelling inside the kecamatan. The desa decides; a kecamatan that disagrees with
it is a warning.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

from sipmas import reference

PREFIXES = re.compile(r"^(DESA|DS|KELURAHAN|KEL|KECAMATAN|KEC)\s+")


@dataclass(frozen=True)
class Place:
    desa_code: str | None
    kecamatan_code: str | None
    problem: str | None  # desa_missing | desa_unknown (the row is rejected)
    warning: str | None  # kecamatan_mismatch


def normalise_name(name: str | None) -> str:
    text = re.sub(r"[^0-9A-Z]+", " ", (name or "").upper()).strip()
    return PREFIXES.sub("", text)


def normalise_code(code: str | None) -> str:
    return re.sub(r"[^0-9]", "", code or "")


@cache
def _desa_by_code() -> dict[str, reference.Desa]:
    table: dict[str, reference.Desa] = {}
    for d in reference.desa():
        table[normalise_code(d.code)] = d
        if d.bps_code:
            table[d.bps_code] = d
    return table


@cache
def _kecamatan_by_key() -> dict[str, str]:
    table: dict[str, str] = {}
    for k in reference.kecamatan():
        table[normalise_code(k.code)] = k.code
        table[k.bps_code] = k.code
        table[normalise_name(k.name)] = k.code
    table["KONGBENG"] = table["KOMBENG"]  # Kemendagri writes Kombeng; BPS and Kutim, Kongbeng
    return table


@cache
def _desa_by_name() -> dict[tuple[str, str], reference.Desa]:
    return {(d.kecamatan_code, normalise_name(d.name)): d for d in reference.desa()}


@cache
def _unique_desa_names() -> dict[str, reference.Desa]:
    counts: dict[str, list[reference.Desa]] = {}
    for d in reference.desa():
        counts.setdefault(normalise_name(d.name), []).append(d)
    return {name: found[0] for name, found in counts.items() if len(found) == 1}


def kecamatan_code(code: str | None, name: str | None) -> str | None:
    """The Kemendagri code of a kecamatan written as a code or a name."""
    table = _kecamatan_by_key()
    return table.get(normalise_code(code)) or table.get(normalise_name(name))


def resolve(
    kode_kecamatan: str | None,
    kode_desa: str | None,
    nama_kecamatan: str | None,
    nama_desa: str | None,
) -> Place:
    """Find the desa a row means; see the module docstring for the order of evidence."""
    kecamatan = kecamatan_code(kode_kecamatan, nama_kecamatan)
    desa = _desa_by_code().get(normalise_code(kode_desa)) if kode_desa else None
    name = normalise_name(nama_desa)
    if desa is None and name:
        desa = _by_name(kecamatan, name)
    if desa is None:
        blank = not (kode_desa or "").strip() and not name
        return Place(None, None, "desa_missing" if blank else "desa_unknown", None)
    mismatch = kecamatan is not None and kecamatan != desa.kecamatan_code
    return Place(desa.code, desa.kecamatan_code, None, "kecamatan_mismatch" if mismatch else None)


def _by_name(kecamatan: str | None, name: str) -> reference.Desa | None:
    if kecamatan and (kecamatan, name) in _desa_by_name():
        return _desa_by_name()[(kecamatan, name)]
    if name in _unique_desa_names():
        return _unique_desa_names()[name]
    if kecamatan:
        candidates = {n: d for (k, n), d in _desa_by_name().items() if k == kecamatan}
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.85)
        if close:
            return candidates[close[0]]
    return None
