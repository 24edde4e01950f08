"""The README's first sign-in: ``sipmas users create admin --role admin`` prints a temporary
password; with it the admin signs in at the gateway, changes it, and is in. The CLI's other
helpers for people locked out: a new temporary password, unlock, TOTP off."""

from __future__ import annotations

import re

from tests.gateway.conftest import rows, sipmas
from tests.gateway.support_http import System
from tests.gateway.support_sessions import Browser, code, error_code

TEMPORARY = re.compile(r"temporary password / kata sandi sementara: (\S+)")


def test_the_first_admin_signs_in_with_the_printed_temporary_password(system: System, gateway_db):
    done = sipmas("users", "create", "first-admin", "--role", "admin", "--name", "Admin Dinsos")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("created first-admin (Admin Dinsos), admin, the whole district")
    temporary = TEMPORARY.search(done.stdout).group(1)

    me = Browser(system.url)
    signed = me.sign_in("first-admin", temporary)
    assert signed.status_code == 200 and signed.json()["must_change_password"] is True
    assert error_code(me.get("/api/v1/users")) == "password_change_required"
    changed = me.post(
        "/api/v1/session/password",
        json={"current_password": temporary, "new_password": "dinsos-kutim-2025"},
    )
    assert changed.status_code == 200, changed.text
    assert me.get("/api/v1/users").status_code == 200

    again = sipmas("users", "password", "first-admin")
    assert again.returncode == 0 and "shown once" in again.stderr
    fresh = again.stdout.strip()
    assert fresh and fresh not in again.stderr
    assert me.get("/api/v1/session").status_code == 401  # the reset ended the session
    assert Browser(system.url).sign_in("first-admin", "dinsos-kutim-2025").status_code == 401
    assert Browser(system.url).sign_in("first-admin", fresh).json()["must_change_password"]


def test_the_cli_unlocks_and_turns_totp_off(system: System, gateway_db):
    assert sipmas("users", "create", "locked-out", "--role", "viewer").returncode == 0
    temporary = sipmas("users", "password", "locked-out").stdout.strip()
    me = Browser(system.url)
    assert me.sign_in("locked-out", temporary).ok
    new = "sebuah-kata-sandi-baru"
    me.post("/api/v1/session/password", json={"current_password": temporary, "new_password": new})
    secret = me.post("/api/v1/session/totp").json()["secret"]
    assert me.post("/api/v1/session/totp/confirm", json={"code": code(secret)}).ok
    for _ in range(5):
        Browser(system.url).sign_in("locked-out", "wrong-wrong-wrong")
    assert error_code(Browser(system.url).sign_in("locked-out", new)) == "locked"

    assert sipmas("users", "unlock", "locked-out").returncode == 0
    assert error_code(Browser(system.url).sign_in("locked-out", new)) == "totp_required"
    assert sipmas("users", "totp-off", "locked-out").returncode == 0
    assert Browser(system.url).sign_in("locked-out", new).status_code == 200
    [(secret_column,)] = rows(
        gateway_db, "SELECT totp_secret FROM users WHERE username = 'locked-out'"
    )
    assert secret_column is None
