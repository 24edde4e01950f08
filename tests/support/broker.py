"""The real RabbitMQ, seen through its management API: vhosts, queues, definitions."""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

API = os.environ.get("RABBIT_API_URI", "http://127.0.0.1:15672/api")
AUTH = base64.b64encode(os.environ.get("RABBIT_API_AUTH", "guest:guest").encode()).decode()


def api(method: str, path: str, body: Any = None) -> Any:
    """Call the management API; returns the decoded JSON answer (None when empty)."""
    request = urllib.request.Request(
        f"{API}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Basic {AUTH}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def quote(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def create_vhost(name: str, user: str = "guest") -> None:
    api("PUT", f"/vhosts/{quote(name)}", {})
    api(
        "PUT",
        f"/permissions/{quote(name)}/{quote(user)}",
        {"configure": ".*", "write": ".*", "read": ".*"},
    )


def delete_vhost(name: str) -> None:
    try:
        api("DELETE", f"/vhosts/{quote(name)}")
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise


def queues(vhost: str) -> list[dict[str, Any]]:
    return api("GET", f"/queues/{quote(vhost)}")


def queue(vhost: str, name: str) -> dict[str, Any] | None:
    try:
        return api("GET", f"/queues/{quote(vhost)}/{quote(name)}")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise
