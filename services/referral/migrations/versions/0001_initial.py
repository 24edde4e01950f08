"""Referral's first schema: routing tables (versions), households it was told of, cases,
referrals with their history, escalations, agencies' updates, outbox and inbox.

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
CREATE TABLE routing_tables (
  version serial PRIMARY KEY, csv text NOT NULL, sha256 text NOT NULL,
  loaded_by text NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now(), note text);

CREATE TABLE households (
  id bigint PRIMARY KEY, correlation_id uuid NOT NULL,
  kecamatan_code text, desa_code text, welfare_class text,
  updated_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE cases (
  id serial PRIMARY KEY, household_id bigint NOT NULL REFERENCES households(id),
  decision_id int,
  state text NOT NULL CHECK (state IN ('open', 'resolved')),
  welfare_class text, facts jsonb NOT NULL DEFAULT '{}',
  opened_at timestamptz NOT NULL DEFAULT now(), resolved_at timestamptz);
CREATE UNIQUE INDEX cases_one_open_per_household ON cases (household_id) WHERE state = 'open';

CREATE TABLE referrals (
  id serial PRIMARY KEY, case_id int NOT NULL REFERENCES cases(id),
  household_id bigint NOT NULL, need text NOT NULL, reasons text[] NOT NULL DEFAULT '{}',
  opd_code text NOT NULL, programme text NOT NULL, rule_id text NOT NULL,
  routing_version int NOT NULL REFERENCES routing_tables(version),
  state text NOT NULL, carries_nik boolean NOT NULL, persons jsonb NOT NULL DEFAULT '[]',
  household jsonb NOT NULL, receive_by timestamptz NOT NULL, complete_by timestamptz NOT NULL,
  sent_at timestamptz, received_at timestamptz, completed_at timestamptz,
  evidence_ref text, reason text, rerouted_from int REFERENCES referrals(id),
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX referrals_case ON referrals (case_id);
CREATE INDEX referrals_opd ON referrals (opd_code, state);
CREATE INDEX referrals_due ON referrals (receive_by, complete_by)
  WHERE state IN ('created', 'sent', 'received', 'in_progress');

CREATE TABLE referral_transitions (
  id bigserial PRIMARY KEY, referral_id int NOT NULL REFERENCES referrals(id),
  from_state text, to_state text NOT NULL, action text NOT NULL, actor text NOT NULL,
  note text, update_id uuid, at timestamptz NOT NULL DEFAULT now());
CREATE INDEX referral_transitions_referral ON referral_transitions (referral_id, id);

CREATE TABLE escalations (
  referral_id int NOT NULL REFERENCES referrals(id), stage text NOT NULL,
  due_at timestamptz NOT NULL, escalated_to text[] NOT NULL,
  escalated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (referral_id, stage));

CREATE TABLE agency_updates (
  update_id uuid PRIMARY KEY, opd_code text, sender text, referral_id int, status text,
  outcome text NOT NULL CHECK (outcome IN ('applied', 'no_change', 'refused')),
  code text, detail jsonb, received_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX agency_updates_opd ON agency_updates (opd_code, received_at);
"""


def upgrade() -> None:
    op.execute(SCHEMA)
    op.execute(DDL_V1)


def downgrade() -> None:
    op.execute(
        "DROP TABLE agency_updates, escalations, referral_transitions, referrals, cases, "
        "households, routing_tables, outbox, inbox"
    )
