"""People in a browser: signing in (password, TOTP), their sessions, failures and locks, changing
one's password, turning TOTP on and off — in the gateway's database, audited.

Every function takes a session (the caller's transaction) and returns an :class:`Outcome`
rather than raising, so that what a refusal must leave behind (a counted failure, a lock, an
audit entry) is committed with it; the caller raises ``outcome.error`` after the commit.
The audit entry is written last in the transaction (``audit.record`` holds the log's lock until
the commit).

The rules (lifetimes, lock lengths, CSRF, gates) are ``domain/sessions.py``'s; the hashing and
the sealing ``credentials``'.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.gateway import credentials
from services.gateway.domain import passwords
from services.gateway.domain import sessions as rules
from services.gateway.domain.errors import ApiError, invalid
from services.gateway.domain.users import USERNAME, Principal, text_of
from services.gateway.models import SigninThrottle, User, WebSession
from services.gateway.use_cases import audit
from services.gateway.use_cases.identity import end_sessions, principal_of

COOKIE_BYTES = 32  # secrets.token_urlsafe(32): 256 bits
MAX_USER_AGENT = 300


class Unauthenticated(Exception):
    """No live session for this cookie: ``reason`` is ``unknown``, ``ended`` (signed out,
    revoked) or ``expired`` (idle or past its end), for the answer and the log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SessionState:
    """A live session as a request sees it."""

    id: int
    principal: Principal
    name: str
    csrf_token: str
    expires_at: datetime
    must_change_password: bool
    totp_enabled: bool
    totp_setup_required: bool
    idle_seconds: int

    def gate(self) -> ApiError | None:
        return rules.gate(self.must_change_password, self.totp_setup_required)


@dataclass
class Outcome:
    """What a sign-in or a change of one's credentials came to."""

    error: ApiError | None = None
    state: SessionState | None = None
    cookie: str | None = None  # a new session's cookie (its only plaintext)
    data: dict[str, Any] = field(default_factory=dict)


def cookie_hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def view(state: SessionState) -> dict[str, Any]:
    """``Session`` as ``docs/web-api.md`` names it."""
    user = state.principal
    return {
        "user": {
            "username": user.username,
            "name": state.name,
            "role": user.role,
            "kecamatan_codes": list(user.kecamatan_codes),
            "desa_codes": list(user.desa_codes),
            "opd_code": user.opd_code,
            "area": user.area_scope(),
            "totp_enabled": state.totp_enabled,
        },
        "csrf_token": state.csrf_token,
        "must_change_password": state.must_change_password,
        "totp_setup_required": state.totp_setup_required,
        "idle_timeout_seconds": state.idle_seconds,
        "expires_at": state.expires_at.isoformat(),
    }


def _state(record: WebSession, user: User, lifetime: rules.Lifetime) -> SessionState:
    enabled = user.totp_secret is not None
    return SessionState(
        id=record.id,
        principal=principal_of(user, session_id=record.id),
        name=user.name,
        csrf_token=record.csrf_token,
        expires_at=record.expires_at,
        must_change_password=bool(user.must_change_password),
        totp_enabled=enabled,
        totp_setup_required=rules.totp_setup_required(user.role, enabled),
        idle_seconds=int(lifetime.idle.total_seconds()),
    )


def _now(session: Session) -> datetime:
    return session.scalar(sa.select(sa.func.now()))


def _audit(
    session: Session,
    principal: Principal | None,
    action: str,
    subject: str,
    outcome: int,
    request_id: str,
) -> None:
    audit.record(
        session,
        principal,
        action,
        household_ids=(),
        subject=subject,
        outcome=outcome,
        request_id=request_id,
    )


# --- who is calling ----------------------------------------------------------------------------

_BY_COOKIE = (
    sa.select(WebSession, User, sa.func.now())
    .join(User, User.username == WebSession.username)
    .where(WebSession.sha256 == sa.bindparam("sha256"))
)


def authenticate(session: Session, cookie: str) -> SessionState:
    """The live session of a cookie (noting its use); raises :class:`Unauthenticated`. A session
    found idle or past its end is ended here."""
    if not cookie or len(cookie) > 200:
        raise Unauthenticated("unknown")
    found = session.execute(_BY_COOKIE, {"sha256": cookie_hash(cookie)}).one_or_none()
    if found is None:
        raise Unauthenticated("unknown")
    record, user, now = found
    if record.revoked_at is not None:
        raise Unauthenticated(
            "expired" if record.revoked_reason in ("idle", "absolute") else "ended"
        )
    if not user.active:
        raise Unauthenticated("ended")
    lifetime = rules.Lifetime.configured()
    why = rules.ended(now, record.last_seen_at, record.expires_at, lifetime)
    if why is not None:
        session.execute(
            sa.update(WebSession)
            .where(WebSession.id == record.id)
            .values(revoked_at=now, revoked_reason=why)
            .execution_options(synchronize_session=False)
        )
        raise Unauthenticated("expired")
    if now - record.last_seen_at >= lifetime.touch_every():
        session.execute(
            sa.update(WebSession)
            .where(WebSession.id == record.id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
    return _state(record, user, lifetime)


# --- failures and locks ------------------------------------------------------------------------


def _throttle(session: Session, username: str) -> SigninThrottle | None:
    return session.get(SigninThrottle, username, with_for_update=True)


def _locked_for(record: SigninThrottle | None, now: datetime) -> int | None:
    if record is None or record.locked_until is None or record.locked_until <= now:
        return None
    return rules.retry_after(now, record.locked_until)


def _fail(session: Session, username: str, now: datetime) -> int | None:
    """Count a failure of ``username``; the seconds of the lock it started, if it did."""
    session.execute(
        insert(SigninThrottle)
        .values(username=username, failures=0, locks=0)
        .on_conflict_do_nothing()
    )
    record = session.get(SigninThrottle, username, with_for_update=True, populate_existing=True)
    assert record is not None
    last = record.last_failure_at
    lock_over = record.locked_until is None or record.locked_until <= now
    if last is not None and now - last > rules.FORGET_AFTER and lock_over:
        if record.locked_until is None or now - record.locked_until > rules.FORGET_AFTER:
            record.locks = 0
        record.failures = 0
    record.failures += 1
    record.last_failure_at = now
    started = None
    if record.failures >= rules.max_failures():
        record.locks += 1
        record.failures = 0
        record.locked_until = now + timedelta(minutes=rules.lock_minutes(record.locks))
        started = rules.retry_after(now, record.locked_until)
    if secrets.randbelow(100) == 0:  # now and then, forget the failures of long ago
        session.execute(
            sa.delete(SigninThrottle).where(
                SigninThrottle.last_failure_at < now - 2 * rules.FORGET_AFTER,
                sa.or_(
                    SigninThrottle.locked_until.is_(None),
                    SigninThrottle.locked_until < now - rules.FORGET_AFTER,
                ),
                SigninThrottle.username != username,
            )
        )
    session.flush()
    return started


def _succeeded(session: Session, username: str) -> None:
    """The failures in a row are over; the number of locks is kept (a day): the next lock of a
    username someone keeps guessing is longer, whoever signs in between."""
    session.execute(
        sa.update(SigninThrottle).where(SigninThrottle.username == username).values(failures=0)
    )


# --- signing in and out ------------------------------------------------------------------------


def _named(username: str) -> str:
    """How an attempt's username is named in the audit log: a user's name; anything else (a
    password typed in the wrong box, say) only by a digest an admin can match."""
    if USERNAME.match(username):
        return username
    return "?" + hashlib.sha256(username.encode()).hexdigest()[:12]


def sign_in(
    session: Session,
    username: str,
    password: str,
    totp: str | None,
    request_id: str,
    user_agent: str | None = None,
) -> Outcome:
    """Check a person's password (and TOTP code when on) and open a session."""
    name = text_of(username).lower()[:200]
    now = _now(session)
    throttle = _throttle(session, name)
    wait = _locked_for(throttle, now)
    if wait is not None:
        _audit(
            session, None, "session.signin", f"user={_named(name)} reason=locked", 429, request_id
        )
        return Outcome(rules.locked(wait))
    user = session.get(User, name, with_for_update=True) if USERNAME.match(name) else None
    usable = user is not None and user.active and user.password_hash is not None
    right = credentials.verify_password(user.password_hash if usable else None, password)
    if right and user is not None and user.totp_secret is not None:
        secret = credentials.unseal(user.totp_secret, user.username)
        if not (totp or "").strip():
            _audit(
                session, None, "session.signin", f"user={name} reason=totp_missing", 401, request_id
            )
            return Outcome(rules.totp_required())
        step = credentials.totp_step(secret, totp) if secret else None
        if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
            return _failed(session, name, "totp_wrong", rules.totp_required(), now, request_id)
        user.totp_last_step = step
    if not right:
        reason = (
            "unknown_user"
            if user is None
            else "inactive"
            if not user.active
            else "no_password"
            if user.password_hash is None
            else "wrong_password"
        )
        return _failed(session, name, reason, rules.invalid_credentials(), now, request_id)
    assert user is not None and user.password_hash is not None
    if credentials.needs_rehash(user.password_hash):
        user.password_hash = credentials.hash_password(password)
    _succeeded(session, name)
    cookie = secrets.token_urlsafe(COOKIE_BYTES)
    lifetime = rules.Lifetime.configured()
    record = WebSession(
        username=user.username,
        sha256=cookie_hash(cookie),
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime.absolute,
        user_agent=(user_agent or "")[:MAX_USER_AGENT] or None,
    )
    session.add(record)
    session.flush()
    state = _state(record, user, lifetime)
    _audit(session, state.principal, "session.signin", f"session {record.id}", 200, request_id)
    return Outcome(state=state, cookie=cookie)


def _failed(
    session: Session, name: str, reason: str, error: ApiError, now: datetime, request_id: str
) -> Outcome:
    locked_for = _fail(session, name, now)
    subject = f"user={_named(name)} reason={reason}"
    if locked_for is None:
        _audit(session, None, "session.signin", subject, error.status, request_id)
        return Outcome(error)
    _audit(session, None, "session.signin", subject, 429, request_id)
    minutes = rules.lock_minutes(session.get(SigninThrottle, name).locks)
    _audit(
        session,
        None,
        "session.locked",
        f"user={_named(name)} for {minutes:g} min after {rules.max_failures()} failures",
        429,
        request_id,
    )
    return Outcome(rules.locked(locked_for))


def sign_out(session: Session, state: SessionState, request_id: str) -> Outcome:
    session.execute(
        sa.update(WebSession)
        .where(WebSession.id == state.id, WebSession.revoked_at.is_(None))
        .values(revoked_at=sa.func.now(), revoked_reason="signed out")
        .execution_options(synchronize_session=False)
    )
    _audit(session, state.principal, "session.signout", f"session {state.id}", 204, request_id)
    return Outcome()


def current(session: Session, state: SessionState) -> SessionState:
    """The session again after a change of its user (password, TOTP)."""
    record = session.get(WebSession, state.id, populate_existing=True)
    user = session.get(User, state.principal.username, populate_existing=True)
    assert record is not None and user is not None
    return _state(record, user, rules.Lifetime.configured())


# --- one's own password ------------------------------------------------------------------------


def change_password(
    session: Session, state: SessionState, current_password: str, new_password: str, request_id: str
) -> Outcome:
    """Change one's password, proving the current one. A wrong current password counts as a
    failed sign-in (an open session is no licence to guess); the lock it may start ends this
    session too. The user's other sessions end."""
    username = state.principal.username
    user = session.get(User, username, with_for_update=True)
    assert user is not None
    now = _now(session)
    if not current_password:
        return Outcome(invalid({"current_password": [passwords.REQUIRED]}))
    if not credentials.verify_password(user.password_hash, current_password):
        locked_for = _fail(session, username, now)
        subject = f"session {state.id} reason=wrong_current_password"
        if locked_for is not None:
            end_sessions(session, username, "locked")
            _audit(session, state.principal, "session.locked", subject, 429, request_id)
            return Outcome(rules.locked(locked_for))
        _audit(session, state.principal, "session.password", subject, 422, request_id)
        return Outcome(invalid({"current_password": [passwords.WRONG_CURRENT]}))
    problems = passwords.problems(new_password, username, current_password)
    if problems:
        return Outcome(invalid({"new_password": problems}))
    user.password_hash = credentials.hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = now
    _succeeded(session, username)
    ended = end_sessions(session, username, "password changed", keep=state.id)
    session.flush()
    subject = f"session {state.id}; {ended} other session(s) ended"
    _audit(session, state.principal, "session.password", subject, 200, request_id)
    return Outcome(state=current(session, state))


# --- TOTP --------------------------------------------------------------------------------------

WRONG_CODE = passwords.message(
    "Kode salah atau sudah dipakai; masukkan kode yang sedang tampil",
    "Wrong or already used code; enter the code shown now",
)


def _refused(code: str, id_text: str, en_text: str) -> ApiError:
    return ApiError(code, message=(id_text, en_text), status=409)


def begin_totp(session: Session, state: SessionState, request_id: str) -> Outcome:
    """A new secret to enrol (shown once, with its otpauth URI); on when confirmed."""
    user = session.get(User, state.principal.username, with_for_update=True)
    assert user is not None
    if user.totp_secret is not None:
        return Outcome(
            _refused("totp_enabled", "TOTP sudah aktif", "TOTP is on already: turn it off first")
        )
    secret = credentials.new_totp_secret()
    user.totp_pending = credentials.seal(secret, user.username)
    session.flush()
    uri = credentials.otpauth_uri(secret, user.username, rules.TOTP_ISSUER)
    return Outcome(data={"secret": secret, "otpauth_uri": uri})


def confirm_totp(session: Session, state: SessionState, code: str, request_id: str) -> Outcome:
    user = session.get(User, state.principal.username, with_for_update=True)
    assert user is not None
    if user.totp_secret is not None:
        return Outcome(_refused("totp_enabled", "TOTP sudah aktif", "TOTP is on already"))
    secret = credentials.unseal(user.totp_pending, user.username) if user.totp_pending else None
    if secret is None:
        return Outcome(
            _refused(
                "totp_not_started",
                "Mulai aktivasi TOTP terlebih dahulu",
                "Begin the TOTP enrolment first (POST /api/v1/session/totp)",
            )
        )
    step = credentials.totp_step(secret, code)
    if step is None:
        return Outcome(invalid({"code": [WRONG_CODE]}))
    user.totp_secret, user.totp_pending, user.totp_last_step = user.totp_pending, None, step
    ended = end_sessions(session, user.username, "totp enabled", keep=state.id)
    session.flush()
    subject = f"session {state.id}; {ended} other session(s) ended"
    _audit(session, state.principal, "session.totp_on", subject, 200, request_id)
    return Outcome(state=current(session, state))


def disable_totp(session: Session, state: SessionState, code: str, request_id: str) -> Outcome:
    user = session.get(User, state.principal.username, with_for_update=True)
    assert user is not None
    if user.totp_secret is None:
        return Outcome(_refused("totp_disabled", "TOTP tidak aktif", "TOTP is not on"))
    if user.role in rules.totp_required_roles():
        return Outcome(
            _refused(
                "totp_required_for_role",
                "Peran Anda wajib memakai TOTP",
                "Your role must use TOTP: it cannot be turned off",
            )
        )
    secret = credentials.unseal(user.totp_secret, user.username)
    if secret is None or credentials.totp_step(secret, code) is None:  # the person is signed in:
        return Outcome(invalid({"code": [WRONG_CODE]}))  # a code of the last minute will do
    user.totp_secret = user.totp_pending = None
    user.totp_last_step = None
    session.flush()
    _audit(session, state.principal, "session.totp_off", f"session {state.id}", 200, request_id)
    return Outcome(state=current(session, state))
