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
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from marshmallow import ValidationError
from marshmallow import validate as mm_validate
from sqlalchemy.orm import Session

from services.gateway.models import Token, User
from sipmas import events, outbox, reference, settings
from sipmas.refusals import Invalid, NotFound

ROLES = events.USER_ROLES
TOKEN_PREFIX = "sipmas_"
MAX_TOKEN_DAYS = 730
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per token
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EDITABLE = ("name", "role", "kecamatan_codes", "desa_codes", "opd_code", "email", "phone", "active")
USER_NAMESPACE = uuid.UUID("6f1d3c52-3b8e-4c39-9a57-5a1f0e7c2b10")  # correlation ids of users


def token_days() -> int:
    """Days a new token lives unless ``--days`` says otherwise."""
    return int(settings.env("SIPMAS_TOKEN_DAYS", "90"))


# --- who is calling -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    username: str
    role: str  # admin | supervisor | verifier | operator | opd | viewer
    kecamatan_codes: tuple[str, ...] = ()
    desa_codes: tuple[str, ...] = ()
    opd_code: str | None = None
    token_id: int | None = None

    def area_scope(self) -> dict | None:
        """{"kecamatan_codes": [...], "desa_codes": [...]} or None = the whole district
        (admin; supervisor/viewer with no area).

        A household is in the scope when its desa is one of ``desa_codes`` or its kecamatan one
        of ``kecamatan_codes``. An ``opd`` user has no area: empty lists, so no household is in
        its scope by area (an agency sees households through its own referrals only).
        """
        if self.role != "opd" and not (self.kecamatan_codes or self.desa_codes):
            return None
        return {"kecamatan_codes": list(self.kecamatan_codes), "desa_codes": list(self.desa_codes)}

    def in_area(self, kecamatan_code: str | None, desa_code: str | None) -> bool:
        """Whether a place (a household's kecamatan and desa) lies in :meth:`area_scope`."""
        scope = self.area_scope()
        if scope is None:
            return True
        if desa_code and desa_code in self.desa_codes:
            return True
        desa = reference.desa_by_code().get(desa_code or "")
        kecamatan = kecamatan_code or (desa.kecamatan_code if desa else None)
        return bool(kecamatan) and kecamatan in self.kecamatan_codes


class Unauthenticated(Exception):
    """No valid token: ``reason`` (malformed, unknown, expired, revoked, inactive) is for the
    log; the caller answers every reason alike, so a token's fate is not revealed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def principal_of(user: User, token_id: int | None = None) -> Principal:
    return Principal(
        username=user.username,
        role=user.role,
        kecamatan_codes=tuple(user.kecamatan_codes or ()),
        desa_codes=tuple(user.desa_codes or ()),
        opd_code=user.opd_code,
        token_id=token_id,
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_BY_TOKEN = (  # built once: every request asks it (``authenticate``)
    sa.select(Token, User, sa.func.now())
    .join(User, User.username == Token.username)
    .where(Token.sha256 == sa.bindparam("sha256"))
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
    if record.revoked_at is not None:
        raise Unauthenticated("revoked")
    if record.expires_at <= now:
        raise Unauthenticated("expired")
    if not user.active:
        raise Unauthenticated("inactive")
    if record.last_used_at is None or record.last_used_at < now - LAST_USED_EVERY:
        session.execute(
            sa.update(Token)
            .where(Token.id == record.id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    return principal_of(user, record.id)


# --- what a user may be: the rules, without a database ------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def normalise_code(raw: str, kind: str) -> str:
    """``6408042001`` → ``64.08.04.2001`` (desa), ``640804`` → ``64.08.04`` (kecamatan)."""
    value = _text(raw)
    if value.isdigit():
        if kind == "desa" and len(value) == 10:
            return f"{value[:2]}.{value[2:4]}.{value[4:6]}.{value[6:]}"
        if kind == "kecamatan" and len(value) == 6:
            return f"{value[:2]}.{value[2:4]}.{value[4:]}"
    return value


def normalise_phone(raw: str) -> str | None:
    """An Indonesian mobile number as ``+62…`` (the rule notifications sends SMS by); None when
    it cannot be one."""
    value = re.sub(r"[^\d+]", "", raw or "")
    value = value.removeprefix("+")
    if value.startswith("0"):
        value = "62" + value[1:]
    if not value.startswith("628") or not 10 <= len(value) <= 15 or not value.isdigit():
        return None
    return "+" + value


def _codes(values: Iterable[str] | None, kind: str, known: Mapping[str, Any]) -> tuple[list, list]:
    codes, unknown = set(), []
    for raw in values or ():
        for part in str(raw).split(","):
            if not part.strip():
                continue
            code = normalise_code(part, kind)
            if code in known:
                codes.add(code)
            else:
                unknown.append(code)
    return sorted(codes), unknown


def scope_problems(
    role: str, kecamatan_codes: list[str], desa_codes: list[str], opd_code: str | None
) -> dict[str, list[str]]:
    """What is wrong with a role's scope (codes already checked against the reference)."""
    area = bool(kecamatan_codes or desa_codes)
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if role == "opd":
        if not opd_code:
            add("opd_code", "an opd user needs an agency code / pengguna OPD perlu kode OPD")
        for name, codes in (("kecamatan_codes", kecamatan_codes), ("desa_codes", desa_codes)):
            if codes:
                add(name, "an opd user has no area / pengguna OPD tidak punya wilayah")
    elif opd_code:
        add("opd_code", "only an opd user has an agency code / hanya pengguna OPD punya kode OPD")
    if role == "admin":
        for name, codes in (("kecamatan_codes", kecamatan_codes), ("desa_codes", desa_codes)):
            if codes:
                add(name, "an admin has no area (the whole district) / admin tanpa wilayah")
    if role == "operator" and not desa_codes:
        add("desa_codes", "an operator needs at least one desa / operator perlu minimal satu desa")
    if role == "verifier" and not area:
        add(
            "desa_codes",
            "a verifier needs at least one desa or kecamatan / "
            "verifikator perlu minimal satu desa atau kecamatan",
        )
    return errors


def clean_user(data: Mapping[str, Any]) -> dict[str, Any]:
    """A user's fields checked and normalised; raises :class:`Invalid` naming each bad field.

    ``data`` holds every field of :data:`EDITABLE` (and ``username``); codes may be dotted or
    not, and a list item may hold several codes separated by commas.
    """
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if "username" in data:
        username = _text(data["username"]).lower()
        if not USERNAME.match(username) or username.isdigit():
            errors["username"] = [
                "2-64 characters: lower-case letters, digits, '.', '_', '-', not only digits / "
                "2-64 karakter: huruf kecil, angka, '.', '_', '-', tidak hanya angka"
            ]
        clean["username"] = username
    role = _text(data.get("role")).lower()
    if role not in ROLES:
        errors["role"] = [f"unknown role {role!r}; one of {', '.join(ROLES)} / peran tidak dikenal"]
    clean["role"] = role
    clean["name"] = _text(data.get("name")) or clean.get("username") or ""
    if not clean["name"]:
        errors["name"] = ["a name is required / nama wajib diisi"]
    clean["kecamatan_codes"], unknown = _codes(
        data.get("kecamatan_codes"), "kecamatan", reference.kecamatan_by_code()
    )
    if unknown:
        errors["kecamatan_codes"] = [
            f"unknown kecamatan code {code!r} / kode kecamatan tidak dikenal" for code in unknown
        ]
    clean["desa_codes"], unknown = _codes(data.get("desa_codes"), "desa", reference.desa_by_code())
    if unknown:
        errors["desa_codes"] = [
            f"unknown desa code {code!r} / kode desa tidak dikenal" for code in unknown
        ]
    opd_code = _text(data.get("opd_code")).lower() or None
    if opd_code and opd_code not in reference.opd_codes():
        errors["opd_code"] = [f"unknown agency code {opd_code!r} / kode OPD tidak dikenal"]
    clean["opd_code"] = opd_code
    clean["email"] = _text(data.get("email")) or None
    if clean["email"]:
        try:
            mm_validate.Email()(clean["email"])
        except ValidationError:
            errors["email"] = ["not an email address / bukan alamat email"]
    phone = _text(data.get("phone"))
    clean["phone"] = normalise_phone(phone) if phone else None
    if phone and clean["phone"] is None:
        errors["phone"] = ["not an Indonesian mobile number / bukan nomor HP Indonesia"]
    clean["active"] = bool(data.get("active", True))
    if "role" not in errors:
        scope = scope_problems(role, clean["kecamatan_codes"], clean["desa_codes"], opd_code)
        for name, messages in scope.items():
            errors.setdefault(name, messages)  # an unknown code says enough about its field
    if errors:
        raise Invalid(errors)
    return clean


# --- users --------------------------------------------------------------------------------------


def user_view(user: User) -> dict[str, Any]:
    """A user as the CLI and the API show it (never a token)."""
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
    user = session.get(User, _text(username).lower(), with_for_update=lock or None)
    if user is None:
        raise NotFound("user", username)
    return user


def get_user(session: Session, username: str) -> dict[str, Any]:
    return user_view(_user(session, username))


def list_users(
    session: Session, role: str | None = None, active: bool | None = None
) -> list[dict[str, Any]]:
    query = sa.select(User).order_by(User.role, User.username)
    if role is not None:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.active.is_(active))
    return [user_view(user) for user in session.scalars(query)]


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
    return user_view(user)


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
        label=_text(label) or None,
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
