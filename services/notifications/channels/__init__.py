"""The channels a message leaves by, behind one small interface: ``send(message) -> Outcome``.

A channel never raises for a failed send: it says whether the failure is ``temporary`` (worth a
retry: a timeout, a refused connection, HTTP 5xx/429, SMTP 4xx) or ``permanent`` (HTTP 4xx, SMTP
5xx, an invalid address), with a short detail that carries no message body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

OK = "ok"
TEMPORARY = "temporary"
PERMANENT = "permanent"


@dataclass(frozen=True)
class Outcome:
    status: Literal["ok", "temporary", "permanent"]
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK


@dataclass(frozen=True)
class Message:
    """One rendered message to one address. ``content`` by channel: email ``subject``, ``text``,
    ``html``; sms ``text``; webhook ``body`` (the exact JSON text that is signed)."""

    delivery_id: int
    event_id: str
    channel: str
    address: str
    content: dict[str, Any]
    secret: str | None = field(default=None, repr=False)  # webhook: the agency's signing key


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> Outcome: ...


def from_settings() -> dict[str, Channel]:
    """The three channels as the environment configures them."""
    from services.notifications.channels import email, sms, webhook

    return {
        "email": email.from_settings(),
        "sms": sms.from_settings(),
        "webhook": webhook.Webhook(),
    }
