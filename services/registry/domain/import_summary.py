"""The import summary as the operator reads it (Bahasa Indonesia, English beside it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.registry.domain.import_problems import PROBLEMS


@dataclass
class Summary:
    """What an import did, as the CLI prints it and ``import_completed`` carries it."""

    batch_id: int
    source: str
    filename: str
    status: str  # completed | duplicate
    rows_read: int = 0
    imported: int = 0
    merged: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    households_registered: int = 0
    households_merged: int = 0
    duplicate_of: int | None = None
    file_warnings: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def summary_text(s: Summary) -> str:
    if s.status == "duplicate":
        return (
            f"File ini sudah diimpor sebagai batch {s.duplicate_of}; tidak ada yang berubah.\n"
            f"This file was already imported as batch {s.duplicate_of}; nothing changed."
        )
    lines = [
        f"Batch {s.batch_id} ({s.source}, {s.filename})",
        f"  baris dibaca / rows read:        {s.rows_read:>9,}",
        f"  diimpor baru / imported:         {s.imported:>9,}",
        f"  digabung / merged:               {s.merged:>9,}",
        f"  tidak berubah / unchanged:       {s.unchanged:>9,}",
        f"  ditolak / rejected:              {s.rejected:>9,}",
        f"  dengan peringatan / warnings:    {s.warnings:>9,}",
        f"  rumah tangga baru / households registered: {s.households_registered:,}",
        f"  rumah tangga cocok / households matched:    {s.households_merged:,}",
    ]
    for warning in s.file_warnings:
        problem = PROBLEMS[warning["code"]]
        lines.append(f"  PERINGATAN FILE: {problem.id} [{warning.get('column', '')}]")
        lines.append(f"  FILE WARNING: {problem.en}")
    return "\n".join(lines)
