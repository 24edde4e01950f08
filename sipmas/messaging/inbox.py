"""The inbox: how a consumer applies an event once, whatever the broker delivers twice.

Delivery is at-least-once (the outbox relay may publish a row again after a crash; a retry may
follow a commit whose ack was lost). Each handler records ``(consumer, event_id)`` in its
service's ``inbox`` table IN THE SAME TRANSACTION as its effect: both commit or neither does, and
a second delivery finds the row and is skipped. The table is created with the outbox's
(``sipmas.outbox.tables.DDL_V1``); use cases call these functions, never SQL of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

Executor = Session | Connection

_INBOX = sa.text(
    "INSERT INTO inbox (consumer, event_id) VALUES (:consumer, CAST(:event_id AS uuid)) "
    "ON CONFLICT DO NOTHING"
)
_INBOX_MANY = sa.text(
    "INSERT INTO inbox (consumer, event_id) "
    "SELECT :consumer, id FROM unnest(CAST(:event_ids AS uuid[])) AS id "
    "ON CONFLICT DO NOTHING RETURNING event_id::text"
)


def first_delivery(session: Executor, consumer: str, event_id: UUID | str) -> bool:
    """Record ``(consumer, event_id)`` in the inbox; False when it was already there (a duplicate).

    Call it in the same transaction as the handler's effect: both commit or neither does.
    """
    result = session.execute(_INBOX, {"consumer": consumer, "event_id": str(event_id)})
    return result.rowcount == 1


def first_deliveries(session: Executor, consumer: str, event_ids: Iterable[UUID | str]) -> set[str]:
    """:func:`first_delivery` for many events in one statement: the ids (as text) seen for the
    first time; the others are duplicates. Same transaction as the effect, as there."""
    wanted = list(dict.fromkeys(str(event_id) for event_id in event_ids))
    if not wanted:
        return set()
    return set(session.scalars(_INBOX_MANY, {"consumer": consumer, "event_ids": wanted}))
