"""Services run as their containers run them: ``nameko run services.<name>.service``, in a
process of their own, against this test session's vhost and databases."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sipmas_cli import topology
from tests.integration.support_amqp import depth, wait_for

ROOT = Path(__file__).resolve().parents[2]
FAST_RETRIES = {"SIPMAS_CONSUMER_MAX_ATTEMPTS": "2", "SIPMAS_CONSUMER_RETRY_BASE_MS": "50"}


@contextmanager
def running(name: str, amqp_uri: str, log_path: Path, **env: str) -> Iterator[subprocess.Popen]:
    """Start service ``name`` and wait until it consumes its RPC queue; stop it on exit."""
    with started(name, amqp_uri, log_path, **env) as process:
        wait_ready(name, amqp_uri, process, log_path)
        yield process


@contextmanager
def started(name: str, amqp_uri: str, log_path: Path, **env: str) -> Iterator[subprocess.Popen]:
    """Start service ``name`` without waiting for it (start several, then ``wait_ready`` each:
    they boot in parallel); stop it on exit."""
    topology.declare(amqp_uri)
    purge_queues(amqp_uri, name)  # events other tests left in this session's vhost
    log = open(log_path, "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "nameko", "run", "--config", "config.yaml"]
        + [f"services.{name}.service"],
        cwd=ROOT,
        env={**os.environ, "AMQP_URI": amqp_uri, **FAST_RETRIES, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        stop(process, 10)
        log.close()


def system_env(amqp_uri: str, tag: str, tmp_path: Path, free_port) -> dict[str, str]:
    """What a whole-system test runs every service with: the vhost, databases of its own
    (``sipmas_<tag>_<service>``), the sinks on free ports, photos and sinks under ``tmp_path``,
    and rates above a test day's volume with no quiet hours."""
    template = os.environ["SIPMAS_DATABASE_URL_TEMPLATE"].replace("{service}", f"{tag}_{{service}}")
    return {
        "AMQP_URI": amqp_uri,
        "SIPMAS_DATABASE_URL_TEMPLATE": template,
        "SIPMAS_SMTP_PORT": str(free_port()),
        "SIPMAS_SMS_GATEWAY_URL": f"http://127.0.0.1:{free_port()}/sms",
        "SIPMAS_SINKS_DIR": str(tmp_path / "sinks"),
        "SIPMAS_EVIDENCE_ROOT": str(tmp_path / "evidence"),
        "SIPMAS_NOTIFY_RATE_EMAIL_PER_MINUTE": "6000",
        "SIPMAS_NOTIFY_RATE_SMS_PER_MINUTE": "6000",
        "SIPMAS_SMS_QUIET_HOURS": "",
    }


def wait_ready(name: str, amqp_uri: str, process: subprocess.Popen, log_path: Path) -> None:
    """Until service ``name`` consumes its RPC queue; fails with its log if it died."""
    wait_for(lambda: consuming(amqp_uri, f"rpc-{name}") or process.poll() is not None, timeout=30)
    assert process.poll() is None, log_path.read_text()


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM, as a container's stop does; SIGKILL if it has not ended within ``timeout``."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def stop_together(processes: list[subprocess.Popen]) -> None:
    """Ask every process to stop at once (each still waited for by its own ``started``)."""
    for process in processes:
        if process.poll() is None:
            process.terminate()


def consuming(amqp_uri: str, queue: str) -> bool:
    try:
        return depth(amqp_uri, queue)[1] > 0
    except Exception:  # the queue is not declared yet
        return False


def purge_queues(amqp_uri: str, service: str) -> None:
    """Empty ``service``'s consumer queues and their retry and dead-letter queues."""
    with topology.connection(amqp_uri) as conn:
        channel = conn.channel()
        for producer, event_type, consumer, method in topology.CONSUMERS:
            if consumer == service:
                queue = topology.consumer_queue(producer, event_type, consumer, method)
                for name in (queue, topology.retry_queue(queue), topology.dead_queue(queue)):
                    channel.queue_purge(name)
