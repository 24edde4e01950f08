"""Visits from the offline field app: a visit kept when it arrives late, the phone's clock beside
the server's, the NIK check, and what each photo's own EXIF said of its time and place.

- ``late``/``late_reason``: the task was reassigned, cancelled or decided while the phone was
  offline; the visit is kept for the supervisor to see beside the other, never dropped.
- ``device_clock``/``received_at``/``clock_offset_seconds``: the phone's clock when it sent the
  visit, the server's receipt, and the difference (a clock days off is a flag).
- ``nik_check``: the NIK typed at the door, compared by the server with the registry's
  (``match``, ``mismatch``, ``absent``); the NIK itself is not kept here.
- ``photos.exif_*``: the photo's own EXIF time and GPS, read on the phone before compressing.
- ``task_transitions.assignee``: who holds the task after an assignment, so a late visit is told
  from one by a verifier who never held the task (filled for the past from the notes).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
ALTER TABLE visits
  ADD COLUMN late boolean NOT NULL DEFAULT false,
  ADD COLUMN late_reason text,
  ADD COLUMN device_clock timestamptz,
  ADD COLUMN received_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN clock_offset_seconds double precision,
  ADD COLUMN nik_check text;
ALTER TABLE photos
  ADD COLUMN exif_time timestamptz,
  ADD COLUMN exif_latitude double precision,
  ADD COLUMN exif_longitude double precision;
ALTER TABLE task_transitions ADD COLUMN assignee text;
UPDATE task_transitions SET assignee = substring(note FROM '-> (.+)$')
 WHERE action IN ('assign', 'reassign');
UPDATE task_transitions SET assignee = note WHERE action = 'assign_second_verifier';
CREATE INDEX task_transitions_assignee ON task_transitions (task_id, assignee)
 WHERE assignee IS NOT NULL;
"""
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE visits DROP COLUMN late, DROP COLUMN late_reason, DROP COLUMN device_clock, "
        "DROP COLUMN received_at, DROP COLUMN clock_offset_seconds, DROP COLUMN nik_check; "
        "ALTER TABLE photos DROP COLUMN exif_time, DROP COLUMN exif_latitude, "
        "DROP COLUMN exif_longitude; ALTER TABLE task_transitions DROP COLUMN assignee"
    )
