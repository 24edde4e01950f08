"""The field app's sync API over HTTP against the running system, as a phone uses it: a device
credential that outlives the browser session and opens the sync endpoints only; tasks with what
the visit needs and no NIK; photos kept once by their hash, a cut upload leaving nothing; a
visit recorded once however often it is sent, late when its task moved on meanwhile; the NIK
typed at the door checked and kept nowhere; the phone's clock and place judged.

The browser's side (the service worker, the outbox, offline days) is ``tests/browser``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import socket
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from tests.gateway.conftest import rows
from tests.gateway.support_http import (
    DESA_C,
    JPEG,
    People,
    System,
    _staff_known,
    field_visit,
    members,
    wait_until,
)
from tests.gateway.support_sessions import Browser, error_code, person

PASSWORD = "sawit-manis-2026"
DEVICE = {"X-Sipmas-Device": "1"}


@pytest.fixture(scope="module")
def verifier(system: System) -> str:
    """A verifier of desa Teluk Lingga (no other verifier works there in these tests)."""
    name = person("lapangan-ani", "verifier", PASSWORD, desa_codes=[DESA_C], name="Ani")
    wait_until(lambda: _staff_known([name]))
    return name


def phone(system: System, username: str) -> Browser:
    """A phone signed in once online, holding its sync credential; its browser session then
    forgotten, as after a day offline."""
    device = Browser(system.url)
    assert device.sign_in(username, PASSWORD).status_code == 200
    issued = device.post("/api/v1/sync/credential")
    assert issued.status_code == 201, issued.text
    forget(device, "sipmas_session")
    return device


def forget(device: Browser, name: str) -> None:
    """The browser loses a cookie (the session ended while the phone was offline)."""
    for cookie in list(device.http.cookies):
        if cookie.name == name:
            device.http.cookies.clear(cookie.domain, cookie.path, cookie.name)
    if name == "sipmas_session":
        device.csrf = None


def household_task(people: People, device: Browser) -> tuple[int, dict, list[dict]]:
    """A household registered in Teluk Lingga: its task as the phone takes it, its members."""
    family = members(DESA_C)
    registered = people["admin"].ok("POST", "/api/v1/households", json={"members": family})
    household = registered["household_ids"][0]

    def on_the_phone():
        tasks = device.get("/api/v1/sync/tasks").json()["tasks"]
        return next((t for t in tasks if t["household"]["household_id"] == household), None)

    return household, wait_until(on_the_phone), family


def send_photos(device: Browser, photos: dict[str, bytes]) -> None:
    for sha, data in photos.items():
        sent = device.request(
            "PUT",
            f"/api/v1/sync/uploads/{sha}",
            data=data,
            headers={**DEVICE, "Content-Type": "image/jpeg"},
        )
        assert sent.status_code in (200, 201), sent.text


def sealed(device: Browser, typed: str) -> dict[str, str]:
    """The NIK as the phone keeps it: encrypted with the server's key (Web Crypto's RSA-OAEP)."""
    key = device.get("/api/v1/sync/key").json()
    public = serialization.load_der_public_key(base64.b64decode(key["spki"]))
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    ciphertext = public.encrypt(typed.encode(), oaep)
    return {"key_id": key["key_id"], "ciphertext": base64.b64encode(ciphertext).decode()}


def supervisor_view(people: People, task_id: int) -> dict:
    return people["supervisor"].ok("GET", f"/api/v1/tasks/{task_id}")


# --- the device's credential ----------------------------------------------------------------


def test_the_device_credential_outlives_the_session_and_opens_only_the_sync(
    system: System, verifier: str
):
    device = Browser(system.url)
    device.sign_in(verifier, PASSWORD)
    issued = device.post("/api/v1/sync/credential")
    assert issued.status_code == 201 and issued.json()["days"] == 14
    cookie = issued.headers["Set-Cookie"]
    for attribute in ("sipmas_sync=", "HttpOnly", "SameSite=Strict", "Path=/api/v1"):
        assert attribute in cookie
    assert "Max-Age=1209600" in cookie  # 14 days
    secret = device.http.cookies.get("sipmas_sync")
    stored = rows(
        system_engine(), "SELECT sha256 FROM sync_credentials WHERE username = :u", u=verifier
    )
    assert stored and secret not in str(stored)  # only its SHA-256 is kept

    forget(device, "sipmas_session")  # the session is gone
    assert device.get("/api/v1/sync/tasks").status_code == 200
    assert error_code(device.get("/api/v1/tasks")) == "unauthenticated"  # nothing else opens
    assert device.get("/api/v1/me").status_code == 401
    forged = device.post("/api/v1/sync/visits", json={})  # without the app's header
    assert forged.status_code == 403 and error_code(forged) == "csrf"


def test_sign_out_and_an_admin_end_a_devices_credential(
    system: System, people: People, verifier: str
):
    device = Browser(system.url)
    device.sign_in(verifier, PASSWORD)
    device.post("/api/v1/sync/credential")
    old = device.http.cookies.get("sipmas_sync")
    assert device.delete("/api/v1/session").status_code == 204
    assert device.http.cookies.get("sipmas_sync") is None  # the browser dropped it
    replayed = Browser(system.url)
    replayed.http.cookies.set("sipmas_sync", old, path="/api/v1")
    refused = replayed.get("/api/v1/sync/tasks")
    assert refused.status_code == 401 and error_code(refused) == "device_signed_out"
    assert "masuk lagi" in refused.json()["error"]["message"]["id"]

    later = phone(system, verifier)  # its browser session ended meanwhile
    held = later.http.cookies.get("sipmas_sync")
    assert later.request("DELETE", "/api/v1/sync/credential", headers=DEVICE).status_code == 204
    assert later.http.cookies.get("sipmas_sync") is None
    replayed.http.cookies.set("sipmas_sync", held, path="/api/v1")
    assert error_code(replayed.get("/api/v1/sync/tasks")) == "device_signed_out"

    again = phone(system, verifier)
    assert again.get("/api/v1/sync/tasks").status_code == 200
    people["admin"].ok("DELETE", f"/api/v1/users/{verifier}/sync-credentials")
    assert error_code(again.get("/api/v1/sync/tasks")) == "device_signed_out"


# --- taking the work along ----------------------------------------------------------------------


def test_tasks_carry_what_the_visit_needs_and_no_nik(system: System, people: People, verifier):
    device = phone(system, verifier)
    household, task, family = household_task(people, device)

    home = task["household"]
    assert home["desa_name"] == "Teluk Lingga" and home["rt"] == "003" and home["rw"] == "001"
    assert [(m["name"], m["relation"], m["sex"]) for m in home["members"]] == [
        (f["nama"], relation, f["jenis_kelamin"])
        for f, relation in zip(family, ("kepala", "pasangan", "anak"), strict=True)
    ]
    assert all(isinstance(m["age"], int) for m in home["members"])
    answer = device.get("/api/v1/sync/tasks")
    assert answer.headers["Cache-Control"] == "no-store"
    assert not re.search(r"\d{16}", answer.text)  # no NIK, no No. KK, in any field
    assert answer.json()["questionnaire"]["fields"] and answer.json()["key"]["spki"]


# --- photos -------------------------------------------------------------------------------------


def test_a_photo_is_stored_once_and_a_cut_upload_leaves_nothing(system: System, verifier: str):
    device = phone(system, verifier)
    data = JPEG + uuid.uuid4().bytes * 500
    sha = hashlib.sha256(data).hexdigest()
    path = f"/api/v1/sync/uploads/{sha}"
    image = {**DEVICE, "Content-Type": "image/jpeg"}

    _cut_upload(system, device, path, data)
    assert device.request("HEAD", path).status_code == 404  # half a photo is no photo
    assert device.request("PUT", path, data=data[:-1], headers=image).status_code == 422
    assert device.request("HEAD", path).status_code == 404

    first = device.request("PUT", path, data=data, headers=image)
    again = device.request("PUT", path, data=data, headers=image)
    assert (first.status_code, first.json()["stored"]) == (201, "new")
    assert (again.status_code, again.json()["stored"]) == (200, "already")
    assert device.request("HEAD", path).status_code == 200
    not_an_image = b"%PDF-1.4 " + uuid.uuid4().bytes
    pdf = device.request(
        "PUT",
        f"/api/v1/sync/uploads/{hashlib.sha256(not_an_image).hexdigest()}",
        data=not_an_image,
        headers=image,
    )
    assert pdf.status_code == 415


def _cut_upload(system: System, device: Browser, path: str, data: bytes) -> None:
    """The connection dies halfway through the photo's bytes."""
    where = urlsplit(system.url)
    cookie = device.http.cookies.get("sipmas_sync")
    head = (
        f"PUT {path} HTTP/1.1\r\nHost: {where.netloc}\r\nContent-Type: image/jpeg\r\n"
        f"Content-Length: {len(data)}\r\nCookie: sipmas_sync={cookie}\r\n"
        "X-Sipmas-Device: 1\r\n\r\n"
    ).encode()
    with socket.create_connection((where.hostname, where.port), timeout=10) as raw:
        raw.sendall(head + data[: len(data) // 2])


# --- visits -------------------------------------------------------------------------------------


def test_a_visit_is_recorded_once_however_often_it_is_sent(
    system: System, people: People, verifier: str
):
    device = phone(system, verifier)
    _, task, _ = household_task(people, device)
    visit, photos = field_visit(task["task_id"], DESA_C)

    early = device.post("/api/v1/sync/visits", json=visit, headers=DEVICE)
    assert early.status_code == 409 and error_code(early) == "photos_missing"
    assert set(early.json()["error"]["fields"]["photos"]) == set(photos)
    assert "kirim fotonya dulu" in early.json()["error"]["message"]["id"]
    send_photos(device, photos)
    first = device.post("/api/v1/sync/visits", json=visit, headers=DEVICE)
    again = device.post("/api/v1/sync/visits", json=visit, headers=DEVICE)

    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["duplicate"]) == ("recorded", False)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["server_visit_id"] == first.json()["server_visit_id"]
    seen = supervisor_view(people, task["task_id"])
    assert len(seen["visits"]) == 1 and seen["state"] == "submitted"
    assert {p["sha256"] for p in seen["visits"][0]["photo_details"]} == set(photos)
    assert abs(seen["visits"][0]["clock_offset_seconds"]) < 60


def test_the_nik_typed_at_the_door_is_checked_and_kept_nowhere(
    system: System, people: People, verifier: str
):
    device = phone(system, verifier)
    _, right_task, right_family = household_task(people, device)
    _, wrong_task, wrong_family = household_task(people, device)
    head_nik = right_family[0]["nik"]

    for task, typed in ((right_task, head_nik), (wrong_task, head_nik)):  # the wrong card
        visit, photos = field_visit(task["task_id"], DESA_C, nik=sealed(device, typed))
        send_photos(device, photos)
        assert device.post("/api/v1/sync/visits", json=visit, headers=DEVICE).status_code == 201

    right = supervisor_view(people, right_task["task_id"])["visits"][0]
    wrong = supervisor_view(people, wrong_task["task_id"])["visits"][0]
    assert (right["nik_check"], wrong["nik_check"]) == ("match", "mismatch")
    assert "nik_mismatch" in {f["code"] for f in wrong["flags"]}
    assert "nik_mismatch" not in {f["code"] for f in right["flags"]}
    assert head_nik not in system.log("gateway") and wrong_family[0]["nik"] != head_nik


def test_a_visit_for_a_task_reassigned_meanwhile_is_kept_late_and_says_why(
    system: System, people: People, verifier: str
):
    device = phone(system, verifier)
    _, task, _ = household_task(people, device)
    other = people.username("verifier")
    people["supervisor"].ok(
        "POST", f"/api/v1/tasks/{task['task_id']}/assign", json={"verifier": other}
    )  # while the phone was offline
    visit, photos = field_visit(task["task_id"], DESA_C)
    send_photos(device, photos)

    sent = device.post("/api/v1/sync/visits", json=visit, headers=DEVICE)

    assert sent.status_code == 201, sent.text
    answer = sent.json()
    assert (answer["status"], answer["late_reason"]) == ("late", "reassigned")
    assert "dialihkan" in answer["message"]["id"]
    seen = supervisor_view(people, task["task_id"])
    assert seen["assignee"] == other and seen["state"] == "assigned"  # the task did not move
    assert seen["late_visits"] == 1 and seen["visits"][0]["late"] is True


def test_a_phone_clock_two_days_off_and_gps_50_km_away_are_flags(
    system: System, people: People, verifier: str
):
    device = phone(system, verifier)
    _, task, _ = household_task(people, device)
    ahead = datetime.now(UTC) + timedelta(days=2)
    start = ahead - timedelta(minutes=50)
    visit, photos = field_visit(task["task_id"], DESA_C)
    far = {"latitude": visit["latitude"] + 0.45, "longitude": visit["longitude"]}  # 50 km north
    visit.update(
        far,
        device_clock=ahead.isoformat(),
        started_at=start.isoformat(),
        ended_at=(start + timedelta(minutes=45)).isoformat(),
    )
    for photo in visit["photos"]:
        photo.update(far, captured_at=(start + timedelta(minutes=10)).isoformat())
    send_photos(device, photos)

    assert device.post("/api/v1/sync/visits", json=visit, headers=DEVICE).status_code == 201

    [seen] = supervisor_view(people, task["task_id"])["visits"]
    assert {"clock_off", "far_from_household"} <= {f["code"] for f in seen["flags"]}
    assert seen["clock_offset_seconds"] == pytest.approx(2 * 86_400, abs=120)


def system_engine():
    from sipmas import db

    return db.engine("gateway")
