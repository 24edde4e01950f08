"""How fast can the outbox relay publish? ``python -m benchmarks.outbox_relay [--events N]``.

Three ways to put N persistent messages into one bound durable queue, side by side:

a) raw baseline: one publish, then wait for its confirm (nameko's ``Publisher`` does this);
b) raw windowed: up to ``--window`` unconfirmed publishes in flight (py-amqp, acks counted);
c) the :class:`sipmas.outbox.Relay` draining N rows pre-inserted into an outbox table
   (claim with SKIP LOCKED, windowed publish, mark, commit). Only the relay is timed.

It uses a scratch database (dropped after) and its own exchange and queue (deleted after).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

import amqp
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from sipmas import db, events, outbox, settings
from sipmas.outbox import writing
from sipmas.outbox.publisher import DEFAULT_WINDOW, ConfirmWindow
from sipmas.outbox.tables import DDL_V1
from sipmas_cli import topology

EXCHANGE = "benchmark.events"
QUEUE = "sipmas.benchmark.outbox_relay"
ROUTING_KEY = "household_registered"


def main() -> None:
    args = parse_args()
    print_machine(args)
    with topology.connection(args.amqp_uri) as conn:
        channel = conn.channel()
        topology.declare_exchange(channel, EXCHANGE)
        channel.queue_declare(QUEUE, durable=True, auto_delete=False)
        channel.queue_bind(QUEUE, EXCHANGE, routing_key=ROUTING_KEY)
        channel.queue_purge(QUEUE)
    body = sample_body()
    results = []
    try:
        results.append(("a) raw, confirm each", measure(args, lambda: publish_each(args, body))))
        results.append(
            (f"b) raw, window {args.window}", measure(args, lambda: publish_windowed(args, body)))
        )
        results.append(
            (
                f"c) Relay, batch {args.batch}, window {args.window}",
                relay_drain(args, body),
            )
        )
    finally:
        with topology.connection(args.amqp_uri) as conn:
            conn.channel().queue_delete(QUEUE)
            conn.channel().exchange_delete(EXCHANGE)
    print_results(args, results)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="messages per method")
    parser.add_argument("--window", type=int, default=DEFAULT_WINDOW)
    parser.add_argument("--batch", type=int, default=settings.outbox_batch_size())
    parser.add_argument("--amqp-uri", default=settings.amqp_uri())
    return parser.parse_args()


def sample_body() -> bytes:
    """A realistic ``household_registered`` envelope (about 400 bytes)."""
    data = {
        "household_id": 123456,
        "source": "dtks",
        "batch_id": 7,
        "kecamatan_code": None,
        "desa_code": None,
        "rt": "003",
        "rw": "001",
        "alamat": "Jl. Yos Sudarso II No. 14, Sangatta Utara",
        "head_name": "Contoh Kepala Keluarga",
        "member_count": 4,
        "desil": 2,
        "pmks": [],
    }
    envelope = events.envelope("household_registered", data)
    return writing._row(envelope)["body"].encode()


def measure(args: argparse.Namespace, publish: Callable[[], None]) -> float:
    """Events per second of ``publish``; the queue must then hold all of them (then purged)."""
    started = time.perf_counter()
    publish()
    elapsed = time.perf_counter() - started
    check_and_purge(args)
    return args.events / elapsed


def message(body: bytes, number: int) -> amqp.Message:
    return amqp.Message(
        body,
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=2,
        message_id=f"bench-{number}",
        application_headers={"event_type": ROUTING_KEY},
    )


def publish_each(args: argparse.Namespace, body: bytes) -> None:
    with topology.connection(args.amqp_uri) as conn:
        channel = conn.channel()
        for number in range(args.events):
            channel.basic_publish_confirm(
                message(body, number), exchange=EXCHANGE, routing_key=ROUTING_KEY, mandatory=True
            )


def publish_windowed(args: argparse.Namespace, body: bytes) -> None:
    with topology.connection(args.amqp_uri) as conn:
        channel = conn.channel()
        channel.confirm_select()
        window = ConfirmWindow()
        acked: list[int] = []
        channel.events["basic_ack"].add(lambda tag, multiple: window.settle(tag, multiple, acked))
        for number in range(args.events):
            while len(window) >= args.window:
                conn.drain_events(timeout=30)
            channel._basic_publish(
                message(body, number), exchange=EXCHANGE, routing_key=ROUTING_KEY, mandatory=True
            )
            window.sent(number)
        while len(window):
            conn.drain_events(timeout=30)
    assert len(acked) == args.events, f"{len(acked)} acks for {args.events} publishes"


def relay_drain(args: argparse.Namespace, body: bytes) -> float:
    url = scratch_url()
    db.ensure_database(url)
    engine = sa.create_engine(url, **db.ENGINE_OPTIONS)
    try:
        fill_outbox(engine, body, args.events)
        relay = outbox.Relay(engine, args.amqp_uri, batch_size=args.batch, window=args.window)
        started = time.perf_counter()
        published = relay.publish_pending()
        elapsed = time.perf_counter() - started
        relay.close()
        assert published == args.events, f"relay published {published} of {args.events}"
        check_and_purge(args)
        return args.events / elapsed
    finally:
        engine.dispose()
        db.drop_database(url)


def scratch_url() -> str:
    url = make_url(settings.database_url("outbox_benchmark"))
    if url.drivername == "postgresql":  # SQLAlchemy 2.1 would choose psycopg 3
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


def fill_outbox(engine: Engine, body: bytes, count: int) -> None:
    """``count`` unpublished rows, each with its own event id, set-based (not timed)."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS outbox, inbox")
        conn.exec_driver_sql(DDL_V1)
        conn.execute(
            sa.text(
                "INSERT INTO outbox (event_id, exchange, routing_key, body) "
                "SELECT id, :exchange, :key, jsonb_set(CAST(:body AS jsonb), '{event_id}', "
                "to_jsonb(id::text)) "
                "FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, :count)) s"
            ),
            {"exchange": EXCHANGE, "key": ROUTING_KEY, "body": body.decode(), "count": count},
        )
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE outbox")


def check_and_purge(args: argparse.Namespace) -> None:
    with topology.connection(args.amqp_uri) as conn:
        channel = conn.channel()
        _, waiting, _ = channel.queue_declare(QUEUE, passive=True)
        assert waiting == args.events, f"queue holds {waiting}, expected {args.events}"
        channel.queue_purge(QUEUE)


def print_machine(args: argparse.Namespace) -> None:
    with topology.connection(args.amqp_uri) as conn:
        rabbit = conn.server_properties.get("version", "?")
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}")
    print(f"RabbitMQ {rabbit}; {args.events:,} persistent messages per method, one queue")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def print_results(args: argparse.Namespace, results: list[tuple[str, float]]) -> None:
    width = max(len(name) for name, _ in results)
    print(f"{'method'.ljust(width)}  events/s  seconds")
    for name, rate in results:
        print(f"{name.ljust(width)}  {rate:8,.0f}  {args.events / rate:7.2f}")


if __name__ == "__main__":
    main()
