"""Alembic environment of the gateway database (``sipmas.db.run_migrations``)."""

from services.gateway.models import Base
from sipmas import db

db.run_migrations("gateway", Base.metadata)
