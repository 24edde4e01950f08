"""An import asked for over RPC runs exactly as ops run one: ``sipmas import`` in its own OS
process. COPY cannot run on a green (eventlet) connection, and a million-row import must not
stall the service's other workers; the service waits for the process without blocking
(``eventlet.green.subprocess``) and answers from the database, where the batch is the record.

The file must be readable by the registry's host (the gateway stores an upload, then passes its
path). A file that cannot be read comes back as a refusal with the command's own message.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from eventlet import tpool
from eventlet.green import subprocess

from services.registry.domain.import_problems import PROBLEMS
from services.registry.use_cases.importing import files, runs
from sipmas import db
from sipmas.refusals import Refused

log = logging.getLogger(__name__)


class ImportFailed(Exception):
    """The import process ended in an unexpected way (its log says why; never its rows)."""


def start(source: str, path: str, actor: str, report_path: str | None = None) -> dict[str, Any]:
    """Run ``sipmas import --source S --actor A PATH [--report R]`` and wait for it; the batch's
    summary and problem counts, or :class:`Refused` ``unreadable_file``."""
    file = Path(path)
    watermark = _last_batch_id()
    command = [sys.executable, "-m", "sipmas_cli", "import", "--source", source]
    command += [f"--actor={actor}"] + ([f"--report={report_path}"] if report_path else [])
    process = subprocess.Popen(
        [*command, "--", str(file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    _, err = process.communicate()
    if process.returncode == runs.UNREADABLE:
        raise Refused("unreadable_file", _failure(err.decode("utf-8", "replace")))
    if process.returncode != 0:
        log.error("import of a %s file by %s: process exited %s", source, actor, process.returncode)
        raise ImportFailed(f"import process exited {process.returncode}")
    batch = _batch(watermark, source, actor, file)
    if batch is None:
        raise ImportFailed("the import finished but its batch was not found")
    return {**batch, "report": _report(batch["batch_id"], report_path)}


def _failure(stderr: str) -> str:
    """The command's message (Indonesian, then English) as one line."""
    return " / ".join(dict.fromkeys(runs.failure(stderr)))


def _query(sql: str, params: tuple) -> list[dict[str, Any]]:
    connection = db.engine("registry").raw_connection()
    try:
        cur = connection.cursor()
        cur.execute(sql, params)
        names = [c.name for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        connection.close()


def _last_batch_id() -> int:
    return _query("SELECT coalesce(max(id), 0) AS id FROM import_batches", ())[0]["id"]


def _batch(watermark: int, source: str, actor: str, file: Path) -> dict[str, Any] | None:
    """The batch this run opened: the first after ``watermark`` of this source, actor and file
    name, with the file's SHA-256 (an XLSX is recorded by the SHA-256 of its CSV conversion,
    so for one the name decides)."""
    xlsx = files.is_xlsx(file)
    sha = None if xlsx else tpool.execute(files.sha256_of, file)  # off the hub: a big file
    rows = _query(
        "SELECT id AS batch_id, status, duplicate_of, rows_read, imported, merged, unchanged, "
        "rejected, households_registered, households_merged, file_warnings "
        "FROM import_batches WHERE id > %s AND source = %s AND actor = %s AND filename = %s "
        "AND (%s OR file_sha256 = %s) ORDER BY id LIMIT 1",
        (watermark, source, actor, file.name, xlsx, sha),
    )
    return rows[0] if rows else None


def _report(batch_id: int, report_path: str | None) -> dict[str, Any]:
    """The row report in short: problems per code (every row: the ``import_report`` RPC, or
    the CSV at ``report_path`` when one was asked for)."""
    by_code = _query(
        "SELECT code, severity, count(*) AS rows FROM import_problems WHERE batch_id = %s "
        "GROUP BY code, severity ORDER BY severity, count(*) DESC, code",
        (batch_id,),
    )
    return {
        "csv": report_path,
        "problems": sum(p["rows"] for p in by_code),
        "by_code": [
            {**p, "alasan": PROBLEMS[p["code"]].id, "reason": PROBLEMS[p["code"]].en}
            for p in by_code
        ],
    }
