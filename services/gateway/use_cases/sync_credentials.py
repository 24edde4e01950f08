"""A device's sync credential: what lets the field app send a day's visits after its browser
session has long ended.

Signing in online on the phone gives it one (``issue``): a cookie ``sipmas_sync`` (HttpOnly,
SameSite=Strict, Path=/api/v1: the app's scripts never read it), valid ``SIPMAS_SYNC_DAYS``
(14 by default), good for the sync endpoints only (``policy.DEVICE``) and for a verifier only.
Only its SHA-256 is kept. It ends at sign-out on the device, when an admin revokes the user's
devices, when the user is deactivated or their password reset, or when the device is given a
new one; each use is noted at most once a minute.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.gateway.domain import policy
from services.gateway.domain.users import Principal
from services.gateway.models import SyncCredential, User
from services.gateway.use_cases.identity import (
    Unauthenticated,
    ensure_live,
    note_use,
    principal_of,
)
from sipmas import settings

COOKIE = "sipmas_sync"
COOKIE_PATH = "/api/v1"  # the sign-out (/api/v1/session) sees it too, and ends it
COOKIE_BYTES = 32
MAX_USER_AGENT = 300


def sync_days() -> float:
    return float(settings.env("SIPMAS_SYNC_DAYS", "14"))


def wipe_days() -> float:
    """Days without a sync after which the field app clears what it sent and cached (never
    what it has not sent): ``SIPMAS_FIELD_WIPE_DAYS``, by default as long as a credential."""
    return float(settings.env("SIPMAS_FIELD_WIPE_DAYS", str(sync_days())))


@dataclass(frozen=True)
class Issued:
    id: int
    cookie: str
    expires_at: datetime


def credential_hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def issue(
    session: Session, principal: Principal, user_agent: str | None, replacing: str | None
) -> Issued:
    """A new credential for the caller's device; the one it had (``replacing``) ends."""
    if replacing:
        revoke(session, replacing, "replaced")
    now = session.scalar(sa.select(sa.func.now()))
    cookie = secrets.token_urlsafe(COOKIE_BYTES)
    record = SyncCredential(
        username=principal.username,
        sha256=credential_hash(cookie),
        expires_at=now + timedelta(days=sync_days()),
        user_agent=(user_agent or "")[:MAX_USER_AGENT] or None,
    )
    session.add(record)
    session.flush()
    return Issued(record.id, cookie, record.expires_at)


_BY_COOKIE = (
    sa.select(SyncCredential, User, sa.func.now())
    .join(User, User.username == SyncCredential.username)
    .where(SyncCredential.sha256 == sa.bindparam("sha256"))
)


def authenticate(session: Session, cookie: str) -> Principal:
    """The verifier a device's credential stands for (``via="sync"``); raises
    ``identity.Unauthenticated`` (unknown, revoked, expired, inactive, role: for the log; the
    device hears one answer, sign in again)."""
    if not cookie or len(cookie) > 200:
        raise Unauthenticated("unknown")
    found = session.execute(_BY_COOKIE, {"sha256": credential_hash(cookie)}).one_or_none()
    if found is None:
        raise Unauthenticated("unknown")
    record, user, now = found
    ensure_live(record, user, now)
    if user.role != policy.VERIFIER:
        raise Unauthenticated("role")
    note_use(session, record, now)
    return dataclasses.replace(principal_of(user), via="sync")


def revoke(session: Session, cookie: str, reason: str) -> bool:
    """End the credential of this cookie (sign-out on the device); whether one ended. All of a
    user's: ``identity.end_devices``."""
    ended = session.execute(
        sa.update(SyncCredential)
        .where(
            SyncCredential.sha256 == credential_hash(cookie), SyncCredential.revoked_at.is_(None)
        )
        .values(revoked_at=sa.func.now(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return bool(ended.rowcount)
