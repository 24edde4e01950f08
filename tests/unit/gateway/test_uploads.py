"""Files judged by their content, size limits, the upload store, and the rate limiter."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from services.gateway.domain import errors
from services.gateway.domain.ratelimit import RateLimiter
from services.gateway.use_cases import uploads

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


def xlsx_bytes() -> bytes:
    book = Workbook()
    book.active.append(["NIK", "NAMA"])
    book.active.append(["6408044508850003", "SITI"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bytes(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"NIK;NAMA;KODE_DESA\r\n6408044508850003;SITI;64.08.04.2001\r\n",
        b"\xef\xbb\xbfnik,nama\n6408044508850003,SITI\n",  # UTF-8 with a BOM
        "NIK\tNAMA\n6408044508850003\tJOS\u00c9\n".encode("cp1252"),  # Windows-1252
        b"NIK|NAMA\n1|ANDI\n",
        ("NIK,NAMA\n" + "6408044508850003,SITI\n" * 20000).encode(),  # a sample cut mid-file
    ],
)
def test_a_csv_is_text_with_a_delimiter(data):
    assert uploads.import_type(io.BytesIO(data)) == uploads.CSV


def test_an_xlsx_is_a_zip_with_a_workbook():
    assert uploads.import_type(io.BytesIO(xlsx_bytes())) == uploads.XLSX


@pytest.mark.parametrize(
    "data",
    [
        PNG,  # a PNG named dtsen.csv
        JPEG,
        PDF,
        zip_bytes(["word/document.xml"]),  # a .docx is a zip too, without a workbook
        b"PK\x03\x04 not really a zip",
        b"just one column of text\nand nothing to split it\n",  # no delimiter
        b"NIK;NAMA\n\x00\x01\x02binary",  # NUL bytes: not text
        b"NIK;NAMA\n\x81\x8d\x8f",  # neither UTF-8 nor Windows-1252
        b"",
    ],
)
def test_anything_else_is_refused_415_naming_the_file(data):
    with pytest.raises(errors.ApiError) as refused:
        uploads.import_type(io.BytesIO(data))
    assert refused.value.status == 415 and list(refused.value.fields) == ["file"]


def test_the_stream_is_rewound_after_judging():
    stream = io.BytesIO(xlsx_bytes())
    uploads.import_type(stream)
    assert stream.tell() == 0


@pytest.mark.parametrize(
    ("data", "allowed", "expected"),
    [
        (JPEG, uploads.PHOTO_TYPES, "image/jpeg"),
        (PNG, uploads.PHOTO_TYPES, "image/png"),
        (PDF, uploads.EVIDENCE_TYPES, "application/pdf"),
        (PNG, uploads.EVIDENCE_TYPES, "image/png"),
    ],
)
def test_photos_and_evidence_by_their_first_bytes(data, allowed, expected):
    assert uploads.file_type(data, "rumah", allowed) == expected


@pytest.mark.parametrize(
    ("data", "allowed"),
    [
        (PDF, uploads.PHOTO_TYPES),  # a document is not a photo
        (b"GIF89a....", uploads.PHOTO_TYPES),
        (b"NIK;NAMA\n", uploads.EVIDENCE_TYPES),
        (xlsx_bytes(), uploads.EVIDENCE_TYPES),
    ],
)
def test_other_photos_and_evidence_are_refused_naming_the_part(data, allowed):
    with pytest.raises(errors.ApiError) as refused:
        uploads.file_type(data, "rumah", allowed)
    assert refused.value.status == 415 and list(refused.value.fields) == ["rumah"]


def test_a_file_over_its_limit_is_413_naming_it():
    assert uploads.read_limited(io.BytesIO(JPEG), "rumah", limit=len(JPEG)) == JPEG
    with pytest.raises(errors.ApiError) as refused:
        uploads.read_limited(io.BytesIO(JPEG + b"x"), "rumah", limit=len(JPEG))
    assert refused.value.status == 413 and list(refused.value.fields) == ["rumah"]


def test_request_limits_per_kind_of_body(monkeypatch):
    monkeypatch.setenv("SIPMAS_GATEWAY_MAX_IMPORT_MB", "2")
    assert uploads.request_max_bytes(None) == uploads.MB
    assert uploads.request_max_bytes("import") == 3 * uploads.MB
    assert uploads.request_max_bytes("evidence") == 11 * uploads.MB
    assert uploads.request_max_bytes("visit") == uploads.MAX_PHOTOS * 10 * uploads.MB + uploads.MB


def test_the_store_is_content_addressed(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SIPMAS_UPLOAD_ROOT", str(tmp_path))
    first = uploads.store(io.BytesIO(b"NIK;NAMA\n1;A\n"))
    again = uploads.store(io.BytesIO(b"NIK;NAMA\n1;A\n"))
    assert first == again
    assert first.path == (tmp_path / first.sha256[:2] / first.sha256).resolve()
    assert first.path.read_bytes() == b"NIK;NAMA\n1;A\n" and first.size == 13
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [first.sha256]  # no temp left


def test_the_store_refuses_past_its_limit_and_keeps_nothing(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SIPMAS_UPLOAD_ROOT", str(tmp_path))
    with pytest.raises(errors.ApiError) as refused:
        uploads.store(io.BytesIO(b"x" * 100), limit=99)
    assert refused.value.status == 413
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_an_upload_keeps_its_name_beside_its_hash(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SIPMAS_UPLOAD_ROOT", str(tmp_path))
    stored = uploads.store(io.BytesIO(b"NIK;NAMA\n1;A\n"))
    named = uploads.named(stored, "../../DTSEN Kaliorang 2025.csv")
    assert named.name == "DTSEN_Kaliorang_2025.csv"  # no path can be smuggled in
    assert named.parent.parent == stored.path.parent
    assert named.read_bytes() == stored.path.read_bytes()
    assert uploads.named(stored, "").name == stored.sha256


# --- the rate limit -----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_gets_its_rate_then_waits():
    clock = Clock()
    limiter = RateLimiter(60, clock)  # one a second, bursts of 60
    assert all(limiter.take("a") is None for _ in range(60))
    assert limiter.take("a") == 1
    assert limiter.take("b") is None  # another token has its own bucket
    clock.now += 1.0
    assert limiter.take("a") is None
    assert limiter.take("a") == 1


def test_retry_after_says_when_the_next_request_passes():
    clock = Clock()
    limiter = RateLimiter(2, clock)  # one every 30 seconds
    assert limiter.take("a") is None and limiter.take("a") is None
    assert limiter.take("a") == 30
    clock.now += 29.0
    assert limiter.take("a") == 1
    clock.now += 1.0
    assert limiter.take("a") is None


def test_idle_buckets_are_forgotten_when_there_are_too_many(monkeypatch):
    monkeypatch.setattr("services.gateway.domain.ratelimit.MAX_BUCKETS", 3)
    clock = Clock()
    limiter = RateLimiter(60, clock)
    for key in "abc":
        limiter.take(key)
    clock.now += 120.0  # all full again
    limiter.take("d")
    assert set(limiter.buckets) == {"d"}
