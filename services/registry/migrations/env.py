"""Alembic environment of the registry database (``sipmas.db.run_migrations``)."""

from services.registry.models import Base
from sipmas import db

db.run_migrations("registry", Base.metadata)
