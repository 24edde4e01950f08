"""Devices that sync a verifier's visits: a sync credential per device (SHA-256 of its cookie
only), issued at an online sign-in, lasting days (``SIPMAS_SYNC_DAYS``), revoked on sign-out,
by an admin, when the user is deactivated or their password reset.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision, down_revision, branch_labels, depends_on = "0004", "0003", None, None

SCHEMA = """
CREATE TABLE sync_credentials (
  id serial PRIMARY KEY,
  username text NOT NULL REFERENCES users(username),
  sha256 text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz, revoked_reason text,
  user_agent text);
CREATE INDEX sync_credentials_live ON sync_credentials (username) WHERE revoked_at IS NULL;
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute("DROP TABLE sync_credentials")
