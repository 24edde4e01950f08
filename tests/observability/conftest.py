"""One process running two observed services, as ``make run`` runs them: the probe service
(its own scratch database) and the referral service (its database migrated as
``sipmas migrate referral`` does), one metrics endpoint for both."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine

from sipmas import db, events, settings
from sipmas_cli import topology
from sipmas_cli.system import migrate
from tests.integration import support_amqp as mq
from tests.integration.support_db import scratch_database
from tests.observability import probe_service as probe
from tests.support.services import FAST_RETRIES, consuming, purge_queues, stop

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("tests.observability.probe_service", "tests.observability.referral_observed")


@dataclass
class Running:
    process: subprocess.Popen
    log: Path
    metrics_port: int

    def lines(self) -> list[dict]:
        """The JSON log lines written so far (eventlet's import-time warning is not logging)."""
        return [json.loads(line) for line in self.complete_lines() if line.startswith("{")]

    def complete_lines(self) -> list[str]:
        """The log's lines, without one the service is still writing."""
        text = self.log.read_text()
        return text[: text.rfind("\n") + 1].splitlines()

    def scrape(self) -> dict[tuple[str, tuple], float]:
        """``/metrics`` over HTTP: {(sample name, sorted labels): value}."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def nameko_run(
    modules: tuple[str, ...], amqp_uri: str, log: Path, **env: str
) -> Iterator[subprocess.Popen]:
    """``nameko run`` the modules (as the containers and ``make run`` do) until each module's
    service consumes its RPC queue; SIGTERM on exit, and it must stop cleanly."""
    out = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "nameko", "run", "--config", "config.yaml", *modules],
        cwd=ROOT,
        env={**os.environ, "AMQP_URI": amqp_uri, **FAST_RETRIES, **env},
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    names = [probe.SERVICE if "probe" in module else "referral" for module in modules]
    try:
        mq.wait_for(
            lambda: (
                all(consuming(amqp_uri, f"rpc-{name}") for name in names)
                or process.poll() is not None
            ),
            timeout=30,
        )
        assert process.poll() is None, log.read_text()[-3000:]
        yield process
    finally:
        stop(process, 20)
        out.close()
    assert process.returncode == 0, log.read_text()[-3000:]  # stopped cleanly, metrics and all


@pytest.fixture(scope="module")
def probe_db() -> Iterator[Engine]:
    with scratch_database(probe.SERVICE) as engine:
        yield engine


@pytest.fixture(scope="module")
def referral_db() -> Iterator[Engine]:
    """The referral database as ``sipmas migrate referral`` leaves it (this run's template)."""
    url = settings.database_url("referral")
    db.drop_database(url)
    migrate("referral")
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def system(amqp_uri, probe_db, referral_db, tmp_path_factory) -> Iterator[Running]:
    topology.declare(amqp_uri)
    topology.declare(amqp_uri, probe.CONSUMERS)
    purge_queues(amqp_uri, "referral")
    log = tmp_path_factory.mktemp("observability") / "services.log"
    port = free_port()
    env = {
        "SIPMAS_METRICS_PORT": str(port),
        "SIPMAS_METRICS_ADDRESS": "127.0.0.1",
        "SIPMAS_LOG_FORMAT": "json",
        "SIPMAS_TIMER_REFERRAL_ESCALATION_SECONDS": "3600",  # the clock stays out of the way
    }
    with nameko_run(MODULES, amqp_uri, log, **env) as process:
        running = Running(process, log, port)
        mq.wait_for(lambda: _answers(port), timeout=10)
        yield running


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def send_rejected(amqp_uri: str, household_id: int, reasons: list[str]) -> dict:
    """A ``household_rejected`` event as the verification service's relay publishes it."""
    event = events.envelope(
        "household_rejected", {"household_id": household_id, "reasons": reasons}
    )
    mq.publish(
        amqp_uri,
        "verification.events",
        "household_rejected",
        event,
        message_id=event["event_id"],
        headers={"event_type": "household_rejected", "correlation_id": event["correlation_id"]},
    )
    return event


def sipmas(*args: str, **env: str) -> subprocess.CompletedProcess:
    """The ``sipmas`` command as a probe execs it."""
    return subprocess.run(
        [sys.executable, "-m", "sipmas_cli", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
