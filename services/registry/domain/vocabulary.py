"""Value vocabularies: how exports write a field, and the one canonical value it means.

``WRITINGS[kind][style]`` maps canonical value → how that style writes it (the generator writes
from it). ``READINGS[kind]`` maps every known writing, upper-cased, → canonical value (the
importer reads with it, in Python and as SQL ``CASE`` expressions built from the same table).
"""

from __future__ import annotations

from functools import cache

from sipmas import reference

SEX = {
    "code": {"L": "1", "P": "2"},
    "word": {"L": "Laki-laki", "P": "Perempuan"},
    "word_upper": {"L": "LAKI-LAKI", "P": "PEREMPUAN"},
    "letter": {"L": "L", "P": "P"},
}
SEX_EXTRA = {"LAKI LAKI": "L", "PRIA": "L", "LK": "L", "WANITA": "P", "PR": "P"}

RELATION = {
    "code": {
        "kepala": "1",
        "pasangan": "2",
        "anak": "3",
        "menantu": "4",
        "cucu": "5",
        "orang_tua": "6",
        "pembantu": "7",
        "lainnya": "8",
    },
    "word": {
        "kepala": "Kepala Keluarga",
        "pasangan": "Istri/Suami",
        "anak": "Anak",
        "menantu": "Menantu",
        "cucu": "Cucu",
        "orang_tua": "Orang Tua/Mertua",
        "pembantu": "Pembantu/Sopir",
        "lainnya": "Lainnya",
    },
}
RELATION["word_upper"] = {k: v.upper() for k, v in RELATION["word"].items()}
RELATION_EXTRA = {
    "KEPALA RUMAH TANGGA": "kepala",
    "KRT": "kepala",
    "KK": "kepala",
    "KEPALA": "kepala",
    "ISTRI": "pasangan",
    "SUAMI": "pasangan",
    "ANAK KANDUNG": "anak",
    "ANAK ANGKAT": "anak",
    "ANAK TIRI": "anak",
    "ORANG TUA": "orang_tua",
    "ORANGTUA": "orang_tua",
    "MERTUA": "orang_tua",
    "FAMILI LAIN": "lainnya",
    "PEMBANTU": "pembantu",
    "SOPIR": "pembantu",
}

MARITAL = {
    "code": {"belum_kawin": "1", "kawin": "2", "cerai_hidup": "3", "cerai_mati": "4"},
    "word": {
        "belum_kawin": "Belum Kawin",
        "kawin": "Kawin",
        "cerai_hidup": "Cerai Hidup",
        "cerai_mati": "Cerai Mati",
    },
}
MARITAL["word_upper"] = {k: v.upper() for k, v in MARITAL["word"].items()}
MARITAL_EXTRA = {"KAWIN TERCATAT": "kawin", "KAWIN BELUM TERCATAT": "kawin", "JANDA": "cerai_mati"}

FLAG = {
    "0/1": {True: "1", False: "0"},
    "ya/tidak": {True: "Ya", False: "Tidak"},
}
FLAG_EXTRA = {"Y": True, "YES": True, "ADA": True, "T": False, "TIDAK ADA": False, "N": False}

WRITINGS = {"sex": SEX, "relation": RELATION, "marital": MARITAL, "flag": FLAG}
EXTRA = {"sex": SEX_EXTRA, "relation": RELATION_EXTRA, "marital": MARITAL_EXTRA, "flag": FLAG_EXTRA}


@cache
def readings(kind: str) -> dict[str, object]:
    """Every known writing of a ``kind`` (upper-cased, trimmed) → its canonical value."""
    table: dict[str, object] = {}
    for writing in WRITINGS[kind].values():
        for canonical, text in writing.items():
            table[text.upper()] = canonical
    table.update(EXTRA[kind])
    return table


@cache
def pmks_readings() -> dict[str, str]:
    """PMKS category by its code, its name or its common abbreviation (upper-cased)."""
    table: dict[str, str] = {}
    for category in reference.pmks():
        table[category.code.upper()] = category.code
        table[category.name.upper()] = category.code
        table[category.name.upper().replace("TELANTAR", "TERLANTAR")] = category.code
        if category.abbreviation:
            table[category.abbreviation.upper()] = category.code
    return table


def read(kind: str, raw: str | None) -> object | None:
    """The canonical value of ``raw`` for ``kind``; None when blank or unknown."""
    if raw is None or not raw.strip():
        return None
    return readings(kind).get(" ".join(raw.strip().upper().split()))


def write(kind: str, style: str, canonical: object) -> str:
    """How an export of ``style`` writes ``canonical``."""
    return WRITINGS[kind][style][canonical]
