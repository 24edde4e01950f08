"""Email over SMTP: one message with a plain-text and an HTML part (stdlib ``smtplib``).

Connections are kept open between messages (a new one per message cost more than the
message), one per concurrent sender: one the server dropped while idle is replaced once,
transparently.
"""

from __future__ import annotations

import smtplib
import threading
from dataclasses import dataclass, field
from email.header import Header
from email.headerregistry import Address
from email.message import Message as Message_
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import make_msgid

from services.notifications.channels import OK, PERMANENT, TEMPORARY, Message, Outcome
from sipmas import settings

STALE = (smtplib.SMTPServerDisconnected, ConnectionResetError, BrokenPipeError)
IDLE_CONNECTIONS = 8  # open connections kept between messages (one per concurrent sender)


def valid_address(address: str) -> bool:
    """Good enough to hand to a server: one ``local@domain`` with a dot in the domain."""
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError, TypeError):
        return False
    return bool(parsed.username) and "." in parsed.domain


def smtp_outcome(code: int, what: str) -> Outcome:
    """SMTP 4xx is a passing trouble (retry); 5xx a refusal (no retry)."""
    return Outcome(TEMPORARY if 400 <= code < 500 else PERMANENT, f"SMTP {code} {what}")


@dataclass
class Email:
    host: str
    port: int
    sender: str
    timeout: float
    credentials: tuple[str, str] | None = None
    starttls: bool = False
    name: str = "email"
    _idle: list[smtplib.SMTP] = field(default_factory=list, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def compose(self, message: Message) -> Message_:
        """The plain-text and HTML parts as ``multipart/alternative``, in UTF-8.
        (The legacy MIME classes: ``EmailMessage`` cost 2.5 times as much per message.)"""
        mail = MIMEMultipart("alternative") if message.content.get("html") else _text(message)
        mail["From"] = self.sender
        mail["To"] = message.address
        mail["Subject"] = _header(message.content["subject"])
        mail["Message-ID"] = make_msgid(idstring=f"d{message.delivery_id}", domain="sipmas")
        mail["X-SIPMAS-Event-Id"] = message.event_id
        if message.content.get("html"):
            mail.attach(_text(message))
            mail.attach(_part(message.content["html"], "html"))
        return mail

    def send(self, message: Message) -> Outcome:
        if not valid_address(message.address):
            return Outcome(PERMANENT, "invalid address")
        mail = self.compose(message)
        try:
            self._send(mail)
            return Outcome(OK, "SMTP 250")
        except smtplib.SMTPRecipientsRefused as error:  # smtplib has sent RSET already
            code = next(iter(error.recipients.values()))[0]
            return smtp_outcome(code, "recipient refused")
        except smtplib.SMTPResponseException as error:
            return smtp_outcome(error.smtp_code, type(error).__name__)
        except (smtplib.SMTPServerDisconnected, TimeoutError, OSError) as error:
            return Outcome(TEMPORARY, f"connection: {type(error).__name__}")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for server in idle:
            _quit(server)

    def _send(self, mail: Message_) -> None:
        """On an open connection (one per concurrent sender, kept for the next message); once
        more on a new one when the server had dropped it while it was idle."""
        server, reused = self._take()
        try:
            self._send_on(server, mail)
        except STALE:
            if not reused:
                raise
            self._send_on(self._connect(), mail)

    def _send_on(self, server: smtplib.SMTP, mail: Message_) -> None:
        """Send, and keep the connection unless it failed (a refused message leaves it usable)."""
        try:
            server.send_message(mail)
        except smtplib.SMTPResponseException:
            self._give_back(server)
            raise
        except BaseException:
            server.close()
            raise
        self._give_back(server)

    def _take(self) -> tuple[smtplib.SMTP, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._connect(), False

    def _give_back(self, server: smtplib.SMTP) -> None:
        with self._lock:
            if len(self._idle) < IDLE_CONNECTIONS:
                self._idle.append(server)
                return
        _quit(server)

    def _connect(self) -> smtplib.SMTP:
        server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                server.starttls()
            if self.credentials:
                server.login(*self.credentials)
        except BaseException:
            server.close()
            raise
        return server


def _quit(server: smtplib.SMTP) -> None:
    try:
        server.quit()
    except (smtplib.SMTPException, OSError):
        server.close()


def _part(text: str, subtype: str) -> MIMEText:
    return MIMEText(text, subtype, "utf-8")


def _text(message: Message) -> MIMEText:
    return _part(message.content["text"], "plain")


def _header(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def from_settings() -> Email:
    return Email(
        host=settings.smtp_host(),
        port=settings.smtp_port(),
        sender=settings.smtp_sender(),
        timeout=settings.notify_http_timeout(),
        credentials=settings.smtp_credentials(),
        starttls=settings.smtp_starttls(),
    )
