"""The whole system's broker topology: the kernel's declarations (:mod:`sipmas.messaging.
topology`) applied to every service, read from the services' own ``@consumes`` decorators.

``sipmas migrate`` calls :func:`declare` so that every consumer queue exists before any consumer
first runs. Tools and tests that look at the system's queues read :data:`CONSUMERS` and
:data:`INBOUND` here; the queue names and declaring helpers are the kernel's, re-exported.
"""

from __future__ import annotations

from collections.abc import Iterable

from sipmas.messaging.connection import connection
from sipmas.messaging.topology import (
    INBOUND_QUEUE_ARGUMENTS,
    Consumer,
    Inbound,
    consumer_queue,
    dead_queue,
    declare_exchange,
    declare_side_queues,
    declared_by,
    opd_queue,
    retry_queue,
)
from sipmas.messaging.topology import declare as declare_queues
from sipmas_cli.system import service_classes

__all__ = [
    "CONSUMERS",
    "INBOUND",
    "INBOUND_QUEUE_ARGUMENTS",
    "connection",
    "consumer_queue",
    "dead_letter_queues",
    "dead_queue",
    "declare",
    "declare_exchange",
    "declare_side_queues",
    "opd_queue",
    "retry_queue",
]

CONSUMERS: list[Consumer]
INBOUND: list[Inbound]
CONSUMERS, INBOUND = declared_by(service_classes())


def declare(
    amqp_uri: str | None = None, consumers: Iterable[tuple[str, str, str, str]] | None = None
) -> list[str]:
    """Declare every service's consumer queues, the partners' inbound queues and the agencies'
    queues (``consumers`` given: only those, for a test's own service); returns the consumer
    queues."""
    if consumers is not None:
        return declare_queues(amqp_uri, consumers)
    return declare_queues(amqp_uri, CONSUMERS, INBOUND, opd=True)


def dead_letter_queues(service: str) -> list[str]:
    """The dead-letter queues of ``service``'s consumers, inbound ones included."""
    queues = [consumer_queue(*c) for c in CONSUMERS if c.service == service]
    queues += [queue for _, _, queue in INBOUND if queue.startswith(f"{service}.")]
    return [dead_queue(queue) for queue in queues]
