"""The multipart bodies of the API, read: a verifier's visit with its photos, an agency's answer
with its evidence file. Each file is judged by its content (``use_cases/uploads.py``) and kept in
the evidence store by its SHA-256; every problem is a 422 naming its part."""

from __future__ import annotations

import json
from typing import Any

from services.gateway import schemas
from services.gateway.domain import reports
from services.gateway.domain.errors import ApiError, invalid
from services.gateway.http import Call, load
from services.gateway.use_cases import uploads
from sipmas import evidence


def visit_with_photos(call: Call) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``visit`` part (JSON) and the photos it names, each checked by content and stored
    in the evidence store; 422 naming any photo without a part and any part without a photo."""
    form, files = call.form(), call.files()
    raw = form.get("visit")
    if raw is None:
        raise invalid({"visit": ["required: the visit as JSON / wajib: kunjungan sebagai JSON"]})
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise ApiError("bad_request", {"visit": ["not JSON / bukan JSON"]}) from None
    if not isinstance(parsed, dict):
        raise invalid({"visit": ["a JSON object / harus objek JSON"]})
    extra = sorted(set(form) - {"visit"})
    if extra:
        raise invalid({name: ["unknown field / isian tidak dikenal"] for name in extra})
    visit = load(schemas.VisitForm(), parsed)
    named = [p["file"] for p in visit["photos"]]
    problems: dict[str, Any] = {}
    for index, name in enumerate(named):
        if name not in files:
            problems.setdefault("photos", {})[str(index)] = {"file": [f"no part named {name!r}"]}
        elif named.count(name) > 1:
            problems.setdefault("photos", {})[str(index)] = {"file": ["named twice / dua kali"]}
    for name in files:
        if name not in named:
            problems[name] = ["a part no photo names / bagian tanpa foto"]
    if problems:
        raise invalid(problems)
    photos = []
    for entry in visit["photos"]:
        data = uploads.read_limited(files[entry["file"]].stream, entry["file"])
        uploads.file_type(data, entry["file"], uploads.PHOTO_TYPES)
        photos.append(
            {
                **entry,
                "sha256": evidence.put(data),
                "captured_at": reports.iso(entry["captured_at"]),
            }
        )
    visit = {
        **{k: v for k, v in visit.items() if k != "photos"},
        "started_at": reports.iso(visit["started_at"]),
        "ended_at": reports.iso(visit["ended_at"]),
    }
    return visit, photos


def status_update(call: Call) -> dict[str, Any]:
    """An agency's answer: JSON, or a form with an ``evidence`` file (JPEG, PNG, PDF) that is
    stored and referenced by its SHA-256."""
    if not call.is_multipart():
        update = call.json(schemas.StatusUpdate())
        if update["evidence_ref"] and not evidence.exists(update["evidence_ref"]):
            raise invalid({"evidence_ref": ["no stored file with this SHA-256"]})
    else:
        form, files = call.form(), call.files()
        update = load(schemas.StatusUpdate(), form.to_dict())
        extra = sorted(set(files) - {"evidence"})
        if extra:
            raise invalid({name: ["unknown file / file tidak dikenal"] for name in extra})
        if "evidence" in files:
            data = uploads.read_limited(files["evidence"].stream, "evidence")
            uploads.file_type(data, "evidence", uploads.EVIDENCE_TYPES)
            update["evidence_ref"] = evidence.put(data)
    if update.get("update_id") is not None:
        update["update_id"] = str(update["update_id"])
    return update
