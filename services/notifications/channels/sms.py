"""SMS through an HTTP gateway, as Indonesian providers offer: the URL, one auth header and the
body's shape come from settings, so changing provider is configuration, not code."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from string import Template

from services.notifications.channels import PERMANENT, Message, Outcome, http
from sipmas import settings

_DIGITS = re.compile(r"[^\d+]")


def normalise_phone(raw: str) -> str | None:
    """An Indonesian mobile number as ``+62…`` (``0812…``, ``62812…``, ``+62 812-…``); None when
    it cannot be one (retrying an invalid number only spends money)."""
    value = _DIGITS.sub("", raw or "")
    if value.startswith("+"):
        value = value[1:]
    if value.startswith("0"):
        value = "62" + value[1:]
    if not value.startswith("628") or not 10 <= len(value) <= 15 or not value.isdigit():
        return None
    return "+" + value


def auth_header(line: str) -> dict[str, str]:
    """``"Authorization: Bearer x"`` → ``{"Authorization": "Bearer x"}`` (empty: none)."""
    if not line.strip():
        return {}
    name, _, value = line.partition(":")
    return {name.strip(): value.strip()}


@dataclass
class Sms:
    url: str
    auth: str
    body_template: str
    content_type: str
    timeout: float
    name: str = "sms"

    def body(self, phone: str, text: str) -> bytes:
        return (
            Template(self.body_template)
            .substitute(to=json.dumps(phone), text=json.dumps(text, ensure_ascii=False))
            .encode()
        )

    def send(self, message: Message) -> Outcome:
        phone = normalise_phone(message.address)
        if phone is None:
            return Outcome(PERMANENT, "invalid address")
        headers = {"Content-Type": self.content_type, **auth_header(self.auth)}
        return http.post(self.url, self.body(phone, message.content["text"]), headers, self.timeout)


def from_settings() -> Sms:
    return Sms(
        url=settings.sms_gateway_url(),
        auth=settings.sms_gateway_auth(),
        body_template=settings.sms_body_template(),
        content_type=settings.sms_content_type(),
        timeout=settings.notify_http_timeout(),
    )
