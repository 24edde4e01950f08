"""Write ``deploy/rabbitmq/definitions.json``: the vhost, the broker users and what each may do.

Run it again whenever ``sipmas/reference/data/opd.csv`` changes::

    .venv/bin/python deploy/rabbitmq/generate_definitions.py          # rewrite the file
    .venv/bin/python deploy/rabbitmq/generate_definitions.py --check  # exit 1 if it is stale

The passwords in the file are for development only: each user's password is its own name with
``-dev`` (``opd-perkim`` / ``opd-perkim-dev``), stored as RabbitMQ's default salted SHA-256 hash
with a salt derived from the user name, so the file is the same on every run. Production sets
real passwords (see README.md next to this file).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from sipmas import events, reference

VHOST = "sipmas"
HASHING_ALGORITHM = "rabbit_password_hashing_sha256"
DEV_PASSWORD_SUFFIX = "-dev"
SERVICES = ("registry", "verification", "referral", "notifications", "gateway")
SERVICE_PREFIX = "svc-"
AGENCY_PREFIX = "opd-"
PATH = Path(__file__).with_name("definitions.json")


def service_user(service: str) -> str:
    return f"{SERVICE_PREFIX}{service}"


def agency_user(opd_code: str) -> str:
    return f"{AGENCY_PREFIX}{opd_code}"


def dev_password(user: str) -> str:
    return f"{user}{DEV_PASSWORD_SUFFIX}"


def password_hash(password: str, salt: bytes) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password))."""
    if len(salt) != 4:
        raise ValueError("RabbitMQ uses a 4-byte salt")
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def dev_salt(user: str) -> bytes:
    """A stable salt for the development file (real passwords get random salts)."""
    return hashlib.sha256(f"sipmas-dev-salt:{user}".encode()).digest()[:4]


def agency_permissions(opd_code: str) -> dict[str, str]:
    """Resource permissions of ``opd-<code>``: its own queues ``opd.<code>.*`` (declare, delete,
    bind, consume), read on ``sipmas.opd`` (to bind), write on ``sipmas.opd.inbound`` (to
    publish). Nothing else: not other agencies' queues, not ``amq.*``, not the default exchange."""
    own = rf"opd\.{re.escape(opd_code)}\..+"
    return {
        "configure": rf"^{own}$",
        "write": rf"^({own}|{re.escape(events.OPD_INBOUND_EXCHANGE)})$",
        "read": rf"^({own}|{re.escape(events.OPD_EXCHANGE)})$",
    }


def agency_topic_permissions(opd_code: str) -> list[dict[str, str]]:
    """Routing keys: bind only ``referral.<code>.<*|#|event>`` on ``sipmas.opd`` (the ``read``
    regex is checked at queue.bind), publish only ``status.<code>`` on ``sipmas.opd.inbound``
    (the ``write`` regex is checked at basic.publish). An empty regex allows nothing."""
    code = re.escape(opd_code)
    events_ = "|".join(events.OPD_EVENTS)
    return [
        {
            "exchange": events.OPD_EXCHANGE,
            "write": "",
            "read": rf"^referral\.{code}\.(\*|#|{events_})$",
        },
        {
            "exchange": events.OPD_INBOUND_EXCHANGE,
            "write": rf"^status\.{code}$",
            "read": "",
        },
    ]


def definitions() -> dict[str, Any]:
    """The definitions document, as ``rabbitmqctl import_definitions`` reads it."""
    services = [service_user(s) for s in SERVICES]
    agencies = [(o.code, agency_user(o.code)) for o in reference.opd()]
    users = [
        {
            "name": name,
            "password_hash": password_hash(dev_password(name), dev_salt(name)),
            "hashing_algorithm": HASHING_ALGORITHM,
            "tags": [],
        }
        for name in services + [user for _, user in agencies]
    ]
    permissions = [
        {"user": name, "vhost": VHOST, "configure": ".*", "write": ".*", "read": ".*"}
        for name in services
    ] + [{"user": user, "vhost": VHOST, **agency_permissions(code)} for code, user in agencies]
    topic_permissions = [
        {"user": user, "vhost": VHOST, **grant}
        for code, user in agencies
        for grant in agency_topic_permissions(code)
    ]
    exchanges = [
        {
            "name": name,
            "vhost": VHOST,
            "type": "topic",
            "durable": True,
            "auto_delete": False,
            "internal": False,
            "arguments": {},
        }
        for name in (events.OPD_EXCHANGE, events.OPD_INBOUND_EXCHANGE)
    ]
    return {
        "users": users,
        "vhosts": [{"name": VHOST}],
        "permissions": permissions,
        "topic_permissions": topic_permissions,
        "parameters": [],
        "global_parameters": [],
        "policies": [],
        "queues": [],
        "exchanges": exchanges,
        "bindings": [],
    }


def render() -> str:
    return json.dumps(definitions(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--output", type=Path, default=PATH)
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
