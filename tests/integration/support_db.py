"""Scratch PostgreSQL databases with the outbox tables, one per test module."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from sipmas import db, settings
from sipmas.outbox.tables import DDL_V1


def scratch_url(service: str) -> str:
    """A unique database URL for ``service``, on the psycopg2 driver (SQLAlchemy 2.1 would pick
    psycopg 3 for a bare ``postgresql://``, which this project does not use)."""
    unique = f"{service}_{uuid.uuid4().hex[:8]}"
    url = make_url(settings.database_url(unique))
    return url.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)


@contextmanager
def scratch_database(service: str, extra_ddl: str = "") -> Iterator[Engine]:
    """A fresh database with ``DDL_V1`` (and ``extra_ddl``), known to ``settings`` as
    ``service``'s (``<SERVICE>_DATABASE_URL``, inherited by child processes); dropped after."""
    url = scratch_url(service)
    variable = f"{service.upper()}_DATABASE_URL"
    db.ensure_database(url)
    os.environ[variable] = url
    engine = sa.create_engine(url, **db.ENGINE_OPTIONS)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(DDL_V1 + extra_ddl)
        yield engine
    finally:
        engine.dispose()
        os.environ.pop(variable, None)
        db.drop_database(url)


def truncate(engine: Engine, *tables: str) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {', '.join(('outbox', 'inbox', *tables))} RESTART IDENTITY")


def scalar(engine: Engine, sql: str, **params) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()
