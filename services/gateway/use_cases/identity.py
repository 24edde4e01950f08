"""Who may call the API: users with a role and a scope, their API tokens, and the
:class:`Principal` a bearer token stands for.

- Roles: ``admin`` (the whole district, no area), ``supervisor`` and ``viewer`` (an area, or
  the whole district without one), ``verifier`` (at least one desa or kecamatan), ``operator``
  (at least one desa), ``opd`` (an agency's staff or system: an agency code, no area). The rules
  are :func:`scope_problems`; the database checks their shape again.
- Tokens are ``sipmas_`` + 43 random characters, shown once; only their SHA-256 is kept, so a
  stolen table opens nothing and a token is found by its hash (no comparison of secrets that a
  clock could time). They expire (``SIPMAS_TOKEN_DAYS``, 90 by default) and can be revoked;
  deactivating a user revokes all of theirs.
- Every change of a user is announced as ``user_registered`` through the outbox, in the same
  transaction, so verification keeps its staff and notifications its contacts from the users.
- Passwords (people in a browser, ``use_cases/sessions.py``): an admin sets a temporary one
  (:func:`set_temporary_password`, shown once, to be changed at the first sign-in), which also
  ends the user's sessions; deactivating a user ends their sessions with their tokens.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.gateway import credentials
from services.gateway.domain import passwords
from services.gateway.domain.users import (
    EDITABLE,
    Principal,
    clean_user,
    text_of,
)
from services.gateway.models import SigninThrottle, SyncCredential, Token, User, WebSession
from sipmas import events, outbox, settings
from sipmas.refusals import Invalid, NotFound

TOKEN_PREFIX = "sipmas_"
MAX_TOKEN_DAYS = 730
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per token
USER_NAMESPACE = uuid.UUID("6f1d3c52-3b8e-4c39-9a57-5a1f0e7c2b10")  # correlation ids of users


def token_days() -> int:
    """Days a new token lives unless ``--days`` says otherwise."""
    return int(settings.env("SIPMAS_TOKEN_DAYS", "90"))


# --- who is calling -----------------------------------------------------------------------------


class Unauthenticated(Exception):
    """No valid token: ``reason`` (malformed, unknown, expired, revoked, inactive) is for the
    log; the caller answers every reason alike, so a token's fate is not revealed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def principal_of(
    user: User, token_id: int | None = None, session_id: int | None = None
) -> Principal:
    return Principal(
        username=user.username,
        role=user.role,
        kecamatan_codes=tuple(user.kecamatan_codes or ()),
        desa_codes=tuple(user.desa_codes or ()),
        opd_code=user.opd_code,
        token_id=token_id,
        via="session" if session_id is not None else "token",
        session_id=session_id,
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_BY_TOKEN = (  # built once: every request asks it (``authenticate``)
    sa.select(Token, User, sa.func.now())
    .join(User, User.username == Token.username)
    .where(Token.sha256 == sa.bindparam("sha256"))
)


def note_use(session: Session, record: Token | SyncCredential, now: datetime) -> None:
    """Write that a token or a device credential was used, at most once a minute (every request
    asks; a write for each would be a write per request)."""
    if record.last_used_at is None or record.last_used_at < now - LAST_USED_EVERY:
        model = type(record)
        session.execute(
            sa.update(model)
            .where(model.id == record.id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )


def authenticate(session: Session, token: str) -> Principal:
    """The principal a bearer token stands for; raises :class:`Unauthenticated`.

    Notes the token's use (``last_used_at``) at most once a minute, in the caller's transaction.
    """
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise Unauthenticated("malformed")
    found = session.execute(_BY_TOKEN, {"sha256": token_hash(token)}).one_or_none()
    if found is None:
        raise Unauthenticated("unknown")
    record, user, now = found
    ensure_live(record, user, now)
    note_use(session, record, now)
    return principal_of(user, record.id)


def ensure_live(record: Any, user: User, now: datetime) -> None:
    """Raises :class:`Unauthenticated` when a stored credential (an API token, a device's)
    was revoked, has expired or stands for a deactivated user."""
    if record.revoked_at is not None:
        raise Unauthenticated("revoked")
    if record.expires_at <= now:
        raise Unauthenticated("expired")
    if not user.active:
        raise Unauthenticated("inactive")


# --- users --------------------------------------------------------------------------------------


def user_view(user: User, locked_until: datetime | None = None) -> dict[str, Any]:
    """A user as the CLI and the API show it (never a token, a password hash or a secret);
    ``locked_until``: while sign-in is locked after failures (``signin_throttle``)."""
    return {
        "username": user.username,
        "name": user.name,
        "role": user.role,
        "kecamatan_codes": list(user.kecamatan_codes or ()),
        "desa_codes": list(user.desa_codes or ()),
        "opd_code": user.opd_code,
        "email": user.email,
        "phone": user.phone,
        "active": user.active,
        "totp_enabled": user.totp_secret is not None,
        "must_change_password": bool(user.must_change_password),
        "has_password": user.password_hash is not None,
        "locked_until": locked_until.isoformat() if locked_until else None,
        "created_at": user.created_at.isoformat() if user.created_at else None,
        "created_by": user.created_by,
        "updated_at": user.updated_at.isoformat() if user.updated_at else None,
        "updated_by": user.updated_by,
    }


def user_event(user: User) -> dict[str, Any]:
    """``user_registered``: the user as the other services keep them."""
    return events.envelope(
        "user_registered",
        {
            "username": user.username,
            "name": user.name,
            "role": user.role,
            "kecamatan_codes": list(user.kecamatan_codes or ()),
            "desa_codes": list(user.desa_codes or ()),
            "opd_code": user.opd_code,
            "email": user.email,
            "phone": user.phone,
            "active": user.active,
        },
        correlation_id=uuid.uuid5(USER_NAMESPACE, user.username),
        occurred_at=user.updated_at,  # the database's clock: consumers keep the latest
    )


def _clock(session: Session) -> datetime:
    return session.scalar(sa.select(sa.func.clock_timestamp()))


def create_user(session: Session, data: Mapping[str, Any], actor: str) -> dict[str, Any]:
    """A new user, announced to the other services in the same transaction."""
    clean = clean_user({"active": True, **data})
    if session.get(User, clean["username"]) is not None:
        raise Invalid({"username": [f"{clean['username']} exists already / sudah ada"]})
    now = _clock(session)
    user = User(**clean, created_at=now, created_by=actor, updated_at=now, updated_by=actor)
    session.add(user)
    session.flush()
    outbox.add(session, user_event(user))
    return user_view(user)


def _user(session: Session, username: str, lock: bool = False) -> User:
    user = session.get(User, text_of(username).lower(), with_for_update=lock or None)
    if user is None:
        raise NotFound("user", username)
    return user


def _locks(session: Session, usernames: list[str] | None = None) -> dict[str, datetime]:
    """Usernames whose sign-in is locked now → until when."""
    query = sa.select(SigninThrottle.username, SigninThrottle.locked_until).where(
        SigninThrottle.locked_until > sa.func.now()
    )
    if usernames is not None:
        query = query.where(SigninThrottle.username.in_(usernames))
    return {username: until for username, until in session.execute(query)}


def get_user(session: Session, username: str) -> dict[str, Any]:
    user = _user(session, username)
    return user_view(user, _locks(session, [user.username]).get(user.username))


def list_users(
    session: Session, role: str | None = None, active: bool | None = None
) -> list[dict[str, Any]]:
    query = sa.select(User).order_by(User.role, User.username)
    if role is not None:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.active.is_(active))
    locks = _locks(session)
    return [user_view(user, locks.get(user.username)) for user in session.scalars(query)]


def update_user(
    session: Session,
    username: str,
    changes: Mapping[str, Any],
    actor: str,
) -> dict[str, Any]:
    """Change the fields given (the rest stay); the whole user is checked again. Nothing is
    announced when nothing changed. Deactivating revokes the user's tokens."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise Invalid({name: ["cannot be changed / tidak dapat diubah"] for name in unknown})
    user = _user(session, username, lock=True)  # one change of a user at a time: events in order
    current = {name: getattr(user, name) for name in EDITABLE}
    clean = clean_user({**current, **changes})
    before = {name: _comparable(current[name]) for name in EDITABLE}
    if all(_comparable(clean[name]) == before[name] for name in EDITABLE):
        return user_view(user)
    now = _clock(session)
    if user.active and not clean["active"]:
        _revoke_all(session, user.username, actor, now)
    for name in EDITABLE:
        setattr(user, name, clean[name])
    user.updated_at, user.updated_by = now, actor
    session.flush()
    outbox.add(session, user_event(user))
    return get_user(session, user.username)


def _comparable(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


def deactivate_user(session: Session, username: str, actor: str) -> dict[str, Any]:
    """The user can no longer sign in (every token revoked); their record and history stay."""
    return update_user(session, username, {"active": False}, actor)


# --- tokens -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``token`` is the only time its plaintext exists outside the caller."""

    id: int
    username: str
    token: str
    label: str | None
    expires_at: datetime


def issue_token(
    session: Session,
    username: str,
    actor: str,
    days: int | None = None,
    label: str | None = None,
) -> IssuedToken:
    user = _user(session, username)
    if not user.active:
        raise Invalid({"username": [f"{user.username} is inactive / tidak aktif"]})
    days = token_days() if days is None else days
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise Invalid({"days": [f"between 1 and {MAX_TOKEN_DAYS} / antara 1 dan {MAX_TOKEN_DAYS}"]})
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = _clock(session)
    record = Token(
        username=user.username,
        sha256=token_hash(plaintext),
        label=text_of(label) or None,
        created_at=now,
        created_by=actor,
        expires_at=now + timedelta(days=days),
    )
    session.add(record)
    session.flush()
    return IssuedToken(record.id, user.username, plaintext, record.label, record.expires_at)


def token_view(record: Token, now: datetime | None = None) -> dict[str, Any]:
    if record.revoked_at is not None:
        state = "revoked"
    elif now is not None and record.expires_at <= now:
        state = "expired"
    else:
        state = "live"
    return {
        "id": record.id,
        "username": record.username,
        "label": record.label,
        "state": state,
        "revoked": record.revoked_at is not None,
        "created_at": record.created_at.isoformat(),
        "created_by": record.created_by,
        "expires_at": record.expires_at.isoformat(),
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
        "last_used_at": record.last_used_at.isoformat() if record.last_used_at else None,
    }


def list_tokens(session: Session, username: str) -> list[dict[str, Any]]:
    user = _user(session, username)
    now = _clock(session)
    query = sa.select(Token).where(Token.username == user.username).order_by(Token.id)
    return [token_view(record, now) for record in session.scalars(query)]


def revoke_token(session: Session, token_id: int, actor: str) -> dict[str, Any]:
    """Revoke a token at once (revoking it again changes nothing)."""
    record = session.get(Token, token_id, with_for_update=True)
    if record is None:
        raise NotFound("token", token_id)
    now = _clock(session)
    if record.revoked_at is None:
        record.revoked_at, record.revoked_by = now, actor
        session.flush()
    return token_view(record, now)


def _revoke_all(session: Session, username: str, actor: str, now: datetime) -> None:
    session.execute(
        sa.update(Token)
        .where(Token.username == username, Token.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=actor)
        .execution_options(synchronize_session=False)
    )
    end_sessions(session, username, "deactivated")
    end_devices(session, username, "deactivated")


# --- passwords and sessions (people in a browser) ----------------------------------------------


def end_sessions(session: Session, username: str, reason: str, keep: int | None = None) -> int:
    """End every live browser session of ``username`` (but ``keep``); how many ended."""
    query = (
        sa.update(WebSession)
        .where(WebSession.username == username, WebSession.revoked_at.is_(None))
        .values(revoked_at=sa.func.now(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if keep is not None:
        query = query.where(WebSession.id != keep)
    return session.execute(query).rowcount or 0


def end_devices(session: Session, username: str, reason: str) -> int:
    """End every device sync credential of ``username`` (``use_cases/sync_credentials.py``);
    how many ended. What the devices hold unsent stays there until the user signs in again."""
    ended = session.execute(
        sa.update(SyncCredential)
        .where(SyncCredential.username == username, SyncCredential.revoked_at.is_(None))
        .values(revoked_at=sa.func.now(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return ended.rowcount or 0


def set_password(
    session: Session, username: str, password: str, actor: str, temporary: bool
) -> None:
    """Give ``username`` this password (checked against the policy; 422 naming ``password``);
    ``temporary``: it must be changed at the first sign-in. Ends the user's sessions and clears
    a lock on their sign-in."""
    user = _user(session, username, lock=True)
    problems = passwords.problems(password, user.username)
    if problems:
        raise Invalid({"password": problems})
    if not user.active:
        raise Invalid({"username": [f"{user.username} is inactive / tidak aktif"]})
    user.password_hash = credentials.hash_password(password)
    user.must_change_password = temporary
    user.password_changed_at = _clock(session)
    end_sessions(session, user.username, "password reset" if temporary else "password set")
    if temporary:  # an admin's reset: whoever knew the old one loses the devices too
        end_devices(session, user.username, "password reset")
    session.execute(sa.delete(SigninThrottle).where(SigninThrottle.username == user.username))
    session.flush()


def set_temporary_password(session: Session, username: str, actor: str) -> str:
    """A new temporary password for ``username`` (returned once: show it, keep it nowhere)."""
    password = passwords.temporary()
    set_password(session, username, password, actor, temporary=True)
    return password


def unlock(session: Session, username: str) -> dict[str, Any]:
    """Forget the failed sign-ins of ``username`` and lift its lock."""
    user = _user(session, username)
    session.execute(sa.delete(SigninThrottle).where(SigninThrottle.username == user.username))
    return get_user(session, user.username)


def turn_off_totp(session: Session, username: str, actor: str) -> dict[str, Any]:
    """An admin turns off a user's TOTP (a lost phone); the user enrols again."""
    user = _user(session, username, lock=True)
    user.totp_secret = user.totp_pending = None
    user.totp_last_step = None
    end_sessions(session, user.username, "totp reset")
    session.flush()
    return get_user(session, user.username)
