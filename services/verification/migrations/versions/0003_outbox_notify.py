"""The verification outbox tells its relays when rows are committed (``sipmas.outbox.tables.DDL_NOTIFY``).

Revision ID: 0003
Revises: 0002
"""

from sipmas.outbox.tables import downgrade_notify as downgrade, upgrade_notify as upgrade

revision, down_revision, branch_labels, depends_on = "0003", "0002", None, None
__all__ = ["downgrade", "upgrade"]
