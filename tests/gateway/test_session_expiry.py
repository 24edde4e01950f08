"""A session ends after its idle time without a request, and at its end at the latest, whatever
the requests: 401 ``session_expired``. This module's gateway: idle 5 s, sessions of 15 s."""

from __future__ import annotations

import time

import pytest
import requests

from tests.gateway.support_http import DEFAULT_GATEWAY_ENV, System
from tests.gateway.support_sessions import Browser, error_code, person

PASSWORD = "teh-manis-2025"
IDLE, ABSOLUTE = 5.0, 15.0


@pytest.fixture(scope="module")
def gateway_env() -> dict[str, str]:
    return {
        **DEFAULT_GATEWAY_ENV,
        "SIPMAS_SESSION_IDLE_MINUTES": str(IDLE / 60),
        "SIPMAS_SESSION_HOURS": str(ABSOLUTE / 3600),
    }


def test_a_session_left_idle_ends(system: System):
    me = Browser(system.url)
    signed = me.sign_in(person("idle-ani", "viewer", PASSWORD), PASSWORD)
    assert signed.json()["idle_timeout_seconds"] == IDLE
    for _ in range(4):  # busy for longer than the idle time: still in
        time.sleep(IDLE / 3)
        assert me.get("/api/v1/me").status_code == 200
    time.sleep(IDLE + 0.5)
    ended = me.get("/api/v1/me")
    assert ended.status_code == 401 and error_code(ended) == "session_expired"
    assert me.get("/api/v1/session").status_code == 401  # and stays ended


def test_a_session_ends_at_its_end_however_busy(system: System):
    me = Browser(system.url)
    signed = me.sign_in(person("busy-bayu", "viewer", PASSWORD), PASSWORD)
    started = time.monotonic()
    cookie = me.cookie()
    assert signed.json()["expires_at"]
    answers = []
    while time.monotonic() - started < ABSOLUTE + 1.5:
        answers.append((time.monotonic() - started, me.get("/api/v1/me").status_code))
        time.sleep(0.7)
    assert all(status == 200 for at, status in answers if at < ABSOLUTE - 1), answers
    assert answers[-1][1] == 401  # the browser dropped the cookie too (its Max-Age)
    replayed = requests.get(f"{system.url}/api/v1/me", cookies={"sipmas_session": cookie})
    assert error_code(replayed) == "session_expired"
    assert Browser(system.url).sign_in("busy-bayu", PASSWORD).status_code == 200
