"""Staff kept from the gateway's users: when each staff record last changed, so a
``user_registered`` event that arrives late (a retry) never undoes a newer one.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE staff ADD COLUMN updated_at timestamptz")


def downgrade() -> None:
    op.execute("ALTER TABLE staff DROP COLUMN updated_at")
