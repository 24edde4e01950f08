"""The content-addressed store of evidence: photos, documents, uploaded files.

A file lives at ``<root>/<sha256[:2]>/<sha256>``; messages and RPC carry only its SHA-256 (nameko's
serializer is JSON, and a reference cannot be changed without changing its name). The same bytes
stored twice are one file. The root comes from ``SIPMAS_EVIDENCE_ROOT`` (a volume in containers).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from sipmas import settings

SHA256 = re.compile(r"^[0-9a-f]{64}$")

# Image formats a phone camera or the gateway may deliver, recognised by their first bytes.
IMAGE_SIGNATURES: tuple[tuple[str, int, bytes], ...] = (
    ("image/jpeg", 0, b"\xff\xd8\xff"),
    ("image/png", 0, b"\x89PNG\r\n\x1a\n"),
    ("image/webp", 8, b"WEBP"),
    ("image/heic", 4, b"ftypheic"),
    ("image/heic", 4, b"ftypheix"),
    ("image/heif", 4, b"ftypmif1"),
)


class NotStored(LookupError):
    """No file with this reference is in the store."""


def root() -> Path:
    return Path(settings.evidence_root())


def path_of(sha256: str) -> Path:
    if not SHA256.match(sha256):
        raise NotStored(sha256)
    return root() / sha256[:2] / sha256


def put(data: bytes) -> str:
    """Store ``data`` (atomically: a reader never sees half a file) and return its SHA-256."""
    sha = hashlib.sha256(data).hexdigest()
    target = path_of(sha)
    if target.exists():
        return sha
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
        tmp.write(data)
        tmp.flush()
        os.fsync(tmp.fileno())
    os.replace(tmp.name, target)
    return sha


def get(sha256: str) -> bytes:
    try:
        return path_of(sha256).read_bytes()
    except FileNotFoundError:
        raise NotStored(sha256) from None


def exists(sha256: str) -> bool:
    try:
        return path_of(sha256).is_file()
    except NotStored:
        return False


def image_type(sha256: str) -> str | None:
    """The image type of a stored file judged by its content, or None if it is not an image."""
    with path_of(sha256).open("rb") as handle:
        head = handle.read(16)
    return sniff_image(head)


def sniff_image(head: bytes) -> str | None:
    for mime, offset, signature in IMAGE_SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return mime
    return None
