"""The synthetic-data generator: files as the documented formats say, people as NIK rules say,
and every injected damage where the manifest says it is."""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from services.registry.domain import vocabulary
from services.registry.domain.sources import FORMATS, SourceFormat
from sipmas import nik, reference
from sipmas_cli import synthetic, synthetic_names

SOURCES = sorted(FORMATS)
DATE_FORMATS = {"dd-mm-yyyy": "%d-%m-%Y", "dd/mm/yyyy": "%d/%m/%Y"}
DESIL_RANGES = {"dtsen": range(1, 11), "dtks": range(1, 5), "p3ke": range(1, 5)}
DESIL_PATTERN = re.compile(r"^(?:desil\s*)?([0-9]{1,2})$", re.I)  # as the importer reads it
KUTIM_DESA = {d.code: d for d in reference.desa()}
DESA_BY_CODE = {**KUTIM_DESA, **{d.bps_code: d for d in reference.desa() if d.bps_code}}
KECAMATAN_NAMES = {k.code: k.name.upper() for k in reference.kecamatan()}
DESA_BY_NAMES = {(KECAMATAN_NAMES[d.kecamatan_code], d.name.upper()): d for d in reference.desa()}


# ---------------------------------------------------------------------------------------------
# Reading files back


def read_csv(path: Path, manifest: synthetic.Manifest) -> tuple[list[str], list[list[str]]]:
    text = path.read_bytes().decode(manifest.encoding)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=manifest.delimiter))
    return rows[0], rows[1:]


def column(fmt: SourceFormat, field: str) -> int:
    return next(i for i, c in enumerate(fmt.columns) if c.field == field)


def value(fmt: SourceFormat, row: list[str], field: str) -> str:
    return row[column(fmt, field)]


def birth_date(fmt: SourceFormat, row: list[str]) -> date:
    style = fmt.style_of("tanggal_lahir")
    return datetime.strptime(value(fmt, row, "tanggal_lahir"), DATE_FORMATS[style]).date()


def relation(fmt: SourceFormat, row: list[str]) -> str:
    return vocabulary.read("relation", value(fmt, row, "hubungan"))


def age(born: date) -> int:
    today = synthetic.REFERENCE_DATE
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def desa_of(fmt: SourceFormat, row: list[str]) -> reference.Desa | None:
    """The Kutim desa a row names (by code when the format has one), or None."""
    if "kode_desa" in fmt.header_map().values():
        return DESA_BY_CODE.get(value(fmt, row, "kode_desa"))
    names = (value(fmt, row, "nama_kecamatan").upper(), value(fmt, row, "nama_desa").upper())
    return DESA_BY_NAMES.get(names)


def generate(tmp: Path, source: str, name: str, **kwargs) -> tuple[synthetic.Manifest, Path]:
    path = tmp / name
    return synthetic.write_file(source, out=path, **kwargs), path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Clean and damaged CSV files of every source, same seed: the same people in both."""
    tmp = tmp_path_factory.mktemp("synthetic")
    made = {}
    for source in SOURCES:
        for rate in (0.0, 0.2):
            made[source, rate] = generate(
                tmp, source, f"{source}-{rate}.csv", households=400, seed=11, error_rate=rate
            )
    return made


# ---------------------------------------------------------------------------------------------
# Format


@pytest.mark.parametrize("source", SOURCES)
def test_csv_writes_the_documented_headers_delimiter_and_line_ends(files, source):
    manifest, path = files[source, 0.0]
    raw = path.read_bytes()
    header, rows = read_csv(path, manifest)
    assert header == [c.header for c in FORMATS[source].columns]
    assert manifest.delimiter == FORMATS[source].delimiter
    assert raw.count(b"\n") == raw.count(b"\r\n") == len(rows) + 1
    assert len(rows) == manifest.rows == manifest.valid_rows
    assert all(len(row) == len(header) for row in rows)


@pytest.mark.parametrize("source", SOURCES)
def test_encoding_and_bom_are_as_the_manifest_says(files, source):
    manifest, path = files[source, 0.0]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (manifest.encoding == "utf-8-sig")
    if source == "dtks":  # a no-break space in a name makes the file truly Windows-1252
        assert manifest.encoding == "cp1252" and b"\xa0" in raw
        raw.decode("cp1252")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")


def test_bom_varies_by_seed_but_not_by_call(tmp_path):
    encodings = {
        generate(tmp_path, "dtsen", f"{seed}.csv", households=1, seed=seed)[0].encoding
        for seed in range(12)
    }
    assert encodings == {"utf-8", "utf-8-sig"}


def test_a_delimiter_inside_a_value_is_quoted(tmp_path):
    manifest, path = generate(tmp_path, "p3ke", "p3ke.csv", households=300, seed=3)
    text = path.read_bytes().decode(manifest.encoding)
    assert re.search(r'"JL\. [^"]*, DUSUN [^"]*"', text)  # addresses like "JL. X, DUSUN II"
    header, rows = read_csv(path, manifest)
    assert any("," in value(FORMATS["p3ke"], row, "alamat") for row in rows)


def test_pmks_writes_two_categories_with_a_bar(tmp_path):
    manifest, path = generate(tmp_path, "pmks", "pmks.csv", households=600, seed=5)
    _, rows = read_csv(path, manifest)
    written = [value(FORMATS["pmks"], row, "pmks") for row in rows]
    assert any("|" in w for w in written)
    assert not any(";" in w for w in written)


# ---------------------------------------------------------------------------------------------
# Content of clean files


def check_clean(source: str, manifest: synthetic.Manifest, path: Path) -> None:
    """Every row valid: NIK, sex and birth date agreeing, real desa, one head per household."""
    fmt = FORMATS[source]
    header, rows = read_csv(path, manifest)
    assert all(len(row) == len(header) for row in rows)
    niks = [value(fmt, row, "nik") for row in rows]
    assert len(set(niks)) == len(niks)
    households: dict[str, list[list[str]]] = defaultdict(list)
    for row in rows:
        number = value(fmt, row, "nik")
        assert nik.errors(number) == [], number
        sex = vocabulary.read("sex", value(fmt, row, "jenis_kelamin"))
        assert nik.warnings(number, sex, birth_date(fmt, row)) == [], row
        assert value(fmt, row, "nama").strip()
        desa = desa_of(fmt, row)
        assert desa is not None, row
        kk = value(fmt, row, "no_kk")
        assert re.fullmatch(r"[1-9][0-9]{15}", kk) and nik.errors(kk) == [], kk
        assert kk[:6] == desa.kecamatan_code.replace(".", "")
        households[kk].append(row)
        if "desil" in fmt.header_map().values():
            match = DESIL_PATTERN.match(value(fmt, row, "desil"))
            assert match and int(match[1]) in DESIL_RANGES[source]
        if source == "pmks":
            categories = value(fmt, row, "pmks").split("|")
            assert all(c.upper() in vocabulary.pmks_readings() for c in categories)
    for members in households.values():
        heads = [r for r in members if relation(fmt, r) == "kepala"]
        assert len(heads) == 1 or (source == "pmks" and len(heads) <= 1)
        assert len({value(fmt, r, "alamat") for r in members}) == 1
        assert 1 <= len(members) <= 8


@pytest.mark.parametrize("source", SOURCES)
def test_clean_files_are_valid(files, source):
    check_clean(source, *files[source, 0.0])


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**63), source=st.sampled_from(SOURCES), households=st.integers(0, 40))
def test_any_seed_gives_a_valid_clean_file(tmp_path, seed, source, households):
    manifest, path = generate(tmp_path, source, "any.csv", households=households, seed=seed)
    assert manifest.households == households and not manifest.errors
    check_clean(source, manifest, path)


def test_households_are_plausible(files):
    """Sizes 1-8 averaging about 3.6, heads 20-80, children born to a mother of 16 or more."""
    fmt = FORMATS["dtsen"]
    manifest, path = files["dtsen", 0.0]
    _, rows = read_csv(path, manifest)
    households: dict[str, list[list[str]]] = defaultdict(list)
    for row in rows:
        households[value(fmt, row, "no_kk")].append(row)
    sizes = [len(m) for m in households.values()]
    assert len(households) == manifest.households == manifest.valid_households
    assert 3.2 <= sum(sizes) / len(sizes) <= 4.0 and max(sizes) <= 8
    for members in households.values():
        head = members[0]
        assert relation(fmt, head) == "kepala"
        assert 20 <= age(birth_date(fmt, head)) <= 80
        women = [r for r in members if relation(fmt, r) in ("kepala", "pasangan")]
        women = [r for r in women if vocabulary.read("sex", value(fmt, r, "jenis_kelamin")) == "P"]
        for child in (r for r in members if relation(fmt, r) == "anak"):
            for mother in women:
                assert age(birth_date(fmt, mother)) - age(birth_date(fmt, child)) >= 16


def test_most_niks_come_from_the_household_kecamatan(files):
    fmt = FORMATS["dtks"]
    manifest, path = files["dtks", 0.0]
    _, rows = read_csv(path, manifest)
    home = [value(fmt, r, "nik")[:6] == value(fmt, r, "no_kk")[:6] for r in rows]
    assert 0.75 <= sum(home) / len(home) < 1.0
    prefixes = {value(fmt, r, "nik")[:4] for r in rows}
    assert "6408" in prefixes and prefixes <= {"6408", *synthetic.OTHER_KALTIM}


def test_dtsen_desil_is_skewed_to_the_poor_and_cars_are_rare(files):
    fmt = FORMATS["dtsen"]
    manifest, path = files["dtsen", 0.0]
    _, rows = read_csv(path, manifest)
    desil = Counter(int(value(fmt, r, "desil")) for r in rows)
    assert sum(desil[d] for d in (1, 2, 3, 4)) > 0.5 * len(rows)
    cars = sum(value(fmt, r, "aset_mobil") == "1" for r in rows)
    assert cars < 0.06 * len(rows)
    assert {value(fmt, r, "kode_kecamatan") for r in rows} <= {
        k.bps_code for k in reference.kecamatan()
    }


def test_pmks_categories_fit_the_person(tmp_path):
    fmt = FORMATS["pmks"]
    manifest, path = generate(tmp_path, "pmks", "pmks.csv", households=800, seed=2)
    _, rows = read_csv(path, manifest)
    codes = vocabulary.pmks_readings()
    seen = Counter()
    for row in rows:
        years = age(birth_date(fmt, row))
        for written in value(fmt, row, "pmks").split("|"):
            code = codes[written.upper()]
            seen[code] += 1
            if code == "lansia_telantar":
                assert years >= 60
            if code.startswith("anak"):
                assert years < 18
            if code == "penyandang_disabilitas":
                assert years >= 18
    assert seen.most_common(1)[0][0] == "fakir_miskin"
    assert len(rows) < 2.5 * manifest.households  # people of a household, not all of them


def test_five_desa_without_bps_code_are_written_with_their_kemendagri_code():
    missing = [d for d in reference.desa() if not d.bps_code]
    places = {p.desa_code for p in synthetic.PLACES.values}
    assert len(missing) == 5 and {d.code for d in missing} <= places


# ---------------------------------------------------------------------------------------------
# Damage


def check_damage(
    fmt: SourceFormat, error: synthetic.InjectedError, row: list[str], clean: list[str] | None
) -> None:
    """The row carries the damage its manifest entry names, in the named column."""
    header = [c.header for c in fmt.columns]
    assert error.column in header
    if error.code == "row_columns":
        assert abs(len(row) - len(header)) == 1
        return
    assert len(row) == len(header)
    cell = row[header.index(error.column)]
    code = error.code
    if code.startswith("nik_") and code not in ("nik_missing", "nik_duplicate"):
        assert nik.errors(cell) == [code], cell
    elif code in ("nik_missing", "name_missing"):
        assert cell == ""
    elif code == "nik_duplicate":
        assert nik.errors(cell) == []
        assert clean is None or cell != value(fmt, clean, "nik")
    elif code == "date_invalid":
        with pytest.raises(ValueError):
            datetime.strptime(cell, DATE_FORMATS[fmt.style_of("tanggal_lahir")])
    elif code == "sex_invalid":
        assert cell.strip() and vocabulary.read("sex", cell) is None
    elif code == "desa_unknown":
        assert desa_of(fmt, row) is None
        kutim = [name for _, name in DESA_BY_NAMES]
        assert not difflib.get_close_matches(cell.upper(), kutim, cutoff=0.85)
    elif code == "desil_invalid":
        match = DESIL_PATTERN.match(cell)
        assert not match or not 1 <= int(match[1]) <= 10
    elif code == "kk_invalid":
        assert not re.fullmatch(r"[1-9][0-9]{15}", cell)
    elif code == "pmks_unknown":
        assert any(c.upper() not in vocabulary.pmks_readings() for c in cell.split("|"))
    else:
        pytest.fail(f"unchecked code {code}")


@pytest.mark.parametrize("source", SOURCES)
def test_every_damaged_row_is_named_and_carries_its_damage(files, source):
    fmt = FORMATS[source]
    manifest, path = files[source, 0.2]
    clean_manifest, clean_path = files[source, 0.0]
    _, rows = read_csv(path, manifest)
    _, clean_rows = read_csv(clean_path, clean_manifest)
    assert len(rows) == len(clean_rows) == manifest.rows
    by_row = {e.row: e for e in manifest.errors}
    assert len(by_row) == len(manifest.errors)  # one error per row
    assert 0.16 <= len(by_row) / manifest.rows <= 0.24
    for row_no, (row, clean) in enumerate(zip(rows, clean_rows, strict=True), start=2):
        if row_no in by_row:
            check_damage(fmt, by_row[row_no], row, clean)
        else:
            assert row == clean  # the same people: only named rows differ
    assert manifest.valid_rows == manifest.rows - len(manifest.errors)


@pytest.mark.parametrize("source", SOURCES)
def test_valid_households_are_those_without_a_damaged_row(files, source):
    fmt = FORMATS[source]
    manifest, path = files[source, 0.2]
    clean_manifest, clean_path = files[source, 0.0]
    _, clean_rows = read_csv(clean_path, clean_manifest)
    damaged = {e.row for e in manifest.errors}
    rows_of: dict[str, set[int]] = defaultdict(set)
    for row_no, row in enumerate(clean_rows, start=2):
        rows_of[value(fmt, row, "no_kk")].add(row_no)
    assert manifest.valid_households == sum(not (r & damaged) for r in rows_of.values())


def test_every_error_code_is_injected_somewhere(files):
    codes = {e.code for source in SOURCES for e in files[source, 0.2][0].errors}
    assert codes == set(synthetic.ERROR_CODES)


def test_duplicate_niks_copy_an_earlier_row(files):
    fmt = FORMATS["dtsen"]
    manifest, path = files["dtsen", 0.2]
    _, rows = read_csv(path, manifest)
    duplicates = [e for e in manifest.errors if e.code == "nik_duplicate"]
    assert duplicates
    for error in duplicates:
        original = int(error.detail.rsplit(" ", 1)[1])
        assert original < error.row
        assert value(fmt, rows[original - 2], "nik") == value(fmt, rows[error.row - 2], "nik")


def test_zeroed_nik_column_is_one_file_warning(tmp_path):
    fmt = FORMATS["dtks"]
    manifest, path = generate(tmp_path, "dtks", "z.csv", households=50, seed=4,
                              zeroed_nik_column=True)  # fmt: skip
    _, rows = read_csv(path, manifest)
    niks = [value(fmt, r, "nik") for r in rows]
    assert all(n.endswith("0") and len(n) == 16 for n in niks) and nik.column_zeroed(niks)
    assert [(w.row, w.code) for w in manifest.warnings] == [(0, "nik_column_zeroed")]
    assert manifest.warnings[0].column == "NIK"


def test_sex_mismatch_warnings_are_valid_rows_the_importer_should_warn_about(tmp_path):
    fmt = FORMATS["p3ke"]
    manifest, path = generate(tmp_path, "p3ke", "w.csv", households=200, seed=8,
                              error_rate=0.1, warning_rate=0.2)  # fmt: skip
    _, rows = read_csv(path, manifest)
    warned = {w.row for w in manifest.warnings}
    assert warned and not warned & {e.row for e in manifest.errors}
    for row_no, row in enumerate(rows, start=2):
        if row_no in warned:
            sex = vocabulary.read("sex", value(fmt, row, "jenis_kelamin"))
            assert nik.errors(value(fmt, row, "nik")) == []
            assert nik.warnings(value(fmt, row, "nik"), sex, birth_date(fmt, row)) == [
                "nik_sex_mismatch"
            ]


def test_damage_words_are_not_kutim_or_pmks_words():
    kutim = {d.name.upper() for d in reference.desa()}
    for name in synthetic_names.FOREIGN_DESA:
        assert not difflib.get_close_matches(name.upper(), kutim, cutoff=0.8), name
    for word in synthetic_names.UNKNOWN_PMKS:
        assert word.upper() not in vocabulary.pmks_readings()


# ---------------------------------------------------------------------------------------------
# XLSX, determinism, manifest, arguments


def xlsx_rows(path: Path) -> tuple[list, list]:
    sheet = load_workbook(path).worksheets[0]
    cells = list(sheet.iter_rows())
    return [c.value for c in cells[0]], cells[1:]


@pytest.mark.parametrize("source", SOURCES)
def test_xlsx_round_trips_with_text_niks(tmp_path, source):
    fmt = FORMATS[source]
    manifest, path = generate(tmp_path, source, f"{source}.xlsx", households=40, seed=9)
    csv_manifest, csv_path = generate(tmp_path, source, f"{source}.csv", households=40, seed=9)
    header, cells = xlsx_rows(path)
    _, csv_rows = read_csv(csv_path, csv_manifest)
    assert header == [c.header for c in fmt.columns] and manifest.format == "xlsx"
    assert len(cells) == manifest.rows == len(csv_rows)
    for row, csv_row in zip(cells, csv_rows, strict=True):
        assert ["" if c.value is None else str(c.value) for c in row] == csv_row
        for i in (column(fmt, "nik"), column(fmt, "no_kk")):
            assert row[i].data_type == "s" and row[i].number_format == "@"


def test_xlsx_damage_has_no_broken_rows_and_may_leave_numbers(tmp_path):
    manifest, path = generate(tmp_path, "dtsen", "e.xlsx", households=400, seed=1, error_rate=0.3)
    _, cells = xlsx_rows(path)
    fmt = FORMATS["dtsen"]
    by_row = {e.row: e for e in manifest.errors}
    assert "row_columns" not in {e.code for e in manifest.errors}
    numbers = 0
    for row_no, row in enumerate(cells, start=2):
        text = ["" if c.value is None else str(c.value) for c in row]
        if row_no in by_row:
            check_damage(fmt, by_row[row_no], text, None)
            numbers += isinstance(row[column(fmt, "nik")].value, int)
    assert numbers  # some 15-digit NIKs are number cells, as Excel leaves them


def test_zeroed_xlsx_niks_are_numbers(tmp_path):
    manifest, path = generate(tmp_path, "dtsen", "z.xlsx", households=20, seed=1,
                              zeroed_nik_column=True)  # fmt: skip
    _, cells = xlsx_rows(path)
    niks = [row[column(FORMATS["dtsen"], "nik")].value for row in cells]
    assert all(isinstance(n, int) and n % 10 == 0 for n in niks)


@pytest.mark.parametrize("name", ["d.csv", "d.xlsx"])
def test_same_arguments_give_the_same_bytes(tmp_path, name):
    for folder in "abc":
        (tmp_path / folder).mkdir()
    first = generate(tmp_path / "a", "dtsen", name, households=30, seed=6, error_rate=0.2)
    second = generate(tmp_path / "b", "dtsen", name, households=30, seed=6, error_rate=0.2)
    other = generate(tmp_path / "c", "dtsen", name, households=30, seed=7, error_rate=0.2)
    assert first[1].read_bytes() == second[1].read_bytes() != other[1].read_bytes()
    assert first[0].errors == second[0].errors


def test_manifest_serialises_to_json(files):
    manifest, _ = files["pmks", 0.2]
    data = json.loads(manifest.to_json())
    assert data["source"] == "pmks" and data["rows"] == manifest.rows
    assert {"row", "column", "code", "detail"} <= set(data["errors"][0])


def test_fmt_overrides_the_extension(tmp_path):
    manifest, path = generate(tmp_path, "dtks", "export.dat", households=3, fmt="xlsx")
    assert manifest.format == "xlsx" and path.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"source": "siks", "households": 1, "out": "x.csv"},
        {"source": "dtks", "households": -1, "out": "x.csv"},
        {"source": "dtks", "households": 1, "out": "x.csv", "error_rate": 1.5},
        {"source": "dtks", "households": 1, "out": "x.json"},
    ],
)
def test_bad_arguments_are_refused(tmp_path, kwargs):
    kwargs["out"] = tmp_path / kwargs["out"]
    with pytest.raises(ValueError):
        synthetic.write_file(**kwargs)
