"""What an uploaded file is, judged by its content, never by its name or declared type — and how
large a request and each file may be.

- An import is CSV (text that decodes as UTF-8 or Windows-1252, with a delimiter in its header
  line) or XLSX (a zip holding ``xl/workbook.xml``).
- A visit photo is JPEG or PNG; an agency's evidence also PDF.

Import files go to the upload store (``SIPMAS_UPLOAD_ROOT``, ``<root>/<sha256[:2]>/<sha256>``,
the layout of ``sipmas.evidence``), where the registry's importer reads them; photos and
evidence go to the evidence store (``sipmas.evidence.put``) and travel by their SHA-256.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from werkzeug.utils import secure_filename

from services.gateway.domain import errors
from sipmas import settings

MB = 1 << 20
JSON_MAX_BYTES = 1 * MB  # a JSON body, and the non-file fields of a form
FILE_MAX_BYTES = 10 * MB  # one photo, one evidence file
MAX_PHOTOS = 12  # per visit: the five required kinds, the optional ones, a few more
SNIFF_BYTES = 64 * 1024
DELIMITERS = (";", ",", "\t", "|")

# content type → (magic offset, magic bytes)
SIGNATURES: dict[str, tuple[int, bytes]] = {
    "image/jpeg": (0, b"\xff\xd8\xff"),
    "image/png": (0, b"\x89PNG\r\n\x1a\n"),
    "application/pdf": (0, b"%PDF-"),
    "application/zip": (0, b"PK\x03\x04"),
}
PHOTO_TYPES = ("image/jpeg", "image/png")
EVIDENCE_TYPES = ("image/jpeg", "image/png", "application/pdf")
CSV, XLSX = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def import_max_bytes() -> int:
    return int(float(settings.env("SIPMAS_GATEWAY_MAX_IMPORT_MB", "50")) * MB)


def upload_root() -> Path:
    return Path(settings.env("SIPMAS_UPLOAD_ROOT", "var/uploads"))


# Each kind of body an endpoint takes, and the most bytes its request may carry.
def request_max_bytes(body: str | None) -> int:
    if body == "import":
        return import_max_bytes() + JSON_MAX_BYTES
    if body == "visit":
        return MAX_PHOTOS * FILE_MAX_BYTES + JSON_MAX_BYTES
    if body in ("evidence", "photo"):
        return FILE_MAX_BYTES + JSON_MAX_BYTES
    return JSON_MAX_BYTES


# --- what a file is -----------------------------------------------------------------------------


def sniff(head: bytes) -> str | None:
    """The content type the first bytes declare (binary formats), else None."""
    for mime, (offset, magic) in SIGNATURES.items():
        if head[offset : offset + len(magic)] == magic:
            return mime
    return None


def text_encoding(head: bytes) -> str | None:
    """``utf-8`` or ``cp1252`` when ``head`` is text in one of them, else None."""
    if not head or b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start > len(head) - 4 and error.reason == "unexpected end of data":
            return "utf-8"  # a character cut by the sample's end
    try:
        text = head.decode("cp1252")
    except UnicodeDecodeError:
        return None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    return "cp1252" if controls == 0 else None


def is_csv(head: bytes) -> bool:
    """Text, and its first line holds a delimiter (a header of several columns)."""
    sample = head.removeprefix(codecs.BOM_UTF8)
    encoding = text_encoding(sample)
    if encoding is None:
        return False
    first = sample.split(b"\n", 1)[0].decode(encoding, errors="replace")
    return any(delimiter in first for delimiter in DELIMITERS)


def is_xlsx(handle: IO[bytes]) -> bool:
    """A zip archive holding a workbook (a .docx or a plain zip is not one)."""
    try:
        with zipfile.ZipFile(handle) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        handle.seek(0)


def import_type(handle: IO[bytes]) -> str:
    """``text/csv`` or the XLSX type; raises 415 naming ``file`` for anything else."""
    head = handle.read(SNIFF_BYTES)
    handle.seek(0)
    if sniff(head) == "application/zip" and is_xlsx(handle):
        return XLSX
    if sniff(head) is None and is_csv(head):
        return CSV
    raise errors.unsupported("file", "CSV (UTF-8/Windows-1252, with a delimiter) or XLSX")


def file_type(data: bytes, field: str, allowed: tuple[str, ...]) -> str:
    """The type of a photo or evidence file; 415 naming ``field`` unless it is ``allowed``."""
    mime = sniff(data[:16])
    if mime not in allowed:
        raise errors.unsupported(field, " or ".join(t.split("/")[1].upper() for t in allowed))
    return mime


def size_of(handle: IO[bytes]) -> int:
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    return size


def read_limited(handle: IO[bytes], field: str, limit: int = FILE_MAX_BYTES) -> bytes:
    """A file's bytes; 413 naming ``field`` when it is larger than ``limit``."""
    if size_of(handle) > limit:
        raise errors.too_large(limit, field)
    return handle.read()


# --- the upload store ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    sha256: str
    path: Path
    size: int


def store(handle: IO[bytes], limit: int | None = None) -> Stored:
    """Copy an upload into the store under its SHA-256 (atomically; the same bytes twice are
    one file); 413 when it is larger than ``limit``."""
    limit = import_max_bytes() if limit is None else limit
    root = upload_root()
    root.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(dir=root, delete=False, prefix=".upload-") as tmp:
        try:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                size += len(chunk)
                if size > limit:
                    raise errors.too_large(limit, "file")
                digest.update(chunk)
                tmp.write(chunk)
            tmp.flush()
            os.fsync(tmp.fileno())
        except BaseException:
            tmp.close()
            os.unlink(tmp.name)
            raise
    sha = digest.hexdigest()
    target = root / sha[:2] / sha
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp.name, target)
    return Stored(sha, target.resolve(), size)


SUFFIXES = {CSV: ".csv", XLSX: ".xlsx"}


def named(stored: Stored, filename: str | None, content_type: str | None = None) -> Path:
    """The stored file under the name it was uploaded with (a hard link beside it, so the
    import's batch records the user's file name while the bytes stay stored once). The suffix
    follows the content (readers go by it): ``export.bin`` holding a workbook is
    ``export.bin.xlsx``."""
    name = secure_filename(filename or "") or stored.sha256
    suffix = SUFFIXES.get(content_type or "")
    if suffix and not name.lower().endswith(suffix):
        name += suffix
    folder = stored.path.parent / f"{stored.sha256}.names"
    folder.mkdir(exist_ok=True)
    target = folder / name
    if not target.exists():
        try:
            os.link(stored.path, target)
        except FileExistsError:
            pass
        except OSError:  # a store that cannot link: the hash is the name
            return stored.path
    return target
