"""Photos and evidence files as a page shows them: the stored file, or a small JPEG of a photo.

A thumbnail is made once (off the eventlet hub: resizing is CPU work) and kept beside the
evidence store, named by the photo's SHA-256 and its size; the original is never changed.
"""

from __future__ import annotations

import io
from pathlib import Path

from eventlet import tpool
from PIL import Image, ImageOps

from sipmas import evidence

SIZES = {"thumb": 320, "full": None}  # the longest side in pixels; None: the stored file
QUALITY = 70


def photo(sha256: str, size: str = "full") -> tuple[bytes, str]:
    """The photo's bytes and media type at ``size`` (``thumb`` or ``full``)."""
    if SIZES.get(size) is None:
        return evidence.get(sha256), evidence.image_type(sha256) or "application/octet-stream"
    cached = _thumb_path(sha256, size)
    if not cached.exists():
        original = evidence.get(sha256)
        try:
            data = tpool.execute(_shrink, original, SIZES[size])
        except (OSError, ValueError, Image.DecompressionBombError):  # not an image PIL reads
            return original, evidence.image_type(sha256) or "application/octet-stream"
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(cached)  # whole or not at all, whoever asks at the same time
    return cached.read_bytes(), "image/jpeg"


def stored(sha256: str) -> tuple[bytes, str]:
    """An evidence file as it was stored (a photo, a PDF)."""
    data = evidence.get(sha256)
    kind = evidence.image_type(sha256) or ("application/pdf" if data[:5] == b"%PDF-" else None)
    return data, kind or "application/octet-stream"


def _thumb_path(sha256: str, size: str) -> Path:
    return evidence.root() / "thumbs" / size / sha256[:2] / f"{sha256}.jpg"


def _shrink(data: bytes, longest: int) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail((longest, longest))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=QUALITY, optimize=True)
        return out.getvalue()
