"""A SIPMAS agency (OPD) client in plain pika: receive your referrals, answer with status updates.

Copy this file into your own system. It needs only ``pip install pika==1.3.2``.

    # listen, print each referral (Ctrl-C to stop); --accept answers "accepted" to new ones
    python agency_subscriber.py --url amqp://opd-perkim:SECRET@sipmas.example/sipmas --opd perkim

    # answer one referral
    python agency_subscriber.py --url ... --opd perkim send 42 completed --evidence sha256:9f2c...
    python agency_subscriber.py --url ... --opd perkim send 43 rejected --reason "Di luar wilayah"

The contract (docs/asyncapi.yaml): referrals arrive on the topic exchange ``sipmas.opd`` with
routing keys ``referral.<opd>.<event>`` (created, updated, escalated, cancelled, refused) in a
JSON envelope; delivery is at-least-once, so dedupe on ``event_id``. Answers go to the topic
exchange ``sipmas.opd.inbound`` with routing key ``status.<opd>``, AMQP ``message_id`` =
``update_id`` and ``user_id`` = your broker user (``opd-<opd>``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import unquote, urlparse

import pika
from pika.adapters.blocking_connection import BlockingChannel

EXCHANGE = "sipmas.opd"
INBOUND_EXCHANGE = "sipmas.opd.inbound"
STATUSES = ("accepted", "in_progress", "completed", "rejected")

_confirming: weakref.WeakSet = weakref.WeakSet()  # channels with publisher confirms on


def connect(amqp_url: str) -> pika.BlockingConnection:
    """Open a connection, e.g. ``amqp://opd-perkim:SECRET@host:5672/sipmas`` (``amqps://`` for
    TLS). The vhost is the URL's path (``/sipmas``)."""
    parameters = pika.URLParameters(amqp_url)
    parameters.heartbeat = 30
    parameters.blocked_connection_timeout = 60
    parameters.client_properties = {"connection_name": "sipmas-agency-subscriber"}
    return pika.BlockingConnection(parameters)


def queue_name(opd_code: str) -> str:
    return f"opd.{opd_code}.referrals"


def subscribe(channel: BlockingChannel, opd_code: str) -> str:
    """Declare your durable queue ``opd.<opd>.referrals`` and bind it to your referrals.

    SIPMAS declares the same queue (same arguments) so nothing is lost before your first
    connection; declaring it again is harmless. Your broker user may only bind
    ``referral.<opd>.*``/``referral.<opd>.#`` (or one event): any other key closes the channel
    with ACCESS_REFUSED (403)."""
    queue = queue_name(opd_code)
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, EXCHANGE, routing_key=f"referral.{opd_code}.*")
    return queue


def decode(body: bytes) -> dict:
    return json.loads(body.decode("utf-8"))


def fetch(channel: BlockingChannel, queue: str, expect: int, timeout: float) -> list[dict]:
    """Take up to ``expect`` messages from ``queue`` within ``timeout`` seconds, ack them and
    return their JSON bodies (duplicates included). For tests and demos; use :func:`listen`."""
    bodies: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(bodies) < expect and time.monotonic() < deadline:
        method, _properties, body = channel.basic_get(queue, auto_ack=False)
        if method is None:
            channel.connection.sleep(0.05)
            continue
        bodies.append(decode(body))
        channel.basic_ack(method.delivery_tag)
    return bodies


class Seen:
    """The ``event_id`` values already handled, newest last (bounded).

    At-least-once delivery means a message can come twice (a redelivery after a lost ack, a
    relay retry). A real system keeps these ids in its database, written in the same
    transaction as the effect of the message; this in-memory set is enough for a demo."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._ids

    def add(self, event_id: str) -> bool:
        """Remember ``event_id``; False if it was seen before."""
        if event_id in self._ids:
            return False
        self._ids[event_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


def listen(
    channel: BlockingChannel,
    queue: str,
    handle: Callable[[str, dict], None],
    seen: Seen | None = None,
) -> None:
    """Consume ``queue`` until interrupted: ``handle(routing_key, envelope)`` once per
    ``event_id``, then ack. If ``handle`` raises, the message is rejected back to the queue
    (fix the cause; it will be redelivered); a body that is not JSON is rejected for good."""
    seen = seen or Seen()
    channel.basic_qos(prefetch_count=20)

    def on_message(ch, method, _properties, body):
        try:
            envelope = decode(body)
        except ValueError:
            ch.basic_reject(method.delivery_tag, requeue=False)
            return
        event_id = str(envelope.get("event_id"))
        if event_id in seen:
            ch.basic_ack(method.delivery_tag)  # a duplicate: already handled
            return
        try:
            handle(method.routing_key, envelope)
        except Exception:
            ch.basic_nack(method.delivery_tag, requeue=True)
            raise
        seen.add(event_id)
        ch.basic_ack(method.delivery_tag)

    channel.basic_consume(queue, on_message, auto_ack=False)
    channel.start_consuming()


def send_status(
    channel: BlockingChannel,
    opd_code: str,
    referral_id: int,
    status: str,
    *,
    user: str,
    evidence_ref: str | None = None,
    reason: str | None = None,
    note: str | None = None,
    update_id: str | None = None,
) -> str:
    """Publish a status update for one of your referrals and wait for the broker's confirm;
    returns its ``update_id`` (reuse it when you retry: SIPMAS applies an update once).

    ``user`` is your broker user (``opd-<opd>``): RabbitMQ checks the ``user_id`` property
    against the connection's user (PRECONDITION_FAILED otherwise), which is how SIPMAS knows the
    update is yours. Raises ``pika.exceptions.UnroutableError`` if SIPMAS's inbound queue is
    missing (try later) and ``pika.exceptions.ChannelClosedByBroker`` on a refusal by the broker
    (403 ACCESS_REFUSED: not your routing key; 406: wrong user_id); open a new channel then.
    Whether SIPMAS accepts the update itself arrives later as ``referral.<opd>.updated`` (or
    ``referral.<opd>.refused`` with the reason)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    if status == "completed" and not evidence_ref:
        raise ValueError("a completed referral needs evidence_ref")
    if status == "rejected" and not reason:
        raise ValueError("a rejected referral needs a reason")
    update_id = update_id or str(uuid.uuid4())
    body = {
        "update_id": update_id,
        "referral_id": int(referral_id),
        "status": status,
        "evidence_ref": evidence_ref,
        "reason": reason,
        "note": note,
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    if channel not in _confirming:
        channel.confirm_delivery()
        _confirming.add(channel)
    channel.basic_publish(
        INBOUND_EXCHANGE,
        f"status.{opd_code}",
        json.dumps(body).encode("utf-8"),
        pika.BasicProperties(
            content_type="application/json",
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=update_id,
            user_id=user,
            timestamp=int(time.time()),
        ),
        mandatory=True,
    )
    return update_id


def describe(routing_key: str, envelope: dict) -> str:
    """One line for a person to read."""
    data = envelope.get("data", {})
    event = routing_key.rsplit(".", 1)[-1]
    if event == "refused":
        return (
            f"REFUSED update {data.get('update_id')} (referral {data.get('referral_id')}): "
            f"{data.get('code')}: {data.get('reason_id')} / {data.get('reason_en')} "
            f"{data.get('fields') or ''}"
        )
    household = data.get("household") or {}
    return (
        f"{event.upper():9} referral {data.get('referral_id')} [{data.get('status')}] "
        f"{data.get('need')} / {data.get('programme')}: {household.get('head_name')}, "
        f"{household.get('alamat')} desa {household.get('desa_code')} "
        f"(terima sebelum {data.get('receive_by')}, selesai sebelum {data.get('complete_by')})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SIPMAS agency subscriber (pika)")
    parser.add_argument("--url", required=True, help="amqp://opd-<opd>:PASSWORD@host/sipmas")
    parser.add_argument("--opd", required=True, help="your agency code, e.g. perkim")
    parser.add_argument("--user", help="your broker user (default: the URL's user name)")
    parser.add_argument("--accept", action="store_true", help="answer 'accepted' to new ones")
    commands = parser.add_subparsers(dest="command")
    send = commands.add_parser("send", help="send one status update")
    send.add_argument("referral_id", type=int)
    send.add_argument("status", choices=STATUSES)
    send.add_argument("--evidence", help="evidence reference (required for completed)")
    send.add_argument("--reason", help="why (required for rejected)")
    send.add_argument("--note")
    send.add_argument("--update-id", help="reuse when retrying the same update")
    args = parser.parse_args(argv)
    user = args.user or unquote(urlparse(args.url).username or "")
    if args.command == "send" and args.status == "completed" and not args.evidence:
        parser.error("completed needs --evidence")
    if args.command == "send" and args.status == "rejected" and not args.reason:
        parser.error("rejected needs --reason")

    connection = connect(args.url)
    try:
        if args.command == "send":
            update_id = send_status(
                connection.channel(),
                args.opd,
                args.referral_id,
                args.status,
                user=user,
                evidence_ref=args.evidence,
                reason=args.reason,
                note=args.note,
                update_id=args.update_id,
            )
            print(f"sent {args.status} for referral {args.referral_id}: update_id {update_id}")
            return 0
        channel = connection.channel()
        answers = connection.channel()  # confirms on their own channel
        queue = subscribe(channel, args.opd)

        def handle(routing_key: str, envelope: dict) -> None:
            print(describe(routing_key, envelope), flush=True)
            if args.accept and routing_key.endswith(".created"):
                referral_id = envelope["data"]["referral_id"]
                send_status(answers, args.opd, referral_id, "accepted", user=user)
                print(f"          -> accepted referral {referral_id}", flush=True)

        print(f"listening on {queue} (Ctrl-C to stop)", flush=True)
        listen(channel, queue, handle)
    except KeyboardInterrupt:
        return 0
    finally:
        if connection.is_open:
            connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
