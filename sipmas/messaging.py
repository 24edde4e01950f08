"""Consuming events: validated, retried with backoff, dead-lettered, never lost, never looping.

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

:func:`dead_letters` shows what is in a dead-letter queue; :func:`replay_dead_letters` moves it
back to the consumer's queue with the attempt count reset.

Delivery is at-least-once (the outbox relay may publish twice; a retry may follow a commit
whose ack was lost), so a handler records the event in the inbox IN THE SAME TRANSACTION as its
effect and skips a duplicate::

    class RegistryService:
        name = "registry"
        db = Database(Base)

        @consumes("verification", "household_verified")
        def on_household_verified(self, event: dict) -> None:
            with self.db.get_session() as session:     # commits on leaving the block
                if not outbox.first_delivery(
                    session, "registry.on_household_verified", event["event_id"]
                ):
                    return                             # a duplicate: the effect is committed
                lifecycle.mark_verified(session, event["data"])

Exception messages travel into the dead-letter headers: services mask NIKs in them; any
16-digit number left is masked here as well.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from functools import partial
from typing import Any

import amqp
import amqp.exceptions
import eventlet
import kombu.exceptions
from kombu import Exchange, Queue
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.events import SERVICE_POOL, EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import QueueConsumer
from nameko.rpc import Rpc as NamekoRpc
from nameko.rpc import RpcConsumer

from sipmas import nik, settings, topology
from sipmas.events import validate_event
from sipmas.observability import metrics  # observability: events handled and failed

log = logging.getLogger(__name__)

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

CONFIRM_TIMEOUT = 10.0
MAX_ERROR_MESSAGE = 1000
# sixteen digits on their own; not inside a hex token (a request id, a uuid's hex: 1 in 100 holds
# sixteen digits in a row, and masking them would cut the id the logs are correlated by)
_SIXTEEN_DIGITS = re.compile(r"(?<![0-9a-f])\d{16}(?![0-9a-f])")


def retry_delay_ms(attempt: int) -> int:
    """Backoff before attempt ``attempt + 1``: base, 2×base, 4×base, ... capped."""
    base = int(settings.env("SIPMAS_CONSUMER_RETRY_BASE_MS", "1000"))
    cap = int(settings.env("SIPMAS_CONSUMER_RETRY_MAX_MS", "60000"))
    return min(cap, base * 2 ** max(0, attempt - 1))


def scrub(text: str) -> str:
    """Mask anything that looks like a NIK: a dead letter's error must not carry one."""
    return _SIXTEEN_DIGITS.sub(lambda match: nik.mask(match.group()), text)


def error_headers(error: BaseException) -> dict[str, str]:
    """The error's class and (scrubbed, bounded) message, as dead-letter headers."""
    kind = type(error)
    message = getattr(error, "messages", None) or str(error)
    if not isinstance(message, str):
        message = json.dumps(message, default=str, sort_keys=True)
    return {
        ERROR_TYPE: f"{kind.__module__}.{kind.__qualname__}",
        ERROR_MESSAGE: scrub(message)[:MAX_ERROR_MESSAGE],
    }


def carried_headers(headers: dict[str, Any] | None) -> dict[str, Any]:
    """A message's headers without the broker's dead-lettering history."""
    return {
        key: value
        for key, value in (headers or {}).items()
        if not any(key == name or key.startswith(name) for name in BROKER_HEADERS)
    }


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
        topology.close_quietly(connection)

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
            self._connection = topology.connect(self.amqp_uri)
            self._channel = self._connection.channel()
            self._channel.events["basic_return"].add(
                lambda exc, exchange, routing_key, message: self._returned.append(routing_key)
            )
        return self._channel


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


class SerialQueueConsumer(DeadLetteringQueueConsumer):
    """One message in flight at a time (prefetch 1): partners' updates are applied in the order
    they were sent, not raced by parallel workers. With the queue's single active consumer, the
    order holds across replicas too. (A message that fails is retried in place: see
    :meth:`ConsumesInbound.handle_message_processed`.)"""

    @property
    def prefetch_count(self) -> int:
        return 1


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
        with topology.connection(amqp_uri) as conn:
            topology.declare_side_queues(conn.channel(), self.queue.name)
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
            self._dead_letter(message, error, attempts=_attempts(message))
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
        self._dead_letter(message, error, attempts=_attempts(message))

    def handle_message_processed(
        self, message: Any, result: Any = None, exc_info: tuple | None = None
    ) -> None:
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            metrics.event_handled(self.container.service_name, self.event_type)  # observability
            return
        attempts = _attempts(message) + 1
        if attempts >= self.max_attempts:
            self._dead_letter(message, exc_info[1], attempts)
        else:
            self._retry(message, exc_info[1], attempts)

    def _retry(self, message: Any, error: BaseException, attempts: int) -> None:
        delay = retry_delay_ms(attempts)
        headers = {**_origin(message), ATTEMPTS: attempts}
        metrics.event_failed(self.container.service_name, self.event_type, "retry")  # observ.
        log.warning(
            "%s failed on %s %s (attempt %d of %d, %s); retrying in %d ms",
            self.consumer,
            *_identity(message),
            attempts,
            self.max_attempts,
            type(error).__name__,
            delay,
        )
        target = topology.retry_queue(self.queue.name)
        self._forward(message, target, headers, expiration=str(delay))

    def _dead_letter(self, message: Any, error: BaseException, attempts: int) -> None:
        headers = {
            **_origin(message),
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
            *_identity(message),
            attempts,
            type(error).__name__,
        )
        self._forward(message, topology.dead_queue(self.queue.name), headers)

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
            queue_arguments=topology.INBOUND_QUEUE_ARGUMENTS,
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
        attempts = max(self._failures.get(key, 0), _attempts(message)) + 1
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
            *_identity(message),
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
            "routing_key": _origin(message)[ORIGINAL_ROUTING_KEY],
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


def consumes(producer: str, event_type: str, **kwargs: Any) -> Callable:
    """Decorate a service method that handles ``producer``'s ``event_type`` events."""
    return Consumes.decorator(producer, event_type, **kwargs)


# --- consuming in batches ------------------------------------------------------------------------


def batch_size() -> int:
    """Events handed to a batch handler at most (``SIPMAS_CONSUMER_BATCH``, 50)."""
    return max(1, int(settings.env("SIPMAS_CONSUMER_BATCH", "50")))


def batches_in_flight() -> int:
    """Batches one consumer has handled at once at most (``SIPMAS_CONSUMER_BATCHES_IN_FLIGHT``,
    2). The events that arrive meanwhile wait for a batch to finish and go together in the next:
    batches grow with the load (a few large transactions) instead of every worker taking a
    batch of one event when events come one by one, as they do when every commit wakes a relay."""
    return max(1, int(settings.env("SIPMAS_CONSUMER_BATCHES_IN_FLIGHT", "2")))


class BatchQueueConsumer(DeadLetteringQueueConsumer):
    """A prefetch of two batches: the next one gathers while one is handled."""

    @property
    def prefetch_count(self) -> int:
        return max(self.container.max_workers, 2 * batch_size())


class ConsumesBatch(Consumes):
    """:class:`Consumes` whose method gets a LIST of validated events, handled in one worker
    (one transaction: one inbox statement, one commit for all of them).

    Why: a worker, a session, BEGIN, the inbox row and COMMIT per event cost more than what
    most handlers do with the event. The events that arrived together (up to
    :func:`batch_size`) go together: a batch is started as soon as the messages already
    received have been taken, so nothing waits for a batch to fill. Each message is acked only
    once the batch's worker succeeded (its transaction is committed by then). When the batch
    fails, every event of it is tried again ALONE, so that one poison message is retried and
    dead-lettered by itself (:meth:`Consumes.handle_message_processed`) and the others go on.
    The handler must still dedupe per event (:func:`sipmas.outbox.first_deliveries`) and make
    its effect in one transaction.
    """

    queue_consumer = BatchQueueConsumer()

    def setup(self) -> None:
        super().setup()
        self._gathered: list[tuple[dict[str, Any], Any]] = []
        self._flush_pending = False
        self._in_flight = 0

    def handle_message(self, body: Any, message: Any) -> None:
        event = self.read_event(body, message)
        if event is None:
            return
        self._gathered.append((event, message))
        if len(self._gathered) >= batch_size():
            self._flush()
        elif not self._flush_pending:
            self._flush_pending = True  # runs once the messages received with this one are in
            self.container.spawn_managed_thread(
                self._scheduled_flush, identifier=f"{self.consumer}.batch"
            )

    def _scheduled_flush(self) -> None:
        self._flush_pending = False
        self._flush()

    def _flush(self) -> None:
        """Start a batch of what has gathered, unless :func:`batches_in_flight` are being
        handled: then it waits for one of them to finish."""
        if self._in_flight >= batches_in_flight():
            return
        size = batch_size()
        batch, self._gathered = self._gathered[:size], self._gathered[size:]
        if batch:
            self._in_flight += 1
            self._spawn(batch, partial(self._batch_done, batch))

    def _batch_done(self, batch: list[tuple[dict[str, Any], Any]], *outcome: Any) -> tuple:
        """:meth:`handle_batch_result` (worker, result, exc_info), then the next batch."""
        try:
            return self.handle_batch_result(batch, *outcome)
        finally:
            self._in_flight -= 1
            if self._gathered:  # not from this worker: it holds a worker slot until it returns
                self.container.spawn_managed_thread(
                    self._flush, identifier=f"{self.consumer}.batch"
                )

    def _spawn(self, batch: list[tuple[dict[str, Any], Any]], handle_result: Callable) -> None:
        context = self.unpack_message_headers(batch[0][1])
        if len(batch) > 1:
            context.pop("correlation_id", None)  # several households: no single id for the logs
        try:
            self.container.spawn_worker(
                self,
                ([event for event, _ in batch],),
                {},
                context_data=context,
                handle_result=handle_result,
            )
        except ContainerBeingKilled:
            for _, message in batch:
                self.queue_consumer.requeue_message(message)

    def handle_batch_result(
        self,
        batch: list[tuple[dict[str, Any], Any]],
        worker_ctx: Any,
        result: Any,
        exc_info: tuple | None,
    ) -> tuple:
        if exc_info is None:
            for _, message in batch:
                self.handle_message_processed(message)  # acks, counts
        elif len(batch) == 1:
            self.handle_message_processed(batch[0][1], result, exc_info)  # retry or dead letter
        else:
            log.warning(
                "%s failed on a batch of %d (%s); trying each event alone",
                self.consumer,
                len(batch),
                type(exc_info[1]).__name__,
            )
            self.container.spawn_managed_thread(
                partial(self._one_by_one, batch), identifier=f"{self.consumer}.one_by_one"
            )
        return result, exc_info

    def _one_by_one(self, batch: list[tuple[dict[str, Any], Any]]) -> None:
        for item in batch:
            self._spawn([item], partial(self.handle_batch_result, [item]))


def consumes_batch(producer: str, event_type: str, **kwargs: Any) -> Callable:
    """Decorate a service method that handles LISTS of ``producer``'s ``event_type`` events."""
    return ConsumesBatch.decorator(producer, event_type, **kwargs)


# --- RPC that survives a broker restart ----------------------------------------------------------

CONNECTION_LOST = (OSError, amqp.exceptions.ConnectionError, kombu.exceptions.OperationalError)


class ReplyTolerantRpcConsumer(RpcConsumer):
    """nameko's RPC consumer, except that a reply or an ack lost with the broker connection is
    not fatal. nameko raises it from the worker, which kills the whole service (the chaos test
    saw it when RabbitMQ restarted while a call was being answered). The request was not acked:
    the broker gives it again once it is back and it is answered again (state-changing RPCs are
    idempotent); the caller, whose reply queue went with the broker, asks again."""

    def handle_result(self, message: Any, result: Any, exc_info: tuple | None) -> tuple:
        try:
            return super().handle_result(message, result, exc_info)
        except CONNECTION_LOST as error:
            log.warning("RPC reply lost with the broker connection (%s); it is asked again", error)
            return result, exc_info


class Rpc(NamekoRpc):
    rpc_consumer = ReplyTolerantRpcConsumer()


rpc = Rpc.decorator  # instead of nameko.rpc.rpc: every @rpc of a service must come from here


def _attempts(message: Any) -> int:
    try:
        return int((message.headers or {}).get(ATTEMPTS, 0))
    except (TypeError, ValueError):
        return 0


def _origin(message: Any) -> dict[str, str]:
    """Where the event was first published, kept across retries (they go via the default one)."""
    headers = message.headers or {}
    info = message.delivery_info
    return {
        ORIGINAL_EXCHANGE: headers.get(ORIGINAL_EXCHANGE, info.get("exchange", "")),
        ORIGINAL_ROUTING_KEY: headers.get(ORIGINAL_ROUTING_KEY, info.get("routing_key", "")),
    }


def _identity(message: Any) -> tuple[str, str]:
    """Event type and id of a message, for log lines (never its body)."""
    headers = message.headers or {}
    event_type = headers.get("event_type") or headers.get(ORIGINAL_ROUTING_KEY)
    return str(event_type or message.delivery_info.get("routing_key")), str(
        message.properties.get("message_id")
    )


# --- operating dead letters ---------------------------------------------------------------------


def _consumer_queue(queue: str) -> str:
    suffix = ".dead"
    return queue[: -len(suffix)] if queue.endswith(suffix) else queue


def describe_dead_letter(message: amqp.Message) -> dict[str, Any]:
    """A dead letter as an operator reads it: what failed, where, how often, and the event."""
    headers = dict(message.headers or {})
    body = message.body.decode() if isinstance(message.body, bytes) else message.body
    with suppress(ValueError):  # else keep the text: an invalid body is what the operator needs
        body = json.loads(body)
    return {
        "event_id": message.properties.get("message_id"),
        "event_type": headers.get("event_type") or headers.get(ORIGINAL_ROUTING_KEY),
        "consumer": headers.get(CONSUMER),
        "queue": headers.get(QUEUE),
        "attempts": headers.get(ATTEMPTS),
        "error_type": headers.get(ERROR_TYPE),
        "error_message": headers.get(ERROR_MESSAGE),
        "failed_at": headers.get(FAILED_AT),
        "headers": headers,
        "body": body,
    }


def dead_letters(amqp_uri: str | None, queue: str, limit: int = 10_000) -> list[dict[str, Any]]:
    """Read (without removing) the dead letters of consumer queue ``queue`` (or ``<queue>.dead``).

    Messages are fetched unacked and return to the queue, in order, when the channel closes.
    """
    found: list[dict[str, Any]] = []
    with topology.connection(amqp_uri) as conn:
        channel = conn.channel()
        while len(found) < limit:
            message = channel.basic_get(topology.dead_queue(_consumer_queue(queue)))
            if message is None:
                break
            found.append(describe_dead_letter(message))
        channel.close()
    return found


def replay_dead_letters(amqp_uri: str | None, queue: str) -> int:
    """Move the dead letters of ``queue`` back into it with the attempt count reset.

    Each letter leaves the dead-letter queue only once its copy is confirmed in ``queue``; only
    the letters present when called are moved, so one that fails again cannot loop here.
    """
    target = _consumer_queue(queue)
    dead = topology.dead_queue(target)
    moved = 0
    with topology.connection(amqp_uri) as conn:
        channel = conn.channel()
        returned: list[str] = []
        channel.events["basic_return"].add(lambda exc, ex, key, msg: returned.append(key))
        _, waiting, _ = channel.queue_declare(dead, passive=True)
        while moved < waiting:
            message = channel.basic_get(dead)
            if message is None:
                break
            channel.basic_publish_confirm(
                _for_replay(message),
                exchange="",
                routing_key=target,
                mandatory=True,
                confirm_timeout=CONFIRM_TIMEOUT,
            )
            if returned:
                raise Unroutable(target)  # the letter stays (unacked, so requeued) in .dead
            channel.basic_ack(message.delivery_tag)
            moved += 1
    log.info("replayed %d dead letters into %s", moved, target)
    return moved


def _for_replay(message: amqp.Message) -> amqp.Message:
    carried = carried_headers(message.headers).items()
    headers = {key: value for key, value in carried if key not in FAILURE_HEADERS}
    properties = {
        key: message.properties[key]
        for key in ("content_type", "content_encoding", "message_id")
        if message.properties.get(key)
    }
    return amqp.Message(message.body, delivery_mode=2, application_headers=headers, **properties)
