"""``deploy/healthcheck.py``'s view of the processes and sockets of a container."""

from __future__ import annotations

import importlib.util
import os
import socket
from pathlib import Path

import pytest

from tests.deploy.support import ROOT

spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "deploy" / "healthcheck.py")
healthcheck = importlib.util.module_from_spec(spec)
spec.loader.exec_module(healthcheck)


def fake_proc(tmp_path: Path, *commands: list[str]) -> Path:
    for pid, argv in enumerate(commands, start=1):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (tmp_path / "self").mkdir()  # not a pid: ignored
    return tmp_path


NAMEKO = ["/opt/venv/bin/python", "/opt/venv/bin/nameko", "run", "--config", "config.yaml"]


def test_a_bare_healthcheck_finds_the_service_its_container_runs(tmp_path):
    proc = fake_proc(
        tmp_path,
        ["/sbin/docker-init", "--", "/app/deploy/entrypoint.sh", "referral"],
        [*NAMEKO, "services.referral.service"],
    )
    assert healthcheck.service_in_container(proc) == "referral"
    assert healthcheck.service_processes("referral", proc) == [2]
    assert healthcheck.service_processes("registry", proc) == []


@pytest.mark.parametrize(
    "commands",
    [
        [["/bin/sh"]],
        [[*NAMEKO, "services.registry.service"], [*NAMEKO, "services.gateway.service"]],
    ],
    ids=["none", "two"],
)
def test_a_bare_healthcheck_refuses_to_guess(tmp_path, commands):
    with pytest.raises(healthcheck.Unhealthy, match="cannot tell which service"):
        healthcheck.service_in_container(fake_proc(tmp_path, *commands))


def test_a_process_holding_a_broker_connection_is_seen_and_one_without_is_not():
    with socket.create_server(("127.0.0.1", 0)) as broker:  # a port nothing else talks to
        port = broker.getsockname()[1]
        assert not healthcheck.holds_broker_connection(os.getpid(), port)
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            assert healthcheck.holds_broker_connection(os.getpid(), port)
        assert not healthcheck.holds_broker_connection(os.getpid(), port)
