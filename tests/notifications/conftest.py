"""Notifications' own test database (migrated once, emptied per test), a real SMTP server
(aiosmtpd), a real HTTP server standing in for the SMS gateway and the agencies' webhook
receivers, and the service running as its container runs it."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from services.notifications.domain import webhooks
from services.notifications.use_cases import contacts, delivery, planning
from sipmas import db, events, settings
from sipmas_cli import system
from tests.support import services

TABLES = (
    "delivery_attempts",
    "deliveries",
    "referrals",
    "household_contacts",
    "staff_contacts",
    "agency_contacts",
    "outbox",
    "inbox",
)
KECAMATAN, DESA = "64.08.04", "64.08.04.2001"  # Sangatta Utara
SECRET = "perkim-webhook-secret-0123456789"


# --- the database -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def notifications_db():
    url = settings.database_url("notifications")
    db.drop_database(url)
    system.migrate("notifications")
    engine = db.engine("notifications")
    yield engine
    engine.dispose()


@pytest.fixture
def notifications(notifications_db, fast, smtp, http):
    """An empty notifications database with the agencies of the data file."""
    with notifications_db.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        contacts.seed_agencies(conn)
    return notifications_db


@pytest.fixture
def session(notifications):
    with db.session_scope("notifications") as session:
        yield session


def rows(engine, sql: str, **params) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


# --- a real SMTP server -------------------------------------------------------------------------


@dataclass
class Mailbox:
    """What the SMTP server received; ``replies`` scripts answers to DATA (then 250)."""

    messages: list[Any] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.replies:
            return self.replies.pop(0)
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(smtp_server, monkeypatch) -> Mailbox:
    mailbox, port = smtp_server
    mailbox.messages.clear()
    mailbox.replies.clear()
    monkeypatch.setenv("SIPMAS_SMTP_PORT", str(port))
    return mailbox


# --- a real HTTP server: the SMS gateway and the agencies' receivers ---------------------------


class Headers(dict):
    """HTTP header names are case-insensitive (urllib sends ``X-sipmas-timestamp``)."""

    def __init__(self, items) -> None:
        super().__init__((key.lower(), value) for key, value in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def get(self, key: str, default=None):
        return super().get(key.lower(), default)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """Answers each path with its scripted statuses in turn (then 200); a webhook path verifies
    the signature as an agency would and answers 401 when it fails."""

    script: dict[str, list[int]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)  # event ids an agency accepted
    guard: webhooks.ReplayGuard = field(default_factory=webhooks.ReplayGuard)
    secret: str = SECRET

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> int:
        scripted = self.script.get(path) or []
        status = scripted.pop(0) if scripted else 200
        if path.startswith("/webhook") and status == 200:
            status = self._accept(headers, body)
        self.requests.append(Request(path, headers, body, status))
        return status

    def _accept(self, headers: dict[str, str], body: bytes) -> int:
        try:
            event_id = webhooks.verify(
                self.secret,
                headers.get(webhooks.TIMESTAMP, ""),
                body,
                headers.get(webhooks.SIGNATURE, ""),
                now=time.time(),
                guard=self.guard,
            )
        except webhooks.Rejected:
            return 401
        self.verified.append(event_id)
        return 200

    def to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture(scope="session")
def http_server() -> Iterator[tuple[ThreadingHTTPServer, int]]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = self.server.receiver.answer(self.path, Headers(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.receiver = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, server.server_address[1]
    server.shutdown()


@pytest.fixture
def http(http_server, monkeypatch) -> Receiver:
    server, port = http_server
    server.receiver = Receiver()
    server.receiver.base = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("SIPMAS_SMS_GATEWAY_URL", f"http://127.0.0.1:{port}/sms")
    monkeypatch.setenv("SIPMAS_SMS_GATEWAY_AUTH", "Authorization: Bearer test-token")
    return server.receiver


@pytest.fixture
def fast(monkeypatch) -> None:
    """Retries in tens of milliseconds, three attempts, no quiet hours unless a test sets them."""
    monkeypatch.setenv("SIPMAS_NOTIFY_RETRY_BASE_SECONDS", "0.05")
    monkeypatch.setenv("SIPMAS_NOTIFY_RETRY_MAX_SECONDS", "0.2")
    monkeypatch.setenv("SIPMAS_NOTIFY_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("SIPMAS_NOTIFY_TIMEOUT_SECONDS", "3")
    monkeypatch.setenv("SIPMAS_SMS_QUIET_HOURS", "")


# --- events, planning, sending ------------------------------------------------------------------


def event(event_type: str, **data) -> dict[str, Any]:
    """A validated event as the consumer receives it."""
    return events.validate_event(events.envelope(event_type, data, uuid.uuid4()))


def referral_created(referral_id: int = 7, opd_code: str = "perkim", **extra) -> dict[str, Any]:
    return event(
        "referral_created",
        **{
            "household_id": 1201,
            "case_id": 41,
            "referral_id": referral_id,
            "opd_code": opd_code,
            "need": "rumah",
            "programme": "rtlh",
            "rule_id": "rumah-perkim",
            "routing_version": 1,
            **extra,
        },
    )


def plan(session, evt: dict[str, Any], consumer: str = "test") -> int:
    planned = planning.on_event(session, consumer, evt)
    session.commit()
    return planned


def send_all(session, timeout: float = 10.0) -> None:
    """Run the sender loop until nothing is pending any more (retries included)."""
    from services.notifications import channels

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.send_due(session, channels.from_settings())
        session.commit()
        pending = session.scalar(sa.text("SELECT count(*) FROM deliveries WHERE state = 'pending'"))
        if not pending:
            return
        time.sleep(0.05)
    raise AssertionError("deliveries still pending")


def outbox_events(engine, event_type: str) -> list[dict[str, Any]]:
    return [
        json.loads(body) if isinstance(body, str) else body
        for (body,) in rows(engine, "SELECT body FROM outbox WHERE routing_key = :t", t=event_type)
    ]


def with_webhook(session, http: Receiver, opd_code: str = "perkim", path: str = "/webhook/perkim"):
    contacts.set_agency(
        session, opd_code, {"webhook_url": f"{http.base}{path}", "webhook_secret": SECRET}
    )
    session.commit()


def add_staff(session, staff_id: str, role: str = "supervisor", desa=(), kecamatan=(), **extra):
    contacts.register_staff(
        session,
        {
            "id": staff_id,
            "name": staff_id.title(),
            "role": role,
            "email": f"{staff_id}@dinsos.example.id",
            "phone": None,
            "desa_codes": list(desa),
            "kecamatan_codes": list(kecamatan),
            "active": True,
            **extra,
        },
    )
    session.commit()


@pytest.fixture
def notifications_service(notifications, amqp_uri, tmp_path, smtp, http):
    with services.running(
        "notifications",
        amqp_uri,
        tmp_path / "notifications.log",
        SIPMAS_TIMER_NOTIFICATIONS_SEND_SECONDS="0.2",
        SIPMAS_TIMER_NOTIFICATIONS_DIGEST_SECONDS="3600",
    ) as process:
        yield process
