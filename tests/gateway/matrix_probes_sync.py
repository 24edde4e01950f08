"""Probes of the field app's sync endpoints for ``test_authorisation_matrix.py`` (a verifier's
device; every other role is refused), kept beside it to be merged there::

    from tests.gateway.matrix_probes_sync import SYNC_DENIED_PATHS, SYNC_PROBES

The matrix calls them with the verifier's API token, which the sync endpoints take as well as
a device's credential (``tests/gateway/test_sync.py`` drives the credential itself).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from tests.gateway.support_http import (
    DESA_A,
    JPEG,
    field_visit,
    register,
    task_of,
)


def _probe(*args: Any, **kwargs: Any) -> Any:
    from tests.gateway.test_authorisation_matrix import Probe

    return Probe(*args, **kwargs)


def _ids(answer: dict) -> set[int]:
    return {t["task_id"] for t in answer["tasks"]}


def sync_tasks(w, role: str, where: str):
    if where == "outside":
        return _probe("GET", "/api/v1/sync/tasks", check=lambda a: w.b_task not in _ids(a))
    return _probe(
        "GET",
        "/api/v1/sync/tasks",
        check=lambda a: w.a_task in _ids(a) and "nik" not in str(a["tasks"]).lower(),
    )


def sync_photo(w, role: str, where: str):
    if where == "outside":  # a photo of a household not on the verifier's desk
        return _probe(
            "GET",
            f"/api/v1/sync/photos/{w.b_photo}",
            status=404,
            missing=f"/api/v1/sync/photos/{'0' * 64}",
        )
    tasks = w.people["verifier"].ok("GET", "/api/v1/sync/tasks")["tasks"]
    [returned] = [t for t in tasks if t["task_id"] == w.a_returned["task_id"]]
    return _probe("GET", f"/api/v1/sync/photos/{returned['earlier_photos'][0]['sha256']}")


def sync_upload(w, role: str, where: str):
    data = JPEG + uuid.uuid4().bytes
    sha = hashlib.sha256(data).hexdigest()
    return _probe(
        "PUT",
        f"/api/v1/sync/uploads/{sha}",
        {"data": data, "headers": {"Content-Type": "image/jpeg"}},
        status=201,
        check=lambda a: a == {"sha256": sha, "stored": "new"},
    )


def sync_visit(w, role: str, where: str):
    if where == "outside":  # another verifier's task: as unknown as one that does not exist
        visit, _ = field_visit(w.b_task)
        return _probe("POST", "/api/v1/sync/visits", {"json": visit}, status=404)
    fresh = task_of(w.people["verifier"], register(w.people["admin"], DESA_A))
    visit, photos = field_visit(fresh["task_id"])
    for sha, data in photos.items():
        w.people["verifier"].request("PUT", f"/api/v1/sync/uploads/{sha}", data=data)
    return _probe(
        "POST",
        "/api/v1/sync/visits",
        {"json": visit},
        status=201,
        check=lambda a: (a["status"], a["duplicate"]) == ("recorded", False),
    )


SYNC_PROBES = {
    "sync.credential": lambda w, role, where: _probe(
        "POST", "/api/v1/sync/credential", status=201, check=lambda a: a["days"] == 14
    ),
    "sync.credential_end": lambda w, role, where: _probe(
        "DELETE", "/api/v1/sync/credential", status=204, check=None
    ),
    "sync.key": lambda w, role, where: _probe(
        "GET", "/api/v1/sync/key", check=lambda a: a["algorithm"] == "RSA-OAEP-256"
    ),
    "sync.tasks": sync_tasks,
    "sync.photo": sync_photo,
    "sync.upload_check": lambda w, role, where: _probe(
        "HEAD", f"/api/v1/sync/uploads/{w.a_photo}", check=None
    ),
    "sync.upload": sync_upload,
    "sync.visit": sync_visit,
}

SYNC_DENIED_PATHS = {
    "sync.credential": ("POST", "/api/v1/sync/credential"),
    "sync.credential_end": ("DELETE", "/api/v1/sync/credential"),
    "sync.key": ("GET", "/api/v1/sync/key"),
    "sync.tasks": ("GET", "/api/v1/sync/tasks"),
    "sync.photo": ("GET", "/api/v1/sync/photos/{a_photo}"),
    "sync.upload_check": ("HEAD", "/api/v1/sync/uploads/{a_photo}"),
    "sync.upload": ("PUT", f"/api/v1/sync/uploads/{'0' * 64}"),
    "sync.visit": ("POST", "/api/v1/sync/visits"),
}
