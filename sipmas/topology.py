"""The RabbitMQ topology of SIPMAS events, declared up front.

Unbound events are dropped silently by RabbitMQ: declare every consumer queue at start-up so an
event published before its consumer first ran is kept. ``sipmas migrate`` calls :func:`declare`.

Every entity is declared with exactly the flags nameko 2.14 uses (``nameko/events.py``,
``nameko/standalone/events.py``), so nameko's own declarations later agree instead of failing
with PRECONDITION_FAILED:

- exchange ``<producer>.events``: topic, durable, not auto-delete, no arguments;
- queue ``evt-<producer>-<event_type>--<service>.<method>``: durable, not exclusive, not
  auto-delete, no arguments, bound with routing key ``<event_type>``.

Beside each consumer queue live the two queues of :mod:`sipmas.messaging`:

- ``<queue>.retry``: a failed message waits here for its backoff (per-message TTL) and then
  expires back into ``<queue>`` through the default exchange (dead-letter exchange ``""``);
- ``<queue>.dead``: messages that failed every attempt or are invalid, kept for inspection and
  replay.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import amqp
from amqp.method_framing import frame_writer
from kombu.utils.url import parse_url

from sipmas import events, reference, settings

Consumer = tuple[str, str, str, str]  # (producer, event_type, consumer service, method)

CONSUMERS: list[Consumer] = [
    ("verification", "verification_task_created", "registry", "on_verification_task_created"),
    ("verification", "household_verified", "registry", "on_household_verified"),
    ("verification", "household_rejected", "registry", "on_household_rejected"),
    ("referral", "case_opened", "registry", "on_case_opened"),
    ("referral", "referral_status_changed", "registry", "on_referral_status_changed"),
    ("referral", "case_resolved", "registry", "on_case_resolved"),
    ("registry", "household_registered", "verification", "on_household_registered"),
    ("referral", "case_resolved", "verification", "on_case_resolved"),
    ("verification", "household_verified", "referral", "on_household_verified"),
    ("verification", "verification_task_created", "notifications", "on_verification_task_created"),
    ("verification", "verification_flagged", "notifications", "on_verification_flagged"),
    ("verification", "household_verified", "notifications", "on_household_verified"),
    ("referral", "referral_created", "notifications", "on_referral_created"),
    ("referral", "referral_status_changed", "notifications", "on_referral_status_changed"),
    ("referral", "referral_escalated", "notifications", "on_referral_escalated"),
    ("referral", "case_resolved", "notifications", "on_case_resolved"),
    ("gateway", "user_registered", "verification", "on_user_registered"),
    ("gateway", "user_registered", "notifications", "on_user_registered"),
]

# Partners' messages: (exchange, binding key, queue) consumed with ``messaging.consumes_inbound``.
INBOUND: list[tuple[str, str, str]] = [
    (events.OPD_INBOUND_EXCHANGE, "status.*", "referral.opd-inbound"),
]
# One consumer at a time across replicas, so an agency's updates are applied in order.
INBOUND_QUEUE_ARGUMENTS = {"x-single-active-consumer": True}

CONNECT_TIMEOUT = 5.0


def opd_queue(opd_code: str) -> str:
    """The durable queue that keeps an agency's referral messages until its system reads them."""
    return f"opd.{opd_code}.referrals"


def consumer_queue(producer: str, event_type: str, service: str, method: str) -> str:
    """nameko's queue name of a SERVICE_POOL event handler."""
    return f"evt-{producer}-{event_type}--{service}.{method}"


def retry_queue(queue: str) -> str:
    return f"{queue}.retry"


def dead_queue(queue: str) -> str:
    return f"{queue}.dead"


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


def declare_exchange(channel: amqp.Channel, exchange: str) -> None:
    """A producer's event exchange, flag for flag as nameko declares it."""
    channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)


def declare_side_queues(channel: amqp.Channel, queue: str) -> None:
    """The retry and dead-letter queues of one consumer queue."""
    channel.queue_declare(
        retry_queue(queue),
        durable=True,
        auto_delete=False,
        arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue},
    )
    channel.queue_declare(dead_queue(queue), durable=True, auto_delete=False)


def declare_consumer(
    channel: amqp.Channel, producer: str, event_type: str, service: str, method: str
) -> str:
    """A consumer's queue as nameko declares it, its binding and its side queues."""
    exchange = events.exchange_of(producer)
    declare_exchange(channel, exchange)
    queue = consumer_queue(producer, event_type, service, method)
    channel.queue_declare(queue, durable=True, exclusive=False, auto_delete=False)
    channel.queue_bind(queue, exchange, routing_key=event_type)
    declare_side_queues(channel, queue)
    return queue


def producers(consumers: Iterable[Consumer] = ()) -> list[str]:
    """Every service that publishes events: the contract's producers and the consumers' sources."""
    names = {producer for producer, _, _ in events.SCHEMAS.values()}
    names.update(producer for producer, *_ in consumers)
    return sorted(names)


def declare(amqp_uri: str | None = None, consumers: Iterable[Consumer] | None = None) -> list[str]:
    """Declare every producer exchange and every consumer's queues; returns the consumer queues.

    With the default consumers, the OPD contract's exchanges and queues are declared too.
    """
    wanted = list(CONSUMERS if consumers is None else consumers)
    with connection(amqp_uri) as conn:
        channel = conn.channel()
        for producer in producers(wanted):
            declare_exchange(channel, events.exchange_of(producer))
        queues = [declare_consumer(channel, *consumer) for consumer in wanted]
        if consumers is None:
            declare_opd(channel)
        return queues


def declare_opd(channel: amqp.Channel) -> None:
    """The OPD contract on the broker: ``sipmas.opd`` with one durable queue per agency (so a
    referral published before the agency's system first connects is kept, not returned), and
    ``sipmas.opd.inbound`` with the referral service's queue for the agencies' answers."""
    declare_exchange(channel, events.OPD_EXCHANGE)
    for opd in reference.opd():
        queue = opd_queue(opd.code)
        channel.queue_declare(queue, durable=True, exclusive=False, auto_delete=False)
        channel.queue_bind(queue, events.OPD_EXCHANGE, routing_key=f"referral.{opd.code}.*")
    for exchange, key, queue in INBOUND:
        declare_exchange(channel, exchange)
        channel.queue_declare(
            queue,
            durable=True,
            exclusive=False,
            auto_delete=False,
            arguments=INBOUND_QUEUE_ARGUMENTS,
        )
        channel.queue_bind(queue, exchange, routing_key=key)
        declare_side_queues(channel, queue)
