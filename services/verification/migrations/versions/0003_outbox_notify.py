"""The outbox tells the relays when rows are committed (``sipmas.outbox.DDL_NOTIFY``): events
written by another process — another replica, the import CLI — leave at once, not at the poll.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

from sipmas import outbox

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(outbox.DDL_NOTIFY)


def downgrade() -> None:
    op.execute(outbox.UNDO_NOTIFY)
