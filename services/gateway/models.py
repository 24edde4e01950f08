"""The gateway's own database: its users (with their password hash and sealed TOTP secret) and
their API tokens and browser sessions (hashes only), sign-in failures per username, the
append-only audit log, and the outbox/inbox of the kernel. Mirrors ``migrations/versions``."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def _now() -> Mapped[datetime]:
    return mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


def _at() -> Mapped[datetime | None]:
    return mapped_column(sa.DateTime(timezone=True))


class User(Base):
    """A person (or an agency's system) who may call the API: a role and a scope — an area
    (kecamatan and desa codes) or an agency (``opd_code``)."""

    __tablename__ = "users"
    username: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[str] = mapped_column(sa.Text)
    kecamatan_codes: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    desa_codes: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    opd_code: Mapped[str | None] = mapped_column(sa.Text)
    email: Mapped[str | None] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())
    created_at: Mapped[datetime] = _now()
    created_by: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = _now()
    updated_by: Mapped[str] = mapped_column(sa.Text)
    # signing in with a password (migration 0003): argon2id hash; a temporary password (set by
    # an admin) must be changed at the first sign-in
    password_hash: Mapped[str | None] = mapped_column(sa.Text)
    must_change_password: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    password_changed_at: Mapped[datetime | None] = _at()
    # TOTP: the secret sealed with SIPMAS_SECRET_KEY (credentials.seal); pending while enrolling
    totp_secret: Mapped[str | None] = mapped_column(sa.Text)
    totp_pending: Mapped[str | None] = mapped_column(sa.Text)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    @property
    def totp_enabled(self) -> bool:
        return self.totp_secret is not None


class WebSession(Base):
    """A person signed in with a browser: only the SHA-256 of the cookie is kept; the CSRF token
    is kept as it is (alone it opens nothing). Ends idle, at ``expires_at``, or revoked."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.Text, sa.ForeignKey("users.username"))
    sha256: Mapped[str] = mapped_column(sa.Text, unique=True)
    csrf_token: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = _now()
    last_seen_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = _at()
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)
    user_agent: Mapped[str | None] = mapped_column(sa.Text)


class SyncCredential(Base):
    """A device that sends a verifier's visits (the field app): only the SHA-256 of its cookie
    is kept. Lasts days, so a day offline does not stop the sending; revoked on sign-out on the
    device, by an admin, and with the user's deactivation or password reset."""

    __tablename__ = "sync_credentials"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.Text, sa.ForeignKey("users.username"))
    sha256: Mapped[str] = mapped_column(sa.Text, unique=True)
    created_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = _at()
    revoked_at: Mapped[datetime | None] = _at()
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)
    user_agent: Mapped[str | None] = mapped_column(sa.Text)


class SigninThrottle(Base):
    """Failed sign-ins of a username (known or not), and its lock."""

    __tablename__ = "signin_throttle"
    username: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    failures: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    locks: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    locked_until: Mapped[datetime | None] = _at()
    last_failure_at: Mapped[datetime | None] = _at()


class Token(Base):
    """An API token: only its SHA-256 is kept; the plaintext is shown once, when issued."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.Text, sa.ForeignKey("users.username"))
    sha256: Mapped[str] = mapped_column(sa.Text, unique=True)
    label: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = _now()
    created_by: Mapped[str] = mapped_column(sa.Text)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = _at()
    revoked_by: Mapped[str | None] = mapped_column(sa.Text)
    last_used_at: Mapped[datetime | None] = _at()


class AuditEntry(Base):
    """One access to a person's data. Append-only (a trigger refuses UPDATE, DELETE and TRUNCATE)
    and hash-chained: ``hash`` covers the entry and ``prev_hash``, so ``audit.verify`` finds an
    entry changed, deleted or moved. ``seq`` has no gaps (it is not a sequence)."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[str | None] = mapped_column(sa.Text)
    action: Mapped[str] = mapped_column(sa.Text)
    subject: Mapped[str | None] = mapped_column(sa.Text)
    household_ids: Mapped[list[int]] = mapped_column(ARRAY(sa.BigInteger), server_default="{}")
    outcome: Mapped[int | None] = mapped_column(sa.Integer)
    request_id: Mapped[str | None] = mapped_column(sa.Text)
    prev_hash: Mapped[str] = mapped_column(sa.Text)
    hash: Mapped[str] = mapped_column(sa.Text, unique=True)
