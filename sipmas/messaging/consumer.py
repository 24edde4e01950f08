"""The retrying consumer: validated, retried with backoff, dead-lettered, never lost, never looping.

nameko 2.14 acks an event even when its handler raises (unless ``requeue_on_error``, which
redelivers at once, forever), so a failing message would vanish. :func:`consumes` is nameko's
SERVICE_POOL event handler with reliable delivery, plus:

- the body is checked with :func:`sipmas.events.validate_event`; an invalid one goes to
  ``<queue>.dead`` at once, with the validation error (retrying cannot fix it);
- the service method gets the validated event (``event_id`` a UUID, ``data`` loaded);
- when it raises, the message is republished to ``<queue>.retry`` with a per-message TTL
  (exponential backoff) from which it expires back into ``<queue>``; attempts are counted in the
  ``x-sipmas-attempts`` header; after ``settings.consumer_max_attempts()`` it goes to
  ``<queue>.dead`` with the error's type and message, the consumer and the attempts.
  The original is acked only after that publish is confirmed, else it is requeued.

Delivery is at-least-once (the outbox relay may publish twice; a retry may follow a commit
whose ack was lost), so a handler records the event in the inbox IN THE SAME TRANSACTION as its
effect and skips a duplicate (:mod:`sipmas.messaging.inbox`)::

    class RegistryService:
        name = "registry"
        db = Database(Base)

        @consumes("verification", "household_verified")
        def on_household_verified(self, event: dict) -> None:
            with self.db.get_session() as session:     # commits on leaving the block
                lifecycle_events.apply(session, "registry.on_household_verified", event)

    def apply(session, consumer, event):              # a use case
        if not inbox.first_delivery(session, consumer, event["event_id"]):
            return                                     # a duplicate: the effect is committed
        ...
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.events import SERVICE_POOL, EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import QueueConsumer

from sipmas import settings
from sipmas.events import validate_event
from sipmas.messaging.connection import connection
from sipmas.messaging.headers import (
    ATTEMPTS,
    CONSUMER,
    FAILED_AT,
    QUEUE,
    attempts_of,
    carried_headers,
    error_headers,
    identity_of,
    origin_of,
)
from sipmas.messaging.publisher import ConfirmedPublisher
from sipmas.messaging.topology import dead_queue, declare_side_queues, retry_queue
from sipmas.observability import metrics  # observability: events handled and failed

log = logging.getLogger("sipmas.messaging")  # one logger for the messaging kernel


def retry_delay_ms(attempt: int) -> int:
    """Backoff before attempt ``attempt + 1``: base, 2×base, 4×base, ... capped."""
    base = int(settings.env("SIPMAS_CONSUMER_RETRY_BASE_MS", "1000"))
    cap = int(settings.env("SIPMAS_CONSUMER_RETRY_MAX_MS", "60000"))
    return min(cap, base * 2 ** max(0, attempt - 1))


class DeadLetteringQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except that an undecodable body is dead-lettered, and that
    settling a message on a connection that was just cut is not fatal.

    kombu's default logs the raw body (personal data) and acks it: the message would vanish.
    nameko ignores py-amqp's ``ConnectionError`` on an ack or requeue but not the socket's own
    (``ConnectionResetError``, ``BrokenPipeError``): raised from a worker, it kills the service
    when a handler finishes just as the broker restarts. The broker has taken the message back
    by then; it comes again and the inbox dedupes it.
    """

    def ack_message(self, message: Any) -> None:
        try:
            super().ack_message(message)
        except OSError as error:
            log.warning("ack lost with the connection (%s); the broker redelivers", error)

    def requeue_message(self, message: Any) -> None:
        try:
            super().requeue_message(message)
        except OSError as error:
            log.warning("requeue lost with the connection (%s); the broker redelivers", error)

    def get_consumers(self, consumer_cls: Any, channel: Any) -> Any:
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = provider.handle_undecodable
        return consumers


class Consumes(EventHandler):
    """nameko's event handler that validates, retries with backoff and dead-letters."""

    queue_consumer = DeadLetteringQueueConsumer()

    def __init__(self, producer: str, event_type: str, **kwargs: Any) -> None:
        for fixed in ("handler_type", "reliable_delivery", "requeue_on_error"):
            if fixed in kwargs:
                raise TypeError(f"consumes() fixes {fixed}")
        super().__init__(
            producer,
            event_type,
            handler_type=SERVICE_POOL,
            reliable_delivery=True,
            requeue_on_error=False,
            **kwargs,
        )

    @property
    def consumer(self) -> str:
        """The name this handler records in the inbox and in dead letters."""
        return f"{self.container.service_name}.{self.method_name}"

    def setup(self) -> None:
        super().setup()
        self._setup_failure_path()

    def _setup_failure_path(self) -> None:
        """The retry and dead-letter queues beside this handler's queue, and their publisher."""
        self.max_attempts = max(1, settings.consumer_max_attempts())
        amqp_uri = self.container.config[AMQP_URI_CONFIG_KEY]
        with connection(amqp_uri) as conn:
            declare_side_queues(conn.channel(), self.queue.name)
        self.publisher = ConfirmedPublisher(amqp_uri)

    def stop(self) -> None:
        super().stop()
        self.publisher.close()

    def kill(self) -> None:
        super().kill()
        self.publisher.close()

    def unpack_message_headers(self, message: Any) -> dict[str, Any]:
        """nameko's context (``nameko.*`` headers) and the event's correlation id, nothing else."""
        headers = message.headers or {}
        prefix = f"{self.header_prefix}."
        data = {key[len(prefix) :]: v for key, v in headers.items() if key.startswith(prefix)}
        if headers.get("correlation_id"):
            data.setdefault("correlation_id", headers["correlation_id"])
        return data

    def read_event(self, body: Any, message: Any) -> dict[str, Any] | None:
        """The validated event; None when it cannot be read (dead-lettered at once: retrying
        will not help)."""
        try:
            return validate_event(body)
        except Exception as error:  # any failure to read the event
            self._dead_letter(message, error, attempts=attempts_of(message))
            return None

    def handle_message(self, body: Any, message: Any) -> None:
        event = self.read_event(body, message)
        if event is None:
            return
        handle_result = partial(self.handle_result, message)
        try:
            self.container.spawn_worker(
                self,
                (event,),
                {},
                context_data=self.unpack_message_headers(message),
                handle_result=handle_result,
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def handle_undecodable(self, message: Any, error: BaseException) -> None:
        """A body that is not JSON: no retry can help, dead-letter it."""
        self._dead_letter(message, error, attempts=attempts_of(message))

    def handle_message_processed(
        self, message: Any, result: Any = None, exc_info: tuple | None = None
    ) -> None:
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            metrics.event_handled(self.container.service_name, self.event_type)  # observability
            return
        attempts = attempts_of(message) + 1
        if attempts >= self.max_attempts:
            self._dead_letter(message, exc_info[1], attempts)
        else:
            self._retry(message, exc_info[1], attempts)

    def _retry(self, message: Any, error: BaseException, attempts: int) -> None:
        delay = retry_delay_ms(attempts)
        headers = {**origin_of(message), ATTEMPTS: attempts}
        metrics.event_failed(self.container.service_name, self.event_type, "retry")  # observ.
        log.warning(
            "%s failed on %s %s (attempt %d of %d, %s); retrying in %d ms",
            self.consumer,
            *identity_of(message),
            attempts,
            self.max_attempts,
            type(error).__name__,
            delay,
        )
        target = retry_queue(self.queue.name)
        self._forward(message, target, headers, expiration=str(delay))

    def _dead_letter(self, message: Any, error: BaseException, attempts: int) -> None:
        headers = {
            **origin_of(message),
            **error_headers(error),
            CONSUMER: self.consumer,
            QUEUE: self.queue.name,
            ATTEMPTS: attempts,
            FAILED_AT: datetime.now(UTC).isoformat(),
        }
        metrics.event_failed(self.container.service_name, self.event_type, "dead")  # observ.
        log.error(
            "%s dead-lettered %s %s after %d attempts (%s)",
            self.consumer,
            *identity_of(message),
            attempts,
            type(error).__name__,
        )
        self._forward(message, dead_queue(self.queue.name), headers)

    def _forward(
        self, message: Any, queue: str, headers: dict[str, Any], expiration: str | None = None
    ) -> None:
        """Republish the original bytes to ``queue``; ack only once the broker confirmed it."""
        properties = {
            "content_type": message.content_type or "application/json",
            "content_encoding": message.content_encoding or "utf-8",
            "delivery_mode": 2,
            "application_headers": {**carried_headers(message.headers), **headers},
        }
        if message.properties.get("message_id"):
            properties["message_id"] = message.properties["message_id"]
        if expiration is not None:
            properties["expiration"] = expiration
        try:
            self.publisher.publish(message.body, queue, properties)
        except Exception as error:
            log.error("%s could not forward to %s (%s); requeued", self.consumer, queue, error)
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)


def consumes(producer: str, event_type: str, **kwargs: Any) -> Callable:
    """Decorate a service method that handles ``producer``'s ``event_type`` events."""
    return Consumes.decorator(producer, event_type, **kwargs)
