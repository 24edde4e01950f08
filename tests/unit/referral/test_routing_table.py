"""The routing table as data: every fault of an upload named by row and column at once, and a
valid table read back from its own CSV unchanged."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.referral.domain import routing
from services.referral.domain.routing import RoutingTable, Rule, TableError, parse_table, to_csv
from sipmas import reference
from sipmas.events import WELFARE_CLASSES

DEFAULT = routing.default_table_text()
HEADER = ",".join(routing.COLUMNS)
FALLBACK = "fallback,*,,,,,dinsos,Asesmen lanjutan,false,7,30,"


def _table(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


def _faults(text: str) -> set[tuple[int, str]]:
    with pytest.raises(TableError) as refused:
        parse_table(text, version=2)
    return {(e["row"], e["column"]) for e in refused.value.errors}


def test_every_bad_row_and_column_is_named_at_once():
    text = _table(
        "a,rumah,,,,,perkim,RTLH,false,14,180,",  # row 2: fine
        "b,rumah,,,,,nowhere,RTLH,false,14,180,",  # row 3: unknown OPD
        "c,kesehtan,,,,,dinkes,PBI,ya,abc,14,",  # row 4: need typo, not a bool, not a number
        "a,pendidikan,,,16,7,disdikbud,PIP,false,7,60,",  # row 5: id twice, ages reversed
        "d,pmks.x,hantu,kaya,,,dinsos,Rehab,false,0,30,",  # row 6: need, pmks, class, days
        FALLBACK,
    )

    assert _faults(text) == {
        (3, "opd_code"),
        (4, "need"),
        (4, "carries_nik"),
        (4, "receive_days"),
        (5, "rule_id"),
        (5, "max_age"),
        (6, "need"),
        (6, "pmks"),
        (6, "welfare_classes"),
        (6, "receive_days"),
    }


def test_an_unreadable_cell_does_not_hide_the_other_faults_of_its_row():
    with pytest.raises(TableError) as refused:
        parse_table(_table("b,rumah,,,,,nowhere,,ya,x,180,", FALLBACK), version=2)

    errors = refused.value.errors
    assert [(e["row"], e["column"]) for e in errors] == [
        (2, "opd_code"),
        (2, "programme"),
        (2, "carries_nik"),
        (2, "receive_days"),
    ]
    assert all(e["message"] for e in errors)
    assert isinstance(refused.value, ValueError) and "row 2" in str(refused.value)


def test_every_fault_is_said_in_bahasa_indonesia_too():
    table = _table(
        "b,rumah,,,,,nowhere,,ya,x,180,",
        "b,rumahku,,,-1,,dinsos,RTLH,true,14,7,",  # a duplicate id, an unknown need, bad days
        FALLBACK,
    )
    with pytest.raises(TableError) as refused:
        parse_table(table, version=2)

    said = {(e["row"], e["column"]): e["message_id"] for e in refused.value.errors}
    assert said[(2, "opd_code")] == "OPD 'nowhere' tidak dikenal"
    assert said[(2, "programme")] == "tidak boleh kosong"
    assert said[(2, "receive_days")] == "harus bilangan bulat, tertulis 'x'"
    assert said[(3, "rule_id")] == "sama dengan baris 2"
    assert said[(3, "need")] == "kebutuhan 'rumahku' tidak dikenal"
    assert said[(3, "max_age")].startswith("umur tidak boleh negatif")
    assert said[(3, "complete_days")] == "harus positif dan tidak kurang dari receive_days"
    assert all(e["message_id"] != e["message"] for e in refused.value.errors)


@pytest.mark.parametrize(
    ("rows", "fault"),
    [
        (["a,rumah,,,,,perkim,RTLH,false,14,180,"], (2, "need")),  # no fallback
        ([FALLBACK, "a,rumah,,,,,perkim,RTLH,false,14,180,"], (3, "need")),  # not last
        ([FALLBACK, FALLBACK.replace("fallback", "again")], (2, "need")),  # two of them
        ([], (1, "need")),  # an empty table
        (["a,rumah,,,,,perkim,RTLH,false,30,14,", FALLBACK], (2, "complete_days")),
        (["a,rumah,,,,,perkim, ,false,14,180,", FALLBACK], (2, "programme")),
        (["a,rumah,,,,,perkim,RTLH,false,14,180,,surplus", FALLBACK], (2, "(extra)")),
    ],
)
def test_the_table_shape_is_checked(rows, fault):
    assert fault in _faults(_table(*rows))


def test_a_missing_or_unknown_column_is_named_in_the_header_row():
    text = DEFAULT.replace("carries_nik", "bawa_nik", 1)

    assert _faults(text) == {(1, "carries_nik"), (1, "bawa_nik")}


def test_an_excel_export_reads_the_same():
    """Semicolons, a byte-order mark, Windows line ends and blank rows, as people save them."""
    table = routing.default_table()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(routing.COLUMNS)
    writer.writerow([""] * len(routing.COLUMNS))
    writer.writerows(csv.reader(to_csv(table).splitlines()[1:]))

    assert parse_table("\ufeff" + out.getvalue(), version=1) == table


def test_a_blank_row_still_counts_in_the_row_numbers():
    text = _table("", "b,rumah,,,,,nowhere,RTLH,false,14,180,", FALLBACK)

    assert _faults(text) == {(3, "opd_code")}


def test_missing_trailing_cells_are_blank():
    table = parse_table(_table("a,rumah,,,,,perkim,RTLH,false,14,180", FALLBACK), version=2)

    assert table.rules[0].note == ""


def test_a_table_built_in_code_is_checked_too():
    good = routing.default_table().rules
    bad = dataclasses.replace(good[0], opd_code="nowhere")

    with pytest.raises(TableError) as refused:
        RoutingTable(version=3, rules=(bad, *good[1:]))
    assert [(e["row"], e["column"]) for e in refused.value.errors] == [(2, "opd_code")]


def test_the_default_table_survives_a_round_trip():
    table = routing.default_table()

    assert parse_table(to_csv(table), version=table.version) == table
    assert to_csv(parse_table(to_csv(table), version=1)) == to_csv(table)


# --- any valid table survives its own CSV -------------------------------------------------------

TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30).map(
    str.strip
)
AGES = st.tuples(st.none() | st.integers(0, 120), st.none() | st.integers(0, 120)).map(
    lambda ages: tuple(sorted(ages)) if None not in ages else ages
)


@st.composite
def rules(draw, rule_id: str) -> Rule:
    min_age, max_age = draw(AGES)
    receive = draw(st.integers(1, 365))
    return Rule(
        rule_id=rule_id,
        need=draw(st.sampled_from(sorted(routing.known_needs()))),
        pmks=draw(st.none() | st.sampled_from(sorted(reference.pmks_codes()))),
        welfare_classes=draw(st.frozensets(st.sampled_from(WELFARE_CLASSES))),
        min_age=min_age,
        max_age=max_age,
        opd_code=draw(st.sampled_from(sorted(reference.opd_codes()))),
        programme=draw(TEXT.filter(bool)),
        carries_nik=draw(st.booleans()),
        receive_days=receive,
        complete_days=draw(st.integers(receive, 730)),
        note=draw(TEXT | st.just("")),
    )


@st.composite
def tables(draw) -> RoutingTable:
    ids = draw(st.lists(st.from_regex(r"[a-z0-9_.-]{1,20}", fullmatch=True), unique=True))
    body = [draw(rules(rule_id)) for rule_id in ids if rule_id != "fallback"]
    fallback = parse_table(_table(FALLBACK), version=1).rules[0]
    return RoutingTable(version=draw(st.integers(0, 1000)), rules=(*body, fallback))


@given(tables())
def test_a_valid_table_survives_to_csv_and_parse_table(table):
    assert parse_table(to_csv(table), version=table.version) == table
