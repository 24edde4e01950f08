"""Entry points of an import: a file from the CLI or a subprocess; the row report as CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from services.registry.domain.import_problems import PROBLEMS
from services.registry.domain.import_summary import Summary
from services.registry.domain.sources import FORMATS
from services.registry.use_cases.importing import files, runs
from services.registry.use_cases.importing.files import UnreadableFile
from services.registry.use_cases.importing.loading import Importer, Progress
from sipmas import db

__all__ = ["UnreadableFile", "import_file", "write_report"]


def import_file(
    source: str,
    path: Path,
    actor: str,
    progress: Progress | None = None,
    filename: str | None = None,
    run_id: int | None = None,
) -> Summary:
    """Import one export into the registry; :class:`UnreadableFile` when it cannot be read.
    ``run_id``: a background run (``runs.begin``) whose id the batch takes and whose page
    follows it; the run records the outcome, a failure too."""
    tracker = runs.Tracker(run_id) if run_id is not None else None
    try:
        summary = _import(source, Path(path), actor, progress, filename, tracker, run_id)
    except UnreadableFile as error:
        if run_id is not None:
            runs.fail(run_id, (error.message_id, error.message_en))
        raise
    except BaseException:
        if run_id is not None:
            runs.fail(run_id, ("Impor gagal; tidak ada yang berubah", "the import failed"))
        raise
    finally:
        if tracker is not None:
            tracker.close()
    if run_id is not None:
        runs.finish(run_id, summary.status, summary.batch_id)
    return summary


def _import(source, path, actor, progress, filename, tracker, run_id) -> Summary:
    if source not in FORMATS:
        raise UnreadableFile(f"Sumber tidak dikenal: {source}", f"unknown source: {source}")
    if not path.exists():
        raise UnreadableFile(f"File tidak ada: {path}", f"no such file: {path}")
    converted = files.xlsx_to_csv(path) if files.is_xlsx(path) else None
    if tracker is not None:
        tracker.file_rows(converted or path)
    connection = db.engine("registry").raw_connection()
    try:
        importer = Importer(connection, progress, tracker=tracker, batch_id=run_id)
        return importer.import_file(source, converted or path, actor, filename or path.name)
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()
        if converted:
            converted.unlink(missing_ok=True)


def problem_rows(batch_id: int, offset: int = 0, limit: int | None = None) -> list[dict]:
    """The row report of a batch: every problem with its row, column and reason in id and en
    (a page of it: ``offset``, ``limit``)."""
    connection = db.engine("registry").raw_connection()
    try:
        cur = connection.cursor()
        cur.execute(
            "SELECT row_no, column_name, code, severity, value FROM import_problems "
            "WHERE batch_id = %s ORDER BY row_no, severity, column_name OFFSET %s LIMIT %s",
            (batch_id, offset, limit),
        )
        rows = cur.fetchall()
    finally:
        connection.close()
    return [
        {
            "baris": row_no,
            "kolom": column or "",
            "kode": code,
            "tingkat": severity,
            "nilai": value or "",
            "alasan": PROBLEMS[code].id,
            "reason": PROBLEMS[code].en,
        }
        for row_no, column, code, severity, value in rows
    ]


def write_report(batch_id: int, out: Path) -> int:
    rows = problem_rows(batch_id)
    with open(out, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(
            handle,
            ["baris", "kolom", "kode", "tingkat", "nilai", "alasan", "reason"],
            delimiter=";",
        )
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def list_batches(limit: int = 50) -> list[dict]:
    """The latest imports with their counts, newest first."""
    connection = db.engine("registry").raw_connection()
    try:
        cur = connection.cursor()
        cur.execute(
            "SELECT id, source, filename, status, actor, started_at, finished_at, rows_read, "
            "imported, merged, unchanged, rejected, households_registered, duplicate_of "
            "FROM import_batches ORDER BY id DESC LIMIT %s",
            (min(limit, 500),),
        )
        names = [c.name for c in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        connection.close()
    for row in rows:
        for key in ("started_at", "finished_at"):
            row[key] = row[key] and row[key].isoformat()
    return rows


SUMMARY_COLUMNS = (
    "rows_read",
    "imported",
    "merged",
    "unchanged",
    "rejected",
    "households_registered",
    "households_merged",
)


def import_status(batch_id: int, offset: int = 0, limit: int = 200) -> dict | None:
    """An import as its page shows it: where a background run stands (``runs``), and once its
    batch is committed the summary and a page of the row report; None when nothing has the id."""
    run = runs.status(batch_id)
    batch = _batch(batch_id)
    if run is None and batch is None:
        return None
    found: dict = run or {
        "batch_id": batch_id,
        "source": batch["source"],
        "filename": batch["filename"],
        "actor": batch["actor"],
        "status": batch["status"],
        "progress": None,
        "error": None,
    }
    if batch is not None and batch["status"] in ("completed", "duplicate"):
        total, warned = _problem_counts(batch_id)
        found["summary"] = {**{c: batch[c] for c in SUMMARY_COLUMNS}, "warnings": warned}
        found["duplicate_of"] = batch["duplicate_of"]
        found["problems_total"] = total
        found["problems"] = problem_rows(batch_id, offset, limit)
    else:
        found.update(summary=None, duplicate_of=None, problems_total=0, problems=[])
    return found


def _batch(batch_id: int) -> dict | None:
    connection = db.engine("registry").raw_connection()
    try:
        cur = connection.cursor()
        cur.execute("SELECT * FROM import_batches WHERE id = %s", (batch_id,))
        row = cur.fetchone()
        names = [c.name for c in cur.description]
    finally:
        connection.close()
    return dict(zip(names, row, strict=True)) if row else None


def _problem_counts(batch_id: int) -> tuple[int, int]:
    """The batch's problems, and the rows kept with a warning."""
    connection = db.engine("registry").raw_connection()
    try:
        cur = connection.cursor()
        cur.execute(
            "SELECT count(*), count(DISTINCT row_no) FILTER (WHERE severity = 'warning') "
            "FROM import_problems WHERE batch_id = %s",
            (batch_id,),
        )
        return cur.fetchone()
    finally:
        connection.close()
