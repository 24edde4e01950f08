"""``/api/v1/users`` and ``/api/v1/tokens``: an admin keeps the users, their temporary passwords,
API tokens and devices' sync credentials — over HTTP with the same rules
as ``sipmas users`` (``use_cases/identity.py``). Admin only (``policy``), every call audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from services.gateway import schemas
from services.gateway.domain import errors
from services.gateway.http import Call, endpoint, json_response
from services.gateway.use_cases import identity
from sipmas.refusals import Invalid, NotFound

API = "/api/v1"
NO_STORE = {"Cache-Control": "no-store"}


@contextmanager
def refusals() -> Iterator[None]:
    """``identity``'s refusals as the API answers them: Invalid → 422 naming each field,
    NotFound → 404."""
    try:
        yield
    except Invalid as error:
        raise errors.invalid(error.errors) from None
    except NotFound:
        raise errors.not_found() from None


class UserEndpoints:
    """User administration (admin)."""

    @endpoint("GET", f"{API}/users", "users.list")
    def list_users(self: Any, call: Call) -> dict[str, Any]:
        query = call.query(schemas.UserQuery())
        with self.db.get_session() as session:
            found = identity.list_users(session, query.get("role"), query.get("active"))
        call.audit(subject="users")
        return {"users": found}

    @endpoint("POST", f"{API}/users", "users.create")
    def create_user(self: Any, call: Call) -> tuple[int, dict[str, Any]]:
        body = call.json(schemas.NewUser())
        actor = call.user.username
        with refusals(), self.db.get_session() as session:
            user = identity.create_user(session, body, actor)
            password = identity.set_temporary_password(session, user["username"], actor)
            user = identity.get_user(session, user["username"])
        call.audit(subject=f"user {user['username']} created ({user['role']})")
        return 201, {"user": user, "temporary_password": password}

    @endpoint("PATCH", f"{API}/users/<username>", "users.update")
    def update_user(self: Any, call: Call, username: str) -> dict[str, Any]:
        changes = call.json(schemas.UserChanges())
        name = username.strip().lower()
        if name == call.user.username and (
            changes.get("active") is False or changes.get("role", call.user.role) != call.user.role
        ):
            raise errors.ApiError(
                "refused",
                {"active": ["not yourself / tidak untuk diri sendiri"]},
                message=(
                    "Admin tidak dapat menonaktifkan atau menurunkan dirinya sendiri",
                    "An admin cannot deactivate or demote themselves",
                ),
            )
        with refusals(), self.db.get_session() as session:
            user = identity.update_user(session, username, changes, call.user.username)
        call.audit(subject=f"user {user['username']} changed: {', '.join(sorted(changes))}")
        return user

    @endpoint("POST", f"{API}/users/<username>/password", "users.password")
    def reset_password(self: Any, call: Call, username: str) -> Any:
        call.json(schemas.TotpBegin(), optional=True)
        with refusals(), self.db.get_session() as session:
            password = identity.set_temporary_password(session, username, call.user.username)
        call.audit(subject=f"user {username.strip().lower()} temporary password set")

        return json_response({"temporary_password": password}, headers=NO_STORE)

    @endpoint("GET", f"{API}/users/<username>/tokens", "users.tokens")
    def list_tokens(self: Any, call: Call, username: str) -> dict[str, Any]:
        with refusals(), self.db.get_session() as session:
            found = identity.list_tokens(session, username)
        call.audit(subject=f"user {username.strip().lower()} tokens")
        return {"tokens": found}

    @endpoint("POST", f"{API}/users/<username>/tokens", "users.token_create")
    def issue_token(self: Any, call: Call, username: str) -> Any:
        body = call.json(schemas.TokenRequest(), optional=True)
        with refusals(), self.db.get_session() as session:
            issued = identity.issue_token(
                session,
                username,
                call.user.username,
                days=body.get("days"),
                label=body.get("label"),
            )
        call.audit(subject=f"user {issued.username} token {issued.id} issued")

        answer = {
            "id": issued.id,
            "username": issued.username,
            "token": issued.token,
            "label": issued.label,
            "expires_at": issued.expires_at.isoformat(),
        }
        return json_response(answer, 201, NO_STORE)

    @endpoint("DELETE", f"{API}/tokens/<int:token_id>", "tokens.revoke")
    def revoke_token(self: Any, call: Call, token_id: int) -> dict[str, Any]:
        with refusals(), self.db.get_session() as session:
            token = identity.revoke_token(session, token_id, call.user.username)
        call.audit(subject=f"user {token['username']} token {token_id} revoked")
        return token

    @endpoint("DELETE", f"{API}/users/<username>/sync-credentials", "users.sync_revoke")
    def revoke_sync(self: Any, call: Call, username: str) -> dict[str, Any]:
        """The user's devices stop syncing (what they hold unsent waits on them until the user
        signs in again)."""
        with refusals(), self.db.get_session() as session:
            user = identity.get_user(session, username)
            revoked = identity.end_devices(session, user["username"], "revoked by an admin")
        call.audit(subject=f"user {user['username']} sync credentials revoked ({revoked})")
        return {"revoked": revoked}
