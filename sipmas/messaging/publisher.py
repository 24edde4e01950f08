"""A confirmed publisher for one message at a time: how a consumer forwards a failed message to
its retry or dead-letter queue before it acks the original (so the message is never lost
between the two). The outbox relay's windowed publisher is :mod:`sipmas.outbox.publisher`.
"""

from __future__ import annotations

import threading
from typing import Any

import amqp

from sipmas.messaging.connection import close_quietly, connect

CONFIRM_TIMEOUT = 10.0


class Unroutable(Exception):
    """The broker returned a message: its target queue does not exist."""


class ConfirmedPublisher:
    """One message at a time, confirmed, on a lazily opened connection that is reopened once."""

    def __init__(self, amqp_uri: str) -> None:
        self.amqp_uri = amqp_uri
        self._lock = threading.Lock()  # green under eventlet: workers take turns
        self._connection: amqp.Connection | None = None
        self._channel: amqp.Channel | None = None
        self._returned: list[str] = []

    def publish(self, body: bytes, routing_key: str, properties: dict[str, Any]) -> None:
        """Publish to the default exchange (straight into queue ``routing_key``) and confirm."""
        with self._lock:
            for attempt in (1, 2):  # a connection idle for long may be stale: retry once
                try:
                    self._publish(body, routing_key, properties)
                    return
                except Unroutable:
                    raise
                except Exception:
                    self.close()
                    if attempt == 2:
                        raise

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        close_quietly(connection)

    def _publish(self, body: bytes, routing_key: str, properties: dict[str, Any]) -> None:
        channel = self._ready_channel()
        self._returned.clear()
        channel.basic_publish_confirm(
            amqp.Message(body, **properties),
            exchange="",
            routing_key=routing_key,
            mandatory=True,
            confirm_timeout=CONFIRM_TIMEOUT,
        )
        if self._returned:
            raise Unroutable(routing_key)

    def _ready_channel(self) -> amqp.Channel:
        if self._channel is None:
            self._connection = connect(self.amqp_uri)
            self._channel = self._connection.channel()
            self._channel.events["basic_return"].add(
                lambda exc, exchange, routing_key, message: self._returned.append(routing_key)
            )
        return self._channel
