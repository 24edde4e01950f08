"""The ordered consumer: partners' messages applied one at a time, in the order they were sent.

An agency's "accepted", "in progress" and "completed" must be applied in that order: one
consumer (the queue's single active consumer, across replicas), one message in flight, and a
failed message retried IN PLACE rather than sent round the retry queue, where the next update
would overtake it. The retries and dead letters are otherwise :mod:`.consumer`'s.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

import eventlet
from kombu import Exchange, Queue
from nameko.exceptions import ContainerBeingKilled

from sipmas.messaging.consumer import Consumes, DeadLetteringQueueConsumer, retry_delay_ms
from sipmas.messaging.headers import (
    ORIGINAL_ROUTING_KEY,
    SENDER,
    attempts_of,
    identity_of,
    origin_of,
)
from sipmas.messaging.topology import INBOUND_QUEUE_ARGUMENTS
from sipmas.observability import metrics  # observability: events failed

log = logging.getLogger("sipmas.messaging")  # one logger for the messaging kernel


class SerialQueueConsumer(DeadLetteringQueueConsumer):
    """One message in flight at a time (prefetch 1): partners' updates are applied in the order
    they were sent, not raced by parallel workers. With the queue's single active consumer, the
    order holds across replicas too. (A message that fails is retried in place: see
    :meth:`ConsumesInbound.handle_message_processed`.)"""

    @property
    def prefetch_count(self) -> int:
        return 1


class ConsumesInbound(Consumes):
    """The same retries and dead letters for messages from OUTSIDE SIPMAS: a durable queue bound
    to a topic exchange that partners publish to (the agencies' ``sipmas.opd.inbound``).

    The body is handed over as it came (the handler validates it and answers a refusal itself:
    a partner's bad update is not a failure to retry), with who sent it: the AMQP ``user_id``,
    which RabbitMQ checks against the publishing connection's user. A retried message comes back
    through the default exchange, published by this service, so the sender then travels in the
    ``x-sipmas-sender`` header — trusted only on messages from the retry queue.
    """

    queue_consumer = SerialQueueConsumer()

    def __init__(self, exchange: str, routing_key: str, queue: str, **kwargs: Any) -> None:
        super().__init__(exchange, routing_key, **kwargs)
        self.exchange_name = exchange
        self.queue_name = queue

    def setup(self) -> None:
        exchange = Exchange(self.exchange_name, type="topic", durable=True, auto_delete=False)
        self.queue = Queue(
            self.queue_name,
            exchange=exchange,
            routing_key=self.event_type,
            durable=True,
            auto_delete=False,
            exclusive=False,
            queue_arguments=INBOUND_QUEUE_ARGUMENTS,
        )
        self.queue_consumer.register_provider(self)
        self._setup_failure_path()
        self._failures: dict[str, int] = {}  # message id -> failed attempts (retried in place)

    @property
    def consumer(self) -> str:
        return f"{self.container.service_name}.{self.method_name}"

    def handle_message_processed(
        self, message: Any, result: Any = None, exc_info: tuple | None = None
    ) -> None:
        """A failed message is retried IN PLACE: after its backoff it is requeued to the head of
        the queue, and the messages behind it wait (one consumer, prefetch one). Sent round the
        retry queue, the next update would overtake it: an agency's "completed" applied before
        its "accepted" is refused, and the referral never moves again. After the last attempt
        it is dead-lettered and the queue moves on. Attempts are counted by this process."""
        key = message.properties.get("message_id") or hashlib.sha256(message.body).hexdigest()
        if exc_info is None:
            self._failures.pop(key, None)
            super().handle_message_processed(message)
            return
        attempts = max(self._failures.get(key, 0), attempts_of(message)) + 1
        if attempts >= self.max_attempts:
            self._failures.pop(key, None)
            self._dead_letter(message, exc_info[1], attempts)
            return
        self._failures[key] = attempts
        delay = retry_delay_ms(attempts)
        metrics.event_failed(self.container.service_name, self.event_type, "retry")  # observ.
        log.warning(
            "%s failed on %s %s (attempt %d of %d, %s); retrying in place in %d ms",
            self.consumer,
            *identity_of(message),
            attempts,
            self.max_attempts,
            type(exc_info[1]).__name__,
            delay,
        )
        eventlet.sleep(delay / 1000)  # holds the queue's only prefetch slot: the next waits
        self.queue_consumer.requeue_message(message)

    def handle_message(self, body: Any, message: Any) -> None:
        facts = {
            "sender": sender_of(message),
            "routing_key": origin_of(message)[ORIGINAL_ROUTING_KEY],
            "message_id": message.properties.get("message_id"),
        }
        try:
            self.container.spawn_worker(
                self,
                (body, facts),
                {},
                context_data={},
                handle_result=partial(self.handle_result, message),
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def _forward(self, message: Any, queue: str, headers: dict[str, Any], **kwargs: Any) -> None:
        super()._forward(message, queue, {**headers, SENDER: sender_of(message) or ""}, **kwargs)


def sender_of(message: Any) -> str | None:
    """The broker user that published ``message`` to SIPMAS (see :class:`ConsumesInbound`)."""
    if message.delivery_info.get("exchange") == "":  # back from our own retry queue
        return (message.headers or {}).get(SENDER) or None
    return message.properties.get("user_id")


def consumes_inbound(exchange: str, routing_key: str, queue: str, **kwargs: Any) -> Callable:
    """Decorate a service method that handles partners' messages on ``exchange``."""
    return ConsumesInbound.decorator(exchange, routing_key, queue, **kwargs)
