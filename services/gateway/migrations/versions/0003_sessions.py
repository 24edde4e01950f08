"""People sign in with a password (argon2id) and TOTP: the users' password hash, whether it must
be changed, their sealed TOTP secret; browser sessions (SHA-256 of the cookie only); failed
sign-ins and locks per username.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision, down_revision, branch_labels, depends_on = "0003", "0002", None, None

SCHEMA = """
ALTER TABLE users
  ADD COLUMN password_hash text,
  ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
  ADD COLUMN password_changed_at timestamptz,
  ADD COLUMN totp_secret text,
  ADD COLUMN totp_pending text,
  ADD COLUMN totp_last_step bigint;

CREATE TABLE web_sessions (
  id serial PRIMARY KEY,
  username text NOT NULL REFERENCES users(username),
  sha256 text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz, revoked_reason text,
  user_agent text);
CREATE INDEX web_sessions_live ON web_sessions (username) WHERE revoked_at IS NULL;

CREATE TABLE signin_throttle (
  username text PRIMARY KEY,
  failures int NOT NULL DEFAULT 0 CHECK (failures >= 0),
  locks int NOT NULL DEFAULT 0 CHECK (locks >= 0),
  locked_until timestamptz,
  last_failure_at timestamptz);
CREATE INDEX signin_throttle_last_failure ON signin_throttle (last_failure_at);
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute("DROP TABLE signin_throttle, web_sessions")
    op.execute(
        "ALTER TABLE users DROP COLUMN password_hash, DROP COLUMN must_change_password, "
        "DROP COLUMN password_changed_at, DROP COLUMN totp_secret, DROP COLUMN totp_pending, "
        "DROP COLUMN totp_last_step"
    )
