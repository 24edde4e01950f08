"""``sipmas demo`` against the system as ``make run`` runs it: ``sipmas migrate``, then one
``nameko run`` process with the four services and ``sipmas sinks`` beside it, on this session's
vhost and databases of the demo's own; the day runs as a subprocess and must exit 0 with a
summary whose numbers add up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sipmas import db, reference, settings
from sipmas_cli import topology
from sipmas_cli.demo import summary
from tests.demo.ports import free_port
from tests.integration.support_amqp import wait_for
from tests.support.services import ROOT, consuming, purge_queues, system_env

SERVICES = ("registry", "verification", "referral", "notifications")


def _environment(amqp_uri: str, tmp_path: Path) -> dict[str, str]:
    """The session's vhost, databases of the demo's own, the sinks on free ports, and what
    makes a 30-household day quick (rates above the day's volume, no quiet hours)."""
    return {**os.environ, **system_env(amqp_uri, "demo", tmp_path, free_port)}


def _purge(amqp_uri: str) -> None:
    """What other tests of this session left in the vhost's queues is not the day's."""
    for service in SERVICES:
        purge_queues(amqp_uri, service)
    with topology.connection(amqp_uri) as conn:
        channel = conn.channel()
        for opd in reference.opd_codes():
            channel.queue_purge(topology.opd_queue(opd))
        for _, _, queue in topology.INBOUND:
            channel.queue_purge(queue)


def _sinks_up(env: dict[str, str]) -> bool:
    health = env["SIPMAS_SMS_GATEWAY_URL"].rsplit("/", 1)[0] + "/health"
    try:
        with urllib.request.urlopen(health, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def system(amqp_uri, tmp_path):
    env = _environment(amqp_uri, tmp_path)
    for service in SERVICES:
        url = env["SIPMAS_DATABASE_URL_TEMPLATE"].format(service=service)
        db.drop_database(settings.with_psycopg2(url))
    python = [sys.executable, "-m"]
    subprocess.run(
        [*python, "sipmas_cli", "migrate", *SERVICES],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=120,
        capture_output=True,
    )
    _purge(amqp_uri)
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("sinks", "services")}  # noqa: SIM115
    started = [
        subprocess.Popen(
            [*python, "sipmas_cli", "sinks"],
            env=env,
            cwd=ROOT,
            stdout=logs["sinks"],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [*python, "nameko", "run", "--config", "config.yaml"]
            + [f"services.{service}.service" for service in SERVICES],
            env=env,
            cwd=ROOT,
            stdout=logs["services"],
            stderr=subprocess.STDOUT,
        ),
    ]
    try:
        wait_for(
            lambda: all(consuming(amqp_uri, f"rpc-{s}") for s in SERVICES) and _sinks_up(env),
            timeout=60,
            interval=0.5,
        )
        yield env, tmp_path
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()


def _demo(env: dict[str, str], cwd: Path, *args: str, timeout: float = 150):
    return subprocess.run(
        [sys.executable, "-m", "sipmas_cli", "demo", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _table(output: str, title: str) -> list[list[str]]:
    """The rows of one summary table, cells split on runs of two or more spaces."""
    block = output.split(f"\n{title}", 1)[1].split("\n\n", 1)[0].splitlines()
    return [re.split(r"\s{2,}", line.strip()) for line in block[3:] if line.strip()]


def test_a_day_of_thirty_households_adds_up(system):
    env, tmp_path = system
    started = time.monotonic()
    day = _demo(env, tmp_path, "--households", "30", "--seed", "11", "--wait", "60")
    output = day.stdout
    assert day.returncode == 0, output[-6000:] + day.stderr[-3000:]
    assert time.monotonic() - started < 120
    for name, _ in summary.CHECKS:
        assert f"[ok] {name}" in output
    assert "The numbers add up." in output

    files = _table(output, "Files imported")
    new_households = sum(int(row[-1]) for row in files)
    assert [row[0] for row in files] == ["dtsen", "p3ke", "pmks"] and new_households > 20
    statuses = dict(_table(output, "Households per status (the day's)"))
    assert int(statuses.pop("total")) == new_households == sum(map(int, statuses.values()))
    assert {"registered", "awaiting_verification", "not_eligible"} <= set(statuses)

    referrals = {row[0]: row[1:] for row in _table(output, "Referrals per agency and state")}
    completed, *_, still_open, total = map(int, referrals["total"])
    assert completed > 0 and still_open == 0 and total >= completed

    channels = {row[0]: row[1:] for row in _table(output, "Notifications per channel and outcome")}
    sent, dead, _skipped, deferred, pending, received = map(int, channels["email"])
    assert sent > 0 and (dead, deferred, pending) == (0, 0, 0) and received == sent
    assert int(channels["webhook"][0]) == int(channels["webhook"][-1]) > 0
    kept = list((tmp_path / "sinks" / "email").glob("*.eml"))
    assert len(kept) == received  # one file per message under the sinks' directory

    extreme = _table(output, "Extreme poor per kecamatan, before (as imported) and after")
    assert extreme[-1][0] == "total"


def test_without_the_sinks_the_day_does_not_start(tmp_path):
    env = {**os.environ, "SIPMAS_SMS_GATEWAY_URL": f"http://127.0.0.1:{free_port()}/sms"}
    day = _demo(env, tmp_path, "--households", "5", timeout=60)
    assert day.returncode == 2
    assert "start them with `sipmas sinks`" in day.stdout
