"""Health of one SIPMAS service, for container health checks and Kubernetes probes.

Exit 0 when healthy, 1 when not, with one line saying why (Docker and Kubernetes keep it).

    healthcheck.py SERVICE                 alive
    healthcheck.py SERVICE --ready         alive, and its database answers
    healthcheck.py SERVICE --migrated [--wait SECONDS]
                                           its database is at its latest migration, waiting for
                                           it (an init container)
    healthcheck.py                         the Dockerfile's HEALTHCHECK: the service this container
                                           runs, found among its processes

Alive, for a nameko service (they have no HTTP port):

1. a process of this container runs ``services.<SERVICE>.service`` and holds an established
   connection to the broker. This is what tells *this* replica apart: a process whose eventlet hub
   hangs stops sending AMQP heartbeats, the broker closes its connection, and the check fails;
2. the service's RPC queue ``rpc-<SERVICE>`` has a consumer, seen with the service's own broker
   user (``AMQP_URI``) by a passive declare: the broker is reachable with those credentials and the
   service (some replica) answers calls.

Ready adds the database: it answers. (Whether it is at the latest migration is asked once, by
the init container: reading the migrations takes seconds, too long for a probe.) When the
service's process serves its own ``/health`` on ``SIPMAS_METRICS_PORT`` (``sipmas.observability``:
database, outbox lag, broker), ready also needs that to answer 200; a port nobody listens on is
skipped, one that does not answer fails.

The gateway is alive when its ``/health`` answers 200 on ``WEB_SERVER_ADDRESS``.

Probes import little (no nameko, no eventlet): one runs every few seconds in every pod.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

# Reading the migrations imports sipmas.db and sipmas.outbox, hence nameko and eventlet, which
# warn on import.
warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

HTTP_SERVICES = {"gateway"}
TIMEOUT = 5.0
ESTABLISHED = "01"  # the state column of /proc/net/tcp


class Unhealthy(Exception):
    """Why the service is not healthy, in one line."""


def service_processes(service: str, proc: Path = Path("/proc")) -> list[int]:
    """Processes running ``nameko run ... services.<service>.service``."""
    wanted = f"services.{service}.service".encode()
    found = []
    for entry in proc.glob("[0-9]*"):
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone, or not ours to read
            continue
        if wanted in argv:
            found.append(int(entry.name))
    return found


def service_in_container(proc: Path = Path("/proc")) -> str:
    """The one service this container runs (its processes name it), for a bare HEALTHCHECK."""
    names = set()
    for entry in proc.glob("[0-9]*"):
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        for arg in argv:
            parts = arg.decode(errors="replace").split(".")
            if len(parts) == 3 and parts[0] == "services" and parts[2] == "service":
                names.add(parts[1])
    if len(names) != 1:
        raise Unhealthy(f"cannot tell which service this container runs: {sorted(names)}")
    return names.pop()


def holds_broker_connection(pid: int, port: int) -> bool:
    """Whether process ``pid`` has an established TCP connection to ``port``."""
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except FileNotFoundError:
        return False  # it has just exited
    inodes = set()
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if fields[3] == ESTABLISHED and remote_port == port and fields[9] in inodes:
                return True
    return False


def check_process(service: str, amqp_uri: str) -> None:
    from kombu.utils.url import parse_url

    if not Path("/proc/self/net/tcp").exists():
        return  # not Linux: nothing to look at; the broker check below still runs
    port = parse_url(amqp_uri)["port"] or 5672
    pids = service_processes(service)
    if not pids:
        raise Unhealthy(f"no process runs services.{service}.service")
    try:
        if any(holds_broker_connection(pid, port) for pid in pids):
            return
    except PermissionError:
        return  # another user's process (a shared development machine): cannot tell
    raise Unhealthy(f"services.{service}.service holds no connection to the broker (:{port})")


def check_rpc_consumer(service: str, amqp_uri: str) -> None:
    from sipmas.messaging.connection import connection

    queue = f"rpc-{service}"
    try:
        with connection(amqp_uri) as conn:
            _, _, consumers = conn.channel().queue_declare(queue, passive=True)
    except Exception as error:  # unreachable, refused login, or the queue does not exist
        raise Unhealthy(f"broker: {queue}: {type(error).__name__}: {error}") from None
    if consumers < 1:
        raise Unhealthy(f"broker: nobody consumes {queue}")


def check_http(address: str, missing_ok: bool = False) -> None:
    """``/health`` on ``address`` (``host:port``) answers 200; with ``missing_ok``, a refused
    connection (nothing serves it) is fine too."""
    host, _, port = address.rpartition(":")
    host = "127.0.0.1" if host in ("", "0.0.0.0", "::", "[::]") else host
    url = f"http://{host}:{port}/health"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        if missing_ok and isinstance(getattr(error, "reason", error), ConnectionRefusedError):
            return
        raise Unhealthy(f"{url}: {error}") from None
    if status != 200:
        raise Unhealthy(f"{url} answered {status}")


def check_database(service: str) -> None:
    """The service's database answers ``SELECT 1``."""
    import sqlalchemy as sa

    from sipmas import settings

    engine = sa.create_engine(settings.database_url(service), connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        raise Unhealthy(f"database: {type(error.orig or error).__name__}") from None
    finally:
        engine.dispose()


def check_migrated(service: str) -> None:
    """The service's database answers and carries every migration of its package."""
    from importlib import resources

    import sqlalchemy as sa
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from sipmas import settings

    config = Config()  # as sipmas_cli.system.alembic_config, without importing nameko into a probe
    location = resources.files(f"services.{service}").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    expected = set(ScriptDirectory.from_config(config).get_heads())
    engine = sa.create_engine(settings.database_url(service), connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except sa.exc.SQLAlchemyError as error:
        raise Unhealthy(f"database: {type(error.orig or error).__name__}") from None
    finally:
        engine.dispose()
    if current != expected:
        raise Unhealthy(f"database at {sorted(current)}, migrations at {sorted(expected)}")


def check(service: str, ready: bool, migrated_only: bool) -> None:
    if not migrated_only:
        if service in HTTP_SERVICES:
            check_http(os.environ.get("WEB_SERVER_ADDRESS", "0.0.0.0:8000"))
        else:
            from sipmas import settings

            amqp_uri = settings.amqp_uri()
            check_process(service, amqp_uri)  # before our own connection to the broker exists
            check_rpc_consumer(service, amqp_uri)
    if migrated_only:
        check_migrated(service)
    if ready:
        check_database(service)
    if ready and service not in HTTP_SERVICES:
        port = os.environ.get("SIPMAS_METRICS_PORT", "9100")
        if port != "0":
            check_http(f"127.0.0.1:{port}", missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service", nargs="?", help="default: the service this container runs")
    parser.add_argument("--ready", action="store_true", help="also the database")
    parser.add_argument("--migrated", action="store_true", help="only the database")
    parser.add_argument("--wait", type=float, default=0, help="retry for this many seconds")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.wait
    while True:
        try:
            service = args.service or service_in_container()
            check(service, args.ready, args.migrated)
        except Unhealthy as problem:
            if time.monotonic() >= deadline:
                print(f"unhealthy: {problem}", file=sys.stderr)
                return 1
            time.sleep(2)
            continue
        print(f"{service}: healthy")
        return 0


if __name__ == "__main__":
    sys.exit(main())
