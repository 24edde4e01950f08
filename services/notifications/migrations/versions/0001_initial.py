"""Notifications' first schema: contacts (agencies, staff, households), deliveries and their
attempts, the read model of referrals for the digest, outbox and inbox; agencies' contacts seeded
from ``data/opd_contacts.csv``.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from alembic import op

from services.notifications.use_cases import contacts
from sipmas.outbox.tables import DDL_V1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = """
CREATE TABLE agency_contacts (
  opd_code text PRIMARY KEY, name text, email text, phone text,
  webhook_url text, webhook_secret text,
  updated_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE staff_contacts (
  id text PRIMARY KEY, name text NOT NULL,
  role text NOT NULL CHECK (role IN ('verifier', 'supervisor', 'operator', 'admin')),
  email text, phone text,
  desa_codes text[] NOT NULL DEFAULT '{}', kecamatan_codes text[] NOT NULL DEFAULT '{}',
  active boolean NOT NULL DEFAULT true, updated_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE household_contacts (
  household_id bigint PRIMARY KEY, phone text, sms_consent boolean NOT NULL DEFAULT false,
  consent_source text, consent_at timestamptz, updated_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE deliveries (
  id bigserial PRIMARY KEY,
  event_id uuid NOT NULL, event_type text NOT NULL, correlation_id uuid,
  recipient_kind text NOT NULL CHECK (recipient_kind IN ('agency', 'staff', 'household')),
  recipient_id text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'sms', 'webhook')),
  address text, household_id bigint, opd_code text,
  message jsonb NOT NULL, template_version text,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead', 'skipped')),
  attempts int NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL DEFAULT now(),
  reason text, created_at timestamptz NOT NULL DEFAULT now(), sent_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, recipient_kind, recipient_id, channel));
CREATE INDEX deliveries_due ON deliveries (channel, next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_household ON deliveries (household_id, id);
CREATE INDEX deliveries_opd ON deliveries (opd_code, id);

CREATE TABLE delivery_attempts (
  id bigserial PRIMARY KEY, delivery_id bigint NOT NULL REFERENCES deliveries(id),
  attempt int NOT NULL, channel text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('ok', 'temporary', 'permanent', 'deferred', 'resend')),
  detail text, at timestamptz NOT NULL DEFAULT now());
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);
CREATE INDEX delivery_attempts_rate ON delivery_attempts (channel, at);

CREATE TABLE referrals (
  referral_id int PRIMARY KEY, opd_code text, household_id bigint, case_id int,
  need text, programme text, state text NOT NULL, state_at timestamptz NOT NULL,
  opened_at timestamptz, due_at timestamptz, escalated_stage text,
  updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX referrals_opd ON referrals (opd_code, state);
"""


def upgrade() -> None:
    op.execute(SCHEMA)
    op.execute(DDL_V1)
    contacts.seed_agencies(op.get_bind())


def downgrade() -> None:
    op.execute(
        "DROP TABLE delivery_attempts, deliveries, referrals, household_contacts, "
        "staff_contacts, agency_contacts, outbox, inbox"
    )
