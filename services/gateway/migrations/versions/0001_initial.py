"""Gateway's first schema: users with their role and scope, API tokens (SHA-256 only), the
append-only hash-chained audit log (a trigger refuses UPDATE, DELETE and TRUNCATE), outbox
and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from alembic import op

from sipmas.outbox.tables import DDL_V1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = """
CREATE TABLE users (
  username text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
  name text NOT NULL,
  role text NOT NULL
    CHECK (role IN ('admin', 'supervisor', 'verifier', 'operator', 'opd', 'viewer')),
  kecamatan_codes text[] NOT NULL DEFAULT '{}', desa_codes text[] NOT NULL DEFAULT '{}',
  opd_code text, email text, phone text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(), created_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(), updated_by text NOT NULL,
  -- the scope rules of identity.py, kept here too
  CHECK ((role = 'opd') = (opd_code IS NOT NULL)),
  CHECK (role NOT IN ('opd', 'admin')
         OR cardinality(desa_codes) + cardinality(kecamatan_codes) = 0),
  CHECK (role <> 'operator' OR cardinality(desa_codes) > 0),
  CHECK (role <> 'verifier' OR cardinality(desa_codes) + cardinality(kecamatan_codes) > 0));

CREATE TABLE tokens (
  id serial PRIMARY KEY,
  username text NOT NULL REFERENCES users(username),
  sha256 text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  label text,
  created_at timestamptz NOT NULL DEFAULT now(), created_by text NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz, revoked_by text,
  last_used_at timestamptz);
CREATE INDEX tokens_username ON tokens (username);

CREATE TABLE audit_log (
  seq bigint PRIMARY KEY CHECK (seq > 0),
  at timestamptz NOT NULL,
  actor text NOT NULL, role text,
  action text NOT NULL, subject text,
  household_ids bigint[] NOT NULL DEFAULT '{}',
  outcome int, request_id text,
  prev_hash text NOT NULL, hash text NOT NULL UNIQUE);
CREATE INDEX audit_log_prev_hash ON audit_log (prev_hash);
CREATE INDEX audit_log_households ON audit_log USING gin (household_ids);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING
    ERRCODE = 'insufficient_privilege',
    MESSAGE = 'audit_log is append-only: ' || TG_OP || ' refused';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
"""


def upgrade() -> None:
    op.execute(SCHEMA)
    op.execute(DDL_V1)


def downgrade() -> None:
    op.execute("DROP TABLE audit_log, tokens, users, outbox, inbox")
    op.execute("DROP FUNCTION audit_log_append_only()")
