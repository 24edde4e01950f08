"""A person in a browser, for the session tests: signs in with a password, keeps the cookie the
gateway sets (``requests`` keeps it as a browser does) and sends the CSRF token the session
answered with, as ``web/src/api/client.ts`` does."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import requests

from services.gateway.use_cases import identity
from sipmas import db

JSON = "application/json"


class Browser:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.csrf: str | None = None
        self.session: dict[str, Any] | None = None

    def sign_in(self, username: str, password: str, totp: str | None = None, **kwargs: Any):
        body = {"username": username, "password": password}
        if totp is not None:
            body["totp"] = totp
        response = self.http.post(f"{self.url}/api/v1/session", json=body, timeout=60, **kwargs)
        if response.status_code == 200:
            self.session = response.json()
            self.csrf = self.session["csrf_token"]
        return response

    def request(self, method: str, path: str, csrf: bool = True, **kwargs: Any):
        headers = dict(kwargs.pop("headers", {}))
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            headers.setdefault("X-CSRF-Token", self.csrf)
        kwargs.setdefault("timeout", 60)
        return self.http.request(method, self.url + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any):
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.request("DELETE", path, **kwargs)

    def patch(self, path: str, **kwargs: Any):
        return self.request("PATCH", path, **kwargs)

    def cookie(self) -> str | None:
        return self.http.cookies.get("sipmas_session")


def person(username: str, role: str, password: str, temporary: bool = False, **fields) -> str:
    """A user with this password (created if new); returns the username."""
    with db.session_scope("gateway") as session:
        try:
            identity.get_user(session, username)
        except Exception:
            identity.create_user(session, {"username": username, "role": role, **fields}, "test")
        identity.set_password(session, username, password, "test", temporary=temporary)
    return username


def code(secret: str, steps_ahead: int = 0) -> str:
    """The TOTP code of now (or of a step ahead: accepted as clock drift)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def error_code(response: requests.Response) -> str:
    assert response.headers["Content-Type"].startswith(JSON), response.text
    return response.json()["error"]["code"]


def without_request_id(body: dict) -> dict:
    return {**body, "error": {k: v for k, v in body["error"].items() if k != "request_id"}}
