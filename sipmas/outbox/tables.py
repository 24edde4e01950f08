"""The outbox's table and its migration steps: the columns every relay relies on.

The relay relies on nothing but the columns of :data:`DDL_V1`, so set-based SQL may fill the
outbox too (``INSERT INTO outbox (event_id, exchange, routing_key, body) SELECT ...``). The same
DDL creates the inbox table of :mod:`sipmas.messaging.inbox` (every service's first migration
ran it as one step; migrations are history and stay as they ran).

Rows returned by the broker as unroutable (``mandatory``: no queue is bound) are marked
``published_at`` AND ``returned_at``; they are not retried. After binding a queue, an operator can
re-send them with ``UPDATE outbox SET published_at = NULL WHERE returned_at IS NOT NULL``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

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
    (``from sipmas.outbox.tables import upgrade_notify as upgrade``)."""
    from alembic import op

    op.execute(DDL_NOTIFY)


def downgrade_notify() -> None:
    from alembic import op

    op.execute(UNDO_NOTIFY)


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


TABLE = sa.table(
    "outbox",
    sa.column("event_id", _Cast(sa.Uuid())),
    sa.column("exchange", sa.Text()),
    sa.column("routing_key", sa.Text()),
    sa.column("body", _Cast(JSONB())),
)
# One statement for any number of rows (SQLAlchemy's "insertmanyvalues"): a text() INSERT
# executed with many rows is one round trip per row with psycopg2.
INSERT = sa.insert(TABLE)
