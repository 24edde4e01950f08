"""Indexes for the household search (``households.search``), so a search among a million people
reads index pages instead of whole tables:

- a member's name by trigram similarity (``nama % :name``): a GIN trigram index on people, for
  a name few people have; and ``people_household`` carries the name (INCLUDE), so walking
  households in id order and looking at their members' names (what the planner does for a
  name many people have: the first page fills fast) reads the index only, not the people;
- finer statistics on ``people.nama``, so the planner can tell those two cases apart (with the
  default, a fragment matching 4,000 people was estimated at 84 and read through the GIN index
  and 11,000 heap pages instead of 50 households in order);
- a No. KK that a household had before (``kk_history.no_kk``), beside the households' own
  (``households_no_kk_id``, 0004);
- households in id order with their place (``households_walk``, INCLUDE desa and kecamatan):
  a search within an area walks the index only (an operator of a desa of 19,000 households
  among 274,000 no longer reads 80,000 household rows to find the first 50 that match);
- a desa and status, a page in id order: ``households_place`` gets ``id`` as its last column, so
  the first page of a desa + status is read in order from the index (no sort of the whole desa).

A NIK is the people's primary key already.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX people_nama_trgm ON people USING gin (nama gin_trgm_ops);
DROP INDEX people_household;
CREATE INDEX people_household ON people (household_id) INCLUDE (nama);
ALTER TABLE people ALTER COLUMN nama SET STATISTICS 400;
CREATE INDEX kk_history_no_kk ON kk_history (no_kk);
CREATE INDEX households_walk ON households (id) INCLUDE (desa_code, kecamatan_code);
DROP INDEX households_place;
CREATE INDEX households_place ON households (desa_code, status, id);
ANALYZE people;
"""

UNDO = """
DROP INDEX people_nama_trgm;
DROP INDEX people_household;
CREATE INDEX people_household ON people (household_id);
ALTER TABLE people ALTER COLUMN nama SET STATISTICS -1;
DROP INDEX kk_history_no_kk;
DROP INDEX households_walk;
DROP INDEX households_place;
CREATE INDEX households_place ON households (desa_code, status);
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute(UNDO)
