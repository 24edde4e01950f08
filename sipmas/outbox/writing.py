"""Writing events: THE one way a use case emits an event, in the transaction of its change.

Why: publishing after a commit is a dual write: a crash between the two loses the event. So a
use case writes the events a change causes into its service's ``outbox`` table, in the same
transaction as the change, with :func:`add`; the relay (:mod:`.relay`) publishes them later::

    def approve(session: Session, task_id: int, actor: str) -> dict:    # a use case
        ...
        outbox.add(session, events.envelope("household_verified", data, correlation_id))

There is no other way: nothing publishes to the broker directly, and a service method does not
write events itself — it calls the use case, and its :class:`~sipmas.outbox.Outbox` dependency
wakes the relay when the worker ends (:func:`written` tells it that rows were written).

On an ORM session made by a sessionmaker that :func:`install` prepared (every service's
``sipmas.db.Database``, ``sipmas.db.session_scope``), the rows are kept until the session
commits, so that a use case emitting events one by one costs one INSERT and its ORM changes are
not flushed piecemeal before each event; a rollback drops them; :func:`flush` writes them at once
(to read them back in the same transaction). On any other session or a Core connection they are
inserted at once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from sipmas import events
from sipmas.outbox.tables import INSERT

Executor = Session | Connection
Envelope = Mapping[str, Any]

PENDING = "sipmas.outbox.pending"  # Session.info: rows written when the session commits
DEFERS = "sipmas.outbox.defers"  # Session.info: the session's maker installed the hooks


def add(session: Executor, envelope: Envelope | Iterable[Envelope]) -> None:
    """Write one event (or several) built by :func:`sipmas.events.envelope` into the outbox, in
    the caller's transaction."""
    envelopes = [envelope] if isinstance(envelope, Mapping) else list(envelope)
    _write(session, [_row(each) for each in envelopes])


def add_routed(session: Executor, envelope: Envelope, exchange: str, key: str) -> None:
    """Write one event bound for another exchange than its producer's (a partners' contract,
    such as ``sipmas.opd``), with its own routing key, in the caller's transaction."""
    _write(session, [_row(envelope, exchange, key)])


def flush(session: Session) -> None:
    """Insert the rows this session is keeping for its commit now (to read them back)."""
    rows = session.info.pop(PENDING, None)
    if rows:
        session.execute(INSERT, rows)


def install(maker: sessionmaker) -> sessionmaker:
    """Let the sessions of ``maker`` keep outbox rows until they commit: the hooks are installed
    on this sessionmaker only, explicitly (by the service's database dependency), never on every
    session of the process."""
    maker.kw.setdefault("info", {})[DEFERS] = True
    sa.event.listen(maker, "before_commit", flush)
    sa.event.listen(maker, "after_transaction_end", _forget_kept_rows)
    return maker


def _forget_kept_rows(session: Session, transaction: Any) -> None:
    """The session's transaction is over (committed, rolled back or closed): nothing is kept."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def _write(session: Executor, rows: list[dict[str, str]]) -> None:
    if not rows:
        return
    _written.rows = written() + len(rows)
    if isinstance(session, Session) and session.info.get(DEFERS):
        session.info.setdefault(PENDING, []).extend(rows)
    else:
        session.execute(INSERT, rows)


def _row(envelope: Envelope, exchange: str | None = None, key: str | None = None) -> dict:
    return {
        "event_id": str(envelope["event_id"]),
        "exchange": exchange or events.exchange_of(envelope["producer"]),
        "routing_key": key or envelope["event_type"],
        "body": json.dumps(envelope, separators=(",", ":"), default=str),
    }


# Rows this thread (a green thread under nameko: one per worker) wrote through :func:`add`:
# the service's ``Outbox`` dependency reads it when a worker ends to wake its relay at once,
# instead of leaving the rows to the next poll.
_written = threading.local()


def written() -> int:
    """Outbox rows written by the current (green) thread since :func:`reset_written`."""
    return getattr(_written, "rows", 0)


def reset_written() -> None:
    _written.rows = 0
