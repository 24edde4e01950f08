"""Load the broker's access definitions (``deploy/rabbitmq/definitions.json``) into a vhost
through RabbitMQ's management HTTP API — for tests, and for operators who set real passwords.

Unlike ``POST /api/definitions`` this can put the definitions in *another* vhost (a test's own),
can rename the users (users are global in RabbitMQ, not per vhost: tests give them a unique
prefix so that they never change the password or the rights of the real ``opd-perkim``), and sets
each user's password when ``passwords`` are given. Everything is an idempotent PUT: loading twice
changes nothing. Only the standard library is used.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

DEFAULT_API = "http://127.0.0.1:15672"
DEFINITIONS = Path(__file__).resolve().parent.parent / "deploy" / "rabbitmq" / "definitions.json"


class ManagementApiError(RuntimeError):
    """The management API answered with an error (the status, the path and its message)."""


def read_definitions(path: str | Path | None = None) -> dict[str, Any]:
    """The definitions document (default: ``deploy/rabbitmq/definitions.json`` of this checkout)."""
    return json.loads(Path(path or DEFINITIONS).read_text(encoding="utf-8"))


def load_definitions(
    definitions: Mapping[str, Any],
    *,
    vhost: str,
    api: str = DEFAULT_API,
    admin: tuple[str, str] = ("guest", "guest"),
    passwords: Mapping[str, str] | None = None,
    user_prefix: str = "",
) -> None:
    """Create ``vhost`` and put the definitions' users, permissions, topic permissions,
    exchanges, queues and bindings in it (whatever vhost the document names).

    ``passwords`` maps a user's name *as in the document* to its password; those users get it
    (RabbitMQ hashes it), the others keep the document's ``password_hash``. ``user_prefix`` is
    put before every user name (``"t1234-"`` makes ``t1234-opd-perkim``); permission regexes name
    queues, exchanges and routing keys, not users, so they stay as they are.
    """
    client = _Client(api, admin)
    passwords = passwords or {}
    client.call("PUT", f"/vhosts/{_q(vhost)}", {})
    for user in definitions.get("users", []):
        body: dict[str, Any] = {"tags": _tags(user.get("tags"))}
        if user["name"] in passwords:
            body["password"] = passwords[user["name"]]
        else:
            body["password_hash"] = user.get("password_hash", "")
            body["hashing_algorithm"] = user.get(
                "hashing_algorithm", "rabbit_password_hashing_sha256"
            )
        client.call("PUT", f"/users/{_q(user_prefix + user['name'])}", body)
    for grant in definitions.get("permissions", []):
        client.call(
            "PUT",
            f"/permissions/{_q(vhost)}/{_q(user_prefix + grant['user'])}",
            {key: grant[key] for key in ("configure", "write", "read")},
        )
    for grant in definitions.get("topic_permissions", []):
        client.call(
            "PUT",
            f"/topic-permissions/{_q(vhost)}/{_q(user_prefix + grant['user'])}",
            {key: grant[key] for key in ("exchange", "write", "read")},
        )
    for exchange in definitions.get("exchanges", []):
        client.call(
            "PUT",
            f"/exchanges/{_q(vhost)}/{_q(exchange['name'])}",
            _without(exchange, "name", "vhost"),
        )
    for queue in definitions.get("queues", []):
        client.call(
            "PUT", f"/queues/{_q(vhost)}/{_q(queue['name'])}", _without(queue, "name", "vhost")
        )
    for binding in definitions.get("bindings", []):
        kind = "q" if binding.get("destination_type", "queue") == "queue" else "e"
        client.call(
            "POST",
            f"/bindings/{_q(vhost)}/e/{_q(binding['source'])}/{kind}/{_q(binding['destination'])}",
            {
                "routing_key": binding.get("routing_key", ""),
                "arguments": binding.get("arguments", {}),
            },
        )


def unload_definitions(
    definitions: Mapping[str, Any],
    *,
    vhost: str | None,
    api: str = DEFAULT_API,
    admin: tuple[str, str] = ("guest", "guest"),
    user_prefix: str = "",
) -> None:
    """Undo :func:`load_definitions`: delete the (prefixed) users and, if given, the vhost.
    Missing ones are fine. Never call it with an empty prefix on a shared broker."""
    client = _Client(api, admin)
    for name in users_of(definitions):
        client.call("DELETE", f"/users/{_q(user_prefix + name)}", missing_ok=True)
    if vhost is not None:
        client.call("DELETE", f"/vhosts/{_q(vhost)}", missing_ok=True)


def users_of(definitions: Mapping[str, Any]) -> list[str]:
    return [user["name"] for user in definitions.get("users", [])]


class _Client:
    def __init__(self, api: str, admin: tuple[str, str]) -> None:
        self.base = api.rstrip("/")
        if not self.base.endswith("/api"):
            self.base += "/api"
        token = base64.b64encode(f"{admin[0]}:{admin[1]}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: Any = None, *, missing_ok: bool = False) -> Any:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers=self.headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            if missing_ok and error.code == 404:
                return None
            detail = error.read().decode(errors="replace")
            raise ManagementApiError(f"{method} {path}: HTTP {error.code} {detail}") from None
        return json.loads(raw) if raw else None


def _q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def _tags(tags: str | Iterable[str] | None) -> str:
    if tags is None:
        return ""
    return tags if isinstance(tags, str) else ",".join(tags)


def _without(item: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key not in keys}
