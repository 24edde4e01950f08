"""Every row rule of an import, as SQL over the raw rows: one place to read what is checked.

Rules are emitted as inline SQL expressions (not SQL functions) so that a million rows pay no
per-call overhead. Problem codes are ``services.registry.domain.import_problems``; the NIK rules are
the SQL twin of ``sipmas.nik.errors`` (a property test holds them to the same answers), and the
value vocabularies come from ``services.registry.domain.vocabulary``.

``checked_sql`` builds one ``SELECT`` in three layers, each fenced so that a value is computed
once: trimmed text → typed values and per-field problem codes → the row with its ``errors`` and
``warnings`` arrays (elements ``field:code``). The fence is a volatile output column
(:data:`FENCE`): PostgreSQL does not pull up a subquery with volatile output, which would copy
its expressions into every use. Unlike ``OFFSET 0`` it lets parallel workers run all three
layers (``OFFSET 0`` keeps all but the first in the leader: 5 s against 3.8 s per million rows).

Household text that no rule checks (:data:`HOUSEHOLD_TEXT`) is not carried on every member's
row: ``head_sql`` trims it for the head rows only, which is all the registry stores of it.

Every expression here runs a million times per import, so each is written for the common case
first: an exact match before ``upper()``, digits tested with ``ltrim`` rather than a regular
expression (~0.3 µs less per value), the rarer and costlier test only when the cheap one fails.
"""

from __future__ import annotations

from services.registry.domain import vocabulary
from services.registry.domain.sources import ASSET_FIELDS, FIELDS, HOUSING_FIELDS, PROGRAMME_FIELDS
from sipmas import reference

TRIM = "E' \\t\\r\\n\\u00a0'"
DIGITS = "'0123456789'"
FENCE = "clock_timestamp() AS fence"  # volatile and parallel safe: see the module docstring
KUTIM_KECAMATAN = sorted(k.code[-2:] for k in reference.kecamatan())
PERSON_TEXT = ("pendidikan", "pekerjaan", "disabilitas", "penyakit_kronis")
HEAD_CHECKED = (  # the checked values a household takes from its head's row
    "row_no",
    "nik",
    "nama",
    "hubungan",
    "no_kk",
    "desil",
    "luas_lantai",
    "desa_code",
    "kecamatan_code",
    *ASSET_FIELDS,
    *PROGRAMME_FIELDS,
)
REGION_COLUMNS = ("kode_kecamatan", "kode_desa", "nama_kecamatan", "nama_desa")
HOUSEHOLD_TEXT = (  # unchecked household text: trimmed on head rows only
    "alamat",
    "rt",
    "rw",
    "dusun",
    "status_dtsen",
    *(f for f in HOUSING_FIELDS if f != "luas_lantai"),  # luas_lantai is a number
)


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def text_array(values) -> str:
    return "ARRAY[" + ",".join(lit(v) for v in values) + "]::text[]"


def trimmed(field: str, alias: str = "r") -> str:
    """SQL: the raw text of ``field``, trimmed (spaces, tabs, line ends, NBSP); NULL when blank."""
    return f"NULLIF(btrim({alias}.{field}, {TRIM}), '') AS {field}"


def only_digits(t: str) -> str:
    """SQL: non-empty ``t`` holds ASCII digits only (half the cost of a regular expression)."""
    return f"ltrim({t}, {DIGITS}) = ''"


def head_sql(present: set[str]) -> str:
    """SQL select list of a household's head row, from checked row ``c`` and raw row ``r``: what
    the household and its event take from it, with :data:`HOUSEHOLD_TEXT` trimmed here."""
    text = (trimmed(f) if f in present else f"NULL::text AS {f}" for f in HOUSEHOLD_TEXT)
    return ", ".join([*(f"c.{f}" for f in HEAD_CHECKED), *text])


def nik_problem(n: str) -> str:
    """SQL: the first problem of NIK text ``n`` (trimmed, NULL when blank), or NULL."""
    day, month = f"substr({n},7,2)::int", f"substr({n},9,2)::int"
    return f"""CASE
      WHEN {n} IS NULL THEN 'nik_missing'
      WHEN NOT {only_digits(n)} THEN CASE
        WHEN {n} ~ '^[0-9]([.,][0-9]+)?[eE]\\+?[0-9]+$' THEN 'nik_scientific'
        ELSE 'nik_not_digits' END
      WHEN length({n}) = 15 THEN 'nik_15_digits'
      WHEN length({n}) <> 16 THEN 'nik_length'
      WHEN left({n},2) <> ALL ({text_array(sorted(reference.PROVINCE_CODES))})
        OR substr({n},3,2) = '00' OR substr({n},5,2) = '00'
        OR (left({n},4) = '6408' AND substr({n},5,2) <> ALL ({text_array(KUTIM_KECAMATAN)}))
        THEN 'nik_area'
      WHEN NOT ({month} BETWEEN 1 AND 12 AND ({day} <= 31 OR {day} > 40)
        AND (CASE WHEN {day} > 40 THEN {day} - 40 ELSE {day} END) BETWEEN 1 AND
            (ARRAY[31,29,31,30,31,30,31,31,30,31,30,31])[{month}]) THEN 'nik_date'
      WHEN right({n},4) = '0000' THEN 'nik_serial'
    END"""


def parse_date(t: str) -> str:
    """SQL: DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY or YYYY-MM-DD → date; NULL when impossible.

    Shape is tested with ``~`` and parts taken with ``split_part``: ``regexp_match`` with
    capture groups costs ~7 s per million rows here, ``~`` and ``split_part`` ~0.1 s.
    """
    parts = f"translate({t}, '/.', '--')"

    def make(y: str, m: str, d: str) -> str:
        return (
            f"CASE WHEN {y} BETWEEN 1900 AND 2100 AND {m} BETWEEN 1 AND 12 "
            f"AND {d} BETWEEN 1 AND extract(day FROM make_date({y}, {m}, 1) "
            f"+ interval '1 month - 1 day') THEN make_date({y}, {m}, {d}) END"
        )

    def part(n: int) -> str:
        return f"split_part({parts}, '-', {n})::int"

    return (
        f"CASE WHEN {t} ~ '^[0-9]{{1,2}}[-/.][0-9]{{1,2}}[-/.][0-9]{{4}}$' THEN "
        f"{make(part(3), part(2), part(1))} "
        f"WHEN {t} ~ '^[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}$' THEN "
        f"{make(part(1), part(2), part(3))} END"
    )


def birth_dates_sql() -> str:
    """The distinct birth-date texts of the raw rows, parsed once each (dates repeat: a million
    rows hold some tens of thousands of dates), joined back by ``checked_sql``."""
    written = "NULLIF(btrim(tanggal_lahir, " + TRIM + "), '')"
    return (
        f"SELECT written, {parse_date('written')} AS parsed FROM "
        f"(SELECT DISTINCT {written} AS written FROM raw) w WHERE written IS NOT NULL"
    )


def vocabulary_case(kind: str, t: str, cast: str = "text") -> str:
    """SQL: canonical value of ``t`` for a vocabulary ``kind``; NULL when blank or unknown.

    Readings are upper case, so most values match as written; ``upper()`` (the costly part)
    runs only for the others."""
    arms = " ".join(
        f"WHEN {lit(written)} THEN {_sql_value(value)}"
        for written, value in vocabulary.readings(kind).items()
    )
    return f"(CASE {t} {arms} ELSE CASE upper({t}) {arms} END END)::{cast}"


def _sql_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return lit(str(value))


def decimal(t: str) -> str:
    number = f"replace({t}, ',', '.')"
    return f"CASE WHEN {number} ~ '^[0-9]+([.][0-9]+)?$' THEN {number}::numeric END"


def desil(t: str) -> str:
    """SQL: ``3`` or ``Desil 3`` → 3 when 1-10; NULL otherwise (a bare number needs no regex)."""
    number = f"ltrim(lower({t}), 'desil ')"
    return (
        f"CASE WHEN {t} IN ({', '.join(lit(str(n)) for n in range(1, 11))}) THEN {t}::int "
        f"WHEN {t} ~* '^(desil\\s*)?[0-9]{{1,2}}$' THEN "
        f"CASE WHEN {number}::int BETWEEN 1 AND 10 THEN {number}::int END END"
    )


def no_kk(t: str) -> str:
    """SQL: a 16-digit No. KK (first digit not 0) as bigint; NULL otherwise."""
    return (
        f"CASE WHEN length({t}) = 16 AND left({t}, 1) <> '0' AND {only_digits(t)} "
        f"THEN {t}::bigint END"
    )


def problem_array(problems: list[tuple[str, str]]) -> str:
    """SQL: the ``field:code`` items whose condition holds, as ``text[]``.

    Most rows have no problem: one ``OR`` of the conditions then yields the empty array without
    building and filtering a ``text[]`` per row (~0.5 s per million rows and array)."""
    any_problem = " OR ".join(f"({condition})" for condition, _ in problems)
    items = ", ".join(f"CASE WHEN {condition} THEN {item} END" for condition, item in problems)
    return (
        f"CASE WHEN {any_problem} THEN array_remove(ARRAY[{items}]::text[], NULL) "
        "ELSE '{}'::text[] END"
    )


def checked_sql(present: set[str], source: str, required: tuple[str, ...]) -> str:
    """The ``SELECT`` that types and checks every raw row (see the module docstring)."""
    place_field = "kode_desa" if "kode_desa" in present else "nama_desa"
    date_join = (
        "LEFT JOIN birth_dates d ON d.written = t.tanggal_lahir"
        if ("tanggal_lahir" in present)
        else ""
    )
    kecamatan_field = "kode_kecamatan" if "kode_kecamatan" in present else "nama_kecamatan"
    checked_text = ",\n      ".join(trimmed(f) for f in sorted(present - set(HOUSEHOLD_TEXT)))
    place_join = "LEFT JOIN place p ON " + (  # no place column at all: the one "nowhere" row
        " AND ".join(f"p.{f} = coalesce(r.{f}, '')" for f in REGION_COLUMNS if f in present)
        or "true"
    )
    t = {f: f"t.{f}" if f in present else "NULL::text" for f in FIELDS}
    layer2 = [
        "t.row_no",
        f"{t['nik']} AS nik_t",
        f"{nik_problem(t['nik'])} AS nik_problem",
        f"{t['nama']} AS nama",
        f"{t['jenis_kelamin']} AS sex_t",
        f"{vocabulary_case('sex', t['jenis_kelamin'])} AS jenis_kelamin",
        f"{t['tanggal_lahir']} AS date_t",
        "d.parsed AS tanggal_lahir"
        if "tanggal_lahir" in present
        else "NULL::date AS tanggal_lahir",
        f"{t['hubungan']} AS relation_t",
        f"{vocabulary_case('relation', t['hubungan'])} AS hubungan",
        f"{t['status_kawin']} AS marital_t",
        f"{vocabulary_case('marital', t['status_kawin'])} AS status_kawin",
        f"{t['pmks']} AS pmks_t",
        (
            f"(SELECT array_agg(coalesce(l.code, '?' || v) ORDER BY v) FROM "
            f"unnest(regexp_split_to_array({t['pmks']}, '\\s*[|;]\\s*')) v "
            f"LEFT JOIN pmks_lookup l ON l.written = upper(v) WHERE v <> '') AS pmks"
            if "pmks" in present
            else "NULL::text[] AS pmks"
        ),
        f"{t['no_kk']} AS kk_t",
        f"{no_kk(t['no_kk'])} AS no_kk",
        f"{t['desil']} AS desil_t",
        f"{desil(t['desil'])} AS desil",
        f"{t['luas_lantai']} AS luas_t",
        f"{decimal(t['luas_lantai'])} AS luas_lantai",
        "t.desa_code",
        "t.kecamatan_code",
        "t.place_problem",
        "t.place_warning",
    ]
    layer2 += [f"{t[f]} AS {f}" for f in (*PERSON_TEXT, "id_keluarga")]
    flags = [f for f, (_, kind) in FIELDS.items() if kind == "flag"]
    for f in flags:
        layer2 += [f"{t[f]} AS {f}_t", f"{vocabulary_case('flag', t[f], 'boolean')} AS {f}"]

    errors: list[tuple[str, str]] = [  # (condition, "field:code")
        ("nik_problem IS NOT NULL", "'nik:' || nik_problem"),
        ("nama IS NULL", "'nama:name_missing'"),
        ("sex_t IS NOT NULL AND jenis_kelamin IS NULL", "'jenis_kelamin:sex_invalid'"),
        (
            "date_t IS NOT NULL AND (tanggal_lahir IS NULL OR tanggal_lahir > current_date)",
            "'tanggal_lahir:date_invalid'",
        ),
        ("kk_t IS NOT NULL AND no_kk IS NULL", "'no_kk:kk_invalid'"),
        ("desil_t IS NOT NULL AND desil IS NULL", "'desil:desil_invalid'"),
        ("place_problem IS NOT NULL", f"'{place_field}:' || place_problem"),
    ]
    if "no_kk" in required:
        errors.append(("kk_t IS NULL", "'no_kk:kk_missing'"))
    if "pmks" in required:
        errors.append(("pmks_t IS NULL", "'pmks:pmks_missing'"))
    if "pmks" in present:
        errors.append(
            ("EXISTS (SELECT 1 FROM unnest(pmks) c WHERE c LIKE '?%')", "'pmks:pmks_unknown'")
        )
    female = "substr(nik_t,7,2)::int > 40"
    warnings = [
        ("place_warning IS NOT NULL", f"'{kecamatan_field}:' || place_warning"),
        ("relation_t IS NOT NULL AND hubungan IS NULL", "'hubungan:relation_unknown'"),
        ("marital_t IS NOT NULL AND status_kawin IS NULL", "'status_kawin:marital_unknown'"),
        ("luas_t IS NOT NULL AND luas_lantai IS NULL", "'luas_lantai:number_invalid'"),
        (
            f"nik_problem IS NULL AND jenis_kelamin IS NOT NULL "
            f"AND ({female}) <> (jenis_kelamin = 'P')",
            "'jenis_kelamin:nik_sex_mismatch'",
        ),
        (
            "nik_problem IS NULL AND tanggal_lahir IS NOT NULL AND "
            "lpad((substr(nik_t,7,2)::int % 40)::text, 2, '0') || substr(nik_t,9,4) "
            "<> to_char(tanggal_lahir, 'DDMMYY')",
            "'tanggal_lahir:nik_birth_date_mismatch'",
        ),
    ]
    warnings += [(f"{f}_t IS NOT NULL AND {f} IS NULL", f"'{f}:flag_invalid'") for f in flags]
    keep = [
        "row_no",
        "nik_t",
        "nama",
        "jenis_kelamin",
        "tanggal_lahir",
        "hubungan",
        "status_kawin",
        "pmks",
        "no_kk",
        "desil",
        "luas_lantai",
        "desa_code",
        "kecamatan_code",
        *PERSON_TEXT,
        "id_keluarga",
        *flags,
    ]
    return f"""
SELECT {", ".join(keep)},
  CASE WHEN nik_problem IS NULL THEN nik_t::bigint END AS nik,
  coalesce(no_kk::text, 'id:' || id_keluarga, 'nik:' || nik_t) AS hh_key,
  {problem_array(errors)} AS errors,
  {problem_array(warnings)} AS warnings
FROM (
  SELECT {FENCE}, {", ".join(layer2)}
  FROM (
    SELECT {FENCE}, r.row_no,
      {checked_text},
      p.desa_code, p.kecamatan_code, p.problem AS place_problem, p.warning AS place_warning
    FROM raw r {place_join}
  ) t {date_join}
) c"""  # noqa: S608 - every name above is ours, never user input
