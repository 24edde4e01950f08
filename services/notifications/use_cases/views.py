"""The delivery log as RPC shows it: what was to be sent to whom, how each attempt went — with
addresses masked and never a message body."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifications.errors import Invalid
from services.notifications.models import Delivery, DeliveryAttempt


def mask_address(address: str | None) -> str | None:
    """``pe***@opd.example``, ``+62812****5678``: enough to recognise, not to harvest."""
    if not address:
        return None
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:2]}***@{domain}"
    if address.startswith("http"):
        return address.split("?")[0]
    return address[:6] + "*" * max(0, len(address) - 10) + address[-4:]


def _where(kind: str, key: Any) -> Any:
    try:
        if kind == "household":
            return Delivery.household_id == int(key)
        if kind == "event":
            return Delivery.event_id == uuid.UUID(str(key))
    except (TypeError, ValueError):
        raise Invalid({"key": [f"not a valid {kind} key"]}) from None
    return Delivery.opd_code == str(key)


def delivery_log(session: Session, kind: str, key: Any, limit: int = 100) -> list[dict[str, Any]]:
    """Deliveries of a household, an agency or an event, newest first, each with its attempts."""
    deliveries = session.scalars(
        sa.select(Delivery).where(_where(kind, key)).order_by(Delivery.id.desc()).limit(limit)
    ).all()
    attempts: dict[int, list[dict[str, Any]]] = {d.id: [] for d in deliveries}
    for row in session.scalars(
        sa.select(DeliveryAttempt)
        .where(DeliveryAttempt.delivery_id.in_(list(attempts)))
        .order_by(DeliveryAttempt.id)
    ):
        attempts[row.delivery_id].append(
            {
                "attempt": row.attempt,
                "outcome": row.outcome,
                "detail": row.detail,
                "at": row.at.isoformat(),
            }
        )
    return [_view(d, attempts[d.id]) for d in deliveries]


def _view(delivery: Delivery, attempts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "delivery_id": delivery.id,
        "event_id": str(delivery.event_id),
        "event_type": delivery.event_type,
        "recipient_kind": delivery.recipient_kind,
        "recipient_id": delivery.recipient_id,
        "channel": delivery.channel,
        "address": mask_address(delivery.address),
        "state": delivery.state,
        "attempts": delivery.attempts,
        "reason": delivery.reason,
        "template_version": delivery.template_version,
        "created_at": delivery.created_at.isoformat() if delivery.created_at else None,
        "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
        "next_attempt_at": (
            delivery.next_attempt_at.isoformat() if delivery.state == "pending" else None
        ),
        "log": attempts,
    }
