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

import eventlet
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifications.channels import OK, PERMANENT, TEMPORARY, Channel, Message, Outcome
from services.notifications.domain import backoff, quiet_hours, rate_limits
from services.notifications.errors import NotFound, Refused
from services.notifications.models import AgencyContact, Delivery, DeliveryAttempt
from services.notifications.use_cases import recipients
from sipmas import events, outbox, settings

log = logging.getLogger(__name__)

SENDING_OUTCOMES = (OK, TEMPORARY, PERMANENT)
MAX_DETAIL = 300


def now() -> datetime:
    return datetime.now(UTC)


# --- the sender loop ----------------------------------------------------------------------------


def send_due(
    session: Session,
    channels: Mapping[str, Channel],
    clock: Callable[[], datetime] = now,
    batch: int | None = None,
) -> Counter:
    """Send everything due on every channel, within its rate limit, until nothing is left.

    A batch of up to ``batch`` deliveries per channel at a time, the channels taking turns: each
    batch is claimed (``FOR UPDATE SKIP LOCKED``), sent, logged and committed together, its
    events written in one statement. A crash resends at most the batch in flight: mail servers
    and agencies' systems drop the copy by its Message-ID or event id; a phone cannot, so SMS
    go one per commit (:data:`ONE_PER_COMMIT`) and a crash resends at most one.
    """
    size = batch or send_batch()
    done: Counter = Counter()
    secrets: dict[str, str | None] = {}
    budgets = {
        name: rate_limits.allowance(
            settings.notify_rate_per_minute(name), sent_recently(session, name, clock())
        )
        for name in channels
    }
    active = [name for name, budget in budgets.items() if budget > 0]
    while active:
        for name in list(active):
            wanted = min(1 if name in ONE_PER_COMMIT else size, budgets[name])
            sent = _send_batch(session, name, channels[name], clock, wanted, secrets, done)
            budgets[name] -= sent
            if sent < wanted or budgets[name] <= 0:
                active.remove(name)  # drained, or out of budget for this minute
    return done


ONE_PER_COMMIT = frozenset({"sms"})  # channels whose receiver cannot drop a copy (a phone)


def send_batch() -> int:
    """Deliveries claimed and committed together (``SIPMAS_NOTIFY_SEND_BATCH``, 20)."""
    return max(1, int(settings.env("SIPMAS_NOTIFY_SEND_BATCH", "20")))


def _send_batch(
    session: Session,
    name: str,
    channel: Channel,
    clock: Callable[[], datetime],
    size: int,
    secrets: dict[str, str | None],
    done: Counter,
) -> int:
    """Claim, send and commit one batch of ``name``'s due deliveries; returns how many."""
    claimed = claim_many(session, name, clock(), size)
    if not claimed:
        session.commit()  # ends the claiming transaction
        return 0
    _load_secrets(session, claimed, secrets)
    at = clock()
    ready = []
    for delivery in claimed:
        held = _held_back(session, delivery, at)
        if held is None:
            ready.append((delivery, _message(session, delivery, secrets)))
        else:
            done[held] += 1
    sent = _send_together(channel, [message for _, message in ready])
    for (delivery, _), outcome in zip(ready, sent, strict=True):
        done[_settle(session, delivery, outcome, at)] += 1
    session.commit()  # the batch's reports with it (kept by the session until then)
    return len(claimed)


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
    found = claim_many(session, channel, at, 1)
    return found[0] if found else None


def claim_many(session: Session, channel: str, at: datetime, limit: int) -> list[Delivery]:
    """Up to ``limit`` due deliveries of ``channel``, oldest first, locked; those another
    replica holds are skipped."""
    return list(
        session.scalars(
            sa.select(Delivery)
            .where(
                Delivery.state == "pending",
                Delivery.channel == channel,
                Delivery.next_attempt_at <= at,
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def _load_secrets(session: Session, claimed: list[Delivery], secrets: dict) -> None:
    """The signing secrets of the batch's webhook recipients, in one query."""
    wanted = {d.recipient_id for d in claimed if d.channel == "webhook"} - set(secrets)
    if not wanted:
        return
    rows = session.execute(
        sa.select(AgencyContact.opd_code, AgencyContact.webhook_secret).where(
            AgencyContact.opd_code.in_(wanted)
        )
    ).all()
    secrets.update({code: None for code in wanted} | dict(rows))


def attempt(
    session: Session,
    delivery: Delivery,
    channel: Channel,
    at: datetime,
    secrets: Mapping[str, str | None] | None = None,
) -> str:
    """One attempt of a claimed delivery; returns what became of it."""
    held = _held_back(session, delivery, at)
    if held is not None:
        return held
    outcome = _send(channel, _message(session, delivery, secrets))
    return _settle(session, delivery, outcome, at)


def _held_back(session: Session, delivery: Delivery, at: datetime) -> str | None:
    """``deferred`` (quiet hours) or ``skipped`` (consent withdrawn) instead of sending."""
    hours = quiet_hours.configured()
    if quiet_hours.applies(delivery.channel, delivery.recipient_kind) and hours.active(at):
        return _defer(session, delivery, hours.ends(at), at)
    if delivery.recipient_kind == "household" and not _still_reachable(session, delivery):
        return "skipped"
    return None


def _settle(session: Session, delivery: Delivery, outcome: Outcome, at) -> str:
    """Log the attempt and decide: sent, retried later with backoff, or dead."""
    delivery.attempts += 1
    delivery.updated_at = at
    _log(session, delivery, outcome.status, outcome.detail, at)
    if outcome.ok:
        delivery.state, delivery.sent_at, delivery.reason = "sent", at, None
        if report_sent():
            outbox.add(session, sent_event(delivery))
        return "sent"
    if outcome.status == PERMANENT or delivery.attempts >= settings.notify_max_attempts():
        dead_letter(session, delivery, f"{outcome.status}: {outcome.detail}")
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


def _message(
    session: Session, delivery: Delivery, secrets: Mapping[str, str | None] | None = None
) -> Message:
    secret = None
    if delivery.channel == "webhook" and secrets is not None and delivery.recipient_id in secrets:
        secret = secrets[delivery.recipient_id]
    elif delivery.channel == "webhook":
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


def _send_together(channel: Channel, messages: list[Message]) -> list[Outcome]:
    """Send a batch's messages several at a time (``SIPMAS_NOTIFY_SEND_CONCURRENCY``, 8): each
    waits on the receiver, not on the CPU. Green threads: in a nameko process (eventlet)."""
    width = max(1, int(settings.env("SIPMAS_NOTIFY_SEND_CONCURRENCY", "8")))
    if width == 1 or len(messages) < 2:
        return [_send(channel, message) for message in messages]
    pool = eventlet.GreenPool(min(width, len(messages)))
    return list(pool.imap(lambda message: _send(channel, message), messages))


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


def dead_letter(session: Session, delivery: Delivery, reason: str) -> None:
    """The end of a delivery that could not be made: kept with its reason, and reported."""
    delivery.state, delivery.reason = "dead", reason[:MAX_DETAIL]
    outbox.add(session, failed_event(delivery))
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


def report_sent() -> bool:
    """Whether each sent message is announced as ``notification_sent``
    (``SIPMAS_NOTIFY_SENT_EVENTS=1``). Off by default: no service consumes it and the delivery
    log already keeps every attempt, while it was a third of the messages a verified household
    costs the broker. A failure (``notification_failed``) is always announced."""
    return settings.env("SIPMAS_NOTIFY_SENT_EVENTS", "0") == "1"


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
