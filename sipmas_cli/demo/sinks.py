"""``sipmas sinks``: the local stand-ins for the district's mail server, its SMS provider and the
agencies' webhook receivers, so that notifications really leave SIPMAS in development.

- SMTP on ``SIPMAS_SMTP_HOST``:``SIPMAS_SMTP_PORT`` (the address the notifications service sends
  to; ``make run`` uses port 2525, so no root port is needed);
- HTTP on the host and port of ``SIPMAS_SMS_GATEWAY_URL``: ``POST`` to any path is an SMS,
  ``POST /webhook/<opd>`` an agency's webhook; ``GET /health`` says where everything is,
  ``GET /messages?since=N`` lists what arrived after message ``N`` (what ``sipmas demo`` counts)
  and ``GET /messages/<n>`` gives message ``n`` as it was kept (a webhook's signature is checked
  on it).

Every message is kept under ``SIPMAS_SINKS_DIR`` (default ``var/sinks``): one file each
(``email/<n>.eml``, ``sms/<n>.json``, ``webhook/<n>.json`` with headers and the raw body) and
one line per message in ``index.jsonl`` (channel, recipient, ids; never the text itself).

The SMTP side uses aiosmtpd, a development dependency (``pip install -e .[dev]``): it is
imported only when the sinks start, so production never needs it.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sipmas import settings

INDEX = "index.jsonl"
DELIVERY_ID = re.compile(r"\.d(\d+)@")  # notifications' Message-ID: make_msgid("d<delivery id>")
WEBHOOK_PATH = re.compile(r"^/webhook/([a-z0-9_]+)/?$")
ONE_MESSAGE = re.compile(r"^/messages/(\d+)$")
WEBHOOK_HEADERS = ("X-SIPMAS-Timestamp", "X-SIPMAS-Signature", "X-SIPMAS-Event-Id")


def sinks_dir() -> Path:
    return Path(settings.env("SIPMAS_SINKS_DIR", "var/sinks"))


def http_address() -> tuple[str, int]:
    """Host and port of the HTTP sink: those of the SMS gateway URL the services use."""
    url = urllib.parse.urlsplit(settings.sms_gateway_url())
    return url.hostname or "127.0.0.1", url.port or (443 if url.scheme == "https" else 80)


def http_base() -> str:
    host, port = http_address()
    return f"http://{host}:{port}"


class Store:
    """Files and the index, numbered on from what an earlier run left (thread-safe)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.index = self.root / INDEX
        self._lock = threading.Lock()
        self.count = sum(1 for _ in self.index.open(encoding="utf-8")) if self.index.exists() else 0

    def keep(self, channel: str, suffix: str, content: bytes, entry: dict[str, Any]) -> dict:
        with self._lock:
            self.count += 1
            folder = self.root / channel
            folder.mkdir(exist_ok=True)
            name = f"{self.count:07d}{suffix}"
            (folder / name).write_bytes(content)
            entry = {
                "n": self.count,
                "channel": channel,
                "received_at": datetime.now(UTC).isoformat(),
                "file": f"{channel}/{name}",
                **entry,
            }
            with self.index.open("a", encoding="utf-8") as index:
                index.write(json.dumps(entry, ensure_ascii=False) + "\n")
            return entry

    def content(self, n: int) -> bytes | None:
        """The file of message ``n`` as it was kept."""
        entry = next((e for e in self.since(n - 1) if e["n"] == n), None)
        return (self.root / entry["file"]).read_bytes() if entry else None

    def since(self, n: int) -> list[dict[str, Any]]:
        with self._lock:
            if not self.index.exists():
                return []
            with self.index.open(encoding="utf-8") as index:
                return [e for e in map(json.loads, index) if e["n"] > n]

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for entry in self.since(0):
            found[entry["channel"]] = found.get(entry["channel"], 0) + 1
        return found


# --- SMTP ---------------------------------------------------------------------------------------


class MailHandler:
    """aiosmtpd's handler: keep each message as ``.eml``, index its recipients and ids."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def handle_DATA(self, server, session, envelope) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        found = DELIVERY_ID.search(str(mail.get("Message-ID", "")))
        self.store.keep(
            "email",
            ".eml",
            envelope.content,
            {
                "to": list(envelope.rcpt_tos),
                "subject": str(mail.get("Subject", "")),
                "event_id": mail.get("X-SIPMAS-Event-Id"),
                "delivery_id": int(found.group(1)) if found else None,
            },
        )
        return "250 OK: kept by sipmas sinks"


# --- HTTP: SMS gateway and webhook receivers -----------------------------------------------------


def handler_for(store: Store, smtp: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urllib.parse.urlsplit(self.path).path
            webhook = WEBHOOK_PATH.match(path)
            if webhook:
                entry = self._webhook(webhook.group(1), path, body)
            else:
                entry = self._sms(path, body)
            self._answer(200, {"ok": True, "n": entry["n"]})

        def _sms(self, path: str, body: bytes) -> dict:
            try:
                sent = json.loads(body)
            except ValueError:
                sent = {}
            return store.keep(
                "sms", ".json", body, {"path": path, "to": sent.get("to") if sent else None}
            )

        def _webhook(self, opd_code: str, path: str, body: bytes) -> dict:
            headers = {name: self.headers.get(name) for name in WEBHOOK_HEADERS}
            kept = json.dumps({"path": path, "headers": headers, "body": body.decode()}).encode()
            return store.keep(
                "webhook",
                ".json",
                kept,
                {"path": path, "opd_code": opd_code, "event_id": headers["X-SIPMAS-Event-Id"]},
            )

        def do_GET(self) -> None:  # noqa: N802
            url = urllib.parse.urlsplit(self.path)
            one = ONE_MESSAGE.match(url.path)
            if one:
                content = store.content(int(one.group(1)))
                if content is None:
                    self._answer(404, {"error": "not_found"})
                else:
                    self._raw(200, content)
            elif url.path == "/messages":
                since = int(urllib.parse.parse_qs(url.query).get("since", ["0"])[0])
                self._answer(200, {"messages": store.since(since)})
            elif url.path in ("/", "/health"):
                self._answer(
                    200,
                    {
                        "smtp": smtp,
                        "dir": str(store.root),
                        "last": store.count,
                        "received": store.counts(),
                    },
                )
            else:
                self._answer(404, {"error": "not_found"})

        def _answer(self, status: int, body: dict) -> None:
            self._raw(status, json.dumps(body).encode(), "application/json")

        def _raw(self, status: int, raw: bytes, kind: str = "application/octet-stream") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the index says it all
            return

    return Handler


@contextmanager
def running(root: Path | None = None) -> Iterator[dict[str, Any]]:
    """Both sinks, started on the configured addresses; stopped on exit."""
    from aiosmtpd.controller import Controller  # a development dependency: see the docstring

    store = Store(root or sinks_dir())
    smtp_host, smtp_port = settings.smtp_host(), settings.smtp_port()
    controller = Controller(MailHandler(store), hostname=smtp_host, port=smtp_port)
    controller.start()
    try:
        http = ThreadingHTTPServer(http_address(), handler_for(store, f"{smtp_host}:{smtp_port}"))
    except OSError:
        controller.stop()
        raise
    serving = threading.Thread(target=http.serve_forever, name="sinks-http", daemon=True)
    serving.start()
    try:
        yield {
            "smtp": f"{smtp_host}:{smtp_port}",
            "http": http_base(),
            "dir": str(store.root),
            "store": store,
        }
    finally:
        http.shutdown()
        http.server_close()
        controller.stop()


def serve() -> int:
    """``sipmas sinks``: run until Ctrl-C or SIGTERM."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per connection
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with running() as where:
            print(
                f"sinks: SMTP {where['smtp']}, SMS/webhooks {where['http']} "
                f"(POST /sms, POST /webhook/<opd>; GET /messages), kept in {where['dir']}",
                flush=True,
            )
            with suppress(KeyboardInterrupt):
                stop.wait()
    except ImportError:
        print("sipmas sinks needs aiosmtpd, a development dependency: pip install -e '.[dev]'")
        return 2
    except OSError as error:  # a port in use (another sinks?), or no permission (port 25)
        smtp = f"{settings.smtp_host()}:{settings.smtp_port()}"
        print(f"sinks: cannot listen on SMTP {smtp} or HTTP {http_base()}: {error}")
        return 1
    return 0


# --- the client side: what sipmas demo asks the sinks -------------------------------------------


def health(timeout: float = 3.0) -> dict[str, Any]:
    """The running sinks' addresses and counts; ``OSError`` when nothing answers."""
    return json.loads(_get("/health", timeout))


def received_since(n: int, timeout: float = 10.0) -> list[dict[str, Any]]:
    return json.loads(_get(f"/messages?since={n}", timeout))["messages"]


def kept(n: int, timeout: float = 10.0) -> bytes:
    """The file the sinks kept for message ``n`` (a webhook's headers and raw body)."""
    return _get(f"/messages/{n}", timeout)


def _get(path: str, timeout: float) -> bytes:
    with urllib.request.urlopen(http_base() + path, timeout=timeout) as answer:
        return answer.read()
