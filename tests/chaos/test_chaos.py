"""Chaos: while the households of a P3KE file flow through SIPMAS — imported, visited, decided,
referred, answered by the agencies, notified — every service process is SIGKILLed at a random
moment and started again, RabbitMQ is restarted, PostgreSQL is restarted. Afterwards nothing may
be lost, nothing applied twice, nothing left stuck (``ledger`` says exactly what each count
means); the table is printed either way.

The services run as their containers do (``nameko run --config config.yaml services.<name>.
service``, one process each, ``sipmas sinks`` as the mail server, SMS gateway and agencies'
webhook receivers), with the production settings for retries; the agencies are the demo's pika
clients (``sipmas_cli.demo.agencies``), the field the demo's verifiers and supervisor.

Replay a run: ``SIPMAS_CHAOS_SEED=<seed printed> pytest tests/chaos``. Other knobs:
``SIPMAS_CHAOS_HOUSEHOLDS`` (50), ``SIPMAS_CHAOS_INFRA=0`` (process kills only: RabbitMQ and
PostgreSQL are shared, and restarting them breaks other runs on the machine — with it on, the
test first waits for other test runs to end, up to ``SIPMAS_CHAOS_QUIET_WAIT`` seconds).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from sipmas import db, reference, settings
from sipmas_cli import synthetic, topology
from sipmas_cli.demo import agencies, imports
from sipmas_cli.demo import field as demo_field
from tests.chaos import flow, harness, ledger, readers
from tests.demo.ports import free_port
from tests.support import broker
from tests.support.services import ROOT, system_env

pytestmark = pytest.mark.slow

HOUSEHOLDS = int(os.environ.get("SIPMAS_CHAOS_HOUSEHOLDS", "50"))
INFRASTRUCTURE = os.environ.get("SIPMAS_CHAOS_INFRA", "1") != "0"
QUIET_WAIT = float(os.environ.get("SIPMAS_CHAOS_QUIET_WAIT", "1200"))
WINDOW = 40.0  # seconds of faults; the households go to the field over most of it
SETTLE_SECONDS = 150.0  # the bound on the quiet after the storm
LIVE = ("created", "sent", "received", "in_progress", "completed", "rejected")


@pytest.fixture
def vhost():
    """A vhost of the test's own: at the end, every message in it is accounted for."""
    name = f"sipmas-chaos-{uuid.uuid4().hex[:8]}"
    broker.create_vhost(name)
    yield name
    broker.delete_vhost(name)


@pytest.fixture
def seed() -> int:
    chosen = int(os.environ.get("SIPMAS_CHAOS_SEED") or random.SystemRandom().randrange(10**6))
    print(f"\nchaos: seed {chosen} (replay: SIPMAS_CHAOS_SEED={chosen}), {HOUSEHOLDS} households")
    return chosen


@pytest.fixture
def run_dir(seed) -> Path:
    """The run's files, kept after it (``var/`` is not versioned): the logs of every process's
    lives, the sinks' messages, the file. The five latest runs are kept."""
    runs = ROOT / "var" / "chaos"
    runs.mkdir(parents=True, exist_ok=True)
    for old in sorted(runs.iterdir())[:-4]:
        shutil.rmtree(old, ignore_errors=True)
    folder = runs / f"{time.strftime('%Y%m%d-%H%M%S')}-seed{seed}"
    (folder / "logs").mkdir(parents=True)
    return folder


@pytest.fixture
def system(vhost, run_dir, monkeypatch):
    tmp_path = run_dir
    if INFRASTRUCTURE:
        waited = harness.await_quiet_machine(QUIET_WAIT)
        if waited > 1:
            print(f"  chaos: waited {waited:.0f} s for other test runs", flush=True)
    amqp_uri = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    env = {
        **system_env(amqp_uri, "chaos", tmp_path, free_port),
        "SIPMAS_LOG_FORMAT": "plain",
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
    }
    template = env["SIPMAS_DATABASE_URL_TEMPLATE"]
    for name, value in env.items():  # the driver (photos, sinks' address) sees what they see
        monkeypatch.setenv(name, value)
    urls = {s: template.format(service=s) for s in ledger.SERVICES}
    for url in urls.values():
        db.drop_database(settings.with_psycopg2(url))
    subprocess.run(
        [sys.executable, "-m", "sipmas_cli", "migrate", *ledger.SERVICES],
        env=dict(os.environ),
        cwd=ROOT,
        check=True,
        timeout=180,
        capture_output=True,
    )
    agencies.load_broker_users(amqp_uri)
    logs = tmp_path / "logs"
    chaos = harness.System(amqp_uri, dict(os.environ), logs)
    try:
        chaos.start()
        yield chaos, urls, tmp_path
    finally:
        chaos.stop()
        if INFRASTRUCTURE:  # whatever happened, leave the shared broker and database running
            harness.ensure_infrastructure()
        print(f"\n  chaos: logs in {logs}")


def test_nothing_is_lost_or_applied_twice_under_chaos(system, vhost, seed):
    chaos, urls, tmp_path = system
    started = time.monotonic()
    rpc = flow.Rpc(chaos.amqp_uri)
    export = tmp_path / "p3ke.csv"
    manifest = synthetic.write_file("p3ke", HOUSEHOLDS, export, seed=seed, error_rate=0.0)
    families = ledger.file_families(export, manifest.encoding, manifest.delimiter)
    team = demo_field.register_team(rpc, imports.covered("p3ke", export, manifest))
    codes = sorted(reference.opd_codes())
    flow.agency_webhooks(rpc, codes, chaos.env["SIPMAS_SMS_GATEWAY_URL"].rsplit("/", 1)[0])
    agency_threads, agency_ledger = agencies.start_all(chaos.amqp_uri, codes, seed)
    reader = readers.Reader(chaos.gateway_url, readers.supervisor_token(dict(os.environ)), seed)
    reader.start()
    faults = harness.plan_faults(
        random.Random(seed), ledger.SERVICES, WINDOW, infrastructure=INFRASTRUCTURE
    )
    print("chaos: the monkey's plan\n" + "\n".join(f"  t={f.at:5.1f}s  {f}" for f in faults))
    monkey = harness.Monkey(chaos, faults, quiet_wait=QUIET_WAIT)
    field: flow.Field | None = None
    stopped = None  # the flow's own failure: the table is still printed
    settled = 0.0
    try:
        monkey.start()
        flow.import_file(dict(os.environ), export, tmp_path / "logs")
        households = _await_registered(urls["registry"], families)
        flow.household_contacts(rpc, list(households), seed)
        field = flow.Field(rpc, team, households, seed, window=WINDOW * 0.75)
        field.run(timeout=240)
        monkey.join(QUIET_WAIT + 300)
        settled = _await_quiet(urls, chaos.amqp_uri, vhost)
    except Exception as error:
        stopped = error
    finally:
        reads = reader.stop()
        agencies.stop_all(agency_threads)
        rpc.close()
    time.sleep(6)  # the management API's queue figures trail by its 5 s statistics interval
    facts = ledger.Facts(
        families=families,
        outcomes=field.expected_outcomes() if field else {},
        scenarios={h: v.scenario for h, v in field.visits.items()} if field else {},
        agencies=agency_ledger,
        sinks=ledger.read_sinks(tmp_path / "sinks"),
        db=ledger.read_databases(urls),
        reads=reads,
    )
    facts.queues, facts.orphaned_replies = ledger.queue_depths(vhost)
    rows, left = ledger.rows(facts), ledger.stuck(facts)
    took = time.monotonic() - started
    print(
        "\n"
        + ledger.render(
            rows,
            left,
            f"chaos: seed {seed}, {HOUSEHOLDS} households, {took:.0f} s "
            f"(quiet {settled:.0f} s after the last fault), {rpc.retries} RPC retries, "
            f"{agency_ledger.reconnects} agency reconnects",
            facts.orphaned_replies,
        )
    )
    print("chaos: what the monkey did\n" + "\n".join(monkey.log))
    chain = _audit_verify()
    print(f"chaos: sipmas audit verify: {chain.stdout.strip()}{chain.stderr.strip()}")
    if stopped is not None:
        raise stopped
    assert not monkey.errors, monkey.errors
    assert monkey.done == len(faults) and all(
        p.lives >= 2 for n, p in chaos.processes.items() if n != "sinks"
    )
    assert not chaos.exits, "processes died on their own:\n" + "\n\n".join(chaos.exits)
    assert all(r.expected > 0 for r in rows), [(r.name, r.expected) for r in rows]
    assert [r.name for r in rows if not r.clean] == [], "see the table above"
    assert left == [], left
    assert chain.returncode == 0, "the audit chain broke"


def _audit_verify() -> subprocess.CompletedProcess:
    """``sipmas audit verify`` on the run's gateway database, as an auditor runs it."""
    return subprocess.run(
        [sys.executable, "-m", "sipmas_cli", "audit", "verify"],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _await_registered(url: str, families: dict[int, int | None]) -> dict[int, str | None]:
    """The file's households as the registry numbered them: id -> kecamatan code."""
    deadline = time.monotonic() + 120
    while True:
        try:
            rows = ledger.query(url, "SELECT id, no_kk, kecamatan_code FROM households")
        except sa.exc.OperationalError:  # the database is being restarted
            rows = []
        found = {r.id: r.kecamatan_code for r in rows if r.no_kk in families}
        if len(found) >= len(families) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def _await_quiet(urls: dict[str, str], amqp_uri: str, vhost: str) -> float:
    """Until three looks in a row a second apart find nothing in flight: no unpublished outbox
    row, no pending delivery, no live referral or open case, no message in any queue. Returns
    the seconds it took; at the bound, returns anyway (the ledger then says what is left)."""
    started = time.monotonic()
    quiet = 0
    while quiet < 3 and time.monotonic() - started < SETTLE_SECONDS:
        try:
            busy = _in_flight(urls, amqp_uri, vhost)
        except Exception as error:  # a restart still settling
            busy = [repr(error)]
        quiet = 0 if busy else quiet + 1
        time.sleep(1)
    return time.monotonic() - started


def _in_flight(urls: dict[str, str], amqp_uri: str, vhost: str) -> list[str]:
    busy = []
    checks = {service: "SELECT count(*) FROM outbox WHERE published_at IS NULL" for service in urls}
    checks["notifications "] = "SELECT count(*) FROM deliveries WHERE state = 'pending'"
    live = ", ".join(f"'{s}'" for s in LIVE)
    checks["referral "] = (
        f"SELECT (SELECT count(*) FROM referrals WHERE state IN ({live})) + "
        "(SELECT count(*) FROM cases WHERE state <> 'resolved')"
    )
    for name, sql in checks.items():
        engine = sa.create_engine(settings.with_psycopg2(urls[name.strip()]), poolclass=NullPool)
        try:
            with engine.connect() as conn:
                if conn.scalar(sa.text(sql)):
                    busy.append(name)
        finally:
            engine.dispose()
    with topology.connection(amqp_uri) as conn:
        for queue in broker.queues(vhost):
            if ledger.orphaned_reply(queue) or queue["name"].endswith(".dead"):
                continue  # nothing will take them: the ledger counts them as stuck
            channel = conn.channel()
            try:
                _, ready, _ = channel.queue_declare(queue["name"], passive=True)
            except Exception:  # gone since listed (a reply queue)
                continue
            finally:
                if channel.is_open:
                    channel.close()
            if ready:
                busy.append(queue["name"])
    return busy
