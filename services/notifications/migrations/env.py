"""Alembic environment of the notifications database (``sipmas.db.run_migrations``)."""

from services.notifications.models import Base
from sipmas import db

db.run_migrations("notifications", Base.metadata)
