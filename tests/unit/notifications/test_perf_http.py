"""Webhooks and the SMS gateway reuse a kept-alive HTTP connection per host, replace one the
server closed, and still name every failure as before."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.notifications.channels import http


@pytest.fixture
def server() -> Iterator[tuple[str, list[int]]]:
    """An HTTP/1.1 receiver; yields its URL and the client port of each request."""
    ports: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            ports.append(self.client_address[1])
            status = 503 if self.path == "/busy" else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            if self.path == "/close":
                self.send_header("Connection", "close")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    http._pool.clear()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", ports
    finally:
        http._pool.clear()
        httpd.shutdown()
        httpd.server_close()


def test_posts_to_one_host_share_one_connection(server):
    url, ports = server
    outcomes = [
        http.post(f"{url}/hook", b"{}", {"Content-Type": "application/json"}, 2) for _ in range(5)
    ]
    assert [o.status for o in outcomes] == ["ok"] * 5
    assert len(set(ports)) == 1


def test_a_connection_the_server_closes_is_replaced(server):
    url, ports = server
    assert http.post(f"{url}/close", b"{}", {}, 2).status == "ok"
    assert http.post(f"{url}/hook", b"{}", {}, 2).status == "ok"
    assert len(set(ports)) == 2


def test_failures_are_named_as_before(server):
    url, _ = server
    assert http.post(f"{url}/busy", b"{}", {}, 2).detail == "HTTP 503"
    assert http.post(f"{url}/busy", b"{}", {}, 2).status == "temporary"
    refused = http.post("http://127.0.0.1:1/hook", b"{}", {}, 2)
    assert (refused.status, refused.detail) == ("temporary", "connection: ConnectionRefusedError")
    assert http.post("ftp://x/y", b"{}", {}, 2).status == "permanent"
