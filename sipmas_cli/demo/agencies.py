"""The agencies' own systems, simulated: each OPD connects to the broker as its own user
(``opd-<code>``), takes its referrals from ``opd.<code>.referrals`` and answers on
``sipmas.opd.inbound`` — plain pika, as ``docs/examples/agency_subscriber.py`` shows a partner
(its ``connect``, ``subscribe`` and ``send_status``, copied here as a partner copies them).

Each agency accepts a new referral, then completes it with a handover (BAST) number as evidence,
or — for about one in seven, decided by the day's seed — rejects it with a reason, and the
referral service reroutes the need to the next agency of the routing table.

As a partner's system must, each agency survives a broker restart: it reconnects, dedupes
redelivered messages by ``event_id`` (counted in the ledger), acks a referral only once its
answers are confirmed, and gives each answer an ``update_id`` of its own referral and status, so
an answer sent again after a lost confirm is applied once.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import urllib.request
import uuid
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import pika
import pika.exceptions

from sipmas import broker_access, events, settings

REJECT_SHARE = 0.15
RECONNECT_SECONDS = 1.0
UPDATES = uuid.UUID("5d3c1f0e-7a51-4b8e-9a57-0e0c9a1b2f43")  # namespace of answers' update ids
REASONS = (
    "Kuota program tahun anggaran ini sudah penuh",
    "Status tanah belum jelas, rumah tidak dapat dibantu",
    "Sudah menerima bantuan sejenis tahun ini",
    "Bukan kewenangan OPD kami, mohon dialihkan",
)


def dev_password(user: str) -> str:
    """The development password the deploy/ definitions give every broker user."""
    return f"{user}-dev"


def load_broker_users(amqp_uri: str) -> str:
    """The agencies' broker rights (``deploy/rabbitmq``) in the vhost in use, through the
    management API (``SIPMAS_RABBITMQ_API``, default port 15672 of the broker's host); returns
    the vhost. Users are global in RabbitMQ: only those missing are created (with their
    development password), so an operator's real passwords are never overwritten."""
    url = urlsplit(amqp_uri)
    vhost = unquote(url.path[1:]) or "/"
    api = settings.env("SIPMAS_RABBITMQ_API", f"http://{url.hostname or '127.0.0.1'}:15672")
    admin = (unquote(url.username or "guest"), unquote(url.password or "guest"))
    definitions = broker_access.read_definitions()
    known = {user["name"] for user in _management(api, admin, "/api/users")}
    definitions["users"] = [u for u in definitions["users"] if u["name"] not in known]
    broker_access.load_definitions(definitions, vhost=vhost, api=api, admin=admin)
    return vhost


def _management(api: str, admin: tuple[str, str], path: str) -> Any:
    token = base64.b64encode(f"{admin[0]}:{admin[1]}".encode()).decode()
    request = urllib.request.Request(
        api.rstrip("/") + path, headers={"Authorization": f"Basic {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def agency_url(amqp_uri: str, opd_code: str) -> str:
    """``AMQP_URI`` with the agency's own user and development password."""
    url = urlsplit(amqp_uri)
    user = f"opd-{opd_code}"
    netloc = f"{user}:{dev_password(user)}@{url.hostname}:{url.port or 5672}"
    return urlunsplit((url.scheme, netloc, url.path, "", ""))


@dataclass
class Received:
    opd_code: str
    routing_key: str
    event_type: str
    event_id: str
    referral_id: int | None
    household_id: int | None
    data: dict[str, Any]


@dataclass
class Sent:
    opd_code: str
    referral_id: int
    status: str
    update_id: str


@dataclass
class Ledger:
    """What every simulated agency received and sent (shared by their threads)."""

    received: list[Received] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    redelivered: Counter = field(default_factory=Counter)  # event id -> deliveries after the first
    reconnects: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: Received | Sent) -> None:
        with self.lock:
            (self.received if isinstance(item, Received) else self.sent).append(item)

    def snapshot(self) -> tuple[list[Received], list[Sent]]:
        with self.lock:
            return list(self.received), list(self.sent)


class Agency(threading.Thread):
    """One OPD's system: consume, answer, until stopped."""

    def __init__(self, opd_code: str, amqp_uri: str, seed: int, ledger: Ledger) -> None:
        super().__init__(name=f"opd-{opd_code}", daemon=True)
        self.opd_code = opd_code
        self.user = f"opd-{opd_code}"
        self.url = agency_url(amqp_uri, opd_code)
        self.seed = seed
        self.ledger = ledger
        self.ready = threading.Event()
        self.stopping = threading.Event()
        self.seen: set[str] = set()  # event ids: delivery is at-least-once

    def run(self) -> None:
        """Consume until stopped; after a lost connection (a broker restart), connect again."""
        connected_once = False
        while not self.stopping.is_set():
            try:
                connection = connect(self.url)
            except Exception as error:
                if not connected_once:  # reported by the summary, not a traceback in a thread
                    self.ledger.errors.append(f"{self.user}: cannot connect: {error!r}")
                    self.ready.set()
                    return
                self.stopping.wait(RECONNECT_SECONDS)
                continue
            if connected_once:
                with self.ledger.lock:
                    self.ledger.reconnects += 1
            connected_once = True
            try:
                self.consume(connection)
            except pika.exceptions.AMQPError:  # the broker went away (or nacked): connect again
                self.stopping.wait(RECONNECT_SECONDS)
            except Exception as error:
                self.ledger.errors.append(f"{self.user}: {error!r}")
                return
            finally:
                self.ready.set()
                if connection.is_open:
                    with suppress(Exception):
                        connection.close()

    def consume(self, connection: pika.BlockingConnection) -> None:
        channel = connection.channel()
        self.answers = connection.channel()
        self.answers.confirm_delivery()
        queue = subscribe(channel, self.opd_code)
        channel.basic_qos(prefetch_count=20)
        channel.basic_consume(queue, self.on_message, auto_ack=False)
        self.ready.set()
        while not self.stopping.is_set():
            connection.process_data_events(time_limit=0.2)

    def on_message(self, channel, method, _properties, body: bytes) -> None:
        envelope = json.loads(body)
        event_id = str(envelope.get("event_id"))
        if event_id in self.seen:
            with self.ledger.lock:
                self.ledger.redelivered[event_id] += 1
        else:
            data = envelope.get("data") or {}
            if method.routing_key.endswith(".created"):
                self.answer(data["referral_id"])  # a lost connection raises: not acked, not seen
            self.seen.add(event_id)
            self.ledger.add(
                Received(
                    self.opd_code,
                    method.routing_key,
                    envelope.get("event_type", ""),
                    event_id,
                    data.get("referral_id"),
                    (data.get("household") or {}).get("household_id"),
                    data,
                )
            )
        channel.basic_ack(method.delivery_tag)

    def answer(self, referral_id: int) -> None:
        """Accept, then complete with evidence, or reject with a reason."""
        rnd = random.Random(f"{self.seed}:{self.opd_code}:{referral_id}")
        self.send(referral_id, "accepted")
        if rnd.random() < REJECT_SHARE:
            self.send(referral_id, "rejected", reason=rnd.choice(REASONS))
        else:
            year = datetime.now(UTC).year
            evidence = f"BAST/{self.opd_code.upper()}/{year}/{referral_id:06d}"
            self.send(referral_id, "completed", evidence_ref=evidence)

    def send(self, referral_id: int, status: str, **details: str) -> None:
        update_id = str(uuid.uuid5(UPDATES, f"{self.seed}:{self.opd_code}:{referral_id}:{status}"))
        send_status(
            self.answers,
            self.opd_code,
            referral_id,
            status,
            user=self.user,
            update_id=update_id,
            **details,
        )
        self.ledger.add(Sent(self.opd_code, referral_id, status, update_id))


def start_all(
    amqp_uri: str, opd_codes: list[str], seed: int, timeout: float = 15
) -> tuple[list[Agency], Ledger]:
    """Every agency's system, connected and consuming; returns (agencies, ledger)."""
    ledger = Ledger()
    agencies = [Agency(code, amqp_uri, seed, ledger) for code in sorted(opd_codes)]
    for agency in agencies:
        agency.start()
    deadline = time.monotonic() + timeout
    for agency in agencies:
        agency.ready.wait(max(0.1, deadline - time.monotonic()))
    return agencies, ledger


def stop_all(agencies: list[Agency]) -> None:
    for agency in agencies:
        agency.stopping.set()
    for agency in agencies:
        agency.join(5)


# --- as docs/examples/agency_subscriber.py ------------------------------------------------------


def connect(amqp_url: str) -> pika.BlockingConnection:
    parameters = pika.URLParameters(amqp_url)
    parameters.heartbeat = 30
    parameters.blocked_connection_timeout = 60
    parameters.client_properties = {"connection_name": "sipmas-demo-agency"}
    return pika.BlockingConnection(parameters)


def subscribe(channel, opd_code: str) -> str:
    queue = f"opd.{opd_code}.referrals"
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, events.OPD_EXCHANGE, routing_key=f"referral.{opd_code}.*")
    return queue


def send_status(
    channel,
    opd_code: str,
    referral_id: int,
    status: str,
    *,
    user: str,
    evidence_ref: str | None = None,
    reason: str | None = None,
    update_id: str | None = None,
) -> str:
    update_id = update_id or str(uuid.uuid4())
    body = {
        "update_id": update_id,
        "referral_id": int(referral_id),
        "status": status,
        "evidence_ref": evidence_ref,
        "reason": reason,
        "note": None,
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    channel.basic_publish(
        events.OPD_INBOUND_EXCHANGE,
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
