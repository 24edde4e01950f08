"""The welfare class verification found, kept with its time, so reports can count households by
class and the extreme poor "at" any date: on the household (the latest verdict) and on the
timeline row of each verdict (the history).

Households verified before this migration keep their verdict time; their class was not kept and
stays unknown (NULL) until their next verification.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08
"""

from alembic import op

from sipmas.events import WELFARE_CLASSES

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CLASSES = ", ".join(f"'{c}'" for c in WELFARE_CLASSES)

SCHEMA = f"""
ALTER TABLE households
  ADD COLUMN welfare_class text CHECK (welfare_class IN ({CLASSES})),
  ADD COLUMN verified_at timestamptz;
ALTER TABLE status_transitions
  ADD COLUMN welfare_class text CHECK (welfare_class IN ({CLASSES}));

-- the few people with a PMKS category, for counts by category (an index-only scan)
CREATE INDEX people_pmks ON people (household_id) INCLUDE (pmks) WHERE pmks <> '{{}}';

UPDATE households h SET verified_at = v.at
FROM (SELECT household_id, max(at) AS at FROM status_transitions
      WHERE action IN ('verify_eligible', 'verify_not_eligible', 'graduate')
      GROUP BY household_id) v
WHERE v.household_id = h.id;
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute(
        "DROP INDEX people_pmks; ALTER TABLE status_transitions DROP COLUMN welfare_class; "
        "ALTER TABLE households DROP COLUMN welfare_class, DROP COLUMN verified_at"
    )
