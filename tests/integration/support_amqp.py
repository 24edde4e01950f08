"""Broker helpers for the messaging tests: exact queue depths, raw publishes, draining queues."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import amqp

from sipmas_cli import topology
from tests.support import broker


def depth(amqp_uri: str, queue: str) -> tuple[int, int]:
    """(ready messages, consumers) of ``queue``, exact (a passive declare, not the stats API)."""
    with topology.connection(amqp_uri) as conn:
        _, messages, consumers = conn.channel().queue_declare(queue, passive=True)
    return messages, consumers


def bind_queue(amqp_uri: str, exchange: str, routing_key: str = "#") -> str:
    """A fresh durable queue bound to ``exchange`` (declared as nameko would)."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    with topology.connection(amqp_uri) as conn:
        channel = conn.channel()
        topology.declare_exchange(channel, exchange)
        channel.queue_declare(name, durable=True, auto_delete=False)
        channel.queue_bind(name, exchange, routing_key=routing_key)
    return name


def delete_queue(amqp_uri: str, queue: str) -> None:
    with topology.connection(amqp_uri) as conn:
        conn.channel().queue_delete(queue)


def fetch_all(amqp_uri: str, queue: str, expect: int | None = None, timeout: float = 10.0):
    """Take (and ack) every message of ``queue``; with ``expect``, wait until that many arrived.

    Without ``expect`` it returns once the queue has stayed empty for a moment.
    """
    found: list[amqp.Message] = []
    deadline = time.monotonic() + timeout
    quiet_since = time.monotonic()
    with topology.connection(amqp_uri) as conn:
        channel = conn.channel()
        while time.monotonic() < deadline:
            message = channel.basic_get(queue, no_ack=True)
            if message is not None:
                found.append(message)
                quiet_since = time.monotonic()
                continue
            if expect is not None and len(found) >= expect:
                break
            if expect is None and time.monotonic() - quiet_since > 0.5:
                break
            time.sleep(0.05)
    return found


def publish(
    amqp_uri: str,
    exchange: str,
    routing_key: str,
    body: Any,
    message_id: str | None = None,
    headers: dict[str, Any] | None = None,
    expiration: str | None = None,
) -> None:
    """One persistent, confirmed publish, as the relay would send it (bytes are sent raw)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    properties: dict[str, Any] = {
        "content_type": "application/json",
        "content_encoding": "utf-8",
        "delivery_mode": 2,
        "application_headers": headers or {"event_type": routing_key},
    }
    if message_id:
        properties["message_id"] = message_id
    if expiration:
        properties["expiration"] = expiration
    with topology.connection(amqp_uri) as conn:
        channel = conn.channel()
        if exchange:  # "" is the default exchange: it exists and cannot be declared
            topology.declare_exchange(channel, exchange)
        channel.basic_publish_confirm(
            amqp.Message(raw, **properties), exchange=exchange, routing_key=routing_key
        )


def close_connections(vhost: str) -> int:
    """Force-close every client connection of ``vhost`` (a broker-side failure, as in a restart)."""
    closed = 0
    for conn in broker.api("GET", f"/vhosts/{broker.quote(vhost)}/connections") or []:
        broker.api("DELETE", f"/connections/{broker.quote(conn['name'])}")
        closed += 1
    return closed


def wait_for(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll ``check`` until it returns something truthy; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: {check}")
        time.sleep(interval)
