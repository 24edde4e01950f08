"""What an event means to send: one delivery per (event, recipient, channel), written in the
consumer's transaction together with its inbox row, so the same event never plans the same
message twice — not on a redelivery, not after a restart (the deliveries' unique key).

Messages are rendered now, from the event, and kept on the delivery: a retry or a resend sends
exactly what was planned, with the template version it was rendered from.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.notifications.domain import audiences, templates
from services.notifications.domain.audiences import Recipient, kind_of
from services.notifications.models import Delivery
from services.notifications.use_cases import readmodel, recipients
from services.notifications.use_cases.delivery import dead_letter
from sipmas.messaging import inbox

log = logging.getLogger(__name__)


def on_event(session: Session, consumer: str, event: dict[str, Any]) -> int:
    """Once per event (inbox): keep what it says of referrals, plan its deliveries."""
    if not inbox.first_delivery(session, consumer, event["event_id"]):
        return 0
    readmodel.apply(session, event)
    return plan(session, event)


def on_events(session: Session, consumer: str, batch: list[dict[str, Any]]) -> int:
    """:func:`on_event` for a batch of events, in the caller's one transaction: one inbox
    statement for all of them; each event new to this consumer is kept and planned."""
    new = inbox.first_deliveries(session, consumer, [event["event_id"] for event in batch])
    recipients.prefetch_households(session, _households_told(batch))
    planned = 0
    try:
        for event in batch:
            event_id = str(event["event_id"])
            if event_id in new:
                new.discard(event_id)  # the same event twice in a batch is planned once
                readmodel.apply(session, event)
                planned += plan(session, event)
    finally:
        session.info.pop(recipients.KNOWN_HOUSEHOLDS, None)  # read for this batch only
    return planned


def _households_told(batch: list[dict[str, Any]]) -> list[int]:
    """The households the batch's rules would tell something (their contacts are needed)."""
    return [
        event["data"].get("household_id")
        for event in batch
        if any(
            r.audience == audiences.HOUSEHOLD
            for r in audiences.applicable(event["event_type"], event["data"])
        )
    ]


def plan(session: Session, event: dict[str, Any]) -> int:
    """The deliveries the rules name for ``event``; returns how many were new."""
    data = event["data"]
    created = 0
    for rule in audiences.applicable(event["event_type"], data):
        found = recipients.resolve(session, rule.audience, data) or [
            Recipient(kind_of(rule.audience), "-", blocked="no_recipient")
        ]
        for recipient in found:
            for send in rule.sends:
                created += _plan_one(session, event, recipient, send)
    return created


def _plan_one(
    session: Session, event: dict[str, Any], recipient: Recipient, send: audiences.Send
) -> int:
    channel = send.channel
    address = recipient.addresses.get(channel)
    reason = recipient.blocked or (None if address else "no_address")
    if reason and not send.required:
        return insert_delivery(
            session, event, recipient, channel, {}, state="skipped", reason=reason
        )
    content = message(event, recipient, channel)
    if reason:  # a required message nobody can receive: dead now, reported, resendable later
        return insert_delivery(session, event, recipient, channel, content, "dead", reason)
    return insert_delivery(session, event, recipient, channel, content, address=address)


def message(event: dict[str, Any], recipient: Recipient, channel: str) -> dict[str, str]:
    """The rendered message; a webhook's is the agency's scoped envelope."""
    if channel == "webhook":
        return {"body": templates.webhook_body(event)}
    return templates.render(
        event["event_type"], channel, templates.context(event, recipient.card())
    )


def insert_delivery(
    session: Session,
    event: Mapping[str, Any],
    recipient: Recipient,
    channel: str,
    content: dict[str, str],
    state: str = "pending",
    reason: str | None = None,
    address: str | None = None,
) -> int:
    """Insert one delivery unless its (event, recipient, channel) exists; 1 when new."""
    data = event["data"]
    row = {
        "event_id": uuid.UUID(str(event["event_id"])),
        "event_type": event["event_type"],
        "correlation_id": event.get("correlation_id"),
        "recipient_kind": recipient.kind,
        "recipient_id": recipient.id,
        "channel": channel,
        "address": address,
        "household_id": data.get("household_id"),
        "opd_code": data.get("opd_code") or (recipient.id if recipient.kind == "agency" else None),
        "message": content,
        "template_version": _version(event["event_type"], channel) if content else None,
        "state": state,
        "reason": reason,
    }
    new_id = session.execute(_INSERT, row).scalar()  # Core: the ORM's bulk path cost more
    if new_id is None:
        return 0
    if state == "dead":
        dead_letter(session, session.get(Delivery, new_id), reason or "unknown")
    elif state == "skipped":
        log.info("delivery %s (%s, %s) skipped: %s", new_id, event["event_type"], channel, reason)
    return 1


_INSERT = (
    insert(Delivery.__table__)
    .on_conflict_do_nothing(
        index_elements=["event_id", "recipient_kind", "recipient_id", "channel"]
    )
    .returning(Delivery.__table__.c.id)
)


def _version(event_type: str, channel: str) -> str:
    return "webhook-envelope-v1" if channel == "webhook" else templates.version(event_type, channel)
