"""``sipmas health SERVICE`` as a container probe runs it: exit 0 when the service is well,
1 naming the failing check — a wrong database, a service that is not running, a relay behind."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
import uuid

import pytest
import sqlalchemy as sa

from sipmas_cli import topology
from tests.integration import support_amqp as mq
from tests.observability import probe_service as probe
from tests.observability.conftest import nameko_run, sipmas
from tests.support import broker


def test_a_running_service_is_healthy(system):
    for service in (probe.SERVICE, "referral"):
        result = sipmas("health", service)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith(f"{service}: healthy")

    found = json.loads(sipmas("health", probe.SERVICE, "--json").stdout)
    assert found["healthy"] is True and found["failing"] == []
    checks = found["checks"]
    assert checks["database"]["ok"] and checks["broker"]["ok"]
    assert checks["alive"] == {"ok": True, "queue": "rpc-obstest", "consumers": 1}
    assert checks["outbox"]["ok"] and checks["outbox"]["lag_seconds"] < 60

    referral = json.loads(sipmas("health", "referral", "--json").stdout)["checks"]
    assert set(referral["dead_letters"]["queues"]) == {  # as sipmas.topology declares them
        "evt-verification-household_verified--referral.on_household_verified.dead",
        "referral.opd-inbound.dead",
    }


def test_a_wrong_database_url_fails_naming_the_database(system):
    wrong = "postgresql://postgres@127.0.0.1:5432/sipmas_h5_no_such_database"
    result = sipmas("health", probe.SERVICE, OBSTEST_DATABASE_URL=wrong)

    assert result.returncode == 1
    assert result.stdout.startswith("obstest: UNHEALTHY (database)")
    assert "sipmas_h5_no_such_database" in result.stdout  # says which database it could not reach


def test_a_stopped_service_fails_naming_alive(amqp_uri, probe_db, tmp_path):
    """On a broker of its own (vhost), so the module's running probe service is not counted."""
    vhost = f"sipmas-test-alive-{uuid.uuid4().hex[:8]}"
    broker.create_vhost(vhost)
    own_uri = amqp_uri.rsplit("/", 1)[0] + f"/{vhost}"
    try:
        topology.declare(own_uri, probe.CONSUMERS)
        never = sipmas("health", probe.SERVICE, AMQP_URI=own_uri)
        assert never.returncode == 1 and "alive" in never.stdout.splitlines()[0]

        module = ("tests.observability.probe_service",)
        with nameko_run(module, own_uri, tmp_path / "alone.log", SIPMAS_METRICS_PORT="0"):
            assert sipmas("health", probe.SERVICE, AMQP_URI=own_uri).returncode == 0

        stopped = sipmas("health", probe.SERVICE, AMQP_URI=own_uri)
        assert stopped.returncode == 1
        assert stopped.stdout.startswith("obstest: UNHEALTHY (alive)")
        assert "no consumer on rpc-obstest" in stopped.stdout
    finally:
        broker.delete_vhost(vhost)


def test_outbox_lag_is_reported_while_the_relay_is_behind_and_clears(system, probe_db):
    """An event written five minutes ago and still unpublished (the relay cannot take it: a
    transaction holds its row) makes the service unhealthy, naming the outbox; once released,
    the relay publishes it and the service is well again."""
    with probe_db.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO outbox (event_id, exchange, routing_key, body, created_at) "
                "VALUES (:e, 'obstest.events', 'lag_probe', '{}', now() - interval '5 minutes')"
            ),
            {"e": str(uuid.uuid4())},
        )
    holder = probe_db.connect()
    holding = holder.begin()
    holder.execute(sa.text("SELECT id FROM outbox WHERE published_at IS NULL FOR UPDATE"))
    try:
        result = sipmas("health", probe.SERVICE, "--json")
        found = json.loads(result.stdout)
        assert result.returncode == 1
        assert found["failing"] == ["outbox"]
        outbox = found["checks"]["outbox"]
        assert outbox["unpublished"] == 1 and 290 < outbox["lag_seconds"] < 400
        assert "limit 60 s" in outbox["error"]

        samples = system.scrape()
        assert samples[("sipmas_outbox_lag_seconds", (("service", "obstest"),))] > 290
        assert samples[("sipmas_outbox_unpublished", (("service", "obstest"),))] == 1
        assert samples[("sipmas_health_ok", (("check", "outbox"), ("service", "obstest")))] == 0

        with pytest.raises(urllib.error.HTTPError) as refused:  # the pod's own probe: 503
            urllib.request.urlopen(f"http://127.0.0.1:{system.metrics_port}/health", timeout=10)
        assert refused.value.code == 503
        assert json.loads(refused.value.read())["services"]["referral"]["healthy"] is True
    finally:
        holding.rollback()
        holder.close()

    mq.wait_for(lambda: sipmas("health", probe.SERVICE).returncode == 0, timeout=20)
    with urllib.request.urlopen(f"http://127.0.0.1:{system.metrics_port}/health") as answer:
        assert json.loads(answer.read())["healthy"] is True


def test_a_broker_that_never_answers_fails_within_the_timeout(system):
    """A broker that accepts the connection and says nothing (hung, or a wrong port): the probe
    must answer in time, naming the broker, not hang until Kubernetes kills it."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)  # the kernel completes the TCP handshake; nobody ever speaks AMQP
        uri = f"amqp://guest:guest@127.0.0.1:{silent.getsockname()[1]}/"
        started = time.monotonic()
        result = sipmas("health", probe.SERVICE, AMQP_URI=uri, SIPMAS_HEALTH_TIMEOUT_SECONDS="1")
        took = time.monotonic() - started

    assert result.returncode == 1
    assert result.stdout.startswith("obstest: UNHEALTHY (broker)")
    assert "no answer within 1 s" in result.stdout
    assert took < 15
