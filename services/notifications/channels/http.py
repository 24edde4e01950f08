"""One HTTP POST and what its answer means for a retry (SMS gateways and webhooks alike).

Connections are kept alive and reused per host (a new TCP connection per message cost more than
the message); one the server closed while idle is replaced once, transparently. Redirects are
not followed: a webhook or gateway URL that moved is fixed in the contact.
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse

from services.notifications.channels import OK, PERMANENT, TEMPORARY, Outcome
from sipmas import settings

RETRYABLE_STATUS = frozenset({408, 425, 429})
IDLE_PER_HOST = 4
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)

Key = tuple[str, str, int]


def classify(status: int) -> str:
    """2xx ok; 5xx, 408, 425, 429 temporary; any other answer permanent (retrying cannot help)."""
    if 200 <= status < 300:
        return OK
    if status >= 500 or status in RETRYABLE_STATUS:
        return TEMPORARY
    return PERMANENT


def post(url: str, body: bytes, headers: dict[str, str], timeout: float | None = None) -> Outcome:
    """POST ``body``; the outcome names the status or the network error, never the body."""
    try:
        key, path = _target(url)
        status = _pool.post(key, path, body, headers, timeout or settings.notify_http_timeout())
        return Outcome(classify(status), f"HTTP {status}")
    except TimeoutError:
        return Outcome(TEMPORARY, "timeout")
    except (http.client.HTTPException, ConnectionError, OSError) as error:
        return Outcome(TEMPORARY, f"connection: {type(error).__name__}")
    except ValueError as error:  # an unusable URL: fix the contact, then resend
        return Outcome(PERMANENT, f"invalid url: {type(error).__name__}")


def _target(url: str) -> tuple[Key, str]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"unusable url scheme or host: {parts.scheme!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return (parts.scheme, parts.hostname, port), path


class Pool:
    """Idle keep-alive connections per (scheme, host, port); a sender takes one, gives it back."""

    def __init__(self) -> None:
        self._idle: dict[Key, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()  # green under eventlet

    def post(self, key: Key, path: str, body: bytes, headers: dict, timeout: float) -> int:
        connection, reused = self._take(key, timeout)
        try:
            status, keep = _exchange(connection, path, body, headers)
        except STALE:
            connection.close()
            if not reused:
                raise
            connection = self._new(key, timeout)
            status, keep = self._exchange_or_close(connection, path, body, headers)
        except BaseException:
            connection.close()
            raise
        self._give_back(key, connection, keep)
        return status

    def clear(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _exchange_or_close(self, connection, path, body, headers) -> tuple[int, bool]:
        try:
            return _exchange(connection, path, body, headers)
        except BaseException:
            connection.close()
            raise

    def _take(self, key: Key, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                connection = idle.pop()
                connection.timeout = timeout
                if connection.sock is not None:
                    connection.sock.settimeout(timeout)
                return connection, True
        return self._new(key, timeout), False

    @staticmethod
    def _new(key: Key, timeout: float) -> http.client.HTTPConnection:
        scheme, host, port = key
        kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        return kind(host, port, timeout=timeout)

    def _give_back(self, key: Key, connection: http.client.HTTPConnection, keep: bool) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if keep and len(idle) < IDLE_PER_HOST:
                idle.append(connection)
                return
        connection.close()


def _exchange(connection, path: str, body: bytes, headers: dict) -> tuple[int, bool]:
    """One request and its whole answer (read, so that the connection can be reused)."""
    connection.request("POST", path, body=body, headers=headers)
    answer = connection.getresponse()
    answer.read()
    return answer.status, not answer.will_close


_pool = Pool()
