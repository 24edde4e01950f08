"""An import asked for over the API runs in the background; people follow it row by row.

The import itself is one transaction (nothing half-imported), so nobody else sees its batch
until it commits. ``import_runs`` is written beside it, on a connection of its own that commits
at once: the stage, the rows read so far out of the rows in the file, and in the end the outcome.
A run's id is the id its batch will have (taken from the batches' sequence before it starts), so
a page polls ``GET /api/v1/imports/<id>`` from the moment the upload is accepted.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
CREATE TABLE import_runs (
  id int PRIMARY KEY, source text NOT NULL, filename text NOT NULL, actor text NOT NULL,
  status text NOT NULL DEFAULT 'running', stage text NOT NULL DEFAULT 'queued',
  rows_done bigint NOT NULL DEFAULT 0, rows_total bigint,
  batch_id int, error_id text, error_en text,
  started_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  CHECK (status IN ('running', 'completed', 'duplicate', 'failed')));
"""
    )


def downgrade() -> None:
    op.execute("DROP TABLE import_runs")
