"""The registry's first schema: reference data, imports, households, people, timeline, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op

from sipmas import reference
from sipmas.outbox.tables import DDL_V1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE SCHEMA IF NOT EXISTS raw_rows;

CREATE TABLE kecamatan (code text PRIMARY KEY, name text NOT NULL, bps_code text);
CREATE TABLE desa (
  code text PRIMARY KEY, kecamatan_code text NOT NULL REFERENCES kecamatan(code),
  name text NOT NULL, jenis text NOT NULL, bps_code text, kodepos text);

CREATE TABLE import_batches (
  id serial PRIMARY KEY, source text NOT NULL, filename text NOT NULL, file_sha256 text,
  status text NOT NULL, actor text NOT NULL, started_at timestamptz NOT NULL,
  finished_at timestamptz, duplicate_of int, rows_read int NOT NULL DEFAULT 0,
  imported int NOT NULL DEFAULT 0, merged int NOT NULL DEFAULT 0,
  unchanged int NOT NULL DEFAULT 0, rejected int NOT NULL DEFAULT 0,
  households_registered int NOT NULL DEFAULT 0, households_merged int NOT NULL DEFAULT 0,
  file_warnings jsonb NOT NULL DEFAULT '[]', error text);
CREATE INDEX import_batches_sha ON import_batches (source, file_sha256);

CREATE TABLE import_problems (
  id bigserial PRIMARY KEY, batch_id int NOT NULL, row_no int NOT NULL, column_name text,
  code text NOT NULL, severity text NOT NULL, value text, detail text);
CREATE INDEX import_problems_batch ON import_problems (batch_id, row_no);

CREATE TABLE households (
  id bigserial PRIMARY KEY,
  correlation_id uuid NOT NULL DEFAULT gen_random_uuid(),
  no_kk bigint, head_nik bigint,
  kecamatan_code text, desa_code text, alamat text, rt text, rw text, dusun text,
  latitude double precision, longitude double precision,
  desil smallint, indicators jsonb NOT NULL DEFAULT '{}', sources text[] NOT NULL,
  status text NOT NULL DEFAULT 'registered',
  batch_id int, row_no int, provenance jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX households_no_kk ON households (no_kk);
CREATE INDEX households_place ON households (desa_code, status);
CREATE INDEX households_kecamatan ON households (kecamatan_code, status);

CREATE TABLE people (
  nik bigint PRIMARY KEY, household_id bigint NOT NULL,
  nama text NOT NULL, jenis_kelamin char(1), tanggal_lahir date, hubungan text,
  status_kawin text, attributes jsonb NOT NULL DEFAULT '{}', pmks text[] NOT NULL DEFAULT '{}',
  no_kk bigint, kk_since date, batch_id int, row_no int, provenance jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX people_household ON people (household_id);

CREATE TABLE kk_history (
  id bigserial PRIMARY KEY, nik bigint NOT NULL, no_kk bigint, household_id bigint NOT NULL,
  valid_from date, valid_to date NOT NULL, batch_id int);
CREATE INDEX kk_history_nik ON kk_history (nik);

CREATE TABLE conflicts (
  id bigserial PRIMARY KEY, household_id bigint NOT NULL, nik bigint, field text NOT NULL,
  kept_value text, kept_batch int, kept_row int, other_value text, other_batch int,
  other_row int, status text NOT NULL DEFAULT 'open', resolved_value text, resolved_by text,
  resolved_at timestamptz);
CREATE INDEX conflicts_household ON conflicts (household_id);
CREATE INDEX conflicts_nik ON conflicts (nik, field);

CREATE TABLE status_transitions (
  id bigserial PRIMARY KEY, household_id bigint NOT NULL, from_status text NOT NULL,
  to_status text NOT NULL, action text NOT NULL, reason text, actor text NOT NULL,
  cause_event_id uuid, at timestamptz NOT NULL DEFAULT now());
CREATE INDEX status_transitions_household ON status_transitions (household_id, id);
"""


def upgrade() -> None:
    op.execute(SCHEMA)
    op.execute(DDL_V1)
    seed_reference()


def seed_reference() -> None:
    """Kutim's kecamatan and desa from the package data (the migration is their seed)."""
    bind = op.get_bind()
    bind.exec_driver_sql(
        "INSERT INTO kecamatan (code, name, bps_code) VALUES "
        + ", ".join("(%s, %s, %s)" for _ in reference.kecamatan()),
        tuple(v for k in reference.kecamatan() for v in (k.code, k.name, k.bps_code)),
    )
    bind.exec_driver_sql(
        "INSERT INTO desa (code, kecamatan_code, name, jenis, bps_code, kodepos) VALUES "
        + ", ".join("(%s, %s, %s, %s, %s, %s)" for _ in reference.desa()),
        tuple(
            v
            for d in reference.desa()
            for v in (d.code, d.kecamatan_code, d.name, d.jenis, d.bps_code or None, d.kodepos)
        ),
    )


def downgrade() -> None:
    op.execute(
        "DROP SCHEMA raw_rows CASCADE; DROP TABLE status_transitions, conflicts, kk_history, "
        "people, households, import_problems, import_batches, desa, kecamatan, outbox, inbox"
    )
