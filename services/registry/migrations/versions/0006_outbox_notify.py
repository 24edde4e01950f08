"""The registry outbox tells its relays when rows are committed (``sipmas.outbox.tables.DDL_NOTIFY``).

Revision ID: 0006
Revises: 0005
"""

from sipmas.outbox.tables import downgrade_notify as downgrade, upgrade_notify as upgrade

revision, down_revision, branch_labels, depends_on = "0006", "0005", None, None
__all__ = ["downgrade", "upgrade"]
