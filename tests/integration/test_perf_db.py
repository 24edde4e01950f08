"""Pooled connections are pinged only after sitting idle (``sipmas.db.ping_when_idle``): one
whose server went away while it waited is replaced before use, and a busy pool pays no ping."""

from __future__ import annotations

import time

import sqlalchemy as sa

from sipmas import db
from tests.integration.support_db import scratch_database


def _backends(engine: sa.Engine) -> None:
    with sa.create_engine(engine.url).connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )


def test_a_connection_lost_while_idle_is_replaced_before_use():
    with scratch_database("perfdb") as scratch:
        engine = db.ping_when_idle(
            sa.create_engine(scratch.url, pool_size=1, max_overflow=0), idle=0.2
        )
        try:
            with engine.connect() as conn:
                first = conn.scalar(sa.text("SELECT pg_backend_pid()"))
            _backends(scratch)  # as a restart of the server would
            time.sleep(0.3)
            with engine.connect() as conn:
                second = conn.scalar(sa.text("SELECT pg_backend_pid()"))
            assert second != first
        finally:
            engine.dispose()


def test_a_busy_connection_is_not_pinged_an_idle_one_is():
    with scratch_database("perfdb") as scratch:
        pinged = {}
        for idle in (60.0, 0.0):
            engine = db.ping_when_idle(
                sa.create_engine(scratch.url, pool_size=1, max_overflow=0), idle=idle
            )
            ping, count = engine.dialect.do_ping, []
            engine.dialect.do_ping = lambda conn, ping=ping, count=count: (
                count.append(1) or ping(conn)
            )
            try:
                for _ in range(5):
                    with engine.connect() as conn:
                        conn.execute(sa.text("SELECT 1"))
            finally:
                engine.dispose()
            pinged[idle] = len(count)
    assert pinged == {60.0: 0, 0.0: 4}  # the first checkout opens the connection: no ping
