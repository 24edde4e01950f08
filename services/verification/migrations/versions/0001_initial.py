"""Verification's first schema: households it knows, staff, tasks, visits, photos, flags,
decisions, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op

from sipmas.outbox.tables import DDL_V1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = """
CREATE TABLE households (
  id bigint PRIMARY KEY,
  correlation_id uuid NOT NULL,
  source text NOT NULL,
  kecamatan_code text, desa_code text, rt text, rw text, alamat text, head_name text,
  member_count int, desil smallint, pmks text[] NOT NULL DEFAULT '{}',
  latitude double precision, longitude double precision,
  welfare_class text, verified_at timestamptz, reverify_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX households_reverify ON households (reverify_at) WHERE reverify_at IS NOT NULL;

CREATE TABLE staff (
  id text PRIMARY KEY, name text NOT NULL,
  role text NOT NULL CHECK (role IN ('verifier', 'supervisor', 'operator', 'admin')),
  desa_codes text[] NOT NULL DEFAULT '{}', kecamatan_codes text[] NOT NULL DEFAULT '{}',
  active boolean NOT NULL DEFAULT true, created_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE tasks (
  id serial PRIMARY KEY, household_id bigint NOT NULL REFERENCES households(id),
  reason text NOT NULL, state text NOT NULL, assignee text REFERENCES staff(id),
  second_assignee text REFERENCES staff(id),
  due_at timestamptz NOT NULL, reassignments int NOT NULL DEFAULT 0,
  escalated_at timestamptz, requested_by text, cause_event_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE UNIQUE INDEX tasks_one_live_per_household ON tasks (household_id)
  WHERE state IN ('open', 'assigned', 'visited', 'submitted', 'returned');
CREATE INDEX tasks_assignee ON tasks (assignee, state);
CREATE INDEX tasks_due ON tasks (due_at) WHERE state IN ('open', 'assigned');

CREATE TABLE task_transitions (
  id bigserial PRIMARY KEY, task_id int NOT NULL REFERENCES tasks(id),
  from_state text, to_state text NOT NULL, action text NOT NULL, actor text NOT NULL,
  note text, at timestamptz NOT NULL DEFAULT now());
CREATE INDEX task_transitions_task ON task_transitions (task_id, id);

CREATE TABLE visits (
  id serial PRIMARY KEY, task_id int NOT NULL REFERENCES tasks(id),
  household_id bigint NOT NULL REFERENCES households(id),
  verifier text NOT NULL, client_key text NOT NULL UNIQUE, outcome text NOT NULL,
  answers jsonb, started_at timestamptz NOT NULL, ended_at timestamptz NOT NULL,
  latitude double precision, longitude double precision,
  welfare_class text, decision jsonb, rule_set_version text,
  submitted_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX visits_task ON visits (task_id, id);
CREATE INDEX visits_household ON visits (household_id);
CREATE INDEX visits_verifier ON visits (verifier, submitted_at);

CREATE TABLE photos (
  visit_id int NOT NULL REFERENCES visits(id), sha256 text NOT NULL, kind text NOT NULL,
  household_id bigint NOT NULL, captured_at timestamptz,
  latitude double precision, longitude double precision, media_type text NOT NULL,
  PRIMARY KEY (visit_id, sha256));
CREATE INDEX photos_sha256 ON photos (sha256);

CREATE TABLE flags (
  id serial PRIMARY KEY, visit_id int NOT NULL REFERENCES visits(id), code text NOT NULL,
  detail text NOT NULL, raised_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX flags_visit ON flags (visit_id);

CREATE TABLE decisions (
  id serial PRIMARY KEY, task_id int NOT NULL REFERENCES tasks(id),
  visit_id int REFERENCES visits(id), household_id bigint NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('approved', 'returned', 'rejected')),
  welfare_class text, needs jsonb NOT NULL DEFAULT '[]', deprivations text[] NOT NULL DEFAULT '{}',
  rule_set_version text, reasons text[] NOT NULL DEFAULT '{}',
  graduated boolean NOT NULL DEFAULT false, flags_reviewed boolean NOT NULL DEFAULT false,
  decided_by text NOT NULL, note text, decided_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX decisions_household ON decisions (household_id, id);
"""


def upgrade() -> None:
    op.execute(SCHEMA)
    op.execute(DDL_V1)


def downgrade() -> None:
    op.execute(
        "DROP TABLE decisions, flags, photos, visits, task_transitions, tasks, staff, "
        "households, outbox, inbox"
    )
