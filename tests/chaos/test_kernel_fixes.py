"""What the chaos test found in the kernel (``sipmas.messaging``), each shown on its own:

- an agency's "accepted" that failed for a moment (the database was restarting) went round the
  retry queue while its "completed" was applied first and refused ("completed cannot follow
  sent"); the referral then stayed "received" for ever. A partners' queue is consumed in order
  (single active consumer, prefetch one), so a failed update is now retried in place;
- RabbitMQ restarted while a service answered an RPC (or acked an event): nameko raised the lost
  reply or ack from the worker, and the whole service exited. Now the message, never acked,
  comes again and is handled again, and the service stays up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from subprocess import Popen

import amqp
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from sipmas.messaging.dead_letters import dead_letters
from sipmas_cli import topology
from tests.chaos.proxy import Proxy
from tests.integration.support_amqp import wait_for
from tests.support.services import ROOT, consuming, stop


@pytest.fixture
def inbound(amqp_uri, tmp_path: Path):
    """The service on a queue of its own; yields (send, applied): send updates as an agency
    does (its own ``user_id``), read what was applied, in order."""
    tag = uuid.uuid4().hex[:8]
    log = tmp_path / "applied.log"
    queue = f"test.inbound-order-{tag}"
    exchange = f"test.inbound-{tag}"
    env = {
        **os.environ,
        "AMQP_URI": amqp_uri,
        "INBOUND_ORDER_EXCHANGE": exchange,
        "INBOUND_ORDER_QUEUE": queue,
        "INBOUND_ORDER_LOG": str(log),
        "SIPMAS_CONSUMER_RETRY_BASE_MS": "300",
        "SIPMAS_CONSUMER_MAX_ATTEMPTS": "3",
    }

    def send(*updates: dict) -> None:
        with topology.connection(amqp_uri) as conn:
            channel = conn.channel()
            for update in updates:
                message = amqp.Message(
                    json.dumps(update).encode(),
                    content_type="application/json",
                    message_id=f"{tag}-{update['n']}",
                    user_id="guest",
                )
                channel.basic_publish_confirm(message, exchange, "status.perkim")

    def applied(count: int) -> list[list[str]]:
        wait_for(lambda: log.exists() and len(log.read_text().splitlines()) >= count, timeout=20)
        return [line.split() for line in log.read_text().splitlines()]

    with support_service(env, tmp_path, amqp_uri, queue):
        yield send, applied, queue


@contextmanager
def support_service(
    env: dict[str, str], tmp_path: Path, amqp_uri: str, queue: str
) -> Iterator[Popen]:
    """``tests.chaos.support_service``, once it consumes ``queue`` (seen on ``amqp_uri``)."""
    output = open(tmp_path / "service.log", "w")  # noqa: SIM115
    service = subprocess.Popen(
        [sys.executable, "-m", "nameko", "run", "--config", "config.yaml"]
        + ["tests.chaos.support_service"],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: consuming(amqp_uri, queue) or service.poll() is not None, timeout=30)
        yield service
    finally:
        stop(service)
        output.close()


def test_an_update_that_fails_once_is_still_applied_before_the_next(inbound):
    send, applied, _ = inbound
    send({"n": 1, "fail_once": True}, {"n": 2}, {"n": 3})
    found = applied(3)
    assert [n for n, _ in found] == ["1", "2", "3"]
    assert {sender for _, sender in found} == {"guest"}  # who sent it survives the retry


def test_an_update_that_always_fails_is_dead_lettered_and_the_next_goes_on(inbound, amqp_uri):
    send, applied, queue = inbound
    send({"n": 1, "fail_always": True}, {"n": 2})
    assert [n for n, _ in applied(1)] == ["2"]
    dead = dead_letters(amqp_uri, queue)
    assert [(d["body"]["n"], d["attempts"]) for d in dead] == [(1, 3)]


def test_a_service_outlives_its_broker_going_away_while_it_answers(amqp_uri, tmp_path: Path):
    proxy = Proxy()  # the service reaches the broker through it; this test's client does not
    calls = tmp_path / "calls.log"
    env = {
        **os.environ,
        "AMQP_URI": f"amqp://guest:guest@127.0.0.1:{proxy.port}/{amqp_uri.rsplit('/', 1)[1]}",
        "RPC_CALLS_LOG": str(calls),
    }
    try:
        with (
            support_service(env, tmp_path, amqp_uri, "rpc-chaossupport") as service,
            ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=60) as cluster,
        ):
            reply = cluster.chaossupport.slow.call_async(7, 1.0)
            wait_for(calls.exists, timeout=10)  # the service is working on it
            proxy.cut()  # the broker goes away: the reply and the ack have nowhere to go
            time.sleep(8)  # longer than nameko's retries of the reply (3, a second apart)
            log = (tmp_path / "service.log").read_text()
            assert service.poll() is None, log[-3000:]
            assert "RPC reply lost with the broker connection" in log
            proxy.restore()
            assert reply.result() == 7  # answered when the request came again
            assert calls.read_text().split() == ["7", "7"]
            assert service.poll() is None
    finally:
        proxy.close()
