"""The headers a SIPMAS message carries through retries and dead letters, and how to read them.

A failed message is republished (to its retry or dead-letter queue) with the original bytes and
these headers: how many attempts it had, where it was first published, and — in a dead letter —
which consumer failed on it and why. Nothing here reads a body: log lines name an event by its
type and id only.
"""

from __future__ import annotations

from typing import Any

from sipmas.messaging.scrub import error_description

ATTEMPTS = "x-sipmas-attempts"
CONSUMER = "x-sipmas-consumer"
QUEUE = "x-sipmas-queue"
ERROR_TYPE = "x-sipmas-error-type"
ERROR_MESSAGE = "x-sipmas-error-message"
FAILED_AT = "x-sipmas-failed-at"
ORIGINAL_EXCHANGE = "x-sipmas-original-exchange"
ORIGINAL_ROUTING_KEY = "x-sipmas-original-routing-key"
SENDER = "x-sipmas-sender"
FAILURE_HEADERS = (CONSUMER, QUEUE, ERROR_TYPE, ERROR_MESSAGE, FAILED_AT, ATTEMPTS)
BROKER_HEADERS = ("x-death", "x-first-death-", "x-last-death-")  # added by dead-lettering


def error_headers(error: BaseException) -> dict[str, str]:
    """The error's class and (scrubbed, bounded) message, as dead-letter headers."""
    kind, message = error_description(error)
    return {ERROR_TYPE: kind, ERROR_MESSAGE: message}


def carried_headers(headers: dict[str, Any] | None) -> dict[str, Any]:
    """A message's headers without the broker's dead-lettering history."""
    return {
        key: value
        for key, value in (headers or {}).items()
        if not any(key == name or key.startswith(name) for name in BROKER_HEADERS)
    }


def attempts_of(message: Any) -> int:
    """Failed attempts so far (0 for a message that never failed, or a header that is not a
    number)."""
    try:
        return int((message.headers or {}).get(ATTEMPTS, 0))
    except (TypeError, ValueError):
        return 0


def origin_of(message: Any) -> dict[str, str]:
    """Where the event was first published, kept across retries (they go via the default one)."""
    headers = message.headers or {}
    info = message.delivery_info
    return {
        ORIGINAL_EXCHANGE: headers.get(ORIGINAL_EXCHANGE, info.get("exchange", "")),
        ORIGINAL_ROUTING_KEY: headers.get(ORIGINAL_ROUTING_KEY, info.get("routing_key", "")),
    }


def identity_of(message: Any) -> tuple[str, str]:
    """Event type and id of a message, for log lines (never its body)."""
    headers = message.headers or {}
    event_type = headers.get("event_type") or headers.get(ORIGINAL_ROUTING_KEY)
    return str(event_type or message.delivery_info.get("routing_key")), str(
        message.properties.get("message_id")
    )
