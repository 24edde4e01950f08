"""The gateway's own test database (migrated once, emptied per test), users and tokens made
through ``identity``, the ``sipmas`` command and the gateway's outbox relay run as processes,
and a way to tamper with the append-only audit log as a superuser would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.gateway.use_cases import identity
from sipmas import db, settings
from sipmas_cli.system import migrate

# The other services' databases and processes, for tests that run the gateway with them.
from tests.notifications.conftest import (  # noqa: F401
    fast,
    http,
    http_server,
    notifications,
    notifications_db,
    notifications_service,
    smtp,
    smtp_server,
)
from tests.support.services import ROOT, stop
from tests.verification.conftest import (  # noqa: F401
    evidence_root,
    registry,
    registry_db,
    registry_service,
    verification,
    verification_db,
    verification_service,
)

TABLES = ("tokens", "users", "audit_log", "outbox", "inbox")
KECAMATAN, DESA = "64.08.04", "64.08.04.2001"  # Sangatta Utara
OTHER_KECAMATAN, OTHER_DESA = "64.08.01", "64.08.01.2001"  # Muara Ancalong, Senyiur


@pytest.fixture(scope="session")
def gateway_db() -> Iterator[Engine]:
    url = settings.database_url("gateway")
    db.drop_database(url)
    migrate("gateway")
    engine = db.engine("gateway")
    yield engine
    engine.dispose()


@pytest.fixture
def gateway(gateway_db: Engine) -> Engine:
    """An empty gateway database (the audit log's append-only triggers are bypassed to empty it)."""
    with superuser(gateway_db) as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    return gateway_db


@pytest.fixture
def session(gateway: Engine):
    """A session the test commits when it wants (``session.commit()``), closed after."""
    with db.session_scope("gateway") as session:
        yield session


@contextmanager
def superuser(engine: Engine) -> Iterator[Connection]:
    """A transaction in which no trigger fires (``session_replication_role = replica``): how
    someone with the database's superuser password could still change the audit log."""
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        yield conn


def make_user(session, username: str, role: str, **fields: Any) -> dict[str, Any]:
    """A committed user (``kecamatan_codes``, ``desa_codes``, ``opd_code``, ... as keywords)."""
    user = identity.create_user(session, {"username": username, "role": role, **fields}, "test")
    session.commit()
    return user


def token_for(session, username: str, **options: Any) -> str:
    """A committed token's plaintext."""
    issued = identity.issue_token(session, username, "test", **options)
    session.commit()
    return issued.token


def sipmas(*args: str, **env: str) -> subprocess.CompletedProcess:
    """The ``sipmas`` command as an operator runs it, on this test session's databases."""
    return subprocess.run(
        [sys.executable, "-m", "sipmas_cli", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def gateway_relay(gateway: Engine, amqp_uri: str, tmp_path) -> Iterator[subprocess.Popen]:
    """The gateway's outbox relay in a process of its own (``sipmas relay gateway``), publishing
    on ``gateway.events`` of this session's vhost."""
    log = open(tmp_path / "gateway-relay.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "sipmas_cli", "relay", "gateway"],
        cwd=ROOT,
        env={**os.environ, "AMQP_URI": amqp_uri},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        stop(process, 10)
        log.close()


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


# --- HTTP (http builder): every service as a process, the gateway on a free port, users of -----
# --- every role with tokens. The fixtures live in ``support_http``; they are made visible here. --

from tests.gateway.support_http import (  # noqa: E402, F401
    gateway_env,
    http_stores,
    people,
    shared_stores,
    shared_system,
    system,
)
from tests.referral.conftest import referral_db  # noqa: E402, F401
