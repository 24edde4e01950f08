"""Webhooks to agencies' systems: the JSON body signed with the agency's secret at each attempt
(``services/notifications/webhooks.py`` documents the headers and the receiver's check)."""

from __future__ import annotations

from dataclasses import dataclass

from services.notifications.channels import PERMANENT, Message, Outcome, http
from services.notifications.domain import webhooks


@dataclass
class Webhook:
    name: str = "webhook"

    def send(self, message: Message) -> Outcome:
        if not message.secret:
            return Outcome(PERMANENT, "no signing secret for the agency")
        if not message.address.startswith(("https://", "http://")):
            return Outcome(PERMANENT, "invalid address")
        body = message.content["body"].encode()
        headers = webhooks.headers(message.secret, body, message.event_id)
        return http.post(message.address, body, headers)
