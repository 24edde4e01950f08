"""Probes of the user-administration endpoints for ``test_authorisation_matrix.py`` (admin only,
no scope), kept beside it to be merged there::

    from tests.gateway.matrix_probes_users import USER_DENIED_PATHS, USER_PROBES
    PROBES.update(USER_PROBES)
    DENIED_PATHS.update(USER_DENIED_PATHS)

Each probe makes what it changes (a user, a token) itself, so the module's people keep working.
"""

from __future__ import annotations

import uuid
from typing import Any

from services.gateway.use_cases import identity
from sipmas import db


def _probe(*args: Any, **kwargs: Any) -> Any:
    from tests.gateway.test_authorisation_matrix import Probe

    return Probe(*args, **kwargs)


def _fresh_user() -> str:
    username = f"probe-{uuid.uuid4().hex[:8]}"
    with db.session_scope("gateway") as session:
        identity.create_user(session, {"username": username, "role": "viewer"}, "test")
    return username


def _fresh_token(username: str) -> int:
    with db.session_scope("gateway") as session:
        return identity.issue_token(session, username, "test").id


def users_list(w, role: str, where: str):
    admin = w.people.username("admin")
    return _probe(
        "GET", "/api/v1/users", check=lambda a: admin in {u["username"] for u in a["users"]}
    )


def users_create(w, role: str, where: str):
    body = {"username": f"probe-{uuid.uuid4().hex[:8]}", "role": "viewer", "name": "Probe"}
    return _probe(
        "POST",
        "/api/v1/users",
        {"json": body},
        status=201,
        check=lambda a: a["user"]["username"] == body["username"] and a["temporary_password"],
    )


def users_update(w, role: str, where: str):
    username = _fresh_user()
    return _probe(
        "PATCH",
        f"/api/v1/users/{username}",
        {"json": {"name": "Probe Diubah"}},
        check=lambda a: a["name"] == "Probe Diubah",
    )


def users_password(w, role: str, where: str):
    return _probe(
        "POST",
        f"/api/v1/users/{_fresh_user()}/password",
        check=lambda a: len(a["temporary_password"]) >= 10,
    )


def users_tokens(w, role: str, where: str):
    viewer = w.people.username("viewer")
    return _probe(
        "GET",
        f"/api/v1/users/{viewer}/tokens",
        check=lambda a: all(t["username"] == viewer for t in a["tokens"]) and a["tokens"],
    )


def users_token_create(w, role: str, where: str):
    return _probe(
        "POST",
        f"/api/v1/users/{_fresh_user()}/tokens",
        {"json": {"label": "probe"}},
        status=201,
        check=lambda a: a["token"].startswith("sipmas_"),
    )


def tokens_revoke(w, role: str, where: str):
    token_id = _fresh_token(_fresh_user())
    return _probe("DELETE", f"/api/v1/tokens/{token_id}", check=lambda a: a["state"] == "revoked")


def users_sync_revoke(w, role: str, where: str):
    return _probe(
        "DELETE",
        f"/api/v1/users/{_fresh_user()}/sync-credentials",
        check=lambda a: a == {"revoked": 0},
    )


USER_PROBES = {
    "users.list": users_list,
    "users.create": users_create,
    "users.update": users_update,
    "users.password": users_password,
    "users.tokens": users_tokens,
    "users.token_create": users_token_create,
    "tokens.revoke": tokens_revoke,
    "users.sync_revoke": users_sync_revoke,
}
USER_DENIED_PATHS = {
    "users.list": ("GET", "/api/v1/users"),
    "users.create": ("POST", "/api/v1/users"),
    "users.update": ("PATCH", "/api/v1/users/{people.prefix}viewer"),
    "users.password": ("POST", "/api/v1/users/{people.prefix}viewer/password"),
    "users.tokens": ("GET", "/api/v1/users/{people.prefix}viewer/tokens"),
    "users.token_create": ("POST", "/api/v1/users/{people.prefix}viewer/tokens"),
    "tokens.revoke": ("DELETE", "/api/v1/tokens/1"),
    "users.sync_revoke": ("DELETE", "/api/v1/users/{people.prefix}viewer/sync-credentials"),
}
