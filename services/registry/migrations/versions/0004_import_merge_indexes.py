"""The index an import's household match by No. KK needs (issue 2: a re-import into a full
registry must cost what the file costs).

An import asks, per household group its NIKs did not match, for the first household with the
group's No. KK: ``WHERE no_kk = $1 ORDER BY id LIMIT 1``. On ``(no_kk)`` alone the planner may
walk the primary key in id order until a household with that No. KK turns up (reading most of
the table for each group: minutes on a registry of a million people); on ``(no_kk, id)`` the
answer is the first entry of one index range. It replaces ``households_no_kk``, whose every use
it also serves.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX households_no_kk_id ON households (no_kk, id)")
    op.execute("DROP INDEX households_no_kk")


def downgrade() -> None:
    op.execute("CREATE INDEX households_no_kk ON households (no_kk)")
    op.execute("DROP INDEX households_no_kk_id")
