"""The daily digest: each agency hears once a day of its open referrals and which are overdue,
from the read model of referral events. Once per agency per day, however often the timer runs and
however many replicas run it: the digest is a delivery whose event id is derived from the agency
and the (local) day, and deliveries are unique.

Overdue means past a due date the referral service announced (``referral_escalated.due_at``); a
referral that was never escalated is open, not overdue — ``referral_created`` carries no dates.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifications.domain import audiences, templates
from services.notifications.models import Delivery, KnownReferral
from services.notifications.use_cases import planning, recipients
from services.notifications.use_cases.readmodel import OPEN_STATES
from sipmas import settings

NAMESPACE = uuid.UUID("6a1f3f0e-2b8c-5d1e-9a41-5f1d0c7e2a10")


def digest_id(opd_code: str, day: date) -> uuid.UUID:
    """The digest's stable id: the same agency and day always name the same delivery."""
    return uuid.uuid5(NAMESPACE, f"{audiences.DIGEST}:{opd_code}:{day.isoformat()}")


def local_day(at: datetime) -> tuple[date, int]:
    local = at.astimezone(ZoneInfo(settings.local_timezone()))
    return local.date(), local.hour


def summary(opd_code: str, day: date, rows: list[KnownReferral], at: datetime) -> dict[str, Any]:
    """The digest's data: overdue first, then the oldest."""
    items = [
        {
            "referral_id": row.referral_id,
            "case_id": row.case_id,
            "need": row.need or "-",
            "programme": row.programme or "-",
            "state": row.state,
            "opened_at": row.opened_at.isoformat() if row.opened_at else None,
            "due_at": row.due_at.isoformat() if row.due_at else None,
            "overdue": row.due_at is not None and row.due_at < at,
        }
        for row in rows
    ]
    items.sort(key=lambda item: (not item["overdue"], item["opened_at"] or "", item["referral_id"]))
    return {
        "opd_code": opd_code,
        "day": day.isoformat(),
        "open_count": len(items),
        "overdue_count": sum(item["overdue"] for item in items),
        "referrals": items,
    }


def open_by_agency(session: Session) -> dict[str, list[KnownReferral]]:
    found: dict[str, list[KnownReferral]] = defaultdict(list)
    rows = session.scalars(
        sa.select(KnownReferral)
        .where(KnownReferral.state.in_(OPEN_STATES), KnownReferral.opd_code.is_not(None))
        .order_by(KnownReferral.referral_id)
    )
    for row in rows:
        found[row.opd_code].append(row)
    return found


def run(session: Session, at: datetime) -> int:
    """Plan today's digests once the digest hour has come; returns how many were new."""
    day, hour = local_day(at)
    if hour < settings.digest_hour():
        return 0
    planned = 0
    for opd_code, rows in open_by_agency(session).items():
        event_id = digest_id(opd_code, day)
        if session.scalar(sa.select(Delivery.id).where(Delivery.event_id == event_id)):
            continue  # today's digest of this agency is planned already
        event = {
            "event_id": event_id,
            "event_type": audiences.DIGEST,
            "correlation_id": None,
            "data": summary(opd_code, day, rows, at),
        }
        planned += plan_digest(session, event)
    return planned


def plan_digest(session: Session, event: dict[str, Any]) -> int:
    recipient = recipients.agency(session, event["data"]["opd_code"])
    context = {"event": event, "data": event["data"], "recipient": recipient.card()}
    content = templates.render(audiences.DIGEST, "email", context)
    address = recipient.addresses.get("email")
    if recipient.blocked or not address:
        reason = recipient.blocked or "no_address"
        return planning.insert_delivery(session, event, recipient, "email", content, "dead", reason)
    return planning.insert_delivery(session, event, recipient, "email", content, address=address)
