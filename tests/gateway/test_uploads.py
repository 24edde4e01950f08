"""Uploads through the running gateway: files judged by their content (not their name), size
limits answered 413 before anything is kept, and a CSV with broken rows imported with a report
that names every rejected row. The import limit is 1 MB here (``SIPMAS_GATEWAY_MAX_IMPORT_MB``).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from sipmas import evidence
from sipmas_cli import synthetic
from tests.gateway.support_http import (
    DESA_A,
    JPEG,
    PNG,
    People,
    imported,
    register,
    task_of,
    verified_household,
    visit_form,
    wait_until,
)

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"


@pytest.fixture(scope="module")
def gateway_env() -> dict[str, str]:
    return {"SIPMAS_GATEWAY_RATE_PER_MINUTE": "100000", "SIPMAS_GATEWAY_MAX_IMPORT_MB": "1"}


def stored_uploads(http_stores: dict[str, str]) -> list[Path]:
    return [p for p in Path(http_stores["SIPMAS_UPLOAD_ROOT"]).rglob("*") if p.is_file()]


def batches(people: People) -> list[int]:
    return [b["id"] for b in people["admin"].ok("GET", "/api/v1/imports")["imports"]]


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    if field is not None:
        assert field in error["fields"], error
    return error


# --- imports ------------------------------------------------------------------------------------


def test_a_png_named_csv_is_refused_by_its_content(people: People, http_stores):
    before = batches(people)
    response = people["admin"].post(
        "/api/v1/imports",
        data={"source": "dtsen"},
        files={"file": ("dtsen-kaliorang.csv", PNG + b"\x00" * 2048, "text/csv")},
    )
    assert_error(response, 415, "unsupported_media_type", "file")
    assert stored_uploads(http_stores) == []  # judged before it is kept
    assert batches(people) == before


def test_an_xlsx_imports_whatever_its_name(people: People, tmp_path: Path):
    path = tmp_path / "export.xlsx"
    synthetic.write_file("p3ke", 3, path, seed=41)
    response = people["admin"].post(
        "/api/v1/imports",
        data={"source": "p3ke"},
        files={"file": ("export-from-bappeda.bin", path.read_bytes(), "application/octet-stream")},
    )
    answer = imported(people["admin"], response)
    assert answer["status"] == "completed"
    assert answer["upload"]["content_type"].endswith("spreadsheetml.sheet")
    assert answer["upload"]["filename"] == "export-from-bappeda.bin.xlsx"
    assert answer["imported"] > 0 and answer["rejected"] == 0


def test_a_zip_that_is_not_a_workbook_is_refused(people: People):
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    response = people["admin"].post(
        "/api/v1/imports",
        data={"source": "dtsen"},
        files={"file": ("dtsen.xlsx", docx.getvalue())},
    )
    assert_error(response, 415, "unsupported_media_type", "file")


def test_an_import_over_the_limit_is_413_and_nothing_is_kept(people: People, http_stores):
    before = stored_uploads(http_stores)
    big = b"NIK;NAMA;KODE_DESA\r\n" + b"6408044508850003;SITI AMINAH;64.08.04.2001\r\n" * 40_000
    assert len(big) > 1.5 * (1 << 20)
    response = people["admin"].post(
        "/api/v1/imports", data={"source": "dtsen"}, files={"file": ("big.csv", big)}
    )
    error = assert_error(response, 413, "too_large")
    assert "MB" in error["message"]["en"]
    assert stored_uploads(http_stores) == before


def test_an_import_needs_a_known_source_and_a_file(people: People, tmp_path: Path):
    path = tmp_path / "p3ke.csv"
    synthetic.write_file("p3ke", 1, path, seed=3)
    no_source = people["admin"].post(
        "/api/v1/imports", data={"source": "bps"}, files={"file": ("p3ke.csv", path.read_bytes())}
    )
    assert_error(no_source, 422, "invalid", "source")
    no_file = people["admin"].post("/api/v1/imports", data={"source": "p3ke"}, files={"x": ""})
    assert no_file.status_code == 422
    as_json = people["admin"].post("/api/v1/imports", json={"source": "p3ke"})
    assert_error(as_json, 415, "unsupported_media_type")


def test_a_csv_with_broken_rows_is_imported_with_a_report_naming_the_rows(
    people: People, tmp_path: Path
):
    path = tmp_path / "p3ke-with-errors.csv"
    manifest = synthetic.write_file("p3ke", 30, path, seed=7, error_rate=0.15)
    assert manifest.errors and manifest.encoding
    text = path.read_bytes()
    newline = b"\r\n" if b"\r\n" in text else b"\n"
    lines = text.rstrip(newline).split(newline)
    broken_row = len(lines) + 1  # spreadsheet row of a line appended with too few fields
    text = newline.join([*lines, (manifest.delimiter or ";").encode() * 2 + b"PUTUS"]) + newline

    response = people["admin"].post(
        "/api/v1/imports",
        data={"source": "p3ke"},
        files={"file": ("P3KE Kutim (errors).csv", text, "text/csv")},
    )
    answer = imported(people["admin"], response)
    injected_rows = {e.row for e in manifest.errors}
    assert answer["rejected"] >= len(injected_rows) + 1
    assert answer["imported"] > 0  # the valid rows are not lost with the bad ones
    assert answer["upload"]["filename"] == "P3KE_Kutim_errors.csv"

    report = people["admin"].ok("GET", f"/api/v1/imports/{answer['batch_id']}")
    named = {p["baris"] for p in report["problems"] if p["tingkat"] == "error"}
    assert injected_rows | {broken_row} <= named
    for problem in report["problems"]:
        assert problem["alasan"] and problem["reason"]  # Indonesian and English


# --- photos and evidence ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def assigned(people: People) -> dict:
    """A task on the verifier's desk in area A."""
    return task_of(people["verifier"], register(people["admin"], DESA_A))


def test_a_photo_that_is_not_an_image_is_415_naming_its_part(people: People, assigned: dict):
    data, files = visit_form()
    files["dapur"] = ("dapur.jpg", PDF, "image/jpeg")  # a document named like a photo
    response = people["verifier"].post(
        f"/api/v1/tasks/{assigned['task_id']}/visits", data=data, files=files
    )
    assert_error(response, 415, "unsupported_media_type", "dapur")
    tasks = people["verifier"].ok("GET", "/api/v1/tasks", params={"state": "assigned"})["tasks"]
    assert assigned["task_id"] in {t["task_id"] for t in tasks}  # nothing was submitted


def test_a_photo_over_10_mb_is_413_naming_its_part(people: People, assigned: dict):
    data, files = visit_form()
    files["rumah"] = ("rumah.jpg", JPEG + b"\x00" * (10 * (1 << 20)), "image/jpeg")
    response = people["verifier"].post(
        f"/api/v1/tasks/{assigned['task_id']}/visits", data=data, files=files
    )
    assert_error(response, 413, "too_large", "rumah")


def test_photos_and_parts_must_name_each_other(people: People, assigned: dict):
    data, files = visit_form()
    files.pop("atap")
    files["selfie"] = ("selfie.png", PNG, "image/png")
    response = people["verifier"].post(
        f"/api/v1/tasks/{assigned['task_id']}/visits", data=data, files=files
    )
    error = assert_error(response, 422, "invalid")
    assert "selfie" in error["fields"] and "photos" in error["fields"]


def test_a_visit_with_photos_stores_them_by_content(people: People, assigned: dict):
    data, files = visit_form()
    files["lantai"] = ("lantai.png", PNG + b"lantai", "image/png")  # a PNG is a photo too
    response = people["verifier"].post(
        f"/api/v1/tasks/{assigned['task_id']}/visits", data=data, files=files
    )
    assert response.status_code == 201, response.text
    photos = {p["file"]: p["sha256"] for p in response.json()["photos"]}
    assert photos["lantai"] == hashlib.sha256(PNG + b"lantai").hexdigest()
    assert all(evidence.exists(sha) for sha in photos.values())


def test_evidence_is_judged_by_content_and_stored(people: People):
    household = verified_household(people, DESA_A)["household"]["household_id"]

    def perkim_referral():
        referrals = people["opd"].ok("GET", "/api/v1/referrals")["referrals"]
        return next((r for r in referrals if r["household"]["household_id"] == household), None)

    referral = wait_until(perkim_referral)["referral_id"]
    opd = people["opd"]
    not_evidence = opd.post(
        f"/api/v1/referrals/{referral}/status",
        data={"status": "completed"},
        files={"evidence": ("berita-acara.pdf", b"NIK;NAMA\n", "application/pdf")},
    )
    assert_error(not_evidence, 415, "unsupported_media_type", "evidence")
    opd.ok("POST", f"/api/v1/referrals/{referral}/status", json={"status": "accepted"})
    without = opd.post(f"/api/v1/referrals/{referral}/status", json={"status": "completed"})
    assert_error(without, 422, "invalid", "evidence_ref")  # completed needs evidence
    done = opd.post(
        f"/api/v1/referrals/{referral}/status",
        data={"status": "completed", "note": "rumah selesai dibangun"},
        files={"evidence": ("berita-acara.pdf", PDF, "application/pdf")},
    )
    assert done.status_code == 200, done.text
    assert done.json()["evidence_ref"] == hashlib.sha256(PDF).hexdigest()
    assert evidence.get(done.json()["evidence_ref"]) == PDF
    assert done.json()["state"] == "closed"


def test_staff_read_a_referral_list_by_each_households_head_and_address(people: People):
    task = verified_household(people, DESA_A)
    household = task["household"]
    shown = people["admin"].ok("GET", f"/api/v1/households/{household['household_id']}")

    def listed(role: str):
        referrals = people[role].ok("GET", "/api/v1/referrals?opd_code=perkim")["referrals"]
        return next((r for r in referrals if r["household_id"] == household["household_id"]), None)

    referral = wait_until(lambda: listed("supervisor"))
    home = referral["household"]
    assert home["head_name"] and home["head_name"] == household["head_name"]
    assert (home["desa_code"], home["alamat"]) == (DESA_A, shown["address"]["alamat"])
    assert home["member_count"] == len(shown["members"])
    assert not {"nik", "head_nik", "no_kk"} & set(home)  # what the list needs, no identity number
    assert listed("admin")["household"] == home
