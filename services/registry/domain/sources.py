"""How each source's export maps to the registry's fields: one documented table per source.

Real exports are spreadsheets made by people. A column is recognised by any of its known
headers, compared after :func:`normalise_header` (case, spaces, dots and slashes folded), so
``Hub. dgn Kepala Keluarga`` and ``HUB_DGN_KEPALA_KELUARGA`` are the same column. Values are
normalised per field, not per source (``vocabulary.py``): the same field comes as ``1``/``2`` in
one export and ``LAKI-LAKI``/``PEREMPUAN`` in another.

Every row of every source is one person. Household columns repeat on each member's row; the
household is the group of rows sharing a No. KK (P3KE: its ``ID Keluarga`` when the KK is absent).

``style`` says how that export writes the field; the synthetic-data generator writes it so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Canonical fields: (name, level, kind). level: person | household. kind decides the checks and
# the normalisation (see vocabulary.py and the import SQL).
FIELDS: dict[str, tuple[str, str]] = {
    "nik": ("person", "nik"),
    "nama": ("person", "name"),
    "jenis_kelamin": ("person", "sex"),
    "tanggal_lahir": ("person", "date"),
    "hubungan": ("person", "relation"),
    "status_kawin": ("person", "marital"),
    "pendidikan": ("person", "text"),
    "pekerjaan": ("person", "text"),
    "disabilitas": ("person", "text"),
    "penyakit_kronis": ("person", "text"),
    "pmks": ("person", "pmks"),
    "no_kk": ("household", "kk"),
    "id_keluarga": ("household", "text"),
    "kode_kecamatan": ("household", "kecamatan_code"),
    "nama_kecamatan": ("household", "kecamatan_name"),
    "kode_desa": ("household", "desa_code"),
    "nama_desa": ("household", "desa_name"),
    "alamat": ("household", "text"),
    "rt": ("household", "rt"),
    "rw": ("household", "rt"),
    "dusun": ("household", "text"),
    "desil": ("household", "desil"),
    "status_bangunan": ("household", "text"),
    "luas_lantai": ("household", "decimal"),
    "lantai": ("household", "text"),
    "dinding": ("household", "text"),
    "atap": ("household", "text"),
    "air_minum": ("household", "text"),
    "penerangan": ("household", "text"),
    "bahan_bakar": ("household", "text"),
    "fasilitas_bab": ("household", "text"),
    "aset_mobil": ("household", "flag"),
    "aset_motor": ("household", "flag"),
    "aset_ac": ("household", "flag"),
    "aset_lemari_es": ("household", "flag"),
    "aset_emas": ("household", "flag"),
    "prog_pkh": ("household", "flag"),
    "prog_bpnt": ("household", "flag"),
    "prog_pbi": ("household", "flag"),
    "prog_pip": ("household", "flag"),
    "status_dtsen": ("household", "text"),
}

HOUSING_FIELDS = (
    "status_bangunan",
    "luas_lantai",
    "lantai",
    "dinding",
    "atap",
    "air_minum",
    "penerangan",
    "bahan_bakar",
    "fasilitas_bab",
)
ASSET_FIELDS = ("aset_mobil", "aset_motor", "aset_ac", "aset_lemari_es", "aset_emas")
PROGRAMME_FIELDS = ("prog_pkh", "prog_bpnt", "prog_pbi", "prog_pip")


@dataclass(frozen=True)
class Column:
    header: str  # the header as the export writes it
    field: str  # the canonical field it fills
    style: str = "text"  # how the export writes values (for the generator and the reader)
    aliases: tuple[str, ...] = ()  # other spellings of the header seen in the field


@dataclass(frozen=True)
class SourceFormat:
    code: str
    label: str
    columns: tuple[Column, ...]
    required: tuple[str, ...]  # canonical fields a row cannot do without
    household_key: tuple[str, ...] = ("no_kk",)  # fields that group rows into a household
    delimiter: str = ";"  # what its exports usually use (the reader sniffs anyway)

    def header_map(self) -> dict[str, str]:
        """normalised header → canonical field."""
        found: dict[str, str] = {}
        for column in self.columns:
            for header in (column.header, *column.aliases):
                found[normalise_header(header)] = column.field
        return found

    def style_of(self, field: str) -> str:
        return next(c.style for c in self.columns if c.field == field)


def normalise_header(header: str) -> str:
    """``'Hub. dgn  Kepala Keluarga'`` → ``'hub_dgn_kepala_keluarga'``."""
    text = header.strip().lstrip("\ufeff").lower()
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


C = Column

# DTSEN (BPS, since 2025): one row per person; id_* columns carry BPS code numbers; region codes
# are BPS or Kemendagri codes (both are recognised); desil 1-10 national.
DTSEN = SourceFormat(
    code="dtsen",
    label="DTSEN (Data Tunggal Sosial dan Ekonomi Nasional)",
    delimiter=";",
    required=("nik", "nama", "no_kk", "kode_desa"),
    columns=(
        C("kode_kecamatan", "kode_kecamatan", "bps_code"),
        C("kecamatan", "nama_kecamatan", "upper"),
        C("kode_kelurahan_desa", "kode_desa", "bps_code", ("kode_desa",)),
        C("kelurahan_desa", "nama_desa", "upper", ("desa", "desa_kelurahan")),
        C("alamat", "alamat", "upper"),
        C("rt", "rt"),
        C("rw", "rw"),
        C("nomor_kartu_keluarga", "no_kk", "digits", ("no_kk", "nokk")),
        C("desil_nasional_keluarga", "desil", "number", ("desil",)),
        C("status_dtsen", "status_dtsen", "upper"),
        C("nik", "nik", "digits"),
        C("nama", "nama", "upper"),
        C("id_jenis_kelamin", "jenis_kelamin", "code"),
        C("tanggal_lahir", "tanggal_lahir", "dd-mm-yyyy"),
        C("id_hub_kepala_keluarga", "hubungan", "code"),
        C("id_status_perkawinan", "status_kawin", "code"),
        C("id_jenjang_pendidikan_dukcapil", "pendidikan", "code"),
        C("id_pekerjaan_utama", "pekerjaan", "code"),
        C("id_disabilitas", "disabilitas", "code"),
        C("id_penyakit_menahun", "penyakit_kronis", "code"),
        C("id_status_penguasaan_bangunan", "status_bangunan", "code"),
        C("luas_lantai_bangunan", "luas_lantai", "number"),
        C("id_lantai_terluas", "lantai", "code"),
        C("id_dinding_terluas", "dinding", "code"),
        C("id_atap_terluas", "atap", "code"),
        C("id_sumber_airminum", "air_minum", "code"),
        C("id_sumberpenerangan", "penerangan", "code"),
        C("id_bb_utama", "bahan_bakar", "code"),
        C("id_fasilitas_bab", "fasilitas_bab", "code"),
        C("mobil", "aset_mobil", "0/1"),
        C("sepeda_motor", "aset_motor", "0/1"),
        C("ac", "aset_ac", "0/1"),
        C("lemari_es", "aset_lemari_es", "0/1"),
        C("pbi_nas", "prog_pbi", "0/1", ("pbi",)),
    ),
)

# DTKS (Kemensos, until 2025) as exported from SIKS-NG: capitals, words not codes, region names.
DTKS = SourceFormat(
    code="dtks",
    label="DTKS (Data Terpadu Kesejahteraan Sosial, SIKS-NG)",
    delimiter=";",
    required=("nik", "nama", "no_kk", "nama_desa"),
    columns=(
        C("KECAMATAN", "nama_kecamatan", "upper"),
        C("DESA/KELURAHAN", "nama_desa", "upper", ("DESA", "KELURAHAN")),
        C("ALAMAT", "alamat", "upper"),
        C("RT", "rt"),
        C("RW", "rw"),
        C("NO KK", "no_kk", "digits", ("NOKK", "NO_KK", "NOMOR KK")),
        C("NIK", "nik", "digits"),
        C("NAMA", "nama", "upper"),
        C("TANGGAL LAHIR", "tanggal_lahir", "dd/mm/yyyy", ("TGL LAHIR",)),
        C("JENIS KELAMIN", "jenis_kelamin", "word_upper"),
        C("HUBUNGAN KELUARGA", "hubungan", "word_upper", ("HUB KELUARGA", "STATUS HUBUNGAN")),
        C("STATUS KAWIN", "status_kawin", "word_upper"),
        C("PEKERJAAN", "pekerjaan", "upper"),
        C("DESIL", "desil", "number"),
        C("PKH", "prog_pkh", "ya/tidak"),
        C("BPNT", "prog_bpnt", "ya/tidak"),
        C("PBI", "prog_pbi", "ya/tidak", ("PBI JK", "KIS")),
    ),
)

# P3KE by-name export (individual file): region names, desil as "Desil 1", Ya/Tidak flags; the
# family is its P3KE "ID Keluarga" (a No. KK column is read when the file has one).
P3KE = SourceFormat(
    code="p3ke",
    label="P3KE (Pensasaran Percepatan Penghapusan Kemiskinan Ekstrem), by name by address",
    delimiter=",",
    required=("nik", "nama", "nama_desa"),
    household_key=("no_kk", "id_keluarga"),
    columns=(
        C("ID Keluarga", "id_keluarga", "id"),
        C("Kecamatan", "nama_kecamatan", "upper"),
        C("Desa", "nama_desa", "upper", ("Desa/Kelurahan",)),
        C("Desil Kesejahteraan", "desil", "desil_word"),
        C("Alamat", "alamat", "upper"),
        C("No KK", "no_kk", "digits"),
        C("NIK", "nik", "digits"),
        C("Nama", "nama", "upper"),
        C("Jenis Kelamin", "jenis_kelamin", "word"),
        C("Hub. dgn Kepala Keluarga", "hubungan", "word"),
        C("Tanggal Lahir", "tanggal_lahir", "dd-mm-yyyy"),
        C("Status Kawin", "status_kawin", "word"),
        C("Pekerjaan", "pekerjaan", "text"),
        C("Pendidikan", "pendidikan", "text"),
        C("Penerima BPNT", "prog_bpnt", "ya/tidak"),
        C("Penerima PKH", "prog_pkh", "ya/tidak"),
    ),
)

# PMKS lists kept by Dinsos: one row per person with a PMKS category (name or code; several
# separated by ";" or "|"), address by names.
PMKS = SourceFormat(
    code="pmks",
    label="PMKS/PPKS (26 kategori), daftar Dinas Sosial",
    delimiter=";",
    required=("nik", "nama", "nama_desa", "pmks"),
    columns=(
        C("NIK", "nik", "digits"),
        C("No KK", "no_kk", "digits", ("NO. KK", "NOMOR KK")),
        C("Nama", "nama", "upper"),
        C("Jenis Kelamin", "jenis_kelamin", "letter", ("L/P",)),
        C("Tanggal Lahir", "tanggal_lahir", "dd/mm/yyyy"),
        C("Hubungan", "hubungan", "word"),
        C("Alamat", "alamat", "text"),
        C("RT", "rt"),
        C("RW", "rw"),
        C("Desa/Kelurahan", "nama_desa", "text", ("Desa",)),
        C("Kecamatan", "nama_kecamatan", "text"),
        C("Jenis PMKS", "pmks", "pmks_name", ("Kategori PMKS", "PPKS")),
        C("Keterangan", "disabilitas", "text"),
    ),
)

FORMATS: dict[str, SourceFormat] = {f.code: f for f in (DTSEN, DTKS, P3KE, PMKS)}

# Pemda: households entered one at a time by an operator (RPC/HTTP), not files. Keys are the
# canonical field names themselves; the family is its No. KK, or the entry itself without one.
PEMDA = SourceFormat(
    code="pemda",
    label="Data Pemda (entri operator)",
    required=("nik", "nama", "kode_desa"),
    household_key=("no_kk", "id_keluarga"),
    columns=tuple(Column(name, name) for name in FIELDS),
)
ENTRY_FORMATS: dict[str, SourceFormat] = {**FORMATS, "pemda": PEMDA}
