"""Sending what was planned: claim due deliveries (``FOR UPDATE SKIP LOCKED``, so replicas never
send one twice), send through the channel, log the attempt, and decide what comes next — sent,
retried later with backoff (temporary failure), or dead-lettered and reported (permanent
failure, or the last attempt). Nothing is dropped: a delivery ends sent, skipped (a rule said
not to: no consent, no address on an optional channel) or dead with its reason.

Logs name deliveries by id, event, channel and recipient id: never an address or a body.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifications import backoff, quiet_hours, rate_limits, recipients
from services.notifications.channels import OK, PERMANENT, TEMPORARY, Channel, Message, Outcome
from services.notifications.errors import NotFound, Refused
from services.notifications.models import AgencyContact, Delivery, DeliveryAttempt
from sipmas import events, outbox, settings

log = logging.getLogger(__name__)

Emit = Callable[[Session, Mapping[str, Any]], None]
SENDING_OUTCOMES = (OK, TEMPORARY, PERMANENT)
MAX_DETAIL = 300


def now() -> datetime:
    return datetime.now(UTC)


# --- the sender loop ----------------------------------------------------------------------------


def send_due(
    session: Session,
    channels: Mapping[str, Channel],
    emit: Emit = outbox.add,
    clock: Callable[[], datetime] = now,
    batch: int = 50,
) -> Counter:
    """Send what is due on every channel, within its rate limit; one transaction per delivery
    (committed here), so a crash resends at most the message that was in flight."""
    done: Counter = Counter()
    for name, channel in channels.items():
        limit = settings.notify_rate_per_minute(name)
        budget = rate_limits.allowance(limit, sent_recently(session, name, clock()))
        for _ in range(min(batch, budget)):
            delivery = claim(session, name, clock())
            if delivery is None:
                break
            done[attempt(session, delivery, channel, emit, clock())] += 1
            session.commit()
    return done


def sent_recently(session: Session, channel: str, at: datetime) -> int:
    """Attempts of ``channel`` in the last minute, by every replica (the log is shared)."""
    since = at - timedelta(seconds=rate_limits.WINDOW_SECONDS)
    return session.scalar(
        sa.select(sa.func.count()).where(
            DeliveryAttempt.channel == channel,
            DeliveryAttempt.at > since,
            DeliveryAttempt.outcome.in_(SENDING_OUTCOMES),
        )
    )


def claim(session: Session, channel: str, at: datetime) -> Delivery | None:
    """The next due delivery of ``channel``, locked; one another replica holds is skipped."""
    return session.scalars(
        sa.select(Delivery)
        .where(
            Delivery.state == "pending",
            Delivery.channel == channel,
            Delivery.next_attempt_at <= at,
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def attempt(
    session: Session, delivery: Delivery, channel: Channel, emit: Emit, at: datetime
) -> str:
    """One attempt of a claimed delivery; returns what became of it."""
    hours = quiet_hours.configured()
    if quiet_hours.applies(delivery.channel, delivery.recipient_kind) and hours.active(at):
        return _defer(session, delivery, hours.ends(at), at)
    if delivery.recipient_kind == "household" and not _still_reachable(session, delivery):
        return "skipped"
    outcome = _send(channel, _message(session, delivery))
    delivery.attempts += 1
    delivery.updated_at = at
    _log(session, delivery, outcome.status, outcome.detail, at)
    if outcome.ok:
        delivery.state, delivery.sent_at, delivery.reason = "sent", at, None
        emit(session, sent_event(delivery))
        return "sent"
    if outcome.status == PERMANENT or delivery.attempts >= settings.notify_max_attempts():
        dead_letter(session, delivery, f"{outcome.status}: {outcome.detail}", emit)
        return "dead"
    delivery.next_attempt_at = at + timedelta(seconds=backoff.delay(delivery.attempts))
    delivery.reason = f"{outcome.status}: {outcome.detail}"
    return "retry"


def _defer(session: Session, delivery: Delivery, until: datetime, at: datetime) -> str:
    """Quiet hours: the SMS waits for the morning (not an attempt, but logged)."""
    delivery.next_attempt_at = until
    delivery.updated_at = at
    _log(session, delivery, "deferred", f"quiet hours until {until.isoformat()}", at)
    return "deferred"


def _still_reachable(session: Session, delivery: Delivery) -> bool:
    """A household that withdrew its consent (or its phone) since planning gets nothing."""
    current = recipients.household(session, int(delivery.recipient_id))
    if current.blocked:
        delivery.state, delivery.reason = "skipped", current.blocked
        return False
    delivery.address = current.addresses["sms"]
    return True


def _message(session: Session, delivery: Delivery) -> Message:
    secret = None
    if delivery.channel == "webhook":
        contact = session.get(AgencyContact, delivery.recipient_id)
        secret = contact.webhook_secret if contact else None
    return Message(
        delivery_id=delivery.id,
        event_id=str(delivery.event_id),
        channel=delivery.channel,
        address=delivery.address or "",
        content=delivery.message,
        secret=secret,
    )


def _send(channel: Channel, message: Message) -> Outcome:
    """A channel that raises (a bug, an unforeseen error) counts as a temporary failure."""
    try:
        return channel.send(message)
    except Exception as error:  # the attempt is logged and retried, never lost
        log.exception("delivery %s: channel %s raised", message.delivery_id, message.channel)
        return Outcome(TEMPORARY, f"error: {type(error).__name__}")


def _log(session: Session, delivery: Delivery, outcome: str, detail: str, at: datetime) -> None:
    session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            attempt=delivery.attempts,
            channel=delivery.channel,
            outcome=outcome,
            detail=(detail or "")[:MAX_DETAIL],
            at=at,
        )
    )
    log.info(
        "delivery %s (%s %s, %s to %s %s) attempt %d: %s %s",
        delivery.id,
        delivery.event_type,
        delivery.event_id,
        delivery.channel,
        delivery.recipient_kind,
        delivery.recipient_id,
        delivery.attempts,
        outcome,
        detail,
    )


# --- dead letters, reports, resends -------------------------------------------------------------


def dead_letter(session: Session, delivery: Delivery, reason: str, emit: Emit) -> None:
    """The end of a delivery that could not be made: kept with its reason, and reported."""
    delivery.state, delivery.reason = "dead", reason[:MAX_DETAIL]
    emit(session, failed_event(delivery))
    log.error(
        "delivery %s (%s %s, %s to %s %s) dead-lettered after %d attempts: %s",
        delivery.id,
        delivery.event_type,
        delivery.event_id,
        delivery.channel,
        delivery.recipient_kind,
        delivery.recipient_id,
        delivery.attempts,
        reason,
    )


def _report(delivery: Delivery) -> dict[str, Any]:
    return {
        "delivery_id": delivery.id,
        "source_event_id": str(delivery.event_id),
        "source_event_type": delivery.event_type,
        "channel": delivery.channel,
        "recipient_kind": delivery.recipient_kind,
        "recipient_id": delivery.recipient_id,
        "attempts": delivery.attempts,
    }


def sent_event(delivery: Delivery) -> dict[str, Any]:
    return events.envelope("notification_sent", _report(delivery), delivery.correlation_id)


def failed_event(delivery: Delivery) -> dict[str, Any]:
    data = _report(delivery) | {"reason": delivery.reason or "unknown"}
    return events.envelope("notification_failed", data, delivery.correlation_id)


def resend(session: Session, delivery_id: int, actor: str) -> dict[str, Any]:
    """Send a dead delivery again, to the address the directory has NOW (fixed since?), with a
    fresh budget of attempts; the log keeps the earlier attempts and who asked."""
    delivery = session.get(Delivery, delivery_id, with_for_update=True)
    if delivery is None:
        raise NotFound("delivery", delivery_id)
    if delivery.state != "dead":
        raise Refused("not_dead", f"delivery {delivery_id} is {delivery.state}, not dead")
    address = recipients.address(
        session, delivery.recipient_kind, delivery.recipient_id, delivery.channel
    )
    if not address or not delivery.message:
        raise Refused("no_address", "the recipient has no address for this channel yet")
    at = now()
    delivery.address, delivery.state, delivery.attempts = address, "pending", 0
    delivery.reason, delivery.next_attempt_at, delivery.updated_at = None, at, at
    _log(session, delivery, "resend", f"by {actor}", at)
    return {"delivery_id": delivery.id, "state": delivery.state}
