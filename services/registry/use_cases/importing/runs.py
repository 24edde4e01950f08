"""Imports that run in the background while people watch them (``import_runs``).

The gateway's upload must not hold a worker for a long import: ``begin`` records the run (its id
is the id its batch will have), starts ``sipmas import --run ID`` as its own OS process and
answers at once. The process reports on a connection of its own that commits each report
(:class:`Tracker`), so the page sees the rows move although the import is one transaction; the
outcome (completed, duplicate, or failed with the command's reason) is written when it ends.

Progress is told in rows: the rows of the file (``rows_total``), and ``rows_done``, the rows the
import has carried through its passes over them (reading them, checking them, storing them as
households and people, merging them), each pass weighing its share of the whole
(:data:`PASSES`); reading reports row by row, the set-based passes when each ends.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from eventlet.green import subprocess

from services.registry.use_cases.importing import files
from sipmas import db

log = logging.getLogger(__name__)

UNREADABLE = 2  # the command's exit code for a file it cannot read (``sipmas_cli.main``)
FAILED = "GAGAL / FAILED: "
REPORT_EVERY = 0.2  # seconds between two reports of the rows read (a stage change reports at once)
# The import's steps (``loading.Importer._step``) and how much of the whole work ends with each.
PASSES: dict[str, float] = {
    "copy": 0.20,
    "lookups": 0.25,
    "check": 0.40,
    "report": 0.45,
    "households": 0.60,
    "people": 0.80,
    "merge": 0.90,
    "events": 0.95,
    "count": 1.00,
}


def begin(source: str, path: str, actor: str, filename: str) -> dict[str, Any]:
    """Record the run and start its process; returns ``{"batch_id", "status"}`` at once."""
    connection = db.engine("registry").raw_connection()
    try:
        cur = connection.cursor()
        cur.execute("SELECT nextval(pg_get_serial_sequence('import_batches', 'id'))")
        run_id = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO import_runs (id, source, filename, actor, rows_total) "
            "VALUES (%s, %s, %s, %s, %s)",
            (run_id, source, filename, actor, _rows_in(Path(path))),
        )
        connection.commit()
    finally:
        connection.close()
    command = [sys.executable, "-m", "sipmas_cli", "import", "--source", source]
    command += [f"--actor={actor}", f"--run={run_id}", f"--filename={filename}", "--", path]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy()
    )
    return {"batch_id": run_id, "status": "running", "process": process}


def watch(run_id: int, process: Any) -> None:
    """Wait for the run's process (green: the service goes on) and record a failure it could
    not record itself (a file it cannot read, a crash)."""
    _, err = process.communicate()
    if process.returncode == 0:
        return
    if process.returncode == UNREADABLE:
        message = failure(err.decode("utf-8", "replace"))
    else:
        log.error("import run %s: process exited %s", run_id, process.returncode)
        message = ("Impor gagal; lihat log layanan registry", "the import failed; see the log")
    fail(run_id, message)


def finish(run_id: int, outcome: str, batch_id: int) -> None:
    """The import committed: ``completed`` or ``duplicate``, with its batch."""
    _finish(run_id, outcome, batch_id, None)


def fail(run_id: int, message: tuple[str, str]) -> None:
    """The import did not happen: why, in Indonesian and English (kept once: the first)."""
    _finish(run_id, "failed", None, message)


def status(run_id: int) -> dict[str, Any] | None:
    """The run as a page shows it, or None when there is no such run."""
    connection = db.engine("registry").raw_connection()
    try:
        cur = connection.cursor()
        cur.execute(
            "SELECT id, source, filename, actor, status, stage, rows_done, rows_total, batch_id, "
            "error_id, error_en, started_at, finished_at FROM import_runs WHERE id = %s",
            (run_id,),
        )
        row = cur.fetchone()
        names = [c.name for c in cur.description]
    finally:
        connection.close()
    if row is None:
        return None
    run = dict(zip(names, row, strict=True))
    return {
        "batch_id": run["batch_id"] or run["id"],
        "source": run["source"],
        "filename": run["filename"],
        "actor": run["actor"],
        "status": run["status"],
        "progress": {
            "stage": run["stage"],
            "rows_done": run["rows_done"],
            "rows_total": run["rows_total"],
        },
        "error": {"id": run["error_id"], "en": run["error_en"]} if run["error_id"] else None,
        "started_at": run["started_at"].isoformat(),
        "finished_at": run["finished_at"].isoformat() if run["finished_at"] else None,
    }


class Tracker:
    """The import process's reports on its run: stage changes at once, rows read at most every
    :data:`REPORT_EVERY` seconds, each committed on a connection of its own."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.connection = db.engine("registry").raw_connection()
        self.connection.dbapi_connection.autocommit = True  # each report is committed at once
        cur = self.connection.cursor()
        cur.execute("SELECT rows_total FROM import_runs WHERE id = %s", (run_id,))
        found = cur.fetchone()
        self.total = (found[0] if found else None) or 0
        self._done_before = 0.0  # the share of the work the finished passes hold
        self._reported = 0.0

    def file_rows(self, path: Path) -> None:
        """The rows of the file being read, when the run did not know them (an XLSX: known
        once it is converted)."""
        if self.total:
            return
        self.total = _rows_in(path) or 0
        self.connection.cursor().execute(
            "UPDATE import_runs SET rows_total = %s WHERE id = %s", (self.total, self.run_id)
        )

    def stage(self, name: str) -> None:
        """A step of the import begins: the steps before it are done."""
        order = list(PASSES)
        if name in PASSES and order.index(name) > 0:
            self._done_before = PASSES[order[order.index(name) - 1]]
        self._write(name, self._rows(self._done_before))

    def rows_read(self, count: int) -> None:
        """``count`` rows of the file have been read (the first pass)."""
        now = time.monotonic()
        if now - self._reported < REPORT_EVERY:
            return
        share = PASSES["copy"] * min(1.0, count / self.total) if self.total else 0.0
        self._write("copy", self._rows(share))
        self._reported = now

    def close(self) -> None:
        self.connection.close()

    def _rows(self, share: float) -> int:
        return round(self.total * share)

    def _write(self, stage: str, rows_done: int) -> None:
        self.connection.cursor().execute(
            "UPDATE import_runs SET stage = %s, rows_done = greatest(rows_done, %s), "
            "updated_at = now() WHERE id = %s",
            (stage, rows_done, self.run_id),
        )


def _finish(run_id: int, outcome: str, batch_id: int | None, message: tuple | None) -> None:
    connection = db.engine("registry").raw_connection()
    try:
        connection.cursor().execute(
            "UPDATE import_runs SET status = %s, stage = 'done', batch_id = %s, "
            "rows_done = CASE WHEN %s = 'failed' THEN rows_done "
            "ELSE coalesce(rows_total, rows_done) END, "
            "error_id = %s, error_en = %s, finished_at = now(), updated_at = now() "
            "WHERE id = %s AND status = 'running'",
            (outcome, batch_id, outcome, *(message or (None, None)), run_id),
        )
        connection.commit()
    finally:
        connection.close()


def _rows_in(path: Path) -> int | None:
    """The data rows of a CSV (its lines but the header); None for an XLSX (unknown until it is
    converted) or a file that cannot be read (the import says why)."""
    try:
        if files.is_xlsx(path):
            return None
        lines = 0
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                lines += chunk.count(b"\n")
            handle.seek(-1, os.SEEK_END)
            ends_open = handle.read(1) != b"\n"
        return max(0, lines + ends_open - 1)
    except OSError:
        return None


def failure(stderr: str) -> tuple[str, str]:
    """The command's message: Indonesian on the ``GAGAL / FAILED:`` line, English after it."""
    lines = stderr.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(FAILED):
            english = lines[index + 1].strip() if index + 1 < len(lines) else ""
            return line[len(FAILED) :], english or line[len(FAILED) :]
    return "File tidak dapat diimpor", "the file cannot be imported"
