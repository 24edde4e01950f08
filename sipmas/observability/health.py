"""Is a service well? The answer container health checks, Kubernetes probes, Prometheus and
the gateway's ``/health`` share.

Checks, each bounded by ``SIPMAS_HEALTH_TIMEOUT_SECONDS`` (default 3):

- ``database``: ``SELECT 1`` on the service's own database;
- ``outbox``: unpublished outbox rows and the age of the oldest; failing when older than
  ``SIPMAS_HEALTH_MAX_OUTBOX_LAG_SECONDS`` (default 60): the relay is down or far behind,
  and every event the service decided is waiting. (A bulk import's rows are as old as its
  transaction when they appear: an import longer than the limit shows as lag for a moment.)
- ``broker``: a connection to RabbitMQ opens;
- ``alive``: the service's RPC queue ``rpc-<service>`` has a consumer, so some instance is
  running and answering (with replicas, any one; a pod's own probe is ``/health`` on its
  metrics port, see :mod:`.metrics`);
- ``dead_letters``: messages waiting in the service's dead-letter queues, reported, never
  failing: an operator reads and replays them (``messaging.dead_letters``), the service is well.

Nothing here goes through RPC: a stuck service cannot make its own health check hang.
"""

from __future__ import annotations

import json
import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

import amqp
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from sipmas import settings
from sipmas.messaging.connection import connection

RPC_QUEUE_TEMPLATE = "rpc-{}"  # nameko.rpc's; not imported: a probe must start fast (no eventlet)

FAILING_CHECKS = ("database", "outbox", "broker", "alive")  # dead letters are only reported

_OUTBOX = sa.text(
    "SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL) AS unpublished, "
    "COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - ("
    "  SELECT created_at FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 1"
    ")), 0)::float AS lag"
)


def max_outbox_lag() -> float:
    """Seconds the oldest unpublished event may wait before the service is unhealthy."""
    return float(settings.env("SIPMAS_HEALTH_MAX_OUTBOX_LAG_SECONDS", "60"))


def check_timeout() -> float:
    """Seconds each check (database, broker) may take before it counts as failed."""
    return float(settings.env("SIPMAS_HEALTH_TIMEOUT_SECONDS", "3"))


class Probe:
    """The connections one service's checks use: its database (statement and connect timeouts)
    and the broker (a socket timeout). ``pooled`` keeps one database connection for a process
    that checks again and again (metrics); the CLI checks once and leaves nothing open."""

    def __init__(
        self,
        service: str,
        amqp_uri: str | None = None,
        queues: Callable[[], Iterable[str]] | None = None,
        timeout: float | None = None,
        pooled: bool = False,
        gauges: Iterable[Any] = (),
    ) -> None:
        self.service = service
        self.gauges = tuple(gauges)  # the service's own ``metrics.ServiceGauge``s
        self.amqp_uri = amqp_uri or settings.amqp_uri()
        self.timeout = timeout if timeout is not None else check_timeout()
        self._queues = queues or (lambda: ())  # a running service names its own (``Observe``)
        self._engine: Engine | None = None
        self._pooled = pooled

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            pool: dict[str, Any] = (
                {"pool_size": 1, "max_overflow": 1, "pool_pre_ping": True}
                if self._pooled
                else {"poolclass": NullPool}
            )
            self._engine = sa.create_engine(
                settings.database_url(self.service),
                connect_args={
                    "connect_timeout": max(2, math.ceil(self.timeout)),  # libpq's minimum is 2
                    "options": f"-c statement_timeout={int(self.timeout * 1000)}",
                },
                **pool,
            )
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def check(self, *, database: bool = True, alive: bool = True) -> dict[str, Any]:
        """Every check as a dict: ``healthy``, ``failing`` (names) and each check's findings.

        ``database=False`` checks only what the broker shows (the gateway, asking about other
        services, must not reach into their databases); ``alive=False`` skips the RPC queue
        (a service asking about itself is alive).
        """
        checks: dict[str, dict[str, Any]] = {}
        if database:
            checks.update(self.database_checks())
        checks.update(self.broker_checks(alive=alive))
        failing = [name for name in FAILING_CHECKS if checks.get(name, {}).get("ok") is False]
        return {
            "service": self.service,
            "healthy": not failing,
            "failing": failing,
            "checks": checks,
        }

    def database_checks(self) -> dict[str, dict[str, Any]]:
        started = time.monotonic()
        try:
            with bounded(self.timeout), self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
                reached = {"ok": True, "seconds": round(time.monotonic() - started, 4)}
                try:
                    unpublished, lag = conn.execute(_OUTBOX).one()
                except Exception as error:  # no outbox table: the database is not migrated
                    return {"database": reached, "outbox": {"ok": False, "error": describe(error)}}
        except failures() as error:
            unreachable = {"ok": False, "error": describe(error)}
            return {"database": unreachable, "outbox": {"ok": None, "skipped": "no database"}}
        limit = max_outbox_lag()
        outbox = {
            "ok": lag <= limit,
            "unpublished": int(unpublished),
            "lag_seconds": round(float(lag), 3),
            "max_lag_seconds": limit,
        }
        if not outbox["ok"]:
            outbox["error"] = f"oldest unpublished event waits {lag:.0f} s (limit {limit:.0f} s)"
        return {"database": reached, "outbox": outbox}

    def broker_checks(self, alive: bool = True) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        try:
            with bounded(self.timeout), broker_connection(self.amqp_uri, self.timeout) as conn:
                found["broker"] = {"ok": True}
                if alive:
                    found["alive"] = self._alive(conn)
                found["dead_letters"] = self._dead_letters(conn)
        except failures() as error:  # unreachable, or lost on the way: not well either way
            found["broker"] = {"ok": False, "error": describe(error)}
            if alive:
                found["alive"] = {"ok": None, "skipped": "no broker"}
            found["dead_letters"] = {"ok": None, "skipped": "no broker"}
        return found

    def _alive(self, conn: amqp.Connection) -> dict[str, Any]:
        queue = RPC_QUEUE_TEMPLATE.format(self.service)
        declared = queue_state(conn, queue)
        if declared is None:
            return {"ok": False, "queue": queue, "error": f"{queue} does not exist: never started"}
        _, consumers = declared
        if consumers == 0:
            return {
                "ok": False,
                "queue": queue,
                "consumers": 0,
                "error": f"no consumer on {queue}: the service is not running",
            }
        return {"ok": True, "queue": queue, "consumers": consumers}

    def _dead_letters(self, conn: amqp.Connection) -> dict[str, Any]:
        depths: dict[str, int] = {}
        for queue in self._queues():
            declared = queue_state(conn, queue)
            if declared is not None:  # not declared yet: nothing has died there
                depths[queue] = declared[0]
        return {"ok": True, "total": sum(depths.values()), "queues": depths}


def check(
    service: str,
    *,
    amqp_uri: str | None = None,
    database: bool = True,
    alive: bool = True,
    timeout: float | None = None,
    queues: Iterable[str] = (),
) -> dict[str, Any]:
    """Check ``service`` once (see :meth:`Probe.check`), with the dead letters of ``queues``;
    no connection stays open."""
    wanted = list(queues)
    probe = Probe(service, amqp_uri, queues=lambda: wanted, timeout=timeout)
    try:
        return probe.check(database=database, alive=alive)
    finally:
        probe.close()


def queue_state(conn: amqp.Connection, queue: str) -> tuple[int, int] | None:
    """(ready messages, consumers) of ``queue``, exact; None when it does not exist.

    A passive declare of a missing queue closes its channel, so each gets a channel of its own.
    """
    channel = conn.channel()
    try:
        _, messages, consumers = channel.queue_declare(queue, passive=True)
    except amqp.exceptions.NotFound:
        return None
    channel.close()
    return messages, consumers


@contextmanager
def broker_connection(amqp_uri: str, timeout: float) -> Iterator[amqp.Connection]:
    """A connection whose every wait for the broker gives up after ``timeout`` seconds."""
    with connection(amqp_uri) as conn:
        conn.transport.sock.settimeout(timeout)
        yield conn


def bounded(seconds: float) -> AbstractContextManager:
    """A deadline on a block. Under eventlet, a green timeout (a green psycopg2 connect ignores
    libpq's own); in the main thread of a plain process (the CLI), an alarm signal (a broker
    that accepts the connection and never speaks would hold py-amqp's handshake forever);
    elsewhere the connect, statement and socket timeouts bound every wait."""
    eventlet = sys.modules.get("eventlet")
    if eventlet is not None and eventlet.patcher.is_monkey_patched("socket"):
        return eventlet.Timeout(seconds)
    if threading.current_thread() is threading.main_thread():
        return _alarm(seconds)
    return nullcontext()


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def describe(error: BaseException) -> str:
    """An error's class and first line: enough to name the cause, without SQL or parameters."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text[:300]}"


def failures() -> tuple[type[BaseException], ...]:
    """What a check catches: any error, and the green timeout (not an ``Exception``)."""
    eventlet = sys.modules.get("eventlet")
    return (Exception, eventlet.Timeout) if eventlet is not None else (Exception,)


# --- the command --------------------------------------------------------------------------------


def render(result: dict[str, Any]) -> str:
    """The result for a person: one line per check, the failing ones named first."""
    service = result["service"]
    if result["healthy"]:
        lines = [f"{service}: healthy"]
    else:
        lines = [f"{service}: UNHEALTHY ({', '.join(result['failing'])})"]
    for name, found in result["checks"].items():
        lines.append(f"  {name:<13} {_describe_check(name, found)}")
    return "\n".join(lines)


def _describe_check(name: str, found: dict[str, Any]) -> str:
    if found.get("ok") is None:
        return f"skipped ({found['skipped']})"
    if found.get("ok") is False:
        return f"FAILING: {found['error']}"
    if name == "database":
        return f"ok ({found['seconds'] * 1000:.0f} ms)"
    if name == "outbox":
        return (
            f"ok: {found['unpublished']} unpublished, oldest {found['lag_seconds']:.1f} s "
            f"(limit {found['max_lag_seconds']:.0f} s)"
        )
    if name == "alive":
        return f"ok: {found['consumers']} consumer(s) on {found['queue']}"
    if name == "dead_letters":
        waiting = ", ".join(f"{queue}: {n}" for queue, n in found["queues"].items() if n)
        return f"{found['total']} waiting" + (f" ({waiting})" if waiting else "")
    return "ok"


def main(service: str, as_json: bool = False, queues: Iterable[str] = ()) -> int:
    """``sipmas health SERVICE [--json]``: exit 0 when healthy, 1 when not; ``queues``: the
    service's dead-letter queues (the command reads them from the service's declarations)."""
    result = check(service, queues=list(queues))
    print(json.dumps(result, indent=2) if as_json else render(result))
    return 0 if result["healthy"] else 1
