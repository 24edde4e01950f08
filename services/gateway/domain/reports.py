"""A household report as the API answers it: the registry's counts request built from the query,
within the caller's area, and the counts as a spreadsheet opens them (CSV, NIKs masked)."""

from __future__ import annotations

import csv
import io
from typing import Any

from services.gateway.domain import policy

REPORT_FILTERS = (
    "extreme_poor",
    "verified",
    "status",
    "welfare_class",
    "source",
    "pmks",
    "kecamatan",
    "desa",
)


def counts_request(query: dict[str, Any], area: dict | None) -> dict[str, Any]:
    """The registry's ``household_counts`` request, within the caller's area."""
    return {
        "group_by": query["group_by"],
        "filter": {k: query[k] for k in REPORT_FILTERS if k in query},
        "at": iso(query["at"]),
        "zeros": query["zeros"],
        "scope": area,
    }


def counts_csv(report: dict[str, Any]) -> str:
    """The report as a spreadsheet opens it: one row per group, then the total (UTF-8, BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = []
    for group in report["group_by"]:
        columns.append(group)
        if group in ("kecamatan", "desa"):
            columns.append(f"{group}_name")
    writer.writerow([*columns, "count"])
    for row in report["rows"]:
        writer.writerow([_cell(row.get(c)) for c in columns] + [row["count"]])
    if columns:
        writer.writerow(["TOTAL", *[""] * (len(columns) - 1), report["total"]])
    else:
        writer.writerow([report["total"]])
    return "\ufeff" + policy.mask_text(out.getvalue())


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


PROBLEM_COLUMNS = ("baris", "kolom", "kode", "tingkat", "nilai", "alasan", "reason")


def problems_csv(problems: list[dict[str, Any]]) -> str:
    """An import's row report as a spreadsheet opens it (``;``, UTF-8 with BOM, NIKs masked):
    each problem with its row, column, code, severity, value and reason in both languages."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(PROBLEM_COLUMNS)
    for problem in problems:
        writer.writerow([_cell(problem.get(column)) for column in PROBLEM_COLUMNS])
    return "\ufeff" + policy.mask_text(out.getvalue())
