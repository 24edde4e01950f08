"""Entry points of an import: a file from the CLI or a subprocess; the row report as CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from services.registry.domain.import_problems import PROBLEMS
from services.registry.domain.import_summary import Summary
from services.registry.domain.sources import FORMATS
from services.registry.use_cases.importing import files
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
) -> Summary:
    """Import one export into the registry; :class:`UnreadableFile` when it cannot be read."""
    if source not in FORMATS:
        raise UnreadableFile(f"Sumber tidak dikenal: {source}", f"unknown source: {source}")
    path = Path(path)
    if not path.exists():
        raise UnreadableFile(f"File tidak ada: {path}", f"no such file: {path}")
    converted = files.xlsx_to_csv(path) if files.is_xlsx(path) else None
    connection = db.engine("registry").raw_connection()
    try:
        importer = Importer(connection, progress)
        return importer.import_file(source, converted or path, actor, filename or path.name)
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()
        if converted:
            converted.unlink(missing_ok=True)


def problem_rows(batch_id: int) -> list[dict]:
    """The row report of a batch: every problem with its row, column and reason in id and en."""
    connection = db.engine("registry").raw_connection()
    try:
        cur = connection.cursor()
        cur.execute(
            "SELECT row_no, column_name, code, severity, value FROM import_problems "
            "WHERE batch_id = %s ORDER BY row_no, severity, column_name",
            (batch_id,),
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
