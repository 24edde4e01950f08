"""The rules of people's sign-in as tables of cases (no database, no broker): the password
policy, lock lengths, session ends, CSRF and origins, the sealing of TOTP secrets and codes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from services.gateway import credentials
from services.gateway.domain import passwords
from services.gateway.domain import sessions as rules

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("kopi-susu-2025", []),
        ("short", [passwords.TOO_SHORT]),
        ("rina-kopi-2025", [passwords.IS_USERNAME]),
        ("RINA-Kopi-2025", [passwords.IS_USERNAME]),
        ("x" * 300, [passwords.TOO_LONG]),
    ],
)
def test_the_password_policy_names_each_problem_in_both_languages(password, problems):
    assert passwords.problems(password, "rina") == problems
    for problem in problems:
        assert set(problem) == {"id", "en"} and problem["id"] != problem["en"]


def test_a_new_password_differs_from_the_current_one():
    assert passwords.problems("kopi-susu-2025", "rina", "kopi-susu-2025") == [passwords.UNCHANGED]


def test_temporary_passwords_are_long_random_and_pass_the_policy():
    made = {passwords.temporary() for _ in range(200)}
    assert len(made) == 200
    for password in made:
        assert len(password) == 19 and password.count("-") == 3
        assert not set(password) & set("0O1lI")
        assert passwords.problems(password, "admin") == []


@pytest.mark.parametrize(("locks", "minutes"), [(1, 15), (2, 30), (3, 60), (7, 960), (8, 1440)])
def test_each_lock_in_a_row_is_twice_as_long_up_to_a_day(locks, minutes):
    assert rules.lock_minutes(locks, base=15) == minutes


@pytest.mark.parametrize(
    ("last_seen", "expires", "ended"),
    [
        (NOW - timedelta(minutes=29), NOW + timedelta(hours=1), None),
        (NOW - timedelta(minutes=30), NOW + timedelta(hours=1), "idle"),
        (NOW - timedelta(minutes=1), NOW, "absolute"),
    ],
)
def test_a_session_ends_idle_or_at_its_end(last_seen, expires, ended):
    lifetime = rules.Lifetime(timedelta(minutes=30), timedelta(hours=12))
    assert rules.ended(NOW, last_seen, expires, lifetime) == ended
    assert lifetime.touch_every() == timedelta(minutes=1)


SITE = "https://sipmas.dinsos.local"


@pytest.mark.parametrize(
    ("method", "token", "origin", "problem"),
    [
        ("GET", None, None, None),
        ("POST", "right", None, None),
        ("POST", "right", SITE, None),
        ("POST", "right", SITE + "/", None),
        ("DELETE", None, None, "token"),
        ("PATCH", "wrong", None, "token"),
        ("PUT", "right", "https://evil.example", "origin"),
        ("POST", "right", "null", "origin"),
    ],
)
def test_a_cookie_request_that_changes_something_is_checked(method, token, origin, problem):
    assert rules.csrf_problem(method, token, "right", origin, SITE) == problem


@pytest.mark.parametrize(
    ("scheme", "host", "origin"),
    [
        ("https", "sipmas.dinsos.local:443", SITE),
        ("http", "127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http", "Example.ORG", "http://example.org"),
    ],
)
def test_the_sites_origin(scheme, host, origin):
    assert rules.origin_of(scheme, host) == origin


def test_the_gate_names_what_comes_first():
    assert rules.gate(True, True).code == "password_change_required"
    assert rules.gate(False, True).code == "totp_setup_required"
    assert rules.gate(False, False) is None
    assert rules.totp_setup_required("admin", False, {"admin"})
    assert not rules.totp_setup_required("admin", True, {"admin"})
    assert not rules.totp_setup_required("viewer", False, {"admin"})


def test_a_sealed_totp_secret_opens_only_for_its_user_and_key(monkeypatch):
    secret = credentials.new_totp_secret()
    sealed = credentials.seal(secret, "rina")
    assert secret not in sealed and credentials.unseal(sealed, "rina") == secret
    assert credentials.unseal(sealed, "budi") is None  # copied onto another user
    assert credentials.unseal(sealed[:-4] + "AAAA", "rina") is None
    monkeypatch.setenv("SIPMAS_SECRET_KEY", "another-key-altogether")
    assert credentials.unseal(sealed, "rina") is None


def test_a_code_of_this_step_or_a_neighbour_is_accepted():
    secret = pyotp.random_base32()
    now = time.time()
    totp = pyotp.TOTP(secret)
    step = int(now // 30)
    assert credentials.totp_step(secret, totp.at(now), now) == step
    assert credentials.totp_step(secret, totp.at(now - 30), now) == step - 1
    assert credentials.totp_step(secret, totp.at(now + 30), now) == step + 1
    assert credentials.totp_step(secret, totp.at(now + 90), now) is None
    assert credentials.totp_step(secret, "12 34", now) is None
    assert credentials.totp_step(secret, None, now) is None


def test_passwords_are_argon2id_and_unknown_users_cost_a_hash_too():
    stored = credentials.hash_password("kopi-susu-2025")
    assert stored.startswith("$argon2id$")
    assert credentials.verify_password(stored, "kopi-susu-2025")
    assert not credentials.verify_password(stored, "kopi-susu-2026")
    started = time.perf_counter()
    assert not credentials.verify_password(None, "kopi-susu-2025")
    unknown = time.perf_counter() - started
    started = time.perf_counter()
    credentials.verify_password(stored, "wrong-password")
    known = time.perf_counter() - started
    assert unknown > known / 3  # a real argon2 check, not a shortcut
