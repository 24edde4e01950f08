"""The registry's own test database (migrated once per session, emptied per test) and the
registry service running as its container runs it: ``nameko run services.registry.service``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sipmas import db, settings
from sipmas_cli import system
from tests.support import services

DATA_TABLES = (
    "import_batches",
    "import_problems",
    "households",
    "people",
    "person_names",
    "kk_history",
    "conflicts",
    "status_transitions",
    "outbox",
    "inbox",
)


@pytest.fixture(scope="session")
def registry_db():
    url = settings.database_url("registry")
    db.drop_database(url)
    system.migrate("registry")
    engine = db.engine("registry")
    yield engine
    engine.dispose()


@pytest.fixture
def registry(registry_db):
    """An empty registry (reference data kept)."""
    with registry_db.begin() as conn:
        for (table,) in conn.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'raw_rows'")
        ):
            conn.execute(sa.text(f"DROP TABLE raw_rows.{table}"))
        conn.execute(sa.text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY"))
    return registry_db


def query(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


@pytest.fixture
def registry_service(registry, amqp_uri, tmp_path):
    """The registry service in its own process, as ``make run`` and its container start it."""
    with services.running("registry", amqp_uri, tmp_path / "registry.log") as process:
        yield process
