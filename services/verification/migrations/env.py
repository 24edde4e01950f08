"""Alembic environment of the verification database (``sipmas.db.run_migrations``)."""

from services.verification.models import Base
from sipmas import db

db.run_migrations("verification", Base.metadata)
