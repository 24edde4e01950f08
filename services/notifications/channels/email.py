"""Email over SMTP: one message with a plain-text and an HTML part (stdlib ``smtplib``)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

from services.notifications.channels import OK, PERMANENT, TEMPORARY, Message, Outcome
from sipmas import settings


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

    def compose(self, message: Message) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.address
        mail["Subject"] = message.content["subject"]
        mail["Message-ID"] = make_msgid(idstring=f"d{message.delivery_id}", domain="sipmas")
        mail["X-SIPMAS-Event-Id"] = message.event_id
        mail.set_content(message.content["text"])
        if message.content.get("html"):
            mail.add_alternative(message.content["html"], subtype="html")
        return mail

    def send(self, message: Message) -> Outcome:
        if not valid_address(message.address):
            return Outcome(PERMANENT, "invalid address")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as server:
                if self.starttls:
                    server.starttls()
                if self.credentials:
                    server.login(*self.credentials)
                server.send_message(self.compose(message))
            return Outcome(OK, "SMTP 250")
        except smtplib.SMTPRecipientsRefused as error:
            code = next(iter(error.recipients.values()))[0]
            return smtp_outcome(code, "recipient refused")
        except smtplib.SMTPResponseException as error:
            return smtp_outcome(error.smtp_code, type(error).__name__)
        except (smtplib.SMTPServerDisconnected, TimeoutError, OSError) as error:
            return Outcome(TEMPORARY, f"connection: {type(error).__name__}")


def from_settings() -> Email:
    return Email(
        host=settings.smtp_host(),
        port=settings.smtp_port(),
        sender=settings.smtp_sender(),
        timeout=settings.notify_http_timeout(),
        credentials=settings.smtp_credentials(),
        starttls=settings.smtp_starttls(),
    )
