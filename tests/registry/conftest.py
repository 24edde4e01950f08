"""The registry's own test database (migrated once per session, emptied per test) and the
registry service running as its container runs it: ``nameko run services.registry.service``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from sipmas import db, settings, topology
from tests.integration.support_amqp import depth, wait_for

ROOT = Path(__file__).resolve().parents[2]
DATA_TABLES = (
    "import_batches",
    "import_problems",
    "households",
    "people",
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
    db.migrate("registry")
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
    topology.declare(amqp_uri)
    _purge_registry_queues(amqp_uri)  # events other tests left in this session's vhost
    env = {
        **os.environ,
        "AMQP_URI": amqp_uri,
        "SIPMAS_CONSUMER_MAX_ATTEMPTS": "2",
        "SIPMAS_CONSUMER_RETRY_BASE_MS": "50",
    }
    log = open(tmp_path / "registry.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nameko",
            "run",
            "--config",
            "config.yaml",
            "services.registry.service",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(
            lambda: _consuming(amqp_uri, "rpc-registry") or process.poll() is not None, timeout=30
        )
        assert process.poll() is None, (tmp_path / "registry.log").read_text()
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _consuming(amqp_uri: str, queue: str) -> bool:
    try:
        return depth(amqp_uri, queue)[1] > 0
    except Exception:  # the queue is not declared yet
        return False


def _purge_registry_queues(amqp_uri: str) -> None:
    with topology.connection(amqp_uri) as conn:
        channel = conn.channel()
        for producer, event_type, service, method in topology.CONSUMERS:
            if service == "registry":
                queue = topology.consumer_queue(producer, event_type, service, method)
                for name in (queue, topology.retry_queue(queue), topology.dead_queue(queue)):
                    channel.queue_purge(name)
