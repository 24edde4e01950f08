"""The transactional outbox and its relay, over the real PostgreSQL and RabbitMQ.

Crashes are real: the relay runs in a child process that dies (``os._exit``) at the point under
test, through the ``SIPMAS_FAULT_RELAY_EXIT_*`` hooks.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sipmas import db, events, outbox
from sipmas.messaging.inbox import first_delivery
from sipmas.outbox.relay import FAULT_EXIT_CODE
from sipmas.outbox.tables import DDL_NOTIFY
from tests.integration import support_amqp as mq
from tests.integration.support_db import scalar, scratch_database, truncate
from tests.support import broker

SERVICE = "outboxtest"
ROOT = Path(__file__).resolve().parents[2]
EFFECT_DDL = "CREATE TABLE effect (event_id uuid NOT NULL, household_id int NOT NULL);"


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with scratch_database(SERVICE, EFFECT_DDL + DDL_NOTIFY) as engine:
        yield engine


@pytest.fixture
def clean(engine: Engine) -> Engine:
    truncate(engine, "effect")
    return engine


@pytest.fixture
def queue(amqp_uri: str) -> Iterator[str]:
    """A queue receiving every verification event of this test."""
    name = mq.bind_queue(amqp_uri, "verification.events")
    yield name
    mq.delete_queue(amqp_uri, name)


@pytest.fixture
def relay(clean: Engine, amqp_uri: str) -> Iterator[outbox.Relay]:
    relay = outbox.Relay(clean, amqp_uri, batch_size=200)
    yield relay
    relay.close()


def verified(household_id: int) -> dict:
    data = {"household_id": household_id, "welfare_class": "miskin", "rule_set_version": "v1"}
    return events.envelope("household_verified", data)


def unpublished(engine: Engine) -> int:
    return scalar(engine, "SELECT count(*) FROM outbox WHERE published_at IS NULL")


def run_child(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with this test's environment (vhost, databases)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_committed_events_are_published_once_with_the_envelope(relay, clean, queue, amqp_uri):
    written = [verified(i) for i in range(3)]
    with Session(clean) as session:
        outbox.add(session, written[0])
        outbox.add(session, written[1:])
        session.commit()

    assert relay.publish_pending() == 3
    assert relay.publish_pending() == 0

    received = mq.fetch_all(amqp_uri, queue)
    assert [json.loads(m.body) for m in received] == written
    for message, envelope in zip(received, written, strict=True):
        assert message.properties["message_id"] == envelope["event_id"]
        assert message.properties["delivery_mode"] == 2
        assert message.properties["content_type"] == "application/json"
        assert message.properties["content_encoding"] == "utf-8"
        assert message.headers == {
            "event_type": "household_verified",
            "correlation_id": envelope["correlation_id"],
        }
        assert message.delivery_info["exchange"] == "verification.events"
        assert message.delivery_info["routing_key"] == "household_verified"
    assert unpublished(clean) == 0


def test_a_rolled_back_transaction_publishes_nothing(relay, clean, queue, amqp_uri):
    with Session(clean) as session:
        outbox.add(session, verified(1))
        session.rollback()
    with pytest.raises(RuntimeError), Session(clean) as session, session.begin():
        outbox.add(session, verified(2))
        raise RuntimeError("the state change failed")

    assert relay.publish_pending() == 0
    assert scalar(clean, "SELECT count(*) FROM outbox") == 0
    assert mq.fetch_all(amqp_uri, queue) == []


def test_a_crash_between_commit_and_publish_loses_nothing(relay, clean, queue, amqp_uri):
    """The process commits, claims the rows and dies before publishing; a new relay sends all."""
    crashed = run_child(
        "from sipmas import db, events, outbox\n"
        f"service = {SERVICE!r}\n"
        "data = dict(welfare_class='miskin', rule_set_version='v1')\n"
        "with db.session_scope(service) as session:\n"
        "    outbox.add(session, [events.envelope('household_verified',\n"
        "        dict(data, household_id=i)) for i in range(40)])\n"
        "outbox.Relay(service).publish_pending()\n",
        env={"SIPMAS_FAULT_RELAY_EXIT_BEFORE_PUBLISH": "1"},
    )
    assert crashed.returncode == FAULT_EXIT_CODE, crashed.stderr
    assert unpublished(clean) == 40
    assert mq.depth(amqp_uri, queue)[0] == 0

    assert relay.publish_pending() == 40
    received = mq.fetch_all(amqp_uri, queue)
    ids = scalar(clean, "SELECT array_agg(event_id::text ORDER BY id) FROM outbox")
    assert [m.properties["message_id"] for m in received] == ids


def test_a_crash_after_publish_republishes_and_the_consumer_applies_once(
    relay, clean, queue, amqp_uri
):
    with Session(clean) as session:
        outbox.add(session, [verified(i) for i in range(30)])
        session.commit()

    crashed = run_child(
        f"from sipmas import outbox; outbox.Relay({SERVICE!r}).publish_pending()",
        env={"SIPMAS_FAULT_RELAY_EXIT_AFTER_PUBLISH": "1"},
    )
    assert crashed.returncode == FAULT_EXIT_CODE, crashed.stderr
    assert unpublished(clean) == 30, "the crash came before the rows were marked"

    # The dead child's transaction ends when PostgreSQL sees its socket close (under load, a
    # moment later): until then its rows are locked and skipped, not lost.
    republished = [0]

    def all_republished() -> bool:
        republished[0] += relay.publish_pending()
        return republished[0] >= 30

    mq.wait_for(all_republished, timeout=10)
    assert republished[0] == 30
    received = mq.fetch_all(amqp_uri, queue, expect=60)
    assert len(received) == 60, "every event was published twice"

    applied = sum(consume(clean, json.loads(message.body)) for message in received)
    assert applied == 30
    assert scalar(clean, "SELECT count(*) FROM effect") == 30
    assert scalar(clean, "SELECT count(DISTINCT event_id) FROM effect") == 30


def consume(engine: Engine, event: dict) -> bool:
    """An idempotent consumer: the inbox row and the effect commit together."""
    with Session(engine) as session, session.begin():
        if not first_delivery(session, "outboxtest.consume", event["event_id"]):
            return False
        session.execute(
            sa.text("INSERT INTO effect VALUES (CAST(:e AS uuid), :h)"),
            {"e": event["event_id"], "h": event["data"]["household_id"]},
        )
        return True


def test_two_relays_drain_5000_rows_concurrently_each_exactly_once(clean, queue, amqp_uri):
    bulk_insert(clean, 5000)
    relays = [
        outbox.Relay(sa.create_engine(clean.url, **db.ENGINE_OPTIONS), amqp_uri, batch_size=100)
        for _ in range(2)
    ]
    start = threading.Barrier(2)
    counts: list[int] = [0, 0]

    def drain(index: int) -> None:
        start.wait()
        counts[index] = relays[index].publish_pending()

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for each in relays:
        each.close()
        each.engine.dispose()

    assert sum(counts) == 5000
    assert min(counts) > 0, f"both relays took part: {counts}"
    received = mq.fetch_all(amqp_uri, queue, expect=5000, timeout=30)
    ids = [m.properties["message_id"] for m in received]
    assert len(ids) == 5000
    assert len(set(ids)) == 5000
    assert unpublished(clean) == 0


def bulk_insert(engine: Engine, count: int) -> None:
    """Set-based outbox rows, the way the registry's bulk import writes them."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO outbox (event_id, exchange, routing_key, body) "
                "SELECT id, 'verification.events', 'household_verified', jsonb_build_object("
                "'event_id', id, 'event_type', 'household_verified', 'schema_version', 1,"
                "'occurred_at', now(), 'producer', 'verification', 'correlation_id', id,"
                "'data', jsonb_build_object('household_id', n, 'welfare_class', 'miskin',"
                "'rule_set_version', 'v1')) "
                "FROM (SELECT gen_random_uuid() AS id, n FROM generate_series(1, :count) n) s"
            ),
            {"count": count},
        )


def test_an_unroutable_event_is_marked_returned_and_logged_without_its_body(
    relay, clean, amqp_uri, caplog
):
    event_type = f"nobody_listens_{uuid.uuid4().hex[:6]}"
    event_id = str(uuid.uuid4())
    body = {"event_id": event_id, "event_type": event_type, "data": {"head_name": "Siti Aminah"}}
    exchange = f"test.nobody-{uuid.uuid4().hex[:6]}"  # its own: no other test's "#" binding
    with clean.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO outbox (event_id, exchange, routing_key, body) "
                "VALUES (CAST(:e AS uuid), :x, :k, CAST(:b AS jsonb))"
            ),
            {"e": event_id, "x": exchange, "k": event_type, "b": json.dumps(body)},
        )

    with caplog.at_level(logging.WARNING, logger="sipmas.outbox"):
        assert relay.publish_pending() == 1

    row = sa.text("SELECT published_at IS NOT NULL, returned_at IS NOT NULL FROM outbox")
    with clean.connect() as conn:
        assert tuple(conn.execute(row).one()) == (True, True)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(event_id in line and event_type in line for line in warnings), warnings
    assert not any("Siti" in line for line in caplog.messages)


def test_the_relay_loop_survives_a_broker_and_a_database_disconnect(
    clean, queue, amqp_uri, amqp_vhost, caplog
):
    caplog.set_level(logging.WARNING, logger="sipmas.outbox")
    relay = outbox.Relay(clean, amqp_uri)
    stop = threading.Event()
    loop = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    loop.start()
    try:
        add_committed(clean, verified(1))
        relay.wake()
        assert len(mq.fetch_all(amqp_uri, queue, expect=1)) == 1

        # the relay's own connection, once the management API lists it (its statistics trail;
        # closing whatever is listed may close another test's leftover and miss the relay's)
        port = relay.publisher._connection.sock.getsockname()[1]
        mq.wait_for(lambda: close_connection_from(amqp_vhost, port), timeout=15, interval=0.5)
        terminate_backends(clean)
        add_committed(clean, verified(2), verified(3))
        relay.wake()

        assert len(mq.fetch_all(amqp_uri, queue, expect=2, timeout=15)) == 2
        assert loop.is_alive()
        mq.wait_for(lambda: unpublished(clean) == 0, timeout=10)  # marked just after the acks
        assert any("outbox relay failed" in line for line in caplog.messages), caplog.messages
    finally:
        stop.set()
        loop.join(5)
        relay.close()
    assert not loop.is_alive(), "the loop ends soon after its stop event is set"


def close_connection_from(vhost: str, port: int) -> bool:
    """Force-close the broker connection whose client is at ``port``; False while not listed."""
    for conn in broker.api("GET", f"/vhosts/{broker.quote(vhost)}/connections") or []:
        if conn.get("peer_port") == port:
            broker.api("DELETE", f"/connections/{broker.quote(conn['name'])}")
            return True
    return False


def add_committed(engine: Engine, *envelopes: dict) -> None:
    with Session(engine) as session, session.begin():
        outbox.add(session, envelopes)


def terminate_backends(engine: Engine) -> None:
    """End every other connection to the scratch database, as a PostgreSQL restart would."""
    with sa.create_engine(engine.url).connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )


def test_run_relay_publishes_in_the_background_and_stops_on_sigterm(clean, queue, amqp_uri):
    child = subprocess.Popen(
        [sys.executable, "-m", "sipmas.outbox", SERVICE],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        add_committed(clean, verified(1), verified(2))
        assert len(mq.fetch_all(amqp_uri, queue, expect=2, timeout=15)) == 2
    finally:
        child.send_signal(signal.SIGTERM)
        output, _ = child.communicate(timeout=15)
    assert child.returncode == 0, output
    assert "outbox relay of outboxtest stopped" in output


def test_rows_another_process_commits_are_published_at_once_not_at_the_poll(clean, queue, amqp_uri):
    """The relay hears of every commit that wrote outbox rows (``DDL_NOTIFY``), so with a poll of
    a minute, events written by this process (like the import CLI's) leave within seconds."""
    child = subprocess.Popen(
        [sys.executable, "-m", "sipmas.outbox", SERVICE],
        cwd=ROOT,
        env={**os.environ, "SIPMAS_OUTBOX_POLL_SECONDS": "60"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        add_committed(clean, verified(1))
        assert len(mq.fetch_all(amqp_uri, queue, expect=1, timeout=15)) == 1
        time.sleep(1)  # the relay has found the outbox empty: it waits for its next poll
        add_committed(clean, verified(2), verified(3))
        started = time.monotonic()
        later = mq.fetch_all(amqp_uri, queue, expect=2, timeout=15)
        waited = time.monotonic() - started
    finally:
        child.send_signal(signal.SIGTERM)
        output, _ = child.communicate(timeout=15)
    assert sorted(json.loads(m.body)["data"]["household_id"] for m in later) == [2, 3], output
    assert waited < 5, output


def test_ddl_v1_creates_exactly_the_contracted_tables(engine):
    query = (
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name IN ('outbox', 'inbox') ORDER BY table_name, ordinal_position"
    )
    with engine.connect() as conn:
        columns = [tuple(row) for row in conn.execute(sa.text(query))]
        indexes = dict(conn.execute(sa.text("SELECT indexname, indexdef FROM pg_indexes")).all())
    assert columns == [
        ("inbox", "consumer", "text", "NO"),
        ("inbox", "event_id", "uuid", "NO"),
        ("inbox", "processed_at", "timestamp with time zone", "NO"),
        ("outbox", "id", "bigint", "NO"),
        ("outbox", "event_id", "uuid", "NO"),
        ("outbox", "exchange", "text", "NO"),
        ("outbox", "routing_key", "text", "NO"),
        ("outbox", "body", "jsonb", "NO"),
        ("outbox", "created_at", "timestamp with time zone", "NO"),
        ("outbox", "published_at", "timestamp with time zone", "YES"),
        ("outbox", "returned_at", "timestamp with time zone", "YES"),
    ]
    assert indexes["outbox_unpublished"].endswith("(id) WHERE (published_at IS NULL)")
    assert "(consumer, event_id)" in indexes["inbox_pkey"]
    assert "(event_id)" in indexes["outbox_event_id_key"]


def test_first_delivery_is_true_once_per_consumer(clean):
    event_id = uuid.uuid4()
    with Session(clean) as session, session.begin():
        assert first_delivery(session, "a.handler", event_id) is True
        assert first_delivery(session, "a.handler", str(event_id)) is False
        assert first_delivery(session, "b.handler", event_id) is True
    with Session(clean) as session, session.begin():
        assert first_delivery(session, "a.handler", event_id) is False
