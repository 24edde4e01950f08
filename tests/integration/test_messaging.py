"""``consumes`` in a real nameko service (a child process) over the real broker and database.

The service (tests/integration/support_service.py) runs with 3 attempts and 100 ms base backoff,
and a 5 s outbox poll: an event caused by a handler arriving well within that proves the relay
is woken after the worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sipmas import events
from sipmas.messaging.dead_letters import dead_letters, replay_dead_letters
from sipmas_cli import topology
from tests.integration import support_amqp as mq
from tests.integration import support_service as svc
from tests.integration.support_db import scalar, scratch_database
from tests.support import services

ROOT = Path(__file__).resolve().parents[2]
MAX_ATTEMPTS = 3
VERIFIED = topology.consumer_queue(
    "verification", "household_verified", svc.SERVICE, "on_household_verified"
)
REJECTED = topology.consumer_queue(
    "verification", "household_rejected", svc.SERVICE, "on_household_rejected"
)
TASKS = topology.consumer_queue(
    "verification", "verification_task_created", svc.SERVICE, "on_verification_task_created"
)


@pytest.fixture(scope="module")
def service_db() -> Iterator[Engine]:
    with scratch_database(svc.SERVICE, svc.DDL) as engine:
        yield engine


@pytest.fixture(scope="module")
def service(amqp_uri: str, service_db: Engine, tmp_path_factory) -> Iterator[Path]:
    """The test service, started after ``topology.declare`` so that nameko declares on top."""
    topology.declare(amqp_uri, svc.CONSUMERS)
    log = tmp_path_factory.mktemp("msgtest") / "service.log"
    env = {
        **os.environ,
        "SIPMAS_CONSUMER_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "SIPMAS_CONSUMER_RETRY_BASE_MS": "100",
        "SIPMAS_OUTBOX_POLL_SECONDS": "5",
    }
    with log.open("w") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", "config.yaml", svc.__name__],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        queues = (VERIFIED, REJECTED, TASKS)
        mq.wait_for(lambda: all(mq.depth(amqp_uri, q)[1] for q in queues), timeout=30)
        yield log
    finally:
        services.stop(child, 20)
    assert child.returncode == 0, log.read_text()[-3000:]


def envelope(event_type: str, household_id: int, **data) -> dict:
    defaults = {
        "household_verified": {"welfare_class": "miskin", "rule_set_version": "v1"},
        "household_rejected": {"reasons": ["tidak ditemukan"]},
        "verification_task_created": {"task_id": 1},
    }[event_type]
    return events.envelope(event_type, {"household_id": household_id, **defaults, **data})


def send(amqp_uri: str, event: dict) -> None:
    mq.publish(
        amqp_uri,
        "verification.events",
        event["event_type"],
        event,
        message_id=event["event_id"],
        headers={"event_type": event["event_type"], "correlation_id": event["correlation_id"]},
    )


def count(engine: Engine, table: str, event_id: str) -> int:
    return scalar(engine, f"SELECT count(*) FROM {table} WHERE event_id = :e", e=event_id)


def set_switch(engine: Engine, name: str, on: bool) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO switch VALUES (:n, :on) ON CONFLICT (name) DO UPDATE SET is_on = :on"
            ),
            {"n": name, "on": on},
        )


def test_a_duplicate_is_applied_once_and_the_caused_event_leaves_through_the_outbox(
    service, service_db, amqp_uri
):
    cases = mq.bind_queue(amqp_uri, "referral.events", "case_opened")
    event = envelope("household_verified", 41)
    started = time.monotonic()
    send(amqp_uri, event)
    send(amqp_uri, event)

    mq.wait_for(lambda: count(service_db, "seen", event["event_id"]) == 2)
    caused = mq.fetch_all(amqp_uri, cases, expect=1, timeout=4)
    assert len(caused) == 1
    assert time.monotonic() - started < 3, "the relay was woken, not left to its 5 s poll"
    assert count(service_db, "effect", event["event_id"]) == 1
    assert count(service_db, "inbox", event["event_id"]) == 1
    case = json.loads(caused[0].body)
    assert case["event_type"] == "case_opened"
    assert case["correlation_id"] == event["correlation_id"]
    assert caused[0].properties["message_id"] == case["event_id"]
    assert mq.fetch_all(amqp_uri, cases) == [], "one case_opened, not one per delivery"
    assert mq.depth(amqp_uri, topology.dead_queue(VERIFIED))[0] == 0


def test_a_handler_failing_once_succeeds_on_its_retry(service, service_db, amqp_uri):
    event = envelope("verification_task_created", 42)
    send(amqp_uri, event)

    mq.wait_for(lambda: count(service_db, "effect", event["event_id"]) == 1)
    assert count(service_db, "seen", event["event_id"]) == 2
    assert mq.depth(amqp_uri, topology.dead_queue(TASKS))[0] == 0


def test_a_handler_that_always_fails_is_dead_lettered_after_bounded_attempts_and_replayed(
    service, service_db, amqp_uri
):
    set_switch(service_db, "reject_fails", True)
    event = envelope("household_rejected", 43)
    started = time.monotonic()
    send(amqp_uri, event)

    mq.wait_for(lambda: mq.depth(amqp_uri, topology.dead_queue(REJECTED))[0] == 1, timeout=15)
    elapsed = time.monotonic() - started
    assert elapsed >= 0.3, "backoff: 100 ms then 200 ms between the three attempts"
    time.sleep(1.0)  # were it looping, it would be seen again by now
    assert count(service_db, "seen", event["event_id"]) == MAX_ATTEMPTS
    assert count(service_db, "effect", event["event_id"]) == 0
    assert mq.depth(amqp_uri, REJECTED)[0] == 0
    assert mq.depth(amqp_uri, topology.retry_queue(REJECTED))[0] == 0

    letters = dead_letters(amqp_uri, REJECTED)
    assert dead_letters(amqp_uri, REJECTED) == letters, "inspecting does not consume"
    [letter] = letters
    assert letter["event_id"] == event["event_id"]
    assert letter["body"] == event
    assert letter["attempts"] == MAX_ATTEMPTS
    assert letter["consumer"] == "msgtest.on_household_rejected"
    assert letter["queue"] == REJECTED
    assert letter["error_type"] == f"{svc.__name__}.RejectionRefused"
    assert letter["error_message"] == "household 43 refused"

    set_switch(service_db, "reject_fails", False)
    assert replay_dead_letters(amqp_uri, REJECTED) == 1
    mq.wait_for(lambda: count(service_db, "effect", event["event_id"]) == 1)
    assert count(service_db, "seen", event["event_id"]) == MAX_ATTEMPTS + 1, "attempts reset"
    assert dead_letters(amqp_uri, REJECTED) == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json at all", id="not-json"),
        pytest.param({"event_type": "household_verified", "data": {}}, id="no-envelope"),
        pytest.param("bad-data", id="bad-data"),
    ],
)
def test_an_invalid_event_is_dead_lettered_at_once(service, service_db, amqp_uri, body):
    event_id = str(uuid.uuid4())
    if body == "bad-data":
        body = {**envelope("household_verified", 44), "event_id": event_id}
        body["data"]["welfare_class"] = "kaya raya"
    send_raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    mq.publish(amqp_uri, "verification.events", "household_verified", send_raw, event_id)

    dead = topology.dead_queue(VERIFIED)
    mq.wait_for(lambda: any(d["event_id"] == event_id for d in dead_letters(amqp_uri, dead)))
    letter = next(d for d in dead_letters(amqp_uri, dead) if d["event_id"] == event_id)
    assert letter["attempts"] == 0
    assert letter["error_type"] in {
        "marshmallow.exceptions.ValidationError",
        "kombu.exceptions.DecodeError",
    }
    assert letter["body"] == (body.decode() if isinstance(body, bytes) else body)
    if isinstance(body, dict) and body.get("data", {}).get("welfare_class"):
        assert "welfare_class" in letter["error_message"]
    assert count(service_db, "seen", event_id) == 0, "the handler never ran"
    drop_dead_letter(amqp_uri, dead, event_id)


def drop_dead_letter(amqp_uri: str, dead: str, event_id: str) -> None:
    """Take this test's letter out so the next test sees only its own."""
    kept = [m for m in mq.fetch_all(amqp_uri, dead) if m.properties.get("message_id") != event_id]
    assert not kept, "no other dead letters were expected here"


def test_the_service_logs_no_bodies(service, amqp_uri):
    """Nothing personal reached the log: not the rejected household's reasons, not a raw body."""
    text = service.read_text()
    assert "tidak ditemukan" not in text
    assert "not json at all" not in text
    assert "dead-lettered" in text
