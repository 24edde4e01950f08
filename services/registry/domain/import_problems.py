"""Every import problem by code, in Bahasa Indonesia (for operators) and English (for logs).

``error`` rejects the row; ``warning`` keeps the row and says what looks wrong.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    severity: str
    id: str  # Bahasa Indonesia
    en: str


E, W = "error", "warning"

PROBLEMS: dict[str, Problem] = {
    # NIK
    "nik_missing": Problem(E, "NIK kosong", "NIK is blank"),
    "nik_scientific": Problem(
        E,
        "NIK rusak oleh spreadsheet (notasi ilmiah, mis. 6.40801E+15): digit hilang, "
        "ketik ulang sebagai teks dari KTP/KK",
        "NIK mangled by a spreadsheet into scientific notation: digits are lost, re-enter as text",
    ),
    "nik_15_digits": Problem(
        E,
        "NIK hanya 15 digit (satu digit terpotong, biasanya oleh spreadsheet)",
        "NIK has 15 digits (one digit cut off, usually by a spreadsheet)",
    ),
    "nik_not_digits": Problem(E, "NIK berisi selain angka", "NIK contains non-digits"),
    "nik_length": Problem(E, "NIK harus 16 digit", "NIK must have 16 digits"),
    "nik_area": Problem(
        E,
        "Kode wilayah NIK (6 digit pertama) tidak dikenal",
        "NIK area code (first 6 digits) is not a known Kemendagri code",
    ),
    "nik_date": Problem(
        E,
        "Bagian tanggal lahir NIK (digit 7-12) tidak mungkin",
        "NIK date part (digits 7-12) is impossible",
    ),
    "nik_serial": Problem(E, "Nomor urut NIK 0000 tidak sah", "NIK serial 0000 is not valid"),
    "nik_duplicate": Problem(
        E,
        "NIK sama dengan baris lain di file ini",
        "NIK repeats another row of this file",
    ),
    "nik_sex_mismatch": Problem(
        W,
        "Jenis kelamin tidak cocok dengan NIK (perempuan: tanggal + 40)",
        "sex disagrees with the NIK (women: day + 40)",
    ),
    "nik_birth_date_mismatch": Problem(
        W,
        "Tanggal lahir tidak cocok dengan NIK",
        "birth date disagrees with the NIK",
    ),
    "nik_column_zeroed": Problem(
        W,
        "Semua NIK di kolom ini berakhir 0: kemungkinan spreadsheet memotong ke 15 digit "
        "bermakna. Periksa file asli",
        "every NIK in the column ends in 0: a spreadsheet likely kept only 15 significant "
        "digits. Check the original file",
    ),
    # other fields
    "name_missing": Problem(E, "Nama kosong", "name is blank"),
    "kk_missing": Problem(E, "No. KK kosong", "No. KK is blank"),
    "kk_invalid": Problem(E, "No. KK harus 16 digit angka", "No. KK must be 16 digits"),
    "date_invalid": Problem(
        E,
        "Tanggal lahir tidak terbaca (pakai DD-MM-YYYY atau DD/MM/YYYY)",
        "birth date unreadable (use DD-MM-YYYY or DD/MM/YYYY)",
    ),
    "sex_invalid": Problem(
        E,
        "Jenis kelamin tidak dikenal (L/P, 1/2, Laki-laki/Perempuan)",
        "sex value not recognised (L/P, 1/2, Laki-laki/Perempuan)",
    ),
    "desa_missing": Problem(E, "Desa/kelurahan kosong", "desa/kelurahan is blank"),
    "desa_unknown": Problem(
        E,
        "Desa/kelurahan tidak ditemukan di Kabupaten Kutai Timur",
        "desa/kelurahan not found in Kabupaten Kutai Timur",
    ),
    "kecamatan_mismatch": Problem(
        W,
        "Kecamatan tidak cocok dengan desa; desa yang dipakai",
        "kecamatan disagrees with the desa; the desa is used",
    ),
    "desil_invalid": Problem(E, "Desil harus angka 1-10", "desil must be a number 1-10"),
    "pmks_missing": Problem(E, "Jenis PMKS kosong", "PMKS category is blank"),
    "pmks_unknown": Problem(
        E,
        "Jenis PMKS bukan salah satu dari 26 kategori",
        "PMKS category is not one of the 26",
    ),
    "relation_unknown": Problem(
        W, "Hubungan keluarga tidak dikenal", "relation to the head not recognised"
    ),
    "marital_unknown": Problem(W, "Status kawin tidak dikenal", "marital status not recognised"),
    "flag_invalid": Problem(
        W, "Nilai Ya/Tidak tidak dikenal, dikosongkan", "yes/no value not recognised, left blank"
    ),
    "number_invalid": Problem(W, "Angka tidak terbaca, dikosongkan", "number unreadable, blank"),
    "row_columns": Problem(
        E,
        "Jumlah kolom baris ini tidak sama dengan judul kolom",
        "the row has a different number of fields than the header",
    ),
    "column_unknown": Problem(
        W, "Kolom tidak dikenal, diabaikan", "column not recognised, ignored"
    ),
    # households
    "household_several_heads": Problem(
        W,
        "Lebih dari satu kepala keluarga dalam satu KK; yang pertama dipakai",
        "several heads in one household; the first is used",
    ),
    "household_no_head": Problem(
        W,
        "Tidak ada kepala keluarga dalam KK ini; baris pertama dipakai",
        "no head in this household; the first row is used",
    ),
}


def message(code: str) -> Problem:
    return PROBLEMS[code]
