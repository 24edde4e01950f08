"""Imports of the four sources into the real registry database, from files ``sipmas generate``
writes, with the errors real files carry; and the events they publish on the real broker."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import pytest

from services.registry.use_cases.importing import batches
from sipmas import events, nik
from sipmas.outbox import Relay
from sipmas_cli import synthetic
from tests.integration.support_amqp import bind_queue, fetch_all, wait_for
from tests.registry.conftest import query, scalar
from tests.support.services import ROOT

NIK_LIKE = re.compile(r"(?<![0-9])[1-9][0-9]{15}(?![0-9])")


@pytest.mark.parametrize("source", ["dtsen", "dtks", "p3ke", "pmks"])
def test_every_bad_row_is_named_and_every_good_row_lands_once(registry, tmp_path, source):
    path = tmp_path / f"{source}.csv"
    manifest = synthetic.write_file(source, 300, path, seed=7, error_rate=0.15)

    summary = batches.import_file(source, path, actor="test")

    problems = {
        (p["baris"], p["kode"])
        for p in batches.problem_rows(summary.batch_id)
        if p["tingkat"] == "error"
    }
    for injected in manifest.errors:
        assert (injected.row, injected.code) in problems, injected
    bad_rows = {e.row for e in manifest.errors}
    assert summary.rejected == len(bad_rows)
    assert summary.rows_read == manifest.rows
    assert summary.imported == manifest.valid_rows
    assert scalar(registry, "SELECT count(*) FROM people") == manifest.valid_rows
    # no good row was lost because a neighbour was bad
    assert summary.imported + summary.rejected == manifest.rows


def test_the_same_file_twice_changes_nothing_and_says_so(registry, tmp_path):
    path = tmp_path / "dtsen.csv"
    synthetic.write_file("dtsen", 50, path, seed=1)
    first = batches.import_file("dtsen", path, actor="test")
    before = query(registry, "SELECT count(*), max(updated_at) FROM people")

    again = batches.import_file("dtsen", path, actor="test")

    assert again.status == "duplicate" and again.duplicate_of == first.batch_id
    assert query(registry, "SELECT count(*), max(updated_at) FROM people") == before


def test_the_same_people_in_another_file_are_unchanged_not_doubled(registry, tmp_path):
    path = tmp_path / "dtsen.csv"
    synthetic.write_file("dtsen", 40, path, seed=2)
    first = batches.import_file("dtsen", path, actor="test")
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes() + b"\r\n")  # another file, the same rows

    second = batches.import_file("dtsen", copy, actor="test")

    assert second.status == "completed"
    assert second.imported == 0 and second.merged == 0
    assert second.unchanged == first.imported
    assert second.households_registered == 0
    assert scalar(registry, "SELECT count(*) FROM households") == first.households_registered


def test_xlsx_imports_like_csv(registry, tmp_path):
    path = tmp_path / "p3ke.xlsx"
    manifest = synthetic.write_file("p3ke", 60, path, seed=3, error_rate=0.1)

    summary = batches.import_file("p3ke", path, actor="test")

    assert summary.imported == manifest.valid_rows
    assert summary.rejected == len({e.row for e in manifest.errors})


def test_a_merge_keeps_both_sources_values_as_a_conflict(registry, tmp_path):
    dtks = tmp_path / "dtks.csv"
    dtks.write_text(
        "KECAMATAN;DESA/KELURAHAN;ALAMAT;NO KK;NIK;NAMA;TANGGAL LAHIR;JENIS KELAMIN;"
        "HUBUNGAN KELUARGA;DESIL\r\n"
        "KALIORANG;BANGUN JAYA;RT 03;6408120101150001;6408121505800001;SUPARDI;15/05/1980;"
        "LAKI-LAKI;KEPALA KELUARGA;3\r\n",
        encoding="cp1252",
    )
    p3ke = tmp_path / "p3ke.csv"
    p3ke.write_text(
        "ID Keluarga,Kecamatan,Desa,Desil Kesejahteraan,NIK,Nama,Jenis Kelamin,"
        "Hub. dgn Kepala Keluarga,Tanggal Lahir\r\n"
        "P3KE-1,KALIORANG,BANGUN JAYA,Desil 1,6408121505800001,SUPARDI,Laki-laki,"
        "Kepala Keluarga,15-05-1980\r\n"
        "P3KE-1,KALIORANG,BANGUN JAYA,Desil 1,6408125203120002,RINA,Perempuan,Anak,12-03-2012\r\n",
        encoding="utf-8",
    )
    batches.import_file("dtks", dtks, actor="test")
    merged = batches.import_file("p3ke", p3ke, actor="test")

    assert (merged.imported, merged.merged, merged.households_registered) == (1, 1, 0)
    household = query(registry, "SELECT id, desil, sources FROM households")
    assert len(household) == 1 and household[0].desil == 3
    assert household[0].sources == ["dtks", "p3ke"]
    conflict = query(registry, "SELECT field, kept_value, other_value, other_row FROM conflicts")
    assert [tuple(c) for c in conflict] == [("desil", "3", "1", 2)]
    assert (
        scalar(registry, "SELECT count(*) FROM people WHERE household_id = :h", h=household[0].id)
        == 2
    )


def test_broken_rows_and_windows_1252_are_read_row_by_row(registry, tmp_path):
    path = tmp_path / "dtks.csv"
    manifest = synthetic.write_file("dtks", 80, path, seed=11, error_rate=0.2)
    assert any(e.code == "row_columns" for e in manifest.errors), "the seed must break a row"

    summary = batches.import_file("dtks", path, actor="test")

    assert summary.imported == manifest.valid_rows


def test_the_row_report_masks_a_nik_of_any_length_as_everywhere_else(registry, tmp_path):
    path = tmp_path / "dtsen.csv"
    synthetic.write_file("dtsen", 4, path, seed=13)
    with open(path, encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    typed = {2: "1234", 3: "640812345", 4: "64080112345678901"}  # short, cut, one digit too many
    for row_no, value in typed.items():
        rows[row_no - 2]["nik"] = value  # row 1 is the header
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)

    summary = batches.import_file("dtsen", path, actor="test")

    shown = {
        p["baris"]: p["nilai"]
        for p in batches.problem_rows(summary.batch_id)
        if p["kolom"] == "nik" and p["baris"] in typed
    }
    assert shown == {row: nik.mask(value) for row, value in typed.items()}
    assert shown[2] == "****"  # not the four digits twice


def test_a_spreadsheet_zeroed_nik_column_is_a_file_warning(registry, tmp_path):
    path = tmp_path / "dtsen.csv"
    synthetic.write_file("dtsen", 20, path, seed=5, zeroed_nik_column=True)

    summary = batches.import_file("dtsen", path, actor="test")

    assert {"code": "nik_column_zeroed", "column": "nik"} in summary.file_warnings


def test_an_import_publishes_one_household_registered_per_new_household(
    registry, amqp_uri, tmp_path
):
    queue = bind_queue(amqp_uri, "registry.events", "household_registered")
    path = tmp_path / "pmks.csv"
    synthetic.write_file("pmks", 120, path, seed=4, error_rate=0.1)
    summary = batches.import_file("pmks", path, actor="test")

    Relay("registry", amqp_uri).publish_pending()
    messages = fetch_all(amqp_uri, queue, expect=summary.households_registered)

    assert len(messages) == summary.households_registered > 0
    ids = set()
    for message in messages:
        body = json.loads(message.body)
        event = events.validate_event(body)
        assert message.properties["message_id"] == str(event["event_id"])
        assert event["producer"] == "registry" and event["schema_version"] == 1
        assert not NIK_LIKE.search(json.dumps(body)), "no NIK in the event"
        ids.add(event["data"]["household_id"])
    assert ids == {r.id for r in query(registry, "SELECT id FROM households")}


def test_a_relay_that_died_after_the_commit_publishes_each_event_once(registry, amqp_uri, tmp_path):
    """The import committed its events; no relay ran (it had crashed). When a relay comes back
    they are published, each exactly once."""
    queue = bind_queue(amqp_uri, "registry.events", "#")
    path = tmp_path / "dtsen.csv"
    synthetic.write_file("dtsen", 30, path, seed=9)
    cli = subprocess.run(
        [sys.executable, "-m", "sipmas_cli", "import", "--source", "dtsen", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "rows read" in cli.stdout
    pending = scalar(registry, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
    crashed = subprocess.run(
        [sys.executable, "-m", "sipmas_cli", "relay", "registry"],
        cwd=ROOT,
        env={
            **__import__("os").environ,
            "SIPMAS_FAULT_RELAY_EXIT_AFTER_PUBLISH": "1",
            "AMQP_URI": amqp_uri,
        },
        capture_output=True,
        timeout=60,
    )
    assert crashed.returncode != 0  # it published a batch, then died before marking it

    relay = Relay("registry", amqp_uri)  # the rows the dead relay claimed are free once
    wait_for(  # PostgreSQL has seen its connection close and rolled its transaction back
        lambda: (
            relay.publish_pending() >= 0
            and not scalar(registry, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
        ),
        timeout=20,
    )
    ids = [json.loads(m.body)["event_id"] for m in fetch_all(amqp_uri, queue)]

    assert set(ids) == {str(r.event_id) for r in query(registry, "SELECT event_id FROM outbox")}
    assert len(set(ids)) == pending
    assert scalar(registry, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


def test_a_file_that_cannot_be_read_fails_clearly(registry, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("foo;bar\r\n1;2\r\n")
    result = subprocess.run(
        [sys.executable, "-m", "sipmas_cli", "import", "--source", "dtsen", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "Kolom wajib tidak ada" in result.stderr and "required column" in result.stderr


def test_a_binary_file_and_a_broken_xlsx_fail_clearly(registry, tmp_path):
    binary = tmp_path / "ls.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    for source, path, words in [("dtsen", binary, "biner"), ("p3ke", broken, "XLSX")]:
        with pytest.raises(batches.UnreadableFile) as caught:
            batches.import_file(source, path, actor="test")
        assert words in caught.value.message_id
    assert scalar(registry, "SELECT count(*) FROM import_batches") == 0


def test_a_header_only_file_imports_nothing_and_says_so(registry, tmp_path):
    path = tmp_path / "empty.csv"
    synthetic.write_file("dtsen", 1, path)
    path.write_bytes(path.read_bytes().split(b"\r\n")[0] + b"\r\n")

    summary = batches.import_file("dtsen", path, actor="test")

    assert (summary.rows_read, summary.imported, summary.rejected) == (0, 0, 0)
