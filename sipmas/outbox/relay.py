"""The relay: publishes a service's unpublished outbox rows, batch by batch, confirmed.

A crash after publishing and before marking publishes a row again, so delivery is at-least-once
and every consumer dedupes (:mod:`sipmas.messaging.inbox`). The relay is woken by every commit
that wrote outbox rows (a trigger NOTIFYs, :mod:`.tables`), whoever wrote them; a poll every
``SIPMAS_OUTBOX_POLL_SECONDS`` covers a missed notice.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import threading
import time
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from sipmas import db, settings
from sipmas.outbox.publisher import CONFIRM_TIMEOUT, DEFAULT_WINDOW, Outcome, WindowedPublisher
from sipmas.outbox.tables import CHANNEL

log = logging.getLogger("sipmas.outbox")  # one logger for the outbox

MAX_BACKOFF = 30.0
FAULT_EXIT_CODE = 17  # exit status of an injected relay crash
UNROUTABLE_SAMPLE = 3  # event ids named per unroutable event type and batch
_CLAIM = sa.text(
    "SELECT id, event_id::text AS event_id, exchange, routing_key, body::text AS body, "
    "body->>'correlation_id' AS correlation_id "
    "FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_MARK_PUBLISHED = sa.text("UPDATE outbox SET published_at = now() WHERE id = ANY(:ids)")
_MARK_RETURNED = sa.text("UPDATE outbox SET returned_at = now() WHERE id = ANY(:ids)")


class Relay:
    """Publishes unpublished outbox rows of one service's database, batch by batch.

    Each batch is claimed with ``FOR UPDATE SKIP LOCKED`` in one transaction, published with a
    window of confirms and marked in the same transaction, so several relays may drain one
    database without publishing a row twice (short of a crash between confirm and commit).
    """

    def __init__(
        self,
        service: str | Engine,
        amqp_uri: str | None = None,
        batch_size: int | None = None,
        window: int = DEFAULT_WINDOW,
        confirm_timeout: float = CONFIRM_TIMEOUT,
    ) -> None:
        self.engine = db.engine(service) if isinstance(service, str) else service
        self.batch_size = batch_size or settings.outbox_batch_size()
        self.publisher = WindowedPublisher(amqp_uri or settings.amqp_uri(), window, confirm_timeout)
        self._wake = threading.Event()
        self._stop = threading.Event()

    def publish_pending(self, limit: int | None = None) -> int:
        """Publish what is pending now (at most ``limit`` rows); returns how many were confirmed.

        Raises on a broker or database failure; what was not marked is published next time.
        """
        total = 0
        while limit is None or total < limit:
            size = self.batch_size if limit is None else min(self.batch_size, limit - total)
            claimed, published = self._relay_batch(size)
            total += published
            if claimed < size or published < claimed:
                break  # drained, or the broker refused some: let the caller pause
        return total

    def run(self, stop_event: threading.Event | None = None) -> None:
        """Relay until ``stop_event`` (or :meth:`stop`); never raises, reconnects with backoff."""
        stop = stop_event or self._stop
        failures = 0
        while not (stop.is_set() or self._stop.is_set()):
            try:
                published = self.publish_pending()
            except Exception as error:
                failures += 1
                delay = backoff(failures)
                log.warning("outbox relay failed (%s); retrying in %.1f s", describe(error), delay)
                self.publisher.close()
                self._sleep(stop, delay, wakeable=False)
                continue
            failures = 0
            if published == 0:
                self._sleep(stop, settings.outbox_poll_seconds(), wakeable=True)

    def wake(self) -> None:
        """Look at the outbox now instead of at the next poll (a worker just committed events)."""
        self._wake.set()

    def listen(self, stop_event: threading.Event | None = None) -> None:
        """Wake the relay whenever outbox rows are committed by anyone (:data:`DDL_NOTIFY`),
        until ``stop_event`` (or :meth:`stop`). Never raises: a lost database connection is
        opened again with backoff, and the poll covers the gap."""
        stop = stop_event or self._stop
        failures = 0
        while not (stop.is_set() or self._stop.is_set()):
            try:
                self._listen_once(stop)
                failures = 0
            except Exception as error:
                failures += 1
                delay = backoff(failures)
                log.warning("outbox listener failed (%s); again in %.1f s", describe(error), delay)
                stop.wait(delay)

    def _listen_once(self, stop: threading.Event) -> None:
        connection = self.engine.raw_connection()
        connection.detach()  # held for as long as it listens: not the pool's any more
        try:
            connection.dbapi_connection.autocommit = True
            with connection.dbapi_connection.cursor() as cursor:
                cursor.execute(f"LISTEN {CHANNEL}")
            self.wake()  # rows committed before it listened
            listening = connection.dbapi_connection
            while not (stop.is_set() or self._stop.is_set()):
                if select.select([listening], [], [], 0.5)[0]:
                    listening.poll()
                    if listening.notifies:
                        listening.notifies.clear()
                        self.wake()
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def close(self) -> None:
        self.stop()
        self.publisher.close()

    def _relay_batch(self, size: int) -> tuple[int, int]:
        with self.engine.begin() as conn:
            rows = conn.execute(_CLAIM, {"limit": size}).all()
            if not rows:
                return 0, 0
            _fault("BEFORE_PUBLISH")
            outcome = self.publisher.publish(rows)
            _fault("AFTER_PUBLISH")
            _mark(conn, rows, outcome)
        _report(outcome)
        return len(rows), len(outcome.acked)

    def _sleep(self, stop: threading.Event, seconds: float, wakeable: bool) -> None:
        """Wait ``seconds``, in slices so that a stop is noticed soon; a wake ends a poll wait."""
        deadline = time.monotonic() + seconds
        while not (stop.is_set() or self._stop.is_set()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if wakeable and self._wake.wait(min(remaining, 0.5)):
                self._wake.clear()
                return
            if not wakeable:
                stop.wait(min(remaining, 0.5))


def _mark(conn: Connection, rows: Sequence[Row], outcome: Outcome) -> None:
    if outcome.acked:
        conn.execute(_MARK_PUBLISHED, {"ids": outcome.acked})
    if outcome.returned:
        returned = {event_id for _, event_id in outcome.returned}
        ids = [row.id for row in rows if row.event_id in returned]
        conn.execute(_MARK_RETURNED, {"ids": ids})


def _report(outcome: Outcome) -> None:
    """Log what did not go as planned: event types and ids only, never a body (personal data).

    One line per event type and batch: a bulk import of unrouted events must not flood the log.
    """
    unroutable: dict[str, list[str]] = {}
    for event_type, event_id in outcome.returned:
        unroutable.setdefault(event_type, []).append(event_id)
    for event_type, ids in unroutable.items():
        sample = ", ".join(ids[:UNROUTABLE_SAMPLE]) + (
            ", ..." if len(ids) > UNROUTABLE_SAMPLE else ""
        )
        log.warning(
            "%d outbox %s events unroutable (no queue bound), marked returned: %s",
            len(ids),
            event_type,
            sample,
        )
    if outcome.nacked:
        log.warning("broker refused %d outbox events; they will be retried", len(outcome.nacked))


def backoff(failures: int) -> float:
    """0.5 s, 1 s, 2 s, ... capped at :data:`MAX_BACKOFF`."""
    return min(MAX_BACKOFF, 0.5 * 2 ** (failures - 1))


def describe(error: BaseException) -> str:
    """An error's class and first line, short: SQL errors repeat statements and parameters."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text[:200]}"


def _fault(point: str) -> None:
    """Test hook: ``SIPMAS_FAULT_RELAY_EXIT_<POINT>=1`` kills the process there, like a crash."""
    if os.environ.get(f"SIPMAS_FAULT_RELAY_EXIT_{point}") == "1":
        log.warning("fault injection: relay exits %s", point.lower().replace("_", " "))
        logging.shutdown()
        os._exit(FAULT_EXIT_CODE)


def run_relay(service: str) -> None:
    """Run ``service``'s relay in the foreground until SIGTERM or SIGINT (``sipmas relay``)."""
    relay = Relay(service)
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: relay.stop())
    threading.Thread(target=relay.listen, name=f"{service}.outbox_listener", daemon=True).start()
    log.info("outbox relay of %s started", service)
    try:
        relay.run()
    finally:
        relay.close()
        log.info("outbox relay of %s stopped", service)
