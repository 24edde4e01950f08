"""Imports asked for over RPC run as ops run them (``sipmas import`` in a process of its own)
and answer with the batch as the database recorded it; a file that cannot be read is refused
with the command's own message; the service keeps answering while an import runs."""

from __future__ import annotations

import threading
import time

from nameko.standalone.rpc import ClusterRpcProxy

from services.registry.use_cases.importing import child_process
from sipmas.refusals import Refused
from sipmas_cli import synthetic
from tests.registry.conftest import query, scalar


def test_an_import_over_rpc_records_its_actor_and_answers_with_the_batch(
    registry, registry_service, amqp_uri, tmp_path
):
    path = tmp_path / "dtsen.csv"
    manifest = synthetic.write_file("dtsen", 60, path, seed=51, error_rate=0.1)
    report = tmp_path / "report.csv"

    with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as rpc:
        first = rpc.registry.start_import("dtsen", str(path), "operator-budi", str(report))
        again = rpc.registry.start_import("dtsen", str(path), "operator-budi")
        problems = rpc.registry.import_report(first["batch_id"])["problems"]

    batch = query(registry, "SELECT * FROM import_batches WHERE id = :b", b=first["batch_id"])[0]
    assert batch.actor == "operator-budi" and batch.status == "completed"
    assert first["status"] == "completed"
    assert first["rows_read"] == manifest.rows == batch.rows_read
    assert (
        first["imported"] == manifest.valid_rows == scalar(registry, "SELECT count(*) FROM people")
    )
    assert first["rejected"] == len({e.row for e in manifest.errors}) > 0
    assert (first["merged"], first["unchanged"]) == (batch.merged, batch.unchanged)
    errors = sum(p["rows"] for p in first["report"]["by_code"] if p["severity"] == "error")
    assert first["report"]["problems"] == len(problems)
    assert errors == sum(1 for p in problems if p["tingkat"] == "error")
    assert all(p["alasan"] and p["reason"] for p in first["report"]["by_code"])
    assert first["report"]["csv"] == str(report)
    assert len(report.read_text(encoding="utf-8-sig").splitlines()) == len(problems) + 1
    assert again["status"] == "duplicate" and again["duplicate_of"] == first["batch_id"]
    assert again["batch_id"] > first["batch_id"] and again["imported"] == 0


def test_a_file_that_cannot_be_read_is_refused_with_the_commands_message(
    registry, registry_service, amqp_uri, tmp_path
):
    empty = tmp_path / "kosong.csv"
    empty.write_bytes(b"")
    binary = tmp_path / "foto.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)

    with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as rpc:
        blank = rpc.registry.start_import("p3ke", str(empty), "op")
        image = rpc.registry.start_import("p3ke", str(binary), "op")
        missing = rpc.registry.start_import("p3ke", str(tmp_path / "tidak-ada.csv"), "op")
        unknown = rpc.registry.start_import("bansos", str(empty), "op")

    assert blank == {
        "error": "refused",
        "code": "unreadable_file",
        "message": "File kosong / file is empty",
    }
    assert image["code"] == "unreadable_file" and "binary data" in image["message"]
    assert missing["code"] == "unreadable_file" and "no such file" in missing["message"]
    assert unknown["error"] == "invalid" and "source" in unknown["fields"]
    assert scalar(registry, "SELECT count(*) FROM import_batches") == 0


def test_an_xlsx_is_found_by_its_batch_too(registry, tmp_path):
    path = tmp_path / "p3ke.xlsx"
    manifest = synthetic.write_file("p3ke", 20, path, seed=52)

    summary = child_process.start("p3ke", str(path), "operator-sari")

    assert summary["imported"] == manifest.valid_rows
    assert summary["batch_id"] == scalar(registry, "SELECT max(id) FROM import_batches")
    assert scalar(registry, "SELECT actor FROM import_batches") == "operator-sari"


def test_an_actor_that_looks_like_an_option_is_kept_as_given(registry, tmp_path):
    path = tmp_path / "pmks.csv"
    synthetic.write_file("pmks", 5, path, seed=53)

    summary = child_process.start("pmks", str(path), "--report=/tmp/x")

    assert summary["status"] == "completed"
    assert scalar(registry, "SELECT actor FROM import_batches") == "--report=/tmp/x"
    try:
        child_process.start("pmks", "--help", "op")  # a file named so, not the option
    except Refused as refused:
        assert refused.code == "unreadable_file"
    else:
        raise AssertionError("a path that looks like an option was not refused as a file")


def test_the_service_keeps_answering_while_an_import_runs(
    registry, registry_service, amqp_uri, tmp_path
):
    path = tmp_path / "dtsen.csv"
    synthetic.write_file("dtsen", 3000, path, seed=54)
    finished: dict[str, float] = {}

    def run_import() -> None:
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as rpc:
            finished["summary"] = rpc.registry.start_import("dtsen", str(path), "op")
        finished["at"] = time.monotonic()

    importing = threading.Thread(target=run_import)
    importing.start()
    time.sleep(0.3)  # the import process is starting or running
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as rpc:
        answer = rpc.registry.get_household(1)
        answered = time.monotonic()
    importing.join(120)

    assert answer == {"error": "not_found"} or answer["household"]["id"] == 1
    assert answered < finished["at"]
    assert finished["summary"]["imported"] > 9000
