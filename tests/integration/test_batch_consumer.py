"""``consumes_batch`` in a real nameko service (a child process: ``nameko run`` of this module)
over the real broker and database: events that arrive together are handled together, each once
(a duplicate in or across batches is skipped), acked only after the commit; a poison event in a
batch is retried and dead-lettered ALONE while the others of its batch are applied."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import amqp
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base

from sipmas import events, outbox
from sipmas.db import Database
from sipmas.messaging.batch import consumes_batch
from sipmas.messaging.dead_letters import dead_letters
from sipmas.messaging.inbox import first_deliveries
from sipmas_cli import topology
from tests.integration import support_amqp as mq
from tests.integration.support_db import scalar, scratch_database
from tests.support import services

ROOT = Path(__file__).resolve().parents[2]
SERVICE = "batchtest"
POISON = 13  # the household whose event always fails
MAX_ATTEMPTS = 3
QUEUE = topology.consumer_queue("verification", "household_verified", SERVICE, "on_verified")
DDL = """
CREATE TABLE batches (size int NOT NULL, at timestamptz DEFAULT now());
CREATE TABLE effect (event_id uuid NOT NULL, household_id int NOT NULL);
"""


class Poisoned(Exception):
    pass


class BatchTestService:
    name = SERVICE
    db = Database(declarative_base())
    outbox = outbox.Outbox()

    @consumes_batch("verification", "household_verified")
    def on_verified(self, batch: list[dict[str, Any]]) -> None:
        """Applies each new event once, in one transaction; fails whole on the poison one."""
        with self.db.get_session() as session:  # committed on its own: failing batches count
            session.execute(sa.text("INSERT INTO batches (size) VALUES (:n)"), {"n": len(batch)})
        with self.db.get_session() as session:
            consumer = f"{SERVICE}.on_verified"
            new = first_deliveries(session, consumer, [e["event_id"] for e in batch])
            for event in batch:
                household_id = event["data"]["household_id"]
                if household_id == POISON:
                    raise Poisoned(f"household {household_id} refused")
                if str(event["event_id"]) in new:
                    new.discard(str(event["event_id"]))
                    session.execute(
                        sa.text("INSERT INTO effect VALUES (:e, :h)"),
                        {"e": str(event["event_id"]), "h": household_id},
                    )


@pytest.fixture(scope="module")
def service_db() -> Iterator[Engine]:
    with scratch_database(SERVICE, DDL) as engine:
        yield engine


@pytest.fixture(scope="module")
def service(amqp_uri: str, service_db: Engine, tmp_path_factory) -> Iterator[Path]:
    topology.declare(amqp_uri, [("verification", "household_verified", SERVICE, "on_verified")])
    log = tmp_path_factory.mktemp("batchtest") / "service.log"
    env = {
        **os.environ,
        "SIPMAS_CONSUMER_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "SIPMAS_CONSUMER_RETRY_BASE_MS": "100",
        "SIPMAS_CONSUMER_BATCH": "25",
    }
    with log.open("w") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", "config.yaml", __name__],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        mq.wait_for(lambda: mq.depth(amqp_uri, QUEUE)[1], timeout=30)
        yield log
    finally:
        services.stop(child, 20)
    assert child.returncode == 0, log.read_text()[-3000:]


@pytest.fixture
def clean(service_db: Engine) -> Engine:
    with service_db.begin() as conn:
        conn.exec_driver_sql("TRUNCATE batches, effect, inbox, outbox")
    return service_db


def verified(household_id: int) -> dict[str, Any]:
    data = {"household_id": household_id, "welfare_class": "miskin", "rule_set_version": "v1"}
    return events.envelope("household_verified", data)


def publish_all(amqp_uri: str, batch: list[dict[str, Any]]) -> None:
    """Every event on one connection, back to back, so that they arrive together (the broker
    takes a connection's frames in order, its close after them)."""
    with topology.connection(amqp_uri) as conn:
        channel = conn.channel()
        topology.declare_exchange(channel, "verification.events")
        for event in batch:
            message = amqp.Message(
                json.dumps(event).encode(),
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=event["event_id"],
                application_headers={"event_type": event["event_type"]},
            )
            channel.basic_publish(
                message, exchange="verification.events", routing_key="household_verified"
            )


def applied(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(sa.text("SELECT event_id::text, household_id FROM effect"))
        ]


def test_events_that_arrive_together_are_applied_together_and_each_once(service, clean, amqp_uri):
    batch = [verified(1000 + n) for n in range(60)]
    publish_all(amqp_uri, batch + batch[:5])  # five come twice

    mq.wait_for(lambda: scalar(clean, "SELECT count(*) FROM effect") >= 60, timeout=20)
    mq.wait_for(lambda: mq.depth(amqp_uri, QUEUE) == (0, 1), timeout=10)  # all acked
    assert sorted(applied(clean)) == sorted(
        (e["event_id"], e["data"]["household_id"]) for e in batch
    )
    with clean.connect() as conn:
        sizes = [size for (size,) in conn.execute(sa.text("SELECT size FROM batches"))]
    assert sum(sizes) == 65 and max(sizes) > 1, sizes  # batched, and nothing handled twice
    assert max(sizes) <= 25, "no batch above SIPMAS_CONSUMER_BATCH"
    assert scalar(clean, "SELECT count(*) FROM inbox") == 60
    assert mq.depth(amqp_uri, topology.dead_queue(QUEUE))[0] == 0


def test_a_poison_event_is_dead_lettered_alone_and_its_batch_is_applied(service, clean, amqp_uri):
    batch = [verified(2000 + n) for n in range(19)]
    poison = verified(POISON)
    publish_all(amqp_uri, batch[:9] + [poison] + batch[9:])

    dead = topology.dead_queue(QUEUE)
    mq.wait_for(lambda: mq.depth(amqp_uri, dead)[0] == 1, timeout=20)
    mq.wait_for(lambda: scalar(clean, "SELECT count(*) FROM effect") == 19, timeout=10)
    assert sorted(applied(clean)) == sorted(
        (e["event_id"], e["data"]["household_id"]) for e in batch
    )
    [letter] = dead_letters(amqp_uri, QUEUE)
    assert letter["event_id"] == poison["event_id"]
    assert letter["attempts"] == MAX_ATTEMPTS
    assert letter["error_type"] == f"{__name__}.Poisoned"
    assert letter["consumer"] == f"{SERVICE}.on_verified"
    assert mq.depth(amqp_uri, QUEUE)[0] == 0
    assert mq.depth(amqp_uri, topology.retry_queue(QUEUE))[0] == 0
