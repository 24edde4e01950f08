"""Engines, sessions and the nameko database dependency every service uses.

Each service owns one PostgreSQL database (``settings.database_url(service)``); no service reads
another's tables. Migrations are alembic, one history per service, run outside eventlet.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from nameko_sqlalchemy import Database as _NamekoDatabase
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from sipmas import settings

ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}


class Database(_NamekoDatabase):
    """nameko-sqlalchemy's ``Database``, configured from the environment instead of ``DB_URIS``."""

    def setup(self) -> None:
        service = self.container.service_name
        self.db_uri = settings.database_url(service)
        from nameko_sqlalchemy.database import Session as NamekoSession

        self.engine = sa.create_engine(self.db_uri, **{**ENGINE_OPTIONS, **self.engine_options})
        self.Session = sessionmaker(bind=self.engine, class_=NamekoSession, **self.session_options)


@cache
def engine(service: str) -> Engine:
    """The process-wide engine of ``service``'s database (for the CLI, relays and tests)."""
    return sa.create_engine(settings.database_url(service), **ENGINE_OPTIONS)


@contextmanager
def session_scope(service: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = Session(engine(service))
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def ensure_database(url: str) -> bool:
    """Create the database named in ``url`` when it does not exist; True when it was created."""
    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
            return not exists
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    """Drop the database named in ``url`` (tests), ending its other connections first."""
    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": target.database},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}"'))
    finally:
        admin.dispose()


def alembic_config(service: str) -> Config:
    """The alembic configuration of ``services.<service>.migrations``."""
    location = resources.files(f"services.{service}").joinpath("migrations")
    config = Config()
    config.set_main_option("script_location", str(location))
    config.set_main_option("sqlalchemy.url", settings.database_url(service))
    return config


def migrate(service: str) -> None:
    """Create ``service``'s database if needed and apply its migrations."""
    ensure_database(settings.database_url(service))
    command.upgrade(alembic_config(service), "head")
