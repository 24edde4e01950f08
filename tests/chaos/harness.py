"""The chaos test's machinery: SIPMAS as its containers run it — one ``nameko run`` process per
service and ``sipmas sinks`` beside them — with processes that can be killed and started again,
the shared RabbitMQ and PostgreSQL restarted, and the monkey that does it at seeded moments.

Every process is watched like a container with a restart policy: one that exits without being
killed on purpose is started again and *recorded* (``System.exits``) — the test fails on it, a
service must survive its broker and its database going away.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.support.services import ROOT, consuming

SERVICES = ("registry", "verification", "referral", "notifications", "gateway")
READY_SECONDS = 90.0
OTHER_RUNS = re.compile(r"pytest|benchmarks")


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Managed:
    """One process of the system, started again with the same command and environment after a
    kill; its output is appended to one log across its lives."""

    def __init__(
        self, name: str, argv: list[str], env: dict[str, str], log: Path, ready: Callable
    ) -> None:
        self.lock = threading.Lock()  # a start and the final stop never cross
        self.ended = False
        self.name = name
        self.argv = argv
        self.env = env
        self.log = log
        self.is_ready = ready
        self.process: subprocess.Popen | None = None
        self.down = False  # killed on purpose, not yet started again
        self.lives = 0

    def start(self) -> None:
        with self.lock:
            if not self.ended:
                self._start()

    def _start(self) -> None:
        with open(self.log, "a") as out:
            out.write(f"\n===== {self.name}: life {self.lives + 1} at {time.time():.3f} =====\n")
            out.flush()
            self.process = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self.lives += 1
        self.down = False

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, as a crash or an OOM kill."""
        self.down = True
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        with self.lock:
            self.ended = self.down = True
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def wait_ready(self, timeout: float = READY_SECONDS) -> float:
        """Seconds until it serves (its RPC queue consumed, the sinks' health answering)."""
        started = time.monotonic()
        while not self.is_ready():
            if self.exited() is not None:
                raise RuntimeError(f"{self.name} exited: {log_tail(self.log)}")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s")
            time.sleep(0.2)
        return time.monotonic() - started


class System:
    """The five services and the sinks, on the test's vhost and databases; the gateway at
    ``WEB_SERVER_ADDRESS`` of ``env``."""

    def __init__(self, amqp_uri: str, env: dict[str, str], logs: Path) -> None:
        self.amqp_uri = amqp_uri
        self.env = env
        python = [sys.executable, "-m"]
        self.processes: dict[str, Managed] = {
            "sinks": Managed(
                "sinks", [*python, "sipmas_cli", "sinks"], env, logs / "sinks.log", self._sinks_up
            )
        }
        for name in SERVICES:
            self.processes[name] = Managed(
                name,
                [*python, "nameko", "run", "--config", "config.yaml", f"services.{name}.service"],
                env,
                logs / f"{name}.log",
                lambda name=name: (
                    consuming(amqp_uri, f"rpc-{name}")
                    and (name != "gateway" or self._answers(f"{self.gateway_url}/health"))
                ),
            )
        self.exits: list[str] = []  # processes that ended without being killed on purpose
        self.stopping = threading.Event()  # the run is over: nothing is started again
        self._watching = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def gateway_url(self) -> str:
        return f"http://{self.env['WEB_SERVER_ADDRESS']}"

    def _sinks_up(self) -> bool:
        return self._answers(self.env["SIPMAS_SMS_GATEWAY_URL"].rsplit("/", 1)[0] + "/health")

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except OSError:
            return False

    def start(self) -> None:
        for process in self.processes.values():
            process.start()
        for process in self.processes.values():
            process.wait_ready()
        self._watching.set()
        self._watcher = threading.Thread(target=self._watch, name="chaos-watcher", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        self.stopping.set()
        self._watching.clear()
        if self._watcher is not None:
            self._watcher.join(5)
        for process in self.processes.values():
            process.stop()

    def ready(self) -> bool:
        return all(p.is_ready() for p in self.processes.values())

    def _watch(self) -> None:
        """A restart policy: a process that died on its own is recorded and started again."""
        while self._watching.is_set():
            for process in self.processes.values():
                code = process.exited()
                if code is not None and not process.down and self._watching.is_set():
                    self.exits.append(
                        f"{process.name} exited with {code} (life {process.lives}):\n"
                        f"{log_tail(process.log)}"
                    )
                    process.start()
            time.sleep(0.5)


# --- the shared broker and database ---------------------------------------------------------------


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _ancestry(pid: int) -> list[int]:
    chain = []
    while pid > 1:
        chain.append(pid)
        pid = _parent(pid)
    return chain


def other_test_runs() -> list[str]:
    """Test runs and benchmarks of others on this machine (``pgrep -af "pytest|benchmarks"``
    minus this run, its ancestors and its children): restarting the shared broker or database
    would break them."""
    me = os.getpid()
    mine = set(_ancestry(me))
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        if command and OTHER_RUNS.search(command) and me not in _ancestry(int(entry.name)):
            found.append(f"{entry.name} {command[:160]}")
    return found


def await_quiet_machine(timeout: float, poll: float = 30.0) -> float:
    """Wait until no other test run is active; returns the seconds waited, fails at ``timeout``."""
    started = time.monotonic()
    while True:
        others = other_test_runs()
        if not others:
            return time.monotonic() - started
        waited = time.monotonic() - started
        if waited > timeout:
            raise RuntimeError(
                "other test runs use the shared broker and database, which this test restarts; "
                f"still active after {waited:.0f} s:\n" + "\n".join(others)
            )
        print(f"  chaos: waiting for other test runs to end ({len(others)} active)", flush=True)
        time.sleep(poll)


def _run(*argv: str, timeout: float = 120) -> None:
    subprocess.run(argv, check=True, timeout=timeout, capture_output=True)


def restart_rabbitmq() -> None:
    """Stop and start the broker's application: the node, durable queues and persistent messages
    stay; every connection is cut. It is started again whatever happens."""
    try:
        _run("rabbitmqctl", "stop_app")
    finally:
        _run("rabbitmqctl", "start_app")
        _run("rabbitmqctl", "await_startup")


def _postgres_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[0]


def postgres_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], timeout=10).returncode == 0


def restart_postgresql() -> None:
    """A fast restart (open transactions roll back, every connection is cut), waited for; the
    cluster is started again whatever happens."""
    cluster = ("pg_ctlcluster", "--skip-systemctl-redirect", _postgres_version(), "main")
    try:
        _run(*cluster, "restart", "-m", "fast")
    finally:
        deadline = time.monotonic() + 60
        while not postgres_ready():
            if time.monotonic() > deadline:
                _run(*cluster, "start")
                break
            time.sleep(0.2)


def ensure_infrastructure() -> None:
    """Leave the broker's application and the database cluster running, whatever happened."""
    _run("rabbitmqctl", "start_app")  # a no-op when it runs
    _run("rabbitmqctl", "await_startup")
    if not postgres_ready():
        _run("pg_ctlcluster", "--skip-systemctl-redirect", _postgres_version(), "main", "start")


# --- the monkey -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    at: float  # seconds after the monkey starts
    kind: str  # kill | rabbitmq | postgresql
    target: str = ""
    down: float = 0.0  # a killed process stays down this long

    def __str__(self) -> str:
        if self.kind == "kill":
            return f"SIGKILL {self.target}, restart after {self.down:.1f} s"
        return f"restart {self.kind}"


def plan_faults(
    rnd: random.Random, services: tuple[str, ...], window: float, infrastructure: bool = True
) -> list[Fault]:
    """Each service killed once at a random moment of the window, down 0.5-3 s; the broker and
    the database restarted once each, at least a fifth of the window apart."""
    faults = [
        Fault(
            round(rnd.uniform(0.05, 0.95) * window, 2), "kill", name, round(rnd.uniform(0.5, 3), 2)
        )
        for name in services
    ]
    if infrastructure:
        broker = rnd.uniform(0.2, 0.8) * window
        database = broker
        while abs(database - broker) < window / 5:
            database = rnd.uniform(0.2, 0.8) * window
        faults += [Fault(round(broker, 2), "rabbitmq"), Fault(round(database, 2), "postgresql")]
    return sorted(faults, key=lambda f: f.at)


class Monkey(threading.Thread):
    """Carries out the faults, in order, each at its moment (or as soon as the previous one is
    over); waits until the system serves again after each, and keeps a log of what it did."""

    def __init__(self, system: System, faults: list[Fault], quiet_wait: float = 1200.0) -> None:
        super().__init__(name="chaos-monkey", daemon=True)
        self.system = system
        self.faults = faults
        self.quiet_wait = quiet_wait
        self.log: list[str] = []
        self.errors: list[str] = []
        self.done = 0
        self.started_at = time.monotonic()

    def run(self) -> None:
        self.started_at = time.monotonic()
        for fault in self.faults:
            delay = fault.at - (time.monotonic() - self.started_at)
            if self.system.stopping.wait(max(0.0, delay)):
                return  # the test ended early (it failed): leave the processes alone
            try:
                self._carry_out(fault)
                self.done += 1
            except Exception as error:  # the test reports it; the next faults still happen
                self.errors.append(f"{fault}: {type(error).__name__}: {error}")

    def _carry_out(self, fault: Fault) -> None:
        at = time.monotonic() - self.started_at
        if fault.kind == "kill":
            process = self.system.processes[fault.target]
            pid = process.process.pid if process.process else None
            process.kill()
            if self.system.stopping.wait(fault.down):
                return
            process.start()
            took = process.wait_ready()
            self.note(
                at,
                f"SIGKILL {fault.target} (pid {pid}), down {fault.down:.1f} s, "
                f"serving again {took:.1f} s after its start",
            )
            return
        waited = await_quiet_machine(self.quiet_wait)
        at = time.monotonic() - self.started_at
        began = time.monotonic()
        (restart_rabbitmq if fault.kind == "rabbitmq" else restart_postgresql)()
        restarted = time.monotonic() - began
        deadline = time.monotonic() + READY_SECONDS
        while not self.system.ready() and time.monotonic() < deadline:
            time.sleep(0.2)
        recovered = time.monotonic() - began
        self.note(
            at,
            f"restart {fault.kind}: {restarted:.1f} s, every service serving again after "
            f"{recovered:.1f} s"
            + (f" (waited {waited:.0f} s for other test runs)" if waited > 1 else ""),
        )

    def note(self, at: float, text: str) -> None:
        line = f"  t={at:5.1f}s  {text}"
        self.log.append(line)
        print(line, flush=True)
