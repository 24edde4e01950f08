"""Connections to RabbitMQ for the kernel's own publishers and tools (py-amqp, kombu's transport).

nameko opens its own connections for its entrypoints; these are for what nameko does not do: the
outbox relay's windowed publishing, forwarding a failed message to its retry or dead-letter
queue, declaring the topology, reading dead letters.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import amqp
from amqp.method_framing import frame_writer
from kombu.utils.url import parse_url

from sipmas import settings

CONNECT_TIMEOUT = 5.0


class Cork:
    """Lets a connection gather its outgoing frames and send them in few large writes.

    One ``send`` per published message is what costs most when publishing fast (more so under
    eventlet); corked, frames are copied into a buffer that goes out when it is full or on
    :meth:`flush`. Flush before waiting for the broker's answer, or both sides wait forever.
    """

    LIMIT = 128 * 1024

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.corked = False
        self._buffer = bytearray()

    def write(self, data: Any) -> None:
        if not self.corked:
            self.transport.write(data)
            return
        self._buffer += data  # a copy: py-amqp reuses the memory of ``data`` for the next frame
        if len(self._buffer) >= self.LIMIT:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            data, self._buffer = bytes(self._buffer), bytearray()
            self.transport.write(data)

    @contextmanager
    def corked_writes(self) -> Iterator[None]:
        """Gather writes inside the block; they are all sent by its end."""
        self.corked = True
        try:
            yield
            self.flush()
        finally:
            self.corked = False
            self._buffer = bytearray()


def _corkable_frame_writer(connection: amqp.Connection, transport: Any) -> Any:
    connection.cork = Cork(transport)
    return frame_writer(connection, connection.cork)


def connect(amqp_uri: str | None = None) -> amqp.Connection:
    """An open py-amqp connection to ``amqp_uri`` (kombu's URI rules: ``/vhost``, ``%2F``).

    Its ``cork`` attribute (:class:`Cork`) can batch outgoing frames.
    """
    parts = parse_url(amqp_uri or settings.amqp_uri())
    connection = amqp.Connection(
        host=f"{parts['hostname'] or '127.0.0.1'}:{parts['port'] or 5672}",
        userid=parts["userid"] or "guest",
        password=parts["password"] or "guest",
        virtual_host=parts["virtual_host"] or "/",
        connect_timeout=CONNECT_TIMEOUT,
        frame_writer=_corkable_frame_writer,
    )
    connection.connect()
    return connection


@contextmanager
def connection(amqp_uri: str | None = None) -> Iterator[amqp.Connection]:
    """:func:`connect`, closed on exit."""
    conn = connect(amqp_uri)
    try:
        yield conn
    finally:
        close_quietly(conn)


def close_quietly(conn: amqp.Connection | None) -> None:
    """Close a connection that may already be broken; a failure here changes nothing."""
    if conn is None:
        return
    try:
        conn.close()
    except Exception:  # the socket may be gone already: just drop our side
        with suppress(Exception):
            conn.collect()
