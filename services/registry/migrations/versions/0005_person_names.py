"""The household search by name reads a list of distinct names, not a million people (issue 7:
search p99 under 50 ms).

A trigram match is decided by comparing trigrams, which the index only narrows: with the GIN
index on ``people.nama``, a fragment such as "SARCE TAN" let 66,000 candidate rows through for
2,758 true matches, each one read from the people table (25,000 heap pages) and compared again
(≈ 190 ms); and when the planner thought a fragment common it walked households in id order
testing every member's name (up to 1.6 s for a rare one). A registry holds far fewer distinct
names than people, so the similarity is now decided once per distinct name in ``person_names``
(its own trigram index, a few thousand rows checked at most), and the people who carry the
matching names are read from a plain B-tree on ``(nama) INCLUDE (household_id)``: index only,
in a cost that follows the number of matches.

``person_names`` is kept by two statement triggers on ``people``, whatever writes the people (an
import, its merge, a household registered by an operator): a name gets in with the statement
that brought it. A name is never taken out: one that nobody carries any more matches nobody.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = """
CREATE TABLE person_names (nama text PRIMARY KEY);
CREATE INDEX person_names_trgm ON person_names USING gin (nama gin_trgm_ops);
INSERT INTO person_names SELECT DISTINCT nama FROM people;

CREATE FUNCTION person_names_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO person_names SELECT DISTINCT nama FROM written_people ORDER BY nama
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER people_names_inserted AFTER INSERT ON people
  REFERENCING NEW TABLE AS written_people
  FOR EACH STATEMENT EXECUTE FUNCTION person_names_keep();
CREATE TRIGGER people_names_updated AFTER UPDATE ON people
  REFERENCING NEW TABLE AS written_people
  FOR EACH STATEMENT EXECUTE FUNCTION person_names_keep();

DROP INDEX people_nama_trgm;
CREATE INDEX people_nama ON people (nama) INCLUDE (household_id);
ANALYZE person_names;
"""

UNDO = """
DROP INDEX people_nama;
CREATE INDEX people_nama_trgm ON people USING gin (nama gin_trgm_ops);
DROP TRIGGER people_names_updated ON people;
DROP TRIGGER people_names_inserted ON people;
DROP FUNCTION person_names_keep();
DROP TABLE person_names;
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute(UNDO)
