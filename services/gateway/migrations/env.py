"""Alembic environment of the gateway database (URL from ``sipmas.settings``)."""

from alembic import context
from sqlalchemy import create_engine

from services.gateway.models import Base
from sipmas import settings

target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or settings.database_url("gateway")
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
