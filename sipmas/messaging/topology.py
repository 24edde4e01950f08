"""The RabbitMQ topology of SIPMAS, derived from the services' own declarations.

Unbound events are dropped silently by RabbitMQ: every consumer queue is declared before any
consumer first runs (``sipmas migrate`` calls :func:`declare` with every service class). What to
declare is read from the services themselves: each ``@consumes``/``@consumes_batch`` method
names its producer and event type, each ``@consumes_inbound`` its exchange, binding and queue —
one source of truth, so a new handler cannot be forgotten here.

Every entity is declared with exactly the flags nameko 2.14 uses (``nameko/events.py``,
``nameko/standalone/events.py``), so nameko's own declarations later agree instead of failing
with PRECONDITION_FAILED:

- exchange ``<producer>.events``: topic, durable, not auto-delete, no arguments;
- queue ``evt-<producer>-<event_type>--<service>.<method>``: durable, not exclusive, not
  auto-delete, no arguments, bound with routing key ``<event_type>``.

Beside each consumer queue live its two failure queues (:mod:`sipmas.messaging.consumer`):

- ``<queue>.retry``: a failed message waits here for its backoff (per-message TTL) and then
  expires back into ``<queue>`` through the default exchange (dead-letter exchange ``""``);
- ``<queue>.dead``: messages that failed every attempt or are invalid, kept for inspection and
  replay (:mod:`sipmas.messaging.dead_letters`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import amqp

from sipmas import events, reference
from sipmas.messaging.connection import connection

# One consumer at a time across replicas, so an agency's updates are applied in order.
INBOUND_QUEUE_ARGUMENTS = {"x-single-active-consumer": True}


class Consumer(NamedTuple):
    """A service method that consumes a producer's events (``@consumes``, ``@consumes_batch``)."""

    producer: str
    event_type: str
    service: str
    method: str


class Inbound(NamedTuple):
    """A service method that consumes partners' messages (``@consumes_inbound``)."""

    exchange: str
    routing_key: str
    queue: str


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


# --- what the services declare ------------------------------------------------------------------


def declared_by(service_classes: Iterable[type]) -> tuple[list[Consumer], list[Inbound]]:
    """The consumers and inbound queues the given nameko service classes declare, read from the
    entrypoints their decorators registered (services in the order given, methods as defined)."""
    from sipmas.messaging.consumer import Consumes
    from sipmas.messaging.ordered import ConsumesInbound

    consumers: list[Consumer] = []
    inbound: list[Inbound] = []
    for cls in service_classes:
        for method in vars(cls):  # in the order the class defines them
            for entrypoint in getattr(getattr(cls, method), "nameko_entrypoints", ()):
                if isinstance(entrypoint, ConsumesInbound):
                    inbound.append(
                        Inbound(
                            entrypoint.exchange_name, entrypoint.event_type, entrypoint.queue_name
                        )
                    )
                elif isinstance(entrypoint, Consumes):
                    consumers.append(
                        Consumer(entrypoint.source_service, entrypoint.event_type, cls.name, method)
                    )
    return consumers, inbound


# --- declaring ----------------------------------------------------------------------------------


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


def declare_inbound(channel: amqp.Channel, exchange: str, routing_key: str, queue: str) -> str:
    """A partners' queue: durable, one active consumer at a time, and its side queues."""
    declare_exchange(channel, exchange)
    channel.queue_declare(
        queue, durable=True, exclusive=False, auto_delete=False, arguments=INBOUND_QUEUE_ARGUMENTS
    )
    channel.queue_bind(queue, exchange, routing_key=routing_key)
    declare_side_queues(channel, queue)
    return queue


def declare_opd(channel: amqp.Channel) -> None:
    """The OPD contract's outbound side: ``sipmas.opd`` with one durable queue per agency, so a
    referral published before the agency's system first connects is kept, not returned."""
    declare_exchange(channel, events.OPD_EXCHANGE)
    for opd in reference.opd():
        queue = opd_queue(opd.code)
        channel.queue_declare(queue, durable=True, exclusive=False, auto_delete=False)
        channel.queue_bind(queue, events.OPD_EXCHANGE, routing_key=f"referral.{opd.code}.*")


def producers(consumers: Iterable[Consumer] = ()) -> list[str]:
    """Every service that publishes events: the contract's producers and the consumers' sources."""
    names = {producer for producer, _, _ in events.SCHEMAS.values()}
    names.update(producer for producer, *_ in consumers)
    return sorted(names)


def declare(
    amqp_uri: str | None,
    consumers: Iterable[Consumer | tuple[str, str, str, str]],
    inbound: Iterable[Inbound | tuple[str, str, str]] = (),
    opd: bool = False,
) -> list[str]:
    """Declare every producer exchange and each consumer's queues (with their retry and
    dead-letter queues), the partners' ``inbound`` queues, and with ``opd`` the agencies'
    queues; returns the consumer queues (``inbound`` ones not among them)."""
    wanted = [Consumer(*consumer) for consumer in consumers]
    with connection(amqp_uri) as conn:
        channel = conn.channel()
        for producer in producers(wanted):
            declare_exchange(channel, events.exchange_of(producer))
        queues = [declare_consumer(channel, *consumer) for consumer in wanted]
        for each in inbound:
            declare_inbound(channel, *each)
        if opd:
            declare_opd(channel)
        return queues
