"""What the containers run, run natively: the image's entrypoint with each Compose service's
``command`` and ``environment``, and each service's ``healthcheck``.

Docker cannot run here, so this test rebuilds the container's view of the world and changes
only what must differ on this machine:

- ``/app`` is a directory holding exactly what the Dockerfile's final stage copies into it, and
  the image's ``ENV`` applies; ``python``, ``sipmas`` and ``nameko`` come from the project's venv
  where the image has its own;
- the broker users of ``deploy/rabbitmq/definitions.json`` are loaded into this session's vhost
  under a unique prefix (users are global in RabbitMQ), and each service logs in with the user
  and the password its Compose environment names: a wrong password or user fails here;
- the databases and roles are made by Compose's PostgreSQL init script, under a unique prefix,
  and each service connects as its own role with the password Compose gives it;
- hosts become 127.0.0.1, volume paths become temporary directories, and the gateway's and the
  metrics' ports become free ones.

A misspelt command, a variable a service needs but is not given, or a health check that cannot
pass therefore fails a test here, not a rollout.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg2
import pytest

from sipmas import broker_access
from sipmas_cli import topology
from tests.deploy import support
from tests.deploy.support import ROOT
from tests.integration.support_amqp import depth, wait_for
from tests.support.services import consuming, stop

VENV_BIN = Path(os.environ.get("VIRTUAL_ENV") or ROOT / ".venv") / "bin"
RUN_ID = uuid.uuid4().hex[:6]
BROKER_PREFIX = f"t{RUN_ID}-"
DB_PREFIX = f"sipmas_e2e{RUN_ID}"
SERVICES = ["registry", "verification", "referral", "notifications", "gateway"]


def until_passes(check, timeout: float) -> subprocess.CompletedProcess:
    """Run ``check`` until it exits 0 or ``timeout`` seconds passed; its last result."""
    deadline = time.monotonic() + timeout
    while True:
        done = check()
        if done.returncode == 0 or time.monotonic() > deadline:
            return done
        time.sleep(0.5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return support.compose()


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory) -> Path:
    """The image's WORKDIR: what the final stage COPYs from the build context, nothing more."""
    stage = support.final_stage()
    app = tmp_path_factory.mktemp("image") / stage.workdir.strip("/")
    for sources, destination in stage.copies:
        target = app / destination
        for source in sources:
            assert not support.dockerignored(source), f".dockerignore drops {source}"
            if destination.endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / source, target / Path(source).name)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / source, target)
    return app


@pytest.fixture(scope="module")
def volumes(spec, tmp_path_factory) -> dict[str, Path]:
    """Each container path a named volume is mounted on → a directory here."""
    found = {}
    for service in spec["services"].values():
        for source, path, _ in support.compose_mounts(service):
            if not source.startswith(".") and path not in found:
                found[path] = tmp_path_factory.mktemp(source)
    return found


@pytest.fixture(scope="module")
def postgres_roles(spec) -> Iterator[list[str]]:
    """Compose's init script, run as the postgres image runs it, under a unique prefix."""
    postgres = spec["services"]["postgres"]
    (script,) = [src for src, path, _ in support.compose_mounts(postgres) if "initdb.d" in path]
    env = {
        "PATH": os.environ["PATH"],
        **support.compose_environment(postgres),
        "PGHOST": "127.0.0.1",
        "PGPORT": "5432",
        "SIPMAS_DB_PREFIX": DB_PREFIX,
    }
    done = subprocess.run([str(ROOT / script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    roles = [line.rsplit(" ", 1)[1] for line in done.stdout.splitlines()]
    yield roles
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        for role in roles:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (role,),
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{role}"')
            cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
    admin.close()


@pytest.fixture(scope="module")
def broker_users(spec, amqp_vhost) -> Iterator[str]:
    """The broker definitions Compose mounts, loaded into this session's vhost."""
    rabbitmq = spec["services"]["rabbitmq"]
    (path,) = [src for src, target, _ in support.compose_mounts(rabbitmq) if "definitions" in src]
    definitions = broker_access.read_definitions(ROOT / path)
    broker_access.load_definitions(definitions, vhost=amqp_vhost, user_prefix=BROKER_PREFIX)
    yield amqp_vhost
    broker_access.unload_definitions(definitions, vhost=None, user_prefix=BROKER_PREFIX)


class Containers:
    """Runs a Compose service's command and health check as its container would, natively."""

    def __init__(self, spec, app_dir, volumes, vhost, home: Path) -> None:
        self.spec = spec
        self.app_dir = app_dir
        self.volumes = volumes
        self.vhost = vhost
        self.home = home
        self.stage = support.final_stage()

    def local(self, name: str, value: str) -> str:
        """A container's value as it must be on this machine."""
        if name == "AMQP_URI":
            url = urlsplit(value)
            assert (url.hostname, url.port, url.path) == ("rabbitmq", 5672, "/sipmas"), value
            user = BROKER_PREFIX + url.username
            return f"amqp://{user}:{url.password}@127.0.0.1:5672/{self.vhost}"
        if name.endswith("_DATABASE_URL"):
            url = urlsplit(value)
            assert (url.hostname, url.port) == ("postgres", 5432), value
            assert url.path == f"/{url.username}" and url.username.startswith("sipmas_"), value
            role = DB_PREFIX + url.username[len("sipmas") :]
            return f"{url.scheme}://{role}:{url.password}@127.0.0.1:5432/{role}"
        if name == "WEB_SERVER_ADDRESS":
            return f"127.0.0.1:{free_port()}"
        for path, directory in self.volumes.items():
            if value == path or value.startswith(path + "/"):
                return str(directory) + value[len(path) :]
        return value

    def image_path(self, word: str) -> str:
        workdir = self.stage.workdir.rstrip("/") + "/"
        return str(self.app_dir / word[len(workdir) :]) if word.startswith(workdir) else word

    def env(self, service: str) -> dict[str, str]:
        env = {"PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin", "HOME": str(self.home)}
        env["LANG"] = "C.UTF-8"
        for name, value in self.stage.env.items():
            if name != "PATH":
                env[name] = self.local(name, value)
        for name, value in support.compose_environment(self.spec["services"][service]).items():
            env[name] = self.local(name, value)
        env["SIPMAS_METRICS_PORT"] = str(free_port())  # 9100 in every container; not here
        return env

    def command(self, service: str) -> list[str]:
        words = self.stage.entrypoint + self.spec["services"][service]["command"]
        return [self.image_path(word) for word in words]

    def healthcheck(self, service: str) -> list[str]:
        test = self.spec["services"][service]["healthcheck"]["test"]
        assert test[0] == "CMD"
        return [self.image_path(word) for word in test[1:]]

    def run(self, words: list[str], env: dict[str, str], timeout: float = 120):
        return subprocess.run(
            words, cwd=self.app_dir, env=env, capture_output=True, text=True, timeout=timeout
        )


@pytest.fixture(scope="module")
def containers(spec, app_dir, volumes, broker_users, postgres_roles, tmp_path_factory):
    return Containers(spec, app_dir, volumes, broker_users, tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def migrated(containers) -> dict[str, str]:
    """The one-shot ``migrate`` service, run to completion."""
    env = containers.env("migrate")
    done = containers.run(containers.command("migrate"), env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return env


def test_migrate_creates_every_schema_and_declares_every_queue(containers, migrated):
    admin_uri = f"amqp://guest:guest@127.0.0.1:5672/{containers.vhost}"
    for consumer in topology.CONSUMERS:  # a passive declare: raises if migrate missed one
        depth(admin_uri, topology.consumer_queue(*consumer))  # (the session's others may fill it)
    checks = {
        name: subprocess.Popen(  # the init containers of every Deployment, at once
            containers.command(name)[:1] + ["wait-migrated", name],
            cwd=containers.app_dir,
            env=containers.env(name),
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in support.app_services(containers.spec)
        if (ROOT / "services" / name / "migrations").exists()
    }
    for name, check in checks.items():
        _, stderr = check.communicate(timeout=120)
        assert check.returncode == 0, f"{name}: {stderr}"


def test_init_container_waits_until_the_database_is_migrated(containers):
    env = containers.env("registry")
    env["REGISTRY_DATABASE_URL"] = "postgresql://postgres@127.0.0.1:5432/postgres"  # no schema
    env["SIPMAS_MIGRATION_WAIT_SECONDS"] = "3"
    done = containers.run(containers.command("registry")[:1] + ["wait-migrated", "registry"], env)
    assert done.returncode == 1
    assert "unhealthy: database at []" in done.stderr


@pytest.mark.parametrize("name", SERVICES)
def test_service_starts_as_its_container_and_passes_its_health_check(name, containers, migrated):
    if name not in containers.spec["services"]:
        pytest.fail(f"{name} is not in docker-compose.yml")
    if not (ROOT / "services" / name / "service.py").exists():
        pytest.skip(f"services/{name}/service.py does not exist yet")
    env = containers.env(name)
    ready, alive = containers.healthcheck(name), containers.healthcheck(name)[:-1]
    assert ready[-1] == "--ready"
    before = containers.run(ready, env, timeout=60)
    assert before.returncode != 0, "healthy before the service started"

    log = containers.home / f"{name}.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            containers.command(name),
            cwd=containers.app_dir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        if name == "gateway":  # HTTP, no RPC queue: its health check says when it listens
            until_passes(lambda: containers.run(alive, env, timeout=30), timeout=60)
        else:
            uri = env["AMQP_URI"]
            wait_for(lambda: consuming(uri, f"rpc-{name}") or process.poll() is not None, 60)
        assert process.poll() is None, log.read_text()
        done = until_passes(lambda: containers.run(ready, env, timeout=60), timeout=30)
        assert done.returncode == 0, done.stderr + log.read_text()
        done = containers.run(alive, env, timeout=60)
        assert done.returncode == 0, done.stderr
    finally:
        stop(process, 20)
    after = containers.run(alive, env, timeout=60)
    assert after.returncode != 0, "still healthy after the service stopped"


def test_a_misspelt_role_fails_at_once(containers, migrated):
    env = containers.env("registry")
    done = containers.run(containers.command("registry")[:1] + ["registy"], env, timeout=30)
    assert done.returncode == 64
    assert "unknown role 'registy'" in done.stderr


def test_a_service_cannot_open_another_services_database(postgres_roles):
    registry = next(role for role in postgres_roles if role.endswith("_registry"))
    verification = next(role for role in postgres_roles if role.endswith("_verification"))
    with pytest.raises(psycopg2.OperationalError, match="permission denied"):
        psycopg2.connect(host="127.0.0.1", user=verification, dbname=registry)
    psycopg2.connect(host="127.0.0.1", user=registry, dbname=registry).close()


def test_database_health_check_command_runs(spec):
    test = spec["services"]["postgres"]["healthcheck"]["test"]
    assert test[0] == "CMD" and "--host=127.0.0.1" in test
    done = subprocess.run(test[1:], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr


RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")


def test_broker_boots_with_the_compose_configuration_and_definitions(spec, tmp_path):
    """A second RabbitMQ node, started here with the files Compose mounts (ports, paths and the
    node's name made local): its health check passes, the definitions are loaded at boot, every
    service logs in with its Compose password, and there is no guest."""
    if not RABBITMQ_SERVER.exists():
        pytest.skip("no RabbitMQ server installed here")
    rabbitmq = spec["services"]["rabbitmq"]
    etc = tmp_path / "etc"
    mounted = {}
    for source, path, _ in support.compose_mounts(rabbitmq):
        if source.startswith("."):
            mounted[path] = etc / path.lstrip("/")
            mounted[path].parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / source, mounted[path])
    amqp_port, management_port, dist_port = free_port(), free_port(), free_port()
    conf = mounted["/etc/rabbitmq/rabbitmq.conf"]
    text = conf.read_text()
    for path, local in mounted.items():
        text = text.replace(path, str(local))
    text = text.replace("listeners.tcp.default = 5672", f"listeners.tcp.default = {amqp_port}")
    text = text.replace("management.tcp.port = 15672", f"management.tcp.port = {management_port}")
    conf.write_text(text)
    (tmp_path / "enabled_plugins").write_text("[rabbitmq_management].\n")  # the -management image
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),  # the node's and the CLI's Erlang cookie
        "RABBITMQ_NODENAME": f"sipmas{RUN_ID}@localhost",
        "RABBITMQ_CONFIG_FILE": str(conf.with_suffix("")),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(tmp_path / "enabled_plugins"),
        "RABBITMQ_MNESIA_BASE": str(tmp_path / "mnesia"),
        "RABBITMQ_LOG_BASE": str(tmp_path / "log"),
        "RABBITMQ_PLUGINS_EXPAND_DIR": str(tmp_path / "plugins"),
        "RABBITMQ_PID_FILE": str(tmp_path / "pid"),
        "RABBITMQ_DIST_PORT": str(dist_port),
    }
    health = rabbitmq["healthcheck"]["test"]
    assert health[0] == "CMD"
    health = [str(RABBITMQ_SERVER.parent / health[1]), *health[2:]]
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [str(RABBITMQ_SERVER)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        check = lambda: subprocess.run(health, env=env, capture_output=True, timeout=60)  # noqa: E731
        assert until_passes(check, timeout=90).returncode == 0, (
            tmp_path / "server.log"
        ).read_text()
        for service in spec["services"].values():
            if "AMQP_URI" not in support.compose_environment(service):
                continue
            url = urlsplit(support.compose_environment(service)["AMQP_URI"])
            uri = f"amqp://{url.username}:{url.password}@127.0.0.1:{amqp_port}{url.path}"
            with topology.connection(uri) as conn:
                conn.channel().exchange_declare("sipmas.opd", "topic", passive=True)
        with pytest.raises(Exception, match="ACCESS_REFUSED"):
            topology.connection(f"amqp://guest:guest@127.0.0.1:{amqp_port}/").__enter__()
    finally:
        ctl = str(RABBITMQ_SERVER.parent / "rabbitmqctl")
        subprocess.run([ctl, "-q", "stop"], env=env, capture_output=True, timeout=60)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
        log.close()
