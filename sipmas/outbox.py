"""Transactional outbox, its relay, and the idempotent-consumer (inbox) helper.

Why: publishing after a commit is a dual write: a crash between the two loses the event. Instead a
state change and the events it causes are written in ONE database transaction (:func:`add`), and
a :class:`Relay` publishes the unpublished rows with publisher confirms, then marks them. A crash
after publishing and before marking publishes a row again, so delivery is at-least-once and every
consumer dedupes with :func:`first_delivery` in the transaction of its effect.

The relay relies on nothing but the columns of :data:`DDL_V1`, so set-based SQL may fill the
outbox too (``INSERT INTO outbox (event_id, exchange, routing_key, body) SELECT ...``).

Rows returned by the broker as unroutable (``mandatory``: no queue is bound) are marked
``published_at`` AND ``returned_at``; they are not retried. After binding a queue, an operator can
re-send them with ``UPDATE outbox SET published_at = NULL WHERE returned_at IS NOT NULL``.

In a nameko service::

    class ReferralService:
        name = "referral"
        db = Database(Base)
        outbox = Outbox()          # runs the relay inside the service; woken after each worker

        @rpc
        def open_case(self, household_id: int) -> int:
            with self.db.get_session() as session:
                case = cases.open(session, household_id)
                self.outbox.add(session, events.envelope("case_opened", {...}))
                return case.id     # the session commits on leaving the block
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import amqp
import sqlalchemy as sa
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.orm import Session

from sipmas import db, events, settings, topology

log = logging.getLogger(__name__)

DDL_V1 = """
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    exchange text NOT NULL,
    routing_key text NOT NULL,
    body jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    returned_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE TABLE inbox (
    consumer text NOT NULL,
    event_id uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
"""

# Every statement that writes outbox rows tells the relays when it commits (a NOTIFY is delivered
# at commit, once per transaction), whoever wrote them: a worker of another replica, the import
# CLI, set-based SQL. A relay that listens publishes at once instead of at its next poll; one
# that misses a notice (not listening yet, reconnecting) still finds the rows at that poll.
CHANNEL = "sipmas_outbox"
DDL_NOTIFY = f"""
CREATE FUNCTION outbox_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('{CHANNEL}', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_written AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_written();
"""
UNDO_NOTIFY = "DROP TRIGGER outbox_written ON outbox; DROP FUNCTION outbox_written();"


def upgrade_notify() -> None:
    """The alembic step that adds :data:`DDL_NOTIFY`: every service's migration chain has one
    (``from sipmas.outbox import upgrade_notify as upgrade``)."""
    from alembic import op

    op.execute(DDL_NOTIFY)


def downgrade_notify() -> None:
    from alembic import op

    op.execute(UNDO_NOTIFY)


DEFAULT_WINDOW = 500  # unconfirmed publishes in flight; 500 measured best on this broker
CHUNKS_PER_WINDOW = 2  # written a chunk at a time; 1, 2, 4 measured alike (~11k/s)
CONFIRM_TIMEOUT = 30.0  # seconds without any confirm before the connection is deemed dead
MAX_BACKOFF = 30.0
FAULT_EXIT_CODE = 17  # exit status of an injected relay crash
UNROUTABLE_SAMPLE = 3  # event ids named per unroutable event type and batch


class _Cast(sa.types.TypeDecorator):
    """Text bound as ``CAST(:value AS <type>)``: the body is JSON text already, and a uuid
    arrives as text; PostgreSQL converts them, Python does not parse them again."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, target: sa.types.TypeEngine) -> None:
        super().__init__()
        self.target = target

    def bind_expression(self, bindvalue: Any) -> Any:
        return sa.cast(bindvalue, self.target)


_TABLE = sa.table(
    "outbox",
    sa.column("event_id", _Cast(sa.Uuid())),
    sa.column("exchange", sa.Text()),
    sa.column("routing_key", sa.Text()),
    sa.column("body", _Cast(JSONB())),
)
# One statement for any number of rows (SQLAlchemy's "insertmanyvalues"): a text() INSERT
# executed with many rows is one round trip per row with psycopg2.
_INSERT = sa.insert(_TABLE)
_INBOX = sa.text(
    "INSERT INTO inbox (consumer, event_id) VALUES (:consumer, CAST(:event_id AS uuid)) "
    "ON CONFLICT DO NOTHING"
)
_CLAIM = sa.text(
    "SELECT id, event_id::text AS event_id, exchange, routing_key, body::text AS body, "
    "body->>'correlation_id' AS correlation_id "
    "FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_MARK_PUBLISHED = sa.text("UPDATE outbox SET published_at = now() WHERE id = ANY(:ids)")
_MARK_RETURNED = sa.text("UPDATE outbox SET returned_at = now() WHERE id = ANY(:ids)")

Executor = Session | Connection


# --- writing and deduplicating, in the caller's transaction -------------------------------------


def add(session: Executor, envelope: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> None:
    """Write one event (or a list of them) into the outbox, in the caller's transaction."""
    if isinstance(envelope, Mapping):
        add_many(session, [envelope])
    else:
        add_many(session, envelope)


def add_many(session: Executor, envelopes: Iterable[Mapping[str, Any]]) -> None:
    """Write events built by :func:`sipmas.events.envelope` into the outbox, in the caller's
    transaction (see :func:`_write`)."""
    _write(session, [_outbox_row(envelope) for envelope in envelopes])


def add_routed(session: Executor, envelope: Mapping[str, Any], exchange: str, key: str) -> None:
    """Write one event bound for another exchange than its producer's (a partners' contract,
    such as ``sipmas.opd``), with its own routing key, in the caller's transaction."""
    _write(session, [_outbox_row(envelope, exchange, key)])


PENDING = "sipmas.outbox.pending"  # Session.info key: rows written when the session commits


def _write(session: Executor, rows: list[dict[str, str]]) -> None:
    """On a Core connection, insert now. On an ORM session, keep the rows until it commits
    (or :func:`flush`): a use case that adds events one by one then costs one statement, and
    its ORM changes are not flushed piecemeal before each event. A rollback drops them."""
    if not rows:
        return
    _written.rows = written() + len(rows)
    if isinstance(session, Session):
        session.info.setdefault(PENDING, []).extend(rows)
    else:
        session.execute(_INSERT, rows)


def flush(session: Session) -> None:
    """Insert the rows this session is keeping for its commit now (to read them back)."""
    rows = session.info.pop(PENDING, None)
    if rows:
        session.execute(_INSERT, rows)


@sa.event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    flush(session)


@sa.event.listens_for(Session, "do_orm_execute")
def _before_reading_the_outbox(state: Any) -> None:
    """A statement of the same session that names the outbox sees the rows kept for it."""
    session = state.session
    if PENDING in session.info and _names_outbox(state.statement):
        flush(session)


def _names_outbox(statement: Any) -> bool:
    """Textual SQL naming the outbox, or a statement on its table (the ORM's selects of
    mapped classes never read it, and looking into each one cost more than it saved)."""
    if isinstance(statement, sa.TextClause):
        return "outbox" in statement.text.lower()
    return getattr(getattr(statement, "table", None), "name", None) == "outbox"


@sa.event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    """The session's transaction is over (committed, rolled back or closed): nothing is kept."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


# Rows this thread (a green thread under nameko: one per worker) wrote through the functions
# above. Use cases call ``outbox.add`` directly, not ``self.outbox``: :class:`Outbox` reads this
# when a worker ends to wake its relay, instead of leaving the rows to the next poll.
_written = threading.local()


def written() -> int:
    """Outbox rows written by the current (green) thread since :func:`reset_written`."""
    return getattr(_written, "rows", 0)


def reset_written() -> None:
    _written.rows = 0


def _outbox_row(
    envelope: Mapping[str, Any], exchange: str | None = None, key: str | None = None
) -> dict[str, str]:
    return {
        "event_id": str(envelope["event_id"]),
        "exchange": exchange or events.exchange_of(envelope["producer"]),
        "routing_key": key or envelope["event_type"],
        "body": json.dumps(envelope, separators=(",", ":"), default=str),
    }


def first_delivery(session: Executor, consumer: str, event_id: UUID | str) -> bool:
    """Record ``(consumer, event_id)`` in the inbox; False when it was already there (a duplicate).

    Call it in the same transaction as the handler's effect: both commit or neither does.
    """
    result = session.execute(_INBOX, {"consumer": consumer, "event_id": str(event_id)})
    return result.rowcount == 1


_INBOX_MANY = sa.text(
    "INSERT INTO inbox (consumer, event_id) "
    "SELECT :consumer, id FROM unnest(CAST(:event_ids AS uuid[])) AS id "
    "ON CONFLICT DO NOTHING RETURNING event_id::text"
)


def first_deliveries(session: Executor, consumer: str, event_ids: Iterable[UUID | str]) -> set[str]:
    """:func:`first_delivery` for many events in one statement: the ids (as text) seen for the
    first time; the others are duplicates. Same transaction as the effect, as there."""
    wanted = list(dict.fromkeys(str(event_id) for event_id in event_ids))
    if not wanted:
        return set()
    return set(session.scalars(_INBOX_MANY, {"consumer": consumer, "event_ids": wanted}))


# --- publishing with a window of unconfirmed messages -------------------------------------------


@dataclass
class Outcome:
    """What the broker said about one batch: row ids confirmed, refused, returned unroutable."""

    acked: list[int] = field(default_factory=list)
    nacked: list[int] = field(default_factory=list)
    returned: list[tuple[str, str]] = field(default_factory=list)  # (event_type, event_id)


class ConfirmWindow:
    """Delivery tags of unconfirmed publishes, settled by the broker's (multiple) acks and nacks.

    Tags grow by one per publish on a confirm-mode channel, so the dict's insertion order is tag
    order and a ``multiple`` confirm settles a prefix of it.
    """

    def __init__(self) -> None:
        self.pending: dict[int, int] = {}  # delivery tag -> outbox row id
        self.last_tag = 0

    def __len__(self) -> int:
        return len(self.pending)

    def sent(self, row_id: int) -> None:
        self.last_tag += 1
        self.pending[self.last_tag] = row_id

    def settle(self, tag: int, multiple: bool, into: list[int]) -> None:
        if not multiple:
            row_id = self.pending.pop(tag, None)
            if row_id is not None:
                into.append(row_id)
            return
        settled = []
        for pending_tag in self.pending:
            if pending_tag > tag:
                break
            settled.append(pending_tag)
        into.extend(self.pending.pop(pending_tag) for pending_tag in settled)


class WindowedPublisher:
    """Publishes outbox rows on one confirm-mode channel, keeping ``window`` confirms in flight.

    Waiting for each confirm caps persistent publishing near 1,000-1,300 msg/s on this broker;
    a window of unconfirmed publishes reaches about ten times that (ARCHITECTURE.md, Decided).
    """

    def __init__(
        self, amqp_uri: str, window: int = DEFAULT_WINDOW, timeout: float = CONFIRM_TIMEOUT
    ):
        self.amqp_uri = amqp_uri
        self.window = window
        self.timeout = timeout
        self._connection: amqp.Connection | None = None
        self._channel: amqp.Channel | None = None
        self._declared: set[str] = set()
        self._confirms = ConfirmWindow()
        self._outcome = Outcome()

    def publish(self, rows: Sequence[Row]) -> Outcome:
        """Publish ``rows`` and wait until the broker confirmed (or refused) every one of them."""
        self._outcome = Outcome()
        try:
            channel = self._ready_channel()
            chunk = max(1, self.window // CHUNKS_PER_WINDOW)  # keeps the pipe full while writing
            for start in range(0, len(rows), chunk):
                self._publish_chunk(channel, rows[start : start + chunk])
            while len(self._confirms):
                self._connection.drain_events(timeout=self.timeout)
        except Exception:
            self.close()  # unconfirmed rows stay unpublished: the next attempt resends them
            raise
        return self._outcome

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        topology.close_quietly(connection)

    def _publish_chunk(self, channel: amqp.Channel, rows: Sequence[Row]) -> None:
        """Make room for ``rows`` in the window, then send them in a few large writes."""
        while len(self._confirms) > self.window - len(rows):
            self._connection.drain_events(timeout=self.timeout)
        for row in rows:
            if row.exchange not in self._declared:
                topology.declare_exchange(channel, row.exchange)  # waits: not while corked
                self._declared.add(row.exchange)
        with self._connection.cork.corked_writes():
            for row in rows:
                self._publish_one(channel, row)

    def _publish_one(self, channel: amqp.Channel, row: Row) -> None:
        headers = {"event_type": row.routing_key}
        if row.correlation_id:
            headers["correlation_id"] = row.correlation_id
        message = amqp.Message(
            row.body.encode(),
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            message_id=row.event_id,
            application_headers=headers,
        )
        channel._basic_publish(
            message, exchange=row.exchange, routing_key=row.routing_key, mandatory=True
        )
        self._confirms.sent(row.id)

    def _ready_channel(self) -> amqp.Channel:
        if self._channel is None:
            self._connection = topology.connect(self.amqp_uri)
            channel = self._connection.channel()
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            channel.events["basic_return"].add(self._on_return)
            self._channel = channel
            self._declared = set()
            self._confirms = ConfirmWindow()
        return self._channel

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._confirms.settle(delivery_tag, multiple, self._outcome.acked)

    def _on_nack(self, delivery_tag: int, multiple: bool, *_: Any) -> None:
        self._confirms.settle(delivery_tag, multiple, self._outcome.nacked)

    def _on_return(self, exc: Exception, exchange: str, routing_key: str, message: Any) -> None:
        self._outcome.returned.append((routing_key, str(message.properties.get("message_id"))))


# --- the relay ----------------------------------------------------------------------------------


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


# --- in a nameko service, and standalone --------------------------------------------------------


class OutboxHandle:
    """What a service method sees as ``self.outbox``."""

    def __init__(self, provider: Outbox, worker_ctx: Any) -> None:
        self._provider = provider
        self._worker_ctx = worker_ctx

    def add(self, session: Executor, envelope: Mapping[str, Any] | Iterable[Mapping]) -> None:
        add(session, envelope)
        self._provider.touched(self._worker_ctx)

    def add_many(self, session: Executor, envelopes: Iterable[Mapping[str, Any]]) -> None:
        self.add(session, list(envelopes))


class Outbox(DependencyProvider):
    """The outbox of a nameko service: ``self.outbox.add(session, envelope)`` plus its relay.

    The relay runs in a managed thread of the container and is woken when a worker that wrote
    events has finished (its transaction is committed by then), so latency stays low without
    polling hard. Run ``sipmas relay SERVICE`` instead (``relay=False``) to scale it separately.
    """

    def __init__(self, relay: bool = True, batch_size: int | None = None) -> None:
        self.run_relay = relay
        self.batch_size = batch_size
        self.relay: Relay | None = None
        self._threads: list[Any] = []
        self._touched: set[int] = set()

    def setup(self) -> None:
        if self.run_relay:
            self.relay = Relay(
                self.container.service_name,
                amqp_uri=self.container.config.get(AMQP_URI_CONFIG_KEY),
                batch_size=self.batch_size,
            )

    def start(self) -> None:
        if self.relay is not None:
            name = self.container.service_name
            self._threads = [
                self.container.spawn_managed_thread(target, identifier=f"{name}.{identifier}")
                for target, identifier in (
                    (self.relay.run, "outbox_relay"),
                    (self.relay.listen, "outbox_listener"),
                )
            ]

    def stop(self) -> None:
        if self.relay is not None:
            self.relay.stop()
            for thread in self._threads:
                thread.wait()
            self.relay.close()

    def kill(self) -> None:
        if self.relay is not None:
            self.relay.close()

    def get_dependency(self, worker_ctx: Any) -> OutboxHandle:
        return OutboxHandle(self, worker_ctx)

    def touched(self, worker_ctx: Any) -> None:
        self._touched.add(id(worker_ctx))

    def worker_setup(self, worker_ctx: Any) -> None:
        reset_written()  # nameko runs setup, the method and teardown in one green thread

    def worker_teardown(self, worker_ctx: Any) -> None:
        """Wake the relay when the worker wrote events (its transaction is committed by now),
        through ``self.outbox`` or through the module's functions."""
        touched = id(worker_ctx) in self._touched
        self._touched.discard(id(worker_ctx))
        if (touched or written()) and self.relay is not None:
            self.relay.wake()
        reset_written()


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


if __name__ == "__main__":  # python -m sipmas.outbox SERVICE
    import sys

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    run_relay(sys.argv[1])
