"""What the benchmarks share: the machine line, a scratch RabbitMQ vhost, the services run as
``make run`` runs them, CPU seconds per process, percentiles.

Scratch resources are named ``sipmas-bench-<random>`` and removed on exit, so a benchmark never
touches the broker state or the databases of ``make run`` or of a test session.
"""

from __future__ import annotations

import base64
import json
import math
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.outbox_relay import cpu_model
from sipmas_cli import topology

ROOT = Path(__file__).resolve().parents[1]
API = os.environ.get("RABBIT_API_URI", "http://127.0.0.1:15672/api")
API_AUTH = os.environ.get("RABBIT_API_AUTH", "guest:guest")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine(amqp_uri: str) -> str:
    """CPU, cores, Python, RabbitMQ and PostgreSQL versions: the line every figure goes with."""
    with topology.connection(amqp_uri) as conn:
        rabbit = conn.server_properties.get("version", "?")
        if isinstance(rabbit, bytes):
            rabbit = rabbit.decode()
    return (
        f"{cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"RabbitMQ {rabbit}; PostgreSQL {postgres_version()}"
    )


def postgres_version() -> str:
    import sqlalchemy as sa

    from sipmas import settings

    engine = sa.create_engine(settings.database_url("postgres").rsplit("/", 1)[0] + "/postgres")
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SHOW server_version")).split()[0]
    except Exception:  # the version is decoration; the benchmark itself will say what fails
        return "?"
    finally:
        engine.dispose()


# --- a scratch vhost ----------------------------------------------------------------------------


def _api(method: str, path: str, body: Any = None) -> None:
    request = urllib.request.Request(
        f"{API}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": "Basic " + base64.b64encode(API_AUTH.encode()).decode(),
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30):
        pass


@contextmanager
def scratch_vhost(amqp_uri: str) -> Iterator[str]:
    """A fresh vhost (guest may do anything in it), deleted with everything in it on exit;
    yields ``amqp_uri`` pointed at it."""
    vhost = f"sipmas-bench-{uuid.uuid4().hex[:8]}"
    quoted = urllib.parse.quote(vhost, safe="")
    user = urllib.parse.urlsplit(amqp_uri).username or "guest"
    _api("PUT", f"/vhosts/{quoted}", {})
    _api("PUT", f"/permissions/{quoted}/{user}", {"configure": ".*", "write": ".*", "read": ".*"})
    base = amqp_uri.split("//", 1)[1].split("/", 1)[0]
    try:
        yield f"{amqp_uri.split('//', 1)[0]}//{base}/{vhost}"
    finally:
        try:
            _api("DELETE", f"/vhosts/{quoted}")
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the services, as ``make run`` runs them ----------------------------------------------------


class Services:
    """``nameko run --config config.yaml services.<a>.service ...`` in one process (``make
    run``), or one process per service (``split``: as the containers run them)."""

    def __init__(self, names: Sequence[str], env: dict[str, str], log_dir: Path, split: bool):
        self.names = list(names)
        self.env = env
        self.log_dir = log_dir
        self.groups = [[name] for name in names] if split else [list(names)]
        self.processes: dict[str, subprocess.Popen] = {}
        self._logs: list[Any] = []

    def start(self, amqp_uri: str, timeout: float = 60) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for group in self.groups:
            label = "+".join(group)
            log = open(self.log_dir / f"{label}.log", "w")  # noqa: SIM115
            self._logs.append(log)
            self.processes[label] = subprocess.Popen(
                [sys.executable, "-m", "nameko", "run", "--config", "config.yaml"]
                + [f"services.{name}.service" for name in group],
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        for name in self.names:
            while not consuming(amqp_uri, f"rpc-{name}"):
                dead = [label for label, p in self.processes.items() if p.poll() is not None]
                if dead or time.monotonic() > deadline:
                    self.stop()
                    logs = "\n".join(
                        (self.log_dir / f"{label}.log").read_text()[-3000:] for label in dead
                    )
                    raise RuntimeError(f"services did not start ({dead or name}):\n{logs}")
                time.sleep(0.1)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self._logs:
            log.close()
        self._logs.clear()

    def meters(self) -> dict[str, Matcher]:
        """One :class:`CpuMeter` group per service process."""
        return {
            f"nameko {label}": (lambda pid, *_, p=process: pid == p.pid)
            for label, process in self.processes.items()
        }


def consuming(amqp_uri: str, queue: str) -> bool:
    try:
        with topology.connection(amqp_uri) as conn:
            return conn.channel().queue_declare(queue, passive=True)[2] > 0
    except Exception:  # not declared yet
        return False


# --- CPU seconds --------------------------------------------------------------------------------


Matcher = Callable[[int, str, str], bool]  # (pid, command, command line) -> counted?


class CpuMeter:
    """CPU seconds (user + system) of groups of processes over a window. Sampled often (call
    :meth:`sample`), so a process that ends inside the window — a database backend its pool
    closed — keeps what it had used by the last sample."""

    def __init__(self, groups: dict[str, Matcher]) -> None:
        self.groups = groups
        self._base: dict[str, dict[int, float]] = {}
        self._last: dict[str, dict[int, float]] = {}

    def start(self) -> None:
        self._base = self._read()
        self._last = {name: dict(pids) for name, pids in self._base.items()}

    def sample(self) -> None:
        for name, pids in self._read().items():
            self._last[name].update(pids)

    def seconds(self) -> dict[str, float]:
        self.sample()
        return {
            name: sum(cpu - self._base[name].get(pid, 0.0) for pid, cpu in pids.items())
            for name, pids in self._last.items()
        }

    def _read(self) -> dict[str, dict[int, float]]:
        found: dict[str, dict[int, float]] = {name: {} for name in self.groups}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            pid, command = int(entry.name), stat[stat.index("(") + 1 : stat.rindex(")")]
            for name, matches in self.groups.items():
                if matches(pid, command, cmdline):
                    fields = stat.rsplit(")", 1)[1].split()
                    found[name][pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        return found


# --- figures ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of ``values``; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return "—" if math.isnan(seconds) else f"{seconds * 1000:,.0f}"
