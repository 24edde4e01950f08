"""Alembic environment of the referral database (``sipmas.db.run_migrations``)."""

from services.referral.models import Base
from sipmas import db

db.run_migrations("referral", Base.metadata)
