"""A flag's detail in Bahasa Indonesia beside the English one: the supervisor reads it in the
approval desk. Flags raised before stay English only (``detail_id`` null).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE flags ADD COLUMN detail_id text")


def downgrade() -> None:
    op.execute("ALTER TABLE flags DROP COLUMN detail_id")
