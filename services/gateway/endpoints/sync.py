"""``/api/v1/sync``: what the field app on a verifier's phone calls, by its device credential.

Signing in online gives the device its credential (``POST /sync/credential``, by the browser
session); from then on the app takes the verifier's tasks with what the visits need (no NIK),
and sends what it kept offline: each photo on its own, keyed by its SHA-256 (``HEAD`` says
whether the server has it, ``PUT`` stores it once), then the visit naming them, keyed by the id
the phone made. A resend is answered with what was kept; a visit whose task moved on while the
phone was offline is kept as late and the answer says why. The NIK typed at the door arrives
encrypted with ``GET /sync/key``'s key, is compared by the registry and is kept nowhere.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Response

from services.gateway import credentials, schemas
from services.gateway.domain import sync as sync_rules
from services.gateway.domain.errors import not_found, unwrap
from services.gateway.domain.reports import iso
from services.gateway.http import (
    Call,
    clear_sync_cookie,
    endpoint,
    json_response,
    set_sync_cookie,
)
from services.gateway.use_cases import field_key, photos, sync_credentials, uploads
from services.verification.domain import questionnaire
from sipmas import evidence, reference

API = "/api/v1"
NO_STORE = {"Cache-Control": "no-store"}
JSON = "application/json"  # a HEAD answer has no body, but the type an error's would have
VISIT_TIMES = ("started_at", "ended_at", "device_clock")
PHOTO_TIMES = ("captured_at", "exif_time")


class SyncEndpoints:
    @endpoint("POST", f"{API}/sync/credential", "sync.credential")
    def issue_sync_credential(self: Any, call: Call) -> Response:
        request = call.request
        with self.db.get_session() as session:
            issued = sync_credentials.issue(
                session,
                call.user,
                request.headers.get("User-Agent"),
                replacing=request.cookies.get(sync_credentials.COOKIE),
            )
        call.audit(subject=f"sync credential {issued.id} issued")
        days = sync_credentials.sync_days()
        answer = {"expires_at": issued.expires_at.isoformat(), "days": days}
        response = json_response(answer, 201, NO_STORE)
        set_sync_cookie(response, request, issued.cookie, int(days * 86_400))
        return response

    @endpoint("DELETE", f"{API}/sync/credential", "sync.credential_end")
    def end_sync_credential(self: Any, call: Call) -> Response:
        """Sign-out on the device: its credential ends (even after its browser session did)."""
        cookie = call.request.cookies.get(sync_credentials.COOKIE)
        if cookie:
            with self.db.get_session() as session:
                sync_credentials.revoke(session, cookie, "signed out")
        call.audit(subject="sync credential ended on the device")
        response = Response(status=204)
        clear_sync_cookie(response, call.request)
        return response

    @endpoint("GET", f"{API}/sync/key", "sync.key")
    def field_key(self: Any, call: Call) -> Response:
        return json_response(_key(), headers=NO_STORE)

    @endpoint("GET", f"{API}/sync/tasks", "sync.tasks")
    def field_tasks(self: Any, call: Call) -> Response:
        verifier = call.user.username
        tasks = unwrap(self.verification.my_tasks(verifier))["tasks"]
        ids = [t["household"]["household_id"] for t in tasks]
        households = unwrap(self.registry.field_households(ids))["households"]
        earlier = unwrap(self.verification.earlier_photos(ids))["households"]
        call.audit(ids, subject="field app tasks")
        answer = {
            "verifier": verifier,
            "server_time": _now_iso(),
            "tasks": [_field_task(t, verifier, households, earlier) for t in tasks],
            "questionnaire": questionnaire.form(),
            "key": _key(),
            "wipe_after_days": sync_credentials.wipe_days(),
        }
        return json_response(answer, headers=NO_STORE)

    @endpoint("GET", f"{API}/sync/photos/<sha256>", "sync.photo")
    def earlier_photo(self: Any, call: Call, sha256: str) -> Response:
        """A thumbnail of a photo of an earlier visit to one of the verifier's households."""
        tasks = unwrap(self.verification.my_tasks(call.user.username))["tasks"]
        ids = [t["household"]["household_id"] for t in tasks]
        earlier = unwrap(self.verification.earlier_photos(ids))["households"]
        owner = next(
            (int(h) for h, shown in earlier.items() if any(p["sha256"] == sha256 for p in shown)),
            None,
        )
        if owner is None:
            raise not_found()
        call.audit([owner], subject=f"photo {sha256[:12]} (thumb)")
        data, media_type = photos.photo(sha256, "thumb")
        return Response(data, mimetype=media_type, headers=NO_STORE)

    @endpoint("HEAD", f"{API}/sync/uploads/<sha256>", "sync.upload_check")
    def upload_check(self: Any, call: Call, sha256: str) -> Response:
        """200 when the server has this photo (the phone does not send it again), else 404."""
        known = sync_rules.SHA256.match(sha256) and evidence.exists(sha256)
        return Response(status=200 if known else 404, mimetype=JSON, headers=NO_STORE)

    @endpoint("PUT", f"{API}/sync/uploads/<sha256>", "sync.upload", body="photo")
    def upload(self: Any, call: Call, sha256: str) -> tuple[int, dict[str, Any]]:
        """One photo, its bytes the body: kept once, whatever number of times it is sent."""
        if not sync_rules.SHA256.match(sha256):
            raise not_found()
        data = call.request.get_data(cache=False)
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise sync_rules.hash_mismatch(sha256, actual)
        uploads.file_type(data, "body", uploads.PHOTO_TYPES)
        already = evidence.exists(sha256)
        evidence.put(data)
        call.audit(subject=f"photo {sha256[:12]} uploaded ({len(data)} bytes)")
        return (200 if already else 201), {
            "sha256": sha256,
            "stored": "already" if already else "new",
        }

    @endpoint("POST", f"{API}/sync/visits", "sync.visit")
    def sync_visit(self: Any, call: Call) -> tuple[int, dict[str, Any]]:
        body = call.json(schemas.SyncVisit())
        task = unwrap(self.verification.get_task(body["task_id"]))
        household_id = task["household"]["household_id"]
        payload = {
            **{k: v for k, v in body.items() if k not in ("visit_id", "nik", *VISIT_TIMES)},
            **{k: iso(body[k]) for k in VISIT_TIMES},
            "photos": [{**p, **{k: iso(p[k]) for k in PHOTO_TIMES}} for p in body["photos"]],
            "client_key": body["visit_id"],
            "verifier": call.user.username,
            "nik_check": self._nik_check(household_id, body["nik"]),
        }
        answer = unwrap(self.verification.submit_visit(payload))
        call.audit([household_id], subject=f"field visit task {body['task_id']}")
        return (200 if answer["duplicate"] else 201), {
            "visit_id": body["visit_id"],
            "server_visit_id": answer["visit_id"],
            "task_id": answer["task_id"],
            "status": answer["status"],
            "late_reason": answer["late_reason"],
            "message": answer["late_message"],
            "duplicate": answer["duplicate"],
            "received_at": answer["received_at"],
        }

    def _nik_check(self: Any, household_id: int, sealed: dict[str, str] | None) -> str:
        """The NIK typed at the door against the registry's: decrypted here, compared there,
        kept nowhere."""
        if sealed is None:
            return "absent"
        typed = credentials.off_hub(field_key.decrypt, sealed["key_id"], sealed["ciphertext"])
        if typed is None:
            return "unreadable"
        return unwrap(self.registry.nik_check(household_id, typed))["nik_check"]


def _key() -> dict[str, str]:
    key = credentials.off_hub(field_key.public_key)
    return {"key_id": key.key_id, "algorithm": key.algorithm, "spki": key.spki}


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _field_task(
    task: dict[str, Any], verifier: str, households: dict[str, Any], earlier: dict[str, Any]
) -> dict[str, Any]:
    """One task as the phone keeps it: the household by name and address, no NIK."""
    home = task["household"]
    key = str(home["household_id"])
    held = households.get(key) or {}
    desa = reference.desa_by_code().get(home.get("desa_code") or "")
    kecamatan = reference.kecamatan_by_code().get(home.get("kecamatan_code") or "")
    return {
        "task_id": task["task_id"],
        "state": task["state"],
        "reason": task.get("reason"),
        "due_at": task.get("due_at"),
        "second_visit": task.get("second_assignee") == verifier and task["state"] == "submitted",
        "household": {
            "household_id": home["household_id"],
            "head_name": home.get("head_name"),
            "alamat": held.get("alamat", home.get("alamat")),
            "rt": held.get("rt", home.get("rt")),
            "rw": held.get("rw", home.get("rw")),
            "desa_code": home.get("desa_code"),
            "desa_name": desa.name if desa else None,
            "kecamatan_code": home.get("kecamatan_code"),
            "kecamatan_name": kecamatan.name if kecamatan else None,
            "members": held.get("members", []),
        },
        "earlier_photos": earlier.get(key, []),
    }
