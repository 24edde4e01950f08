"""Reading an export as people make it: CSV (comma, semicolon or tab; UTF-8 with or without BOM
or Windows-1252; any line ends) or XLSX.

The fast path hands the bytes after the header straight to PostgreSQL's COPY. A file whose rows
do not all have the header's number of fields (COPY refuses the whole file) is re-read here with
the csv module: the broken rows are reported and every other row still loads.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from services.registry.domain.sources import SourceFormat, normalise_header

SNIFF_BYTES = 1 << 20
DELIMITERS = (";", ",", "\t", "|")


class UnreadableFile(Exception):
    """The file as a whole cannot be imported; the message says why (Indonesian / English)."""

    def __init__(self, message_id: str, message_en: str):
        super().__init__(f"{message_en} / {message_id}")
        self.message_id = message_id
        self.message_en = message_en


@dataclass
class FileShape:
    """What the reader learnt of a CSV file before loading it."""

    path: Path
    encoding: str  # a Python codec name: utf-8 | cp1252
    delimiter: str
    header: list[str]
    fields: list[str]  # canonical field per file column; ``x<n>`` for unknown columns
    data_offset: int  # byte offset of the first data row
    sha256: str
    unknown_headers: list[str] = field(default_factory=list)

    @property
    def pg_encoding(self) -> str:
        return {"utf-8": "UTF8", "cp1252": "WIN1252"}[self.encoding]

    def header_of(self, canonical: str) -> str:
        """The header as the file wrote it, for the row report."""
        for header, name in zip(self.header, self.fields, strict=True):
            if name == canonical:
                return header
        return canonical


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def inspect(path: Path, fmt: SourceFormat) -> FileShape:
    """Sniff encoding, delimiter and header; map the header onto ``fmt``'s columns."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as error:
        raise UnreadableFile(
            f"File tidak dapat dibaca: {error.strerror}", f"cannot read file: {error.strerror}"
        ) from error
    if not head.strip():
        raise UnreadableFile("File kosong", "file is empty")
    if b"\x00" in head:
        raise UnreadableFile(
            "Bukan file CSV atau XLSX (berisi data biner)", "not a CSV or XLSX file (binary data)"
        )
    bom = head.startswith(codecs.BOM_UTF8)
    encoding = "utf-8" if bom or _is_utf8(head) else "cp1252"
    start = len(codecs.BOM_UTF8) if bom else 0
    line_end = head.find(b"\n", start)
    header_bytes = head[start : line_end if line_end >= 0 else len(head)]
    header_line = header_bytes.decode(encoding, errors="replace").rstrip("\r")
    delimiter = max(DELIMITERS, key=header_line.count)
    try:
        header = next(csv.reader([header_line], delimiter=delimiter))
    except csv.Error as error:
        raise UnreadableFile(
            "Judul kolom (baris 1) tidak terbaca", f"header row (row 1) unreadable: {error}"
        ) from error
    fields, unknown = map_header(header, fmt)
    return FileShape(
        path=path,
        encoding=encoding,
        delimiter=delimiter,
        header=header,
        fields=fields,
        data_offset=(line_end + 1) if line_end >= 0 else len(head),
        sha256=sha256_of(path),
        unknown_headers=unknown,
    )


def map_header(header: list[str], fmt: SourceFormat) -> tuple[list[str], list[str]]:
    """Canonical field per column; refuses a file that lacks a required column."""
    known = fmt.header_map()
    fields: list[str] = []
    unknown: list[str] = []
    for position, name in enumerate(header, start=1):
        canonical = known.get(normalise_header(name))
        if canonical is None or canonical in fields:
            unknown.append(name)
            canonical = f"x{position}"
        fields.append(canonical)
    missing = [f for f in fmt.required if f not in fields and f not in ("kode_desa", "nama_desa")]
    has_place = any(f in fields for f in ("kode_desa", "nama_desa"))
    if missing or not has_place:
        wanted = [c.header for c in fmt.columns if c.field in missing]
        if not has_place:
            wanted.append("desa")
        raise UnreadableFile(
            f"Kolom wajib tidak ada: {', '.join(wanted)} (format {fmt.code})",
            f"required column(s) missing: {', '.join(wanted)} (format {fmt.code})",
        )
    return fields, unknown


def _is_utf8(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start > len(sample) - 4  # a character cut by the sample's end
    return True


def data_stream(shape: FileShape) -> io.BufferedReader:
    """The file's bytes after the header, for COPY."""
    handle = open(shape.path, "rb")  # noqa: SIM115 - the caller closes it
    handle.seek(shape.data_offset)
    return handle


def sanitised_rows(shape: FileShape) -> Iterator[tuple[int, list[str] | None]]:
    """(spreadsheet row number, fields) per record; fields is None for a structurally broken row.

    The header is row 1, so the first data row is row 2, as a spreadsheet shows it.
    """
    width = len(shape.header)
    with open(shape.path, encoding=shape.encoding, errors="replace", newline="") as handle:
        handle.seek(0)
        if shape.encoding == "utf-8" and handle.read(1) != "\ufeff":
            handle.seek(0)
        reader = csv.reader(handle, delimiter=shape.delimiter)
        next(reader, None)
        for row_no, row in enumerate(reader, start=2):
            if not row or row == [""]:
                continue
            yield row_no, (row if len(row) == width else None)


def xlsx_to_csv(path: Path) -> Path:
    """Write the first sheet of an XLSX as a UTF-8 ``;`` CSV beside a temp dir; return its path.

    Numbers keep what the cell holds (a NIK stored as a number shows its damage, as in Excel);
    dates become DD-MM-YYYY.
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not XLSX
        raise UnreadableFile(
            "File XLSX tidak dapat dibaca", f"cannot read XLSX file: {type(error).__name__}"
        ) from error
    sheet = book.worksheets[0]
    handle, name = tempfile.mkstemp(suffix=".csv", prefix="sipmas-xlsx-")
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        for row in sheet.iter_rows(values_only=True):
            writer.writerow([_cell_text(v) for v in row])
    book.close()
    return Path(name)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a NIK kept as a number: its lost digits show as zeros
    return str(value)


def is_xlsx(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"PK\x03\x04"
