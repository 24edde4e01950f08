"""The dashboard's counts read an index instead of the whole table.

The figures of the registry as it stands now (``use_cases/figures.py``: every household by
kecamatan, desa and class; the extreme poor) need only a household's place, status, class,
verification time, desil and sources. Held in one index beside the desa code, they are counted
by an index-only scan: on 1,000,000 people about half the time of reading the 131 MB table
(``make bench-web``, the dashboard's goal of 1.5 s on a busy machine).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX households_figures ON households (desa_code) "
        "INCLUDE (kecamatan_code, status, welfare_class, verified_at, desil, sources)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX households_figures")
