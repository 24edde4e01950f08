"""End-to-end pipeline benchmark (not a test): verified households per second from verification
to the agencies' queues and the notifications, beside raw publish/consume on the same broker.

    python -m benchmarks.pipeline [--households 1000] [--rate 100] [--seconds 20]
                                  [--split | --both] [--raw-messages 20000] [--json OUT]

Goals (issue 7, this 2-core machine): at least 500 verified households/s end to end, p99 under
250 ms at 100 households/s.

What runs: the real services as ``make run`` runs them (``nameko run --config config.yaml
services.registry.service services.verification.service services.referral.service
services.notifications.service``, one process; ``--split``: one process per service, as the
containers run them) against a scratch vhost and scratch databases (``sipmas migrate``), the
registry filled by a real P3KE import, each agency's email and webhook pointed at an SMTP server
and an HTTP receiver this benchmark runs.

What is injected: ``household_verified`` events written into the verification service's OUTBOX
(the relay publishes them, as after a supervisor's approval), each with two needs — ``rumah``
(→ Perkim) and ``kesehatan`` (→ Dinkes) — so one household means 2 referrals, 2 agency
messages on ``opd.<code>.referrals`` and 4 notifications (an email and a webhook per referral).
All at once (throughput), then one by one at a fixed rate (latency).

What is measured, where the pipeline ends: agency messages by a plain py-amqp consumer of the
agencies' queues; emails and webhooks as the servers receive them. A household is done end to
end when both agency messages AND its 4 notifications arrived. Latency is from the event's
``occurred_at`` (the approval's commit) to arrival. Every household is accounted for: lost
(had not arrived when nothing new had come for ``--stall`` seconds), duplicated (arrived twice),
unexpected (not asked for). The exit status is 0 only when all of them are 0.

Notification rate limits are policy, not capacity: unless set in the environment they are lifted
here (the defaults, email 120/min and webhook 600/min, hold the pipeline to 1 household/s).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import amqp
import sqlalchemy as sa

from benchmarks import outbox_relay
from benchmarks.support import (
    CpuMeter,
    Services,
    free_port,
    machine,
    ms,
    percentile,
    scratch_vhost,
)
from sipmas import db, events, outbox, reference, settings
from sipmas.outbox.publisher import DEFAULT_WINDOW
from sipmas_cli import system, topology

os.environ.setdefault(
    "SIPMAS_DATABASE_URL_TEMPLATE", "postgresql://postgres@127.0.0.1:5432/sipmas_bench_{service}"
)

SERVICES = ("registry", "verification", "referral", "notifications")
NEEDS = {
    "rumah": ("perkim", ["lantai_tanah", "atap_rusak"]),
    "kesehatan": ("dinkes", ["tanpa_jaminan_kesehatan"]),
}
AGENCIES = tuple(sorted(opd for opd, _ in NEEDS.values()))
KINDS = ("agency", "email", "webhook")
EXPECTED = frozenset((kind, opd) for kind in KINDS for opd in AGENCIES)
MAIL_DOMAIN = "bench.sipmas.example"
WEBHOOK_SECRET = "bench-webhook-secret-0123456789abcdef"
LIFTED_RATE = "1000000"
CACHE = Path(os.environ.get("SIPMAS_BENCH_DIR", "var/bench"))


# --- where the pipeline ends ---------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    at: float  # epoch seconds, as received
    kind: str  # agency | email | webhook
    opd: str | None
    event_id: str | None  # agency: the message's event; email, webhook: the referral_created
    correlation_id: str | None  # None for an email until its event is known


class FarEnd:
    """The agencies' side: a plain consumer of every ``opd.<code>.referrals`` queue, an SMTP
    server and an HTTP receiver for the agencies' webhooks. Records what arrives, when."""

    def __init__(self, amqp_uri: str) -> None:
        self.amqp_uri = amqp_uri
        self.arrivals: list[Arrival] = []
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.smtp_port = free_port()
        self.http_port = free_port()
        self._smtp: Any = None
        self._http: ThreadingHTTPServer | None = None

    def add(self, arrival: Arrival) -> None:
        with self.lock:
            self.arrivals.append(arrival)

    def snapshot(self) -> list[Arrival]:
        with self.lock:
            return list(self.arrivals)

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._smtp = Controller(_Mailbox(self), hostname="127.0.0.1", port=self.smtp_port)
        self._smtp.start()
        self._http = ThreadingHTTPServer(("127.0.0.1", self.http_port), _webhook_handler(self))
        self._http.daemon_threads = True
        ready = threading.Event()
        for target, args in ((self._http.serve_forever, ()), (self._consume, (ready,))):
            thread = threading.Thread(target=target, args=args, daemon=True)
            thread.start()
            self._threads.append(thread)
        if not ready.wait(10):
            raise RuntimeError("the agencies' consumer did not start")

    def stop(self) -> None:
        self._stop.set()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._smtp is not None:
            self._smtp.stop()
        for thread in self._threads:
            thread.join(5)

    def _consume(self, ready: threading.Event) -> None:
        with topology.connection(self.amqp_uri) as conn:
            channel = conn.channel()
            channel.basic_qos(0, 1000, False)
            for code in sorted(reference.opd_codes()):
                channel.basic_consume(topology.opd_queue(code), callback=self._on_agency_message)
            ready.set()
            while not self._stop.is_set():
                with suppress(TimeoutError):
                    conn.drain_events(timeout=0.2)

    def _on_agency_message(self, message: amqp.Message) -> None:
        at = time.time()
        body = json.loads(message.body)
        self.add(
            Arrival(
                at,
                "agency",
                body.get("data", {}).get("opd_code"),
                body.get("event_id"),
                body.get("correlation_id"),
            )
        )
        message.channel.basic_ack(message.delivery_tag)


class _Mailbox:
    def __init__(self, far_end: FarEnd) -> None:
        self.far_end = far_end
        self.parser = BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope) -> str:
        at = time.time()
        headers = self.parser.parsebytes(envelope.content)
        to = str(headers.get("To", ""))
        opd = to.split("@", 1)[0] if to.endswith("@" + MAIL_DOMAIN) else None
        self.far_end.add(Arrival(at, "email", opd, headers.get("X-SIPMAS-Event-Id"), None))
        return "250 OK"


def _webhook_handler(far_end: FarEnd) -> type[BaseHTTPRequestHandler]:
    class Receiver(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            at = time.time()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                envelope = json.loads(body)
            except ValueError:
                envelope = {}
            opd = self.path.strip("/").split("/")[-1] or None
            far_end.add(
                Arrival(
                    at, "webhook", opd, envelope.get("event_id"), envelope.get("correlation_id")
                )
            )
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Receiver


# --- setting up: databases, the registry, the agencies' contacts -------------------------------


@dataclass(frozen=True)
class Household:
    id: int
    correlation_id: str
    desa_code: str | None
    kecamatan_code: str | None


def fresh_databases() -> None:
    """Scratch databases, dropped and migrated (``sipmas migrate``'s first half)."""
    for service in SERVICES:
        db.drop_database(settings.database_url(service))
        system.migrate(service)


def registry_households(count: int, seed: int = 2027) -> list[Household]:
    """A real P3KE import of ``count`` households; their ``household_registered`` events are
    marked published (set-up, not what is measured: nobody is to be visited here)."""
    from services.registry.use_cases.importing import batches
    from sipmas_cli import synthetic

    path = CACHE / f"p3ke_{count}_{seed}.csv"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        synthetic.write_file("p3ke", count, path, seed=seed)
    batches.import_file("p3ke", path, actor="bench")
    engine = db.engine("registry")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE outbox SET published_at = now() WHERE published_at IS NULL"))
        rows = conn.execute(
            sa.text(
                "SELECT id, correlation_id::text, desa_code, kecamatan_code FROM households "
                "ORDER BY id"
            )
        ).all()
    return [Household(*row) for row in rows]


def point_agencies_here(far_end: FarEnd) -> None:
    """Every agency's email and webhook go to this benchmark's servers (what the
    ``set_agency_contact`` RPC does, done before the services start)."""
    from services.notifications.use_cases import contacts

    with db.session_scope("notifications") as session:
        for code in sorted(reference.opd_codes()):
            contacts.set_agency(
                session,
                code,
                {
                    "email": f"{code}@{MAIL_DOMAIN}",
                    "webhook_url": f"http://127.0.0.1:{far_end.http_port}/agency/{code}",
                    "webhook_secret": WEBHOOK_SECRET,
                },
            )


def service_env(amqp_uri: str, far_end: FarEnd) -> dict[str, str]:
    env = {
        "AMQP_URI": amqp_uri,
        "SIPMAS_DATABASE_URL_TEMPLATE": os.environ["SIPMAS_DATABASE_URL_TEMPLATE"],
        "SIPMAS_SMTP_HOST": "127.0.0.1",
        "SIPMAS_SMTP_PORT": str(far_end.smtp_port),
        "SIPMAS_METRICS_PORT": os.environ.get("SIPMAS_METRICS_PORT", "0"),
    }
    for channel in ("email", "webhook", "sms"):
        name = f"SIPMAS_NOTIFY_RATE_{channel.upper()}_PER_MINUTE"
        env[name] = os.environ.get(name, LIFTED_RATE)
    return env


def settings_line(env: dict[str, str]) -> str:
    """The settings that shape the figures, as the services see them."""
    names = {
        "SIPMAS_OUTBOX_POLL_SECONDS": "0.5",
        "SIPMAS_OUTBOX_BATCH": "500",
        "SIPMAS_MAX_WORKERS": "10",
        "SIPMAS_TIMER_NOTIFICATIONS_SEND_SECONDS": "2",
        "SIPMAS_CONSUMER_BATCH": "50",
        "SIPMAS_NOTIFY_SEND_BATCH": "20",
        "SIPMAS_NOTIFY_RATE_EMAIL_PER_MINUTE": "120",
        "SIPMAS_NOTIFY_RATE_WEBHOOK_PER_MINUTE": "600",
        "SIPMAS_LOG_LEVEL": "INFO",
    }
    shown = []
    for name, default in names.items():
        value = env.get(name) or os.environ.get(name) or default
        lifted = value == LIFTED_RATE and name not in os.environ
        short = name.removeprefix("SIPMAS_").lower()
        shown.append(f"{short}={'lifted' if lifted else value}")
    return "settings: " + ", ".join(shown)


# --- injecting approvals -------------------------------------------------------------------------


def verified_event(household: Household, number: int) -> dict[str, Any]:
    """A ``household_verified`` as an approval writes it, with two needs for two agencies."""
    return events.envelope(
        "household_verified",
        {
            "household_id": household.id,
            "welfare_class": "miskin",
            "needs": [{"code": need, "reasons": why} for need, (_, why) in NEEDS.items()],
            "rule_set_version": "2026.1",
            "decision_id": number,
            "task_id": number,
            "deprivations": [reason for _, why in NEEDS.values() for reason in why],
            "desa_code": household.desa_code,
            "kecamatan_code": household.kecamatan_code,
            "verified_by": "bench-verifier",
            "approved_by": "bench-supervisor",
        },
        household.correlation_id,
    )


@dataclass
class Phase:
    """One batch of approvals and what became of it."""

    name: str
    occurred: dict[str, float] = field(default_factory=dict)  # correlation id -> occurred_at
    started: float = 0.0
    injected_in: float = 0.0  # seconds the approvals took to commit


def approve(
    envelopes: list[dict[str, Any]],
    phase: Phase,
    rate: float | None,
    tick: Callable[[], None] = lambda: None,
) -> None:
    """Write the events into verification's outbox: in one transaction (``rate`` None) or one
    transaction each at ``rate`` per second, ``occurred_at`` being the moment of writing."""
    engine = db.engine("verification")
    phase.started = time.time()
    if rate is None:
        stamp = datetime.fromtimestamp(phase.started, UTC).isoformat()
        for envelope in envelopes:
            envelope["occurred_at"] = stamp
            phase.occurred[str(envelope["correlation_id"])] = phase.started
        with engine.begin() as conn:
            outbox.add(conn, envelopes)
    else:
        for number, envelope in enumerate(envelopes):
            delay = phase.started + number / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            now = time.time()
            envelope["occurred_at"] = datetime.fromtimestamp(now, UTC).isoformat()
            phase.occurred[str(envelope["correlation_id"])] = now
            with engine.begin() as conn:
                outbox.add(conn, envelope)
            if number % max(1, int(rate / 2)) == 0:
                tick()  # about twice a second
    phase.injected_in = time.time() - phase.started


# --- accounting ----------------------------------------------------------------------------------


class EventMap:
    """referral_created event id -> correlation id, from the notifications' deliveries (an
    email names its event, not its household)."""

    def __init__(self) -> None:
        self.correlation: dict[str, str] = {}

    def refresh(self, arrivals: list[Arrival]) -> None:
        """Look up the events of the emails not placed yet (rows commit out of id order, so
        only asking for what is missing is exact)."""
        wanted = {
            a.event_id
            for a in arrivals
            if a.correlation_id is None and a.event_id and a.event_id not in self.correlation
        }
        if not wanted:
            return
        with db.engine("notifications").connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT DISTINCT event_id::text, correlation_id::text FROM deliveries "
                    "WHERE event_id = ANY(CAST(:ids AS uuid[]))"
                ),
                {"ids": sorted(wanted)},
            ).all()
        self.correlation.update(dict(rows))


@dataclass
class Tally:
    """Per household, what arrived of what was expected, and what should not have."""

    households: int
    done: dict[str, float]  # correlation id -> when its last expected arrival came
    arrived: dict[str, dict[tuple[str, str], float]]  # first arrival of each expected item
    duplicated: Counter
    unexpected: Counter
    by_kind: dict[str, list[Arrival]]

    def at_agencies(self) -> dict[str, float]:
        """Households whose agency messages all arrived, and when the last one did."""
        found = {}
        for correlation_id, items in self.arrived.items():
            times = [at for (kind, _), at in items.items() if kind == "agency"]
            if len(times) == len(AGENCIES):
                found[correlation_id] = max(times)
        return found

    @property
    def lost(self) -> Counter:
        missing: Counter = Counter()
        for items in self.arrived.values():
            for kind, _ in EXPECTED - set(items):
                missing[kind] += 1
        return missing


def tally(
    phase: Phase, arrivals: list[Arrival], event_map: EventMap, known: set[str], final: bool = False
) -> Tally:
    """Sort ``arrivals`` into ``phase``'s households; ``known`` are every phase's households
    (an arrival for another phase is not unexpected). An email of an event no delivery names is
    unexpected at the final count, and waits for its row before."""
    arrived: dict[str, dict[tuple[str, str], float]] = {c: {} for c in phase.occurred}
    duplicated: Counter = Counter()
    unexpected: Counter = Counter()
    by_kind: dict[str, list[Arrival]] = defaultdict(list)
    for arrival in arrivals:
        correlation_id = arrival.correlation_id or event_map.correlation.get(arrival.event_id)
        if correlation_id is None and arrival.kind == "email" and not final:
            continue  # its delivery row is not read yet: counted at the next look
        if correlation_id not in known or (arrival.kind, arrival.opd) not in EXPECTED:
            unexpected[arrival.kind] += 1
            continue
        if correlation_id not in arrived:
            continue  # another phase's
        key = (arrival.kind, arrival.opd)
        if key in arrived[correlation_id]:
            duplicated[arrival.kind] += 1
            continue
        arrived[correlation_id][key] = arrival.at
        by_kind[arrival.kind].append(replace(arrival, correlation_id=correlation_id))
    done = {c: max(items.values()) for c, items in arrived.items() if set(items) == EXPECTED}
    return Tally(len(phase.occurred), done, arrived, duplicated, unexpected, by_kind)


def wait_until_done(
    phase: Phase,
    far_end: FarEnd,
    event_map: EventMap,
    known: set[str],
    stall: float,
    meter: CpuMeter,
) -> Tally:
    """Until every household of ``phase`` is done, or nothing new arrived for ``stall`` s."""
    last_count, last_change, last_print = -1, time.time(), 0.0
    while True:
        time.sleep(0.5)
        meter.sample()
        arrivals = far_end.snapshot()
        event_map.refresh(arrivals)
        result = tally(phase, arrivals, event_map, known)
        now = time.time()
        if len(arrivals) != last_count:
            last_count, last_change = len(arrivals), now
        if now - last_print > 10:
            last_print = now
            counts = {k: len(v) for k, v in result.by_kind.items()}
            print(
                f"  … {phase.name}: {len(result.done):,}/{result.households:,} households done "
                f"after {now - phase.started:,.0f} s; arrived {counts}",
                flush=True,
            )
        if len(result.done) == result.households or now - last_change > stall:
            time.sleep(1.0)  # what is in flight now would be a duplicate: let it land
            arrivals = far_end.snapshot()
            event_map.refresh(arrivals)
            return tally(phase, arrivals, event_map, known, final=True)


# --- where the time goes -------------------------------------------------------------------------


STAGES_SQL = {
    # (database, SQL returning correlation id, epoch seconds)
    "verification relay published": (
        "verification",
        "SELECT body->>'correlation_id', extract(epoch FROM published_at) FROM outbox "
        "WHERE routing_key = 'household_verified' AND published_at IS NOT NULL",
    ),
    "referral committed (referral outbox row)": (
        "referral",
        "SELECT body->>'correlation_id', max(extract(epoch FROM created_at)) FROM outbox "
        "WHERE routing_key LIKE 'referral.%.created' GROUP BY 1",
    ),
    "referral relay published": (
        "referral",
        "SELECT body->>'correlation_id', max(extract(epoch FROM published_at)) FROM outbox "
        "WHERE routing_key LIKE 'referral.%.created' GROUP BY 1 "
        "HAVING count(*) = count(published_at)",
    ),
    "notifications planned (deliveries row)": (
        "notifications",
        "SELECT correlation_id::text, max(extract(epoch FROM created_at)) FROM deliveries "
        "WHERE event_type = 'referral_created' GROUP BY 1",
    ),
    "notifications attempted (sent_at)": (
        "notifications",
        "SELECT correlation_id::text, max(extract(epoch FROM sent_at)) FROM deliveries "
        "WHERE event_type = 'referral_created' GROUP BY 1 "
        "HAVING count(*) = count(sent_at)",
    ),
}


def stages(phase: Phase, result: Tally) -> list[tuple[str, list[float]]]:
    """Per household, seconds from its approval to each stage (the databases' clocks; a row's
    ``created_at`` is its transaction's start), then to the far end."""
    found = []
    for name, (service, sql) in STAGES_SQL.items():
        with db.engine(service).connect() as conn:
            at = dict(conn.execute(sa.text(sql)).all())
        found.append(
            (name, [float(at[c]) - t for c, t in phase.occurred.items() if at.get(c) is not None])
        )
    at_agencies = result.at_agencies()
    found.append(
        ("agency messages arrived", [t - phase.occurred[c] for c, t in at_agencies.items()])
    )
    found.append(("done end to end", [t - phase.occurred[c] for c, t in result.done.items()]))
    return found


# --- the raw baseline ----------------------------------------------------------------------------


class RawConsumer:
    """A plain consumer of the baseline queue that acks each message and notes when it came."""

    def __init__(self, amqp_uri: str, queue: str) -> None:
        self.amqp_uri, self.queue = amqp_uri, queue
        self.received: dict[str, float] = {}
        self.count = 0
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RawConsumer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(5)

    def wait_for(self, count: int, timeout: float = 120) -> None:
        deadline = time.time() + timeout
        while self.count < count and time.time() < deadline:
            time.sleep(0.01)

    def _run(self) -> None:
        with topology.connection(self.amqp_uri) as conn:
            channel = conn.channel()
            channel.basic_qos(0, 500, False)
            channel.basic_consume(self.queue, callback=self._on_message)
            self._ready.set()
            while not self._stop.is_set():
                with suppress(TimeoutError):
                    conn.drain_events(timeout=0.2)

    def _on_message(self, message: amqp.Message) -> None:
        self.received[message.properties.get("message_id")] = time.time()
        self.count += 1
        message.channel.basic_ack(message.delivery_tag)


def raw_baseline(amqp_uri: str, messages: int, rate: float, seconds: float) -> dict[str, Any]:
    """Raw py-amqp on the same broker: ``messages`` persistent publishes with a window of
    confirms (as the outbox relay) consumed at once; then ``rate``/s for ``seconds`` with a
    confirm each, publish-to-consume latency."""
    with topology.connection(amqp_uri) as conn:
        channel = conn.channel()
        topology.declare_exchange(channel, outbox_relay.EXCHANGE)
        channel.queue_declare(outbox_relay.QUEUE, durable=True, auto_delete=False)
        channel.queue_bind(
            outbox_relay.QUEUE, outbox_relay.EXCHANGE, routing_key=outbox_relay.ROUTING_KEY
        )
    body = outbox_relay.sample_body()
    args = argparse.Namespace(amqp_uri=amqp_uri, events=messages, window=DEFAULT_WINDOW)
    with RawConsumer(amqp_uri, outbox_relay.QUEUE) as consumer:
        started = time.time()
        outbox_relay.publish_windowed(args, body)
        consumer.wait_for(messages)
        throughput = consumer.count / (max(consumer.received.values()) - started)
        assert consumer.count == messages, f"consumed {consumer.count} of {messages}"
    sent: dict[str, float] = {}
    total = int(rate * seconds)
    with (
        RawConsumer(amqp_uri, outbox_relay.QUEUE) as consumer,
        topology.connection(amqp_uri) as conn,
    ):
        channel = conn.channel()
        started = time.time()
        for number in range(total):
            delay = started + number / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            message = outbox_relay.message(body, number)
            sent[f"bench-{number}"] = time.time()
            channel.basic_publish_confirm(
                message,
                exchange=outbox_relay.EXCHANGE,
                routing_key=outbox_relay.ROUTING_KEY,
                mandatory=True,
            )
        consumer.wait_for(total)
        latencies = [consumer.received[k] - t for k, t in sent.items() if k in consumer.received]
    return {"messages_per_second": throughput, "latencies": latencies, "latency_count": total}


# --- one run of the pipeline ---------------------------------------------------------------------


def run_pipeline(args: argparse.Namespace, amqp_uri: str, split: bool) -> dict[str, Any]:
    label = "one process per service" if split else "one process, four services (make run)"
    print(f"\n== pipeline, {label} ==", flush=True)
    fresh_databases()
    topology.declare(amqp_uri)  # ``sipmas migrate``'s second half
    latency_count = int(args.rate * args.seconds)
    households = registry_households(args.households + latency_count)
    if len(households) < args.households + latency_count:
        raise SystemExit(f"the registry holds {len(households)} households, too few")
    far_end = FarEnd(amqp_uri)
    far_end.start()
    point_agencies_here(far_end)
    env = service_env(amqp_uri, far_end)
    print(settings_line(env), flush=True)
    services = Services(SERVICES, env, CACHE / "pipeline-logs", split)
    results: dict[str, Any] = {"mode": "split" if split else "one", "phases": {}}
    try:
        services.start(amqp_uri)
        event_map = EventMap()
        first = [verified_event(h, n) for n, h in enumerate(households[: args.households], 1)]
        second = [
            verified_event(h, n)
            for n, h in enumerate(households[args.households :], args.households + 1)
        ]
        known = {str(e["correlation_id"]) for e in first + second}
        plan = (
            (Phase(f"throughput, {args.households:,} at once"), first, None),
            (Phase(f"latency, {args.rate:g}/s for {args.seconds:g} s"), second, args.rate),
        )
        for phase, envelopes, rate in plan:
            meter, wall = cpu_meter(services), time.time()
            meter.start()
            approve(envelopes, phase, rate, meter.sample)
            result = wait_until_done(phase, far_end, event_map, known, args.stall, meter)
            summary = summarise(phase, result, meter.seconds()) | {"cpu_wall": time.time() - wall}
            if rate is not None:
                summary["stages"] = {
                    name: {q: percentile(v, q) for q in (50, 95, 99)} | {"n": len(v)}
                    for name, v in stages(phase, result)
                }
            results["phases"]["throughput" if rate is None else "latency"] = summary
        recount([phase for phase, *_ in plan], results, far_end, event_map, known)
        results["deliveries"] = delivery_states()
        results["published_per_household"] = published_per_household(len(known), plan[0][0].started)
    finally:
        services.stop()
        far_end.stop()
    return results


def recount(
    phases: list[Phase],
    results: dict[str, Any],
    far_end: FarEnd,
    event_map: EventMap,
    known: set[str],
) -> None:
    """Account for every phase again with all that arrived by the end of the run, so that a
    duplicate or a stray message that came during a later phase is counted too."""
    arrivals = far_end.snapshot()
    event_map.refresh(arrivals)
    for phase, name in zip(phases, ("throughput", "latency"), strict=True):
        final = tally(phase, arrivals, event_map, known, final=True)
        results["phases"][name] |= {
            "done": len(final.done),
            "lost": dict(final.lost),
            "duplicated": dict(final.duplicated),
            "unexpected": dict(final.unexpected),
        }


def cpu_meter(services: Services) -> CpuMeter:
    """The service processes, the PostgreSQL backends of the scratch databases, and RabbitMQ
    (the whole broker: other users of this machine's broker count too)."""
    prefix = database_prefix()
    return CpuMeter(
        services.meters()
        | {
            "postgres (these databases)": lambda _, cmd, line: cmd == "postgres" and prefix in line,
            "rabbitmq (whole broker)": lambda _, cmd, line: cmd == "beam.smp",
            "this benchmark (far end)": lambda pid, *_: pid == os.getpid(),
        }
    )


def database_prefix() -> str:
    """What the scratch databases' names start with (``sipmas_bench_``)."""
    return settings.database_url("{service}").rsplit("/", 1)[1].split("{service}")[0]


def summarise(phase: Phase, result: Tally, cpu: dict[str, float]) -> dict[str, Any]:
    def rate(arrivals: list[Arrival]) -> float:
        if not arrivals:
            return 0.0
        return len(arrivals) / max(1e-9, max(a.at for a in arrivals) - phase.started)

    notifications = result.by_kind["email"] + result.by_kind["webhook"]
    done_at = max(result.done.values(), default=phase.started)
    agencies = result.at_agencies()
    agencies_at = max(agencies.values(), default=phase.started)
    return {
        "name": phase.name,
        "households": result.households,
        "done": len(result.done),
        "lost": dict(result.lost),
        "duplicated": dict(result.duplicated),
        "unexpected": dict(result.unexpected),
        "households_per_second": len(result.done) / max(1e-9, done_at - phase.started),
        "households_to_agencies_per_second": len(agencies) / max(1e-9, agencies_at - phase.started),
        "agency_messages": len(result.by_kind["agency"]),
        "agency_messages_per_second": rate(result.by_kind["agency"]),
        "notifications": len(notifications),
        "notifications_per_second": rate(notifications),
        "injected_in": phase.injected_in,
        "latency": {
            "agency message": latencies(phase, result.by_kind["agency"]),
            "notification": latencies(phase, notifications),
            "done end to end": [t - phase.occurred[c] for c, t in result.done.items()],
            "at the agencies": [t - phase.occurred[c] for c, t in agencies.items()],
        },
        "cpu_seconds": cpu,
        "elapsed": done_at - phase.started,
    }


def latencies(phase: Phase, arrivals: list[Arrival]) -> list[float]:
    return [a.at - phase.occurred[a.correlation_id] for a in arrivals]


def published_per_household(households: int, since: float) -> dict[str, float]:
    """Messages the services published (their outboxes, by routing key) per household: the
    broker's share of the work (RPC requests and replies come on top)."""
    found: dict[str, float] = {}
    for service in SERVICES:
        with db.engine(service).connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT routing_key, count(*) FROM outbox "
                    "WHERE created_at >= to_timestamp(:since) GROUP BY 1"
                ),
                {"since": since - 1},
            ).all()
        for key, count in rows:
            name = "referral.<opd>." + key.rsplit(".", 1)[1] if key.startswith("referral.") else key
            found[f"{service} {name}"] = found.get(f"{service} {name}", 0) + count / households
    return found


def delivery_states() -> dict[str, int]:
    with db.engine("notifications").connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT event_type || ' ' || channel || ' ' || state, count(*) "
                "FROM deliveries GROUP BY 1 ORDER BY 1"
            )
        ).all()
    return dict(rows)


# --- printing ------------------------------------------------------------------------------------


ROWS = (
    ("households end to end", "households_per_second", "done end to end"),
    ("households at the agencies", "households_to_agencies_per_second", "at the agencies"),
    ("agency messages", "agency_messages_per_second", "agency message"),
    ("notifications (email + webhook)", "notifications_per_second", "notification"),
)


def print_pipeline(results: dict[str, Any], raw: dict[str, Any]) -> None:
    print(f"\n-- figures ({results['mode']}) --")
    print(f"{'':36}{'per second':>11}   {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for phase in results["phases"].values():
        print(phase["name"])
        for label, key, lat in ROWS:
            values = phase["latency"][lat]
            print(
                f"  {label:<34}{phase[key]:>11,.1f}   "
                + " ".join(f"{ms(percentile(values, q)):>8}" for q in (50, 95, 99))
            )
    print("raw baseline, same broker, py-amqp")
    print(
        f"  {'publish (window of confirms)+consume':<34}{raw['messages_per_second']:>11,.0f}"
        f"   ({raw['messages']:,} persistent messages, msg/s)"
    )
    print(
        f"  {'publish→consume at ' + format(raw['rate'], 'g') + '/s':<34}{'':>11}   "
        + " ".join(f"{ms(percentile(raw['latencies'], q)):>8}" for q in (50, 95, 99))
    )
    for phase in results["phases"].values():
        print(
            f"accounting, {phase['name']}: {phase['households']:,} households, "
            f"done {phase['done']:,}; agency messages {phase['agency_messages']:,}, "
            f"notifications {phase['notifications']:,}; lost {phase['lost'] or 0}, "
            f"duplicated {phase['duplicated'] or 0}, unexpected {phase['unexpected'] or 0}"
        )
    through = results["phases"]["throughput"]
    per = {k: v / max(1, through["done"]) for k, v in through["cpu_seconds"].items()}
    print(
        f"CPU ms per household ({through['name']}, {through['cpu_wall']:.0f} s): "
        + ", ".join(f"{k} {v * 1000:.1f}" for k, v in per.items())
    )
    ours = {k: v for k, v in per.items() if k.startswith(("nameko", "postgres"))}
    services = [v for k, v in ours.items() if k.startswith("nameko")]
    if services and sum(ours.values()) > 0:
        ceiling = min(os.cpu_count() / sum(ours.values()), 1 / max(services))
        print(
            f"  so at most {ceiling:,.0f} households/s on this machine even when idle "
            f"({os.cpu_count()} cores / services + PostgreSQL; one core per process)"
        )
    latency = results["phases"].get("latency", {})
    if "stages" in latency:
        print(f"where the time goes ({latency['name']}), ms from approval, p50 / p95 / p99:")
        for name, figures in latency["stages"].items():
            print(
                f"  {name:<42}"
                + " / ".join(ms(figures[q]) for q in (50, 95, 99))
                + f"  (n={figures['n']:,})"
            )
    print("deliveries: " + ", ".join(f"{k} {v:,}" for k, v in results["deliveries"].items()))
    published = results["published_per_household"]
    total = sum(published.values())
    print(
        f"published per household: {total:.1f} persistent messages with confirms ("
        + ", ".join(f"{k} {v:.1f}" for k, v in published.items())
        + "), plus 1 RPC (request and reply); "
        f"the raw baseline's {raw['messages_per_second']:,.0f} msg/s alone would carry at most "
        f"{raw['messages_per_second'] / max(total, 1):,.0f} households/s"
    )


def print_goals(all_results: list[dict[str, Any]]) -> None:
    for results in all_results:
        through = results["phases"]["throughput"]
        latency = results["phases"]["latency"]
        p99 = percentile(latency["latency"]["done end to end"], 99)
        print(
            f"goals ({results['mode']}): >= 500 households/s end to end: "
            f"{'met' if through['households_per_second'] >= 500 else 'NOT met'} "
            f"({through['households_per_second']:,.1f}); p99 < 250 ms at 100/s "
            f"(here {latency['name'].split(', ', 1)[1]}): "
            f"{'met' if p99 < 0.25 else 'NOT met'} ({ms(p99)} ms)"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1000, help="approved all at once")
    parser.add_argument("--rate", type=float, default=100.0, help="approvals/s, latency phase")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the latency phase")
    parser.add_argument("--raw-messages", type=int, default=20_000)
    parser.add_argument(
        "--stall", type=float, default=60.0, help="give up when nothing arrives for so long"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--split", action="store_true", help="one process per service")
    mode.add_argument("--both", action="store_true", help="one process, then one per service")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--json", type=Path, help="write the figures and the accounting here")
    parser.add_argument("--amqp-uri", default=settings.amqp_uri())
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"pipeline benchmark — {machine(args.amqp_uri)}", flush=True)
    print(
        f"{args.households:,} households approved at once, then {args.rate:g}/s for "
        f"{args.seconds:g} s; each: 2 needs → 2 referrals → 2 agency messages + 2 emails + "
        "2 webhooks; databases " + settings.database_url("{service}").rsplit("/", 1)[1],
        flush=True,
    )
    with scratch_vhost(args.amqp_uri) as uri:
        raw = raw_baseline(uri, args.raw_messages, args.rate, args.seconds)
    raw |= {"rate": args.rate, "messages": args.raw_messages}
    modes = [False, True] if args.both else [args.split]
    all_results = []
    try:
        for split in modes:
            with scratch_vhost(args.amqp_uri) as uri:
                results = run_pipeline(args, uri, split)
            print_pipeline(results, raw)
            all_results.append(results)
    finally:
        if not args.keep:
            for service in SERVICES:
                db.drop_database(settings.database_url(service))
    print()
    print_goals(all_results)
    if args.json:
        args.json.write_text(json.dumps({"raw": raw, "runs": all_results}, default=_plain))
    ok = all(
        phase["done"] == phase["households"] and not phase["duplicated"] and not phase["unexpected"]
        for results in all_results
        for phase in results["phases"].values()
    )
    return 0 if ok else 1


def _plain(value: Any) -> Any:
    if isinstance(value, Counter):
        return dict(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return asdict(value) if hasattr(value, "__dataclass_fields__") else str(value)


if __name__ == "__main__":
    raise SystemExit(main())
