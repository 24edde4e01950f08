"""The services' log lines as a log collector reads them: JSON, one object per line, with the
correlation id of the event or call being handled, and never a NIK."""

from __future__ import annotations

import subprocess
import sys

from tests.integration import support_amqp as mq
from tests.observability import probe_service as probe
from tests.observability.conftest import send_rejected
from tests.observability.test_metrics import DEAD


def test_lines_carry_the_correlation_id_of_the_event_and_mask_the_nik(system, amqp_uri):
    dead_before = mq.depth(amqp_uri, DEAD)[0]
    handled = send_rejected(amqp_uri, 601, ["tidak ditemukan"])
    refused = send_rejected(amqp_uri, 602, ["refuse"])
    mq.wait_for(lambda: mq.depth(amqp_uri, DEAD)[0] == dead_before + 1, timeout=15)

    def about(event: dict) -> list[dict]:
        return [
            line for line in system.lines() if line["correlation_id"] == event["correlation_id"]
        ]

    mq.wait_for(lambda: about(handled) and len(about(refused)) >= 5)
    (line,) = about(handled)
    assert line["message"] == f"household 601 rejected, head NIK {probe.MASKED_NIK}"
    assert line["service"] == "obstest"
    assert line["logger"] == "tests.observability.probe_service"
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")

    failed = about(refused)
    errors = [entry for entry in failed if "exception" in entry]
    assert errors, failed
    for entry in errors:  # nameko's line of the failing worker, once per attempt
        assert entry["exception"]["type"] == "tests.observability.probe_service.Refused"
        assert entry["exception"]["message"] == f"household 602: NIK {probe.MASKED_NIK} refused"
    assert any(
        entry["logger"] == "sipmas.messaging" and "dead-lettered" in entry["message"]
        for entry in failed
    )
    assert probe.HEAD_NIK not in system.log.read_text()


CALL_PING = """
import sys
from nameko.standalone.rpc import ClusterRpcProxy
with ClusterRpcProxy({"AMQP_URI": sys.argv[1]}, context_data={"correlation_id": "req-7f3a"}) as rpc:
    print(rpc.obstest.ping())
"""


def test_an_rpc_call_carries_its_callers_correlation_id(system, amqp_uri):
    """Called from a process of its own: a standalone proxy's connection outlives its block."""
    called = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", CALL_PING, amqp_uri],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert called.stdout.strip() == "req-7f3a", called.stderr[-2000:]
    mq.wait_for(
        lambda: any(
            line["message"] == "pinged" and line["correlation_id"] == "req-7f3a"
            for line in system.lines()
        )
    )


def test_every_line_the_services_log_is_json(system):
    """All but Python's own warning at ``import eventlet``, printed before logging is set up."""
    lines = [line for line in system.complete_lines() if line.strip()]
    first = next(index for index, line in enumerate(lines) if line.startswith("{"))
    assert first == 0 or "EventletDeprecationWarning" in lines[0]
    logged = system.lines()
    assert len(logged) == len(lines) - first
    for entry in logged:
        assert {"time", "level", "logger", "message", "service", "correlation_id"} <= set(entry)
