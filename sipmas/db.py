"""Engines, sessions and the nameko database dependency every service uses.

Each service owns one PostgreSQL database (``settings.database_url(service)``); no service reads
another's tables. Migrations are alembic, one history per service, run outside eventlet: each
service's ``env.py`` calls :func:`run_migrations`; ``sipmas migrate`` runs them all.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import sqlalchemy as sa
from nameko_sqlalchemy import Database as _NamekoDatabase
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from sipmas import settings
from sipmas.outbox import writing

ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}
IDLE_PING_SECONDS = 1.0  # a pooled connection idle longer than this is pinged before use
_CHECKED_IN = "sipmas.checked_in"


def create_engine(url: str, **options: object) -> Engine:
    """An engine with :data:`ENGINE_OPTIONS` that survives a database restart, pinging only
    connections that sat idle (:func:`ping_when_idle`) instead of at every checkout: the
    services' sessions, one per worker, where the ping cost more than some transactions."""
    return ping_when_idle(
        sa.create_engine(url, **{**ENGINE_OPTIONS, "pool_pre_ping": False, **options})
    )


def ping_when_idle(engine: Engine, idle: float = IDLE_PING_SECONDS) -> Engine:
    """Ping a pooled connection before use only when it sat idle for ``idle`` seconds.

    Why not ``pool_pre_ping``: it pings at EVERY checkout, one round trip per transaction,
    which cost more than some of the transactions it guarded (a worker's inbox row). A
    connection that was just used is alive; one that waited may have lost its server (a
    restart), and a failed ping makes the pool open a new one. A disconnect that still slips
    through invalidates the whole pool (SQLAlchemy), and the work is retried.
    """

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: object, record: ConnectionPoolEntry) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: object, record: ConnectionPoolEntry, proxy: object) -> None:
        since = record.info.get(_CHECKED_IN)
        if since is None or time.monotonic() - since < idle:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception:  # the server went away while the connection waited
            alive = False
        if not alive:
            raise sa.exc.DisconnectionError("pooled connection lost while idle")

    return engine


class Database(_NamekoDatabase):
    """nameko-sqlalchemy's ``Database``, configured from the environment instead of ``DB_URIS``,
    whose sessions write the events their use cases emitted when they commit (it installs the
    outbox's hooks on its own sessionmaker: :func:`sipmas.outbox.writing.install`)."""

    def setup(self) -> None:
        service = self.container.service_name
        self.db_uri = settings.database_url(service)
        from nameko_sqlalchemy.database import Session as NamekoSession

        self.engine = create_engine(self.db_uri, **self.engine_options)  # pings when idle
        self.Session = writing.install(
            sessionmaker(bind=self.engine, class_=NamekoSession, **self.session_options)
        )


def run_migrations(service: str, metadata: sa.MetaData) -> None:
    """What every service's alembic ``env.py`` does: apply its migrations online, on the URL
    alembic was given or else the service's database from the settings."""
    from alembic import context

    url = context.config.get_main_option("sqlalchemy.url") or settings.database_url(service)
    migrating = sa.create_engine(url)
    try:
        with migrating.connect() as connection:
            context.configure(connection=connection, target_metadata=metadata)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        migrating.dispose()


@cache
def engine(service: str) -> Engine:
    """The process-wide engine of ``service``'s database (for the CLI, relays and tests). It
    pings at every checkout (``pool_pre_ping``): tools drop and migrate databases, ending
    connections that were in use a moment before."""
    return sa.create_engine(settings.database_url(service), **ENGINE_OPTIONS)


@contextmanager
def session_scope(service: str) -> Iterator[Session]:
    """A session of ``service``'s database (for the CLI and tests; events emitted in it are
    inserted at once) that commits on success and rolls back on error."""
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
