"""What notifications knows of referrals, from the referral service's events (it cannot read
the referral database): agency, state, when opened, and the due date an escalation carries.
Events may arrive out of order (each has its own queue): a state only replaces one that is older.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.notifications.models import KnownReferral

OPEN_STATES = ("created", "sent", "received", "in_progress")
DESCRIPTIVE = ("opd_code", "household_id", "case_id", "need", "programme")
REFERRAL_EVENTS = ("referral_created", "referral_status_changed", "referral_escalated")


def apply(session: Session, event: dict[str, Any]) -> None:
    """Fold one referral event into the read model (other events change nothing), in one
    upsert: a row for a referral not seen yet, else the fields this event speaks for."""
    if event["event_type"] not in REFERRAL_EVENTS:
        return
    kind, data, at = event["event_type"], event["data"], event["occurred_at"]
    state = {"referral_created": "created", "referral_status_changed": data.get("to_status")}
    row = {name: data.get(name) for name in DESCRIPTIVE}
    row |= {
        "referral_id": data["referral_id"],
        "state": state.get(kind) or "created",
        "state_at": at,
        "opened_at": at if kind == "referral_created" else None,
        "due_at": data.get("due_at") if kind == "referral_escalated" else None,
        "escalated_stage": data.get("stage") if kind == "referral_escalated" else None,
    }
    session.execute(_upsert(kind), row)


@cache
def _upsert(kind: str) -> Any:
    """The statement for ``kind`` (built once: building it cost more than running it)."""
    new = insert(TABLE)
    known, came = TABLE.c, new.excluded
    changes: dict[str, Any] = {
        name: sa.func.coalesce(came[name], known[name]) for name in DESCRIPTIVE
    }
    if kind == "referral_created":
        changes["opened_at"] = came.opened_at
    if kind in ("referral_created", "referral_status_changed"):
        newer = sa.or_(known.state_at.is_(None), came.state_at >= known.state_at)
        changes["state"] = sa.case((newer, came.state), else_=known.state)
        changes["state_at"] = sa.case((newer, came.state_at), else_=known.state_at)
    else:  # referral_escalated: the due date it missed
        changes["due_at"] = came.due_at
        changes["escalated_stage"] = came.escalated_stage
    return new.on_conflict_do_update(index_elements=[known.referral_id], set_=changes)


TABLE = KnownReferral.__table__
