"""The batch consumer: events that arrived together handled in one worker and one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from nameko.exceptions import ContainerBeingKilled

from sipmas import settings
from sipmas.messaging.consumer import Consumes, DeadLetteringQueueConsumer

log = logging.getLogger("sipmas.messaging")  # one logger for the messaging kernel


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
    The handler must still dedupe per event (:func:`sipmas.messaging.inbox.first_deliveries`)
    and make its effect in one transaction.
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
