"""The whole system as the containers run it, natively (``tests/deploy``'s machinery: the image's
``/app``, Compose's environment, broker users and database roles): the one-shot migration, each
service with its container's command in a process of its own, the gateway on a free port, and
``sipmas sinks`` catching mail and SMS on free ports. Agencies' broker users are those of
``deploy/rabbitmq`` under their real names (the referral service checks ``opd-<code>``)."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import psycopg2
import pytest

from sipmas_cli.demo import agencies
from tests.deploy.test_container_commands import (  # noqa: F401  (fixtures, reused as they are)
    VENV_BIN,
    Containers,
    app_dir,
    broker_users,
    containers,
    free_port,
    migrated,
    postgres_roles,
    spec,
    until_passes,
    volumes,
)
from tests.gateway.support_http import wait_until
from tests.support.services import ROOT, consuming, stop

SERVICES = ("registry", "verification", "referral", "notifications", "gateway")


@dataclass
class Sinks:
    """``sipmas sinks``: the district's mail server and SMS gateway stand-ins."""

    smtp_port: int
    http: str  # base URL of the SMS/webhook side

    def emails(self) -> list[EmailMessage]:
        """Every email received so far, as its recipient would read it."""
        found = []
        for entry in self._get("/messages?since=0")["messages"]:
            if entry["channel"] == "email":
                url = f"{self.http}/messages/{entry['n']}"
                with urllib.request.urlopen(url, timeout=10) as kept:
                    found.append(message_from_bytes(kept.read(), policy=policy.default))
        return found

    def emails_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.emails() if address in str(m["To"])]

    def _get(self, path: str) -> dict:
        with urllib.request.urlopen(self.http + path, timeout=10) as answer:
            return json.loads(answer.read())


@dataclass
class WholeSystem:
    containers: Containers
    envs: dict[str, dict[str, str]]  # each service's environment, as its container has it
    url: str  # the gateway
    sinks: Sinks
    amqp_admin: str  # this vhost as the broker's administrator sees it
    logs: Path

    def sipmas(self, *args: str) -> str:
        """``sipmas ARGS`` as an administrator runs it in the gateway's container; its stdout."""
        words = [*self.containers.command("gateway")[:1], "sipmas", *args]
        done = self.containers.run(words, self.envs["gateway"], timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def staff_known(self, usernames: list[str]) -> bool:
        """Whether verification has heard of these users (it assigns visits to its staff)."""
        url = self.envs["verification"]["VERIFICATION_DATABASE_URL"]
        with closing(psycopg2.connect(url)) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM staff WHERE id = ANY(%s) AND active", (usernames,))
            (known,) = cursor.fetchone()
        return known == len(usernames)

    def agency_url(self, opd_code: str) -> str:
        return agencies.agency_url(self.amqp_admin, opd_code)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")


def _start(stack: ExitStack, words: list[str], cwd: Path, env: dict, logs: Path, name: str = ""):
    """``words`` as a process logging to ``<logs>/<name>.log``, stopped when ``stack`` closes."""
    name = name or words[-1]
    output = stack.enter_context(open(logs / f"{name}.log", "w"))  # noqa: SIM115
    process = subprocess.Popen(words, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
    stack.callback(stop, process, 20)
    return process


def start_sinks(stack: ExitStack, logs: Path) -> Sinks:
    smtp_port, http_port = free_port(), free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(logs),
        "SIPMAS_SMTP_HOST": "127.0.0.1",
        "SIPMAS_SMTP_PORT": str(smtp_port),
        "SIPMAS_SMS_GATEWAY_URL": f"http://127.0.0.1:{http_port}/sms",
        "SIPMAS_SINKS_DIR": str(logs / "sinks"),
    }
    process = _start(stack, [str(VENV_BIN / "sipmas"), "sinks"], ROOT, env, logs)
    sinks = Sinks(smtp_port, f"http://127.0.0.1:{http_port}")
    wait_until(lambda: _answers(f"{sinks.http}/health") or process.poll() is not None)
    assert process.poll() is None, (logs / "sinks.log").read_text()
    return sinks


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def service_env(machine: Containers, name: str, sinks: Sinks) -> dict[str, str]:
    """The container's environment; the notifications' mail and SMS go to the sinks."""
    env = machine.env(name)
    if name == "notifications":
        env["SIPMAS_SMTP_HOST"] = "127.0.0.1"
        env["SIPMAS_SMTP_PORT"] = str(sinks.smtp_port)
        env["SIPMAS_SMS_GATEWAY_URL"] = f"{sinks.http}/sms"
    return env


def wait_ready(machine: Containers, name: str, process, env: dict[str, str]) -> None:
    """Until the service consumes its RPC queue (the gateway: passes its liveness check)."""
    if name == "gateway":
        alive = machine.healthcheck(name)[:-1]
        until_passes(lambda: machine.run(alive, env, timeout=30), timeout=60)
    else:
        uri = env["AMQP_URI"]
        wait_until(lambda: consuming(uri, f"rpc-{name}") or process.poll() is not None, 60)


@pytest.fixture(scope="module")
def whole_system(containers, migrated, tmp_path_factory) -> Iterator[WholeSystem]:  # noqa: F811
    """Every service running as its container, after the migrate container ran."""
    admin = f"amqp://guest:guest@127.0.0.1:5672/{containers.vhost}"
    agencies.load_broker_users(admin)  # the agencies' own users, with their rights here
    logs = tmp_path_factory.mktemp("e2e-logs")
    with ExitStack() as stack:
        sinks = start_sinks(stack, logs)
        envs = {name: service_env(containers, name, sinks) for name in SERVICES}
        processes = {
            name: _start(stack, containers.command(name), containers.app_dir, envs[name], logs)
            for name in SERVICES
        }
        for name, process in processes.items():
            wait_ready(containers, name, process, envs[name])
            assert process.poll() is None, (logs / f"{name}.log").read_text()
        url = f"http://{envs['gateway']['WEB_SERVER_ADDRESS']}"
        wait_until(lambda: _answers(f"{url}/health"), timeout=30)
        yield WholeSystem(containers, envs, url, sinks, admin, logs)
