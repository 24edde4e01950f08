"""Signed webhooks to agencies' systems, and the check a receiver runs on them.

What SIPMAS sends (``POST``, ``Content-Type: application/json``)::

    X-SIPMAS-Timestamp: 1767225600                   (Unix seconds when the attempt was signed)
    X-SIPMAS-Signature: sha256=<hex>                 (HMAC-SHA256, the agency's secret, over
                                                      f"{timestamp}.{raw body}")
    X-SIPMAS-Event-Id:  <uuid>                       (the event's id, also inside the body)

The body is the envelope of the referral event (``event_id``, ``event_type``, ``schema_version``,
``occurred_at``, ``producer``, ``correlation_id``, ``data``), its ``data`` cut to the fields of
``sipmas.events.OpdReferral`` that event carries, for the agency's own referral only.

A receiver checks, in this order, with :func:`verify`: the signature over the RAW body bytes (before
any JSON parsing), the timestamp within ``tolerance`` seconds of its clock (an old request
replayed later fails), and that it has not seen the event id (a request replayed within the
tolerance fails). A retry of ours carries the same event id with a new timestamp: a receiver that
answered 5xx and did not process the event forgets the id again (``guard.forget(event_id)``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import MutableMapping

TIMESTAMP = "X-SIPMAS-Timestamp"
SIGNATURE = "X-SIPMAS-Signature"
EVENT_ID = "X-SIPMAS-Event-Id"
SCHEME = "sha256="


class Rejected(Exception):
    """A webhook request that must not be trusted; ``reason`` is one of ``bad_signature``,
    ``stale_timestamp``, ``replay``, ``malformed``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def sign(secret: bytes | str, timestamp: int | str, body: bytes | str) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``f"{timestamp}.{body}"`` with the agency's secret."""
    signed = f"{timestamp}.".encode() + _as_bytes(body)
    return SCHEME + hmac.new(_as_bytes(secret), signed, hashlib.sha256).hexdigest()


def headers(secret: bytes | str, body: bytes, event_id: str, now: float | None = None) -> dict:
    """The headers of one attempt, signed now."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        "Content-Type": "application/json",
        TIMESTAMP: timestamp,
        SIGNATURE: sign(secret, timestamp, body),
        EVENT_ID: event_id,
    }


class ReplayGuard:
    """Event ids seen in the last ``2 × tolerance`` seconds (older requests fail on their
    timestamp anyway, so nothing older needs remembering). One process; a receiver with several
    replicas keeps the ids in a shared store with the same methods."""

    def __init__(self, tolerance: float = 300) -> None:
        self.keep = 2 * tolerance
        self._seen: MutableMapping[str, float] = {}

    def first_time(self, event_id: str, now: float) -> bool:
        """Record ``event_id``; False when it was seen within the window."""
        self._seen = {key: at for key, at in self._seen.items() if now - at <= self.keep}
        if event_id in self._seen:
            return False
        self._seen[event_id] = now
        return True

    def forget(self, event_id: str) -> None:
        """Accept the event again (the receiver failed to process it and answered 5xx)."""
        self._seen.pop(event_id, None)


def verify(
    secret: bytes | str,
    timestamp: str,
    body: bytes | str,
    signature: str,
    now: float,
    tolerance: float = 300,
    guard: ReplayGuard | None = None,
) -> str:
    """Check one request; returns its event id, or raises :class:`Rejected` saying why."""
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        raise Rejected("malformed") from None
    if not hmac.compare_digest(sign(secret, stamp, body), signature or ""):
        raise Rejected("bad_signature")
    if abs(now - stamp) > tolerance:
        raise Rejected("stale_timestamp")
    try:
        event_id = str(json.loads(body)["event_id"])
    except (ValueError, KeyError, TypeError):
        raise Rejected("malformed") from None
    if guard is not None and not guard.first_time(event_id, now):
        raise Rejected("replay")
    return event_id
