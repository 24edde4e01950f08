"""What notifications knows of referrals, from the referral service's events (it cannot read
the referral database): agency, state, when opened, and the due date an escalation carries.
Events may arrive out of order (each has its own queue): a state only replaces one that is older.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.notifications.models import KnownReferral

OPEN_STATES = ("created", "sent", "received", "in_progress")
DESCRIPTIVE = ("opd_code", "household_id", "case_id", "need", "programme")
REFERRAL_EVENTS = ("referral_created", "referral_status_changed", "referral_escalated")


def apply(session: Session, event: dict[str, Any]) -> None:
    """Fold one referral event into the read model (other events change nothing)."""
    if event["event_type"] not in REFERRAL_EVENTS:
        return
    data, at = event["data"], event["occurred_at"]
    row = session.get(KnownReferral, data["referral_id"], with_for_update=True)
    if row is None:
        row = KnownReferral(referral_id=data["referral_id"], state="created", state_at=at)
        session.add(row)
    for name in DESCRIPTIVE:
        if data.get(name) is not None:
            setattr(row, name, data[name])
    _apply(row, event["event_type"], data, at)
    session.flush()


def _apply(row: KnownReferral, event_type: str, data: dict[str, Any], at: datetime) -> None:
    if event_type == "referral_created":
        row.opened_at = at
        _move(row, "created", at)
    elif event_type == "referral_status_changed":
        _move(row, data["to_status"], at)
    else:  # referral_escalated: the due date it missed
        row.due_at = data["due_at"]
        row.escalated_stage = data["stage"]


def _move(row: KnownReferral, state: str, at: datetime) -> None:
    if row.state_at is None or at >= row.state_at:
        row.state, row.state_at = state, at
