"""People in a browser, over HTTP against the running gateway (and the system behind it): signing
in and out with the session cookie, failures and the lock, CSRF, the forced password change,
TOTP, the audit trail of it all, the same door as a token, and the admin's user pages.

This module's gateway locks a username after 3 failures for 3 seconds (doubled the next time)
and requires TOTP of supervisors.
"""

from __future__ import annotations

import time

import pytest
import requests

from services.gateway.use_cases import audit
from sipmas import db
from tests.gateway.conftest import rows, sipmas
from tests.gateway.support_http import (
    DEFAULT_GATEWAY_ENV,
    DESA_A,
    DESA_B,
    Client,
    People,
    System,
    register,
)
from tests.gateway.support_sessions import (
    Browser,
    code,
    error_code,
    person,
    without_request_id,
)

PASSWORD = "kopi-susu-2025"
LOCK_SECONDS = 3


@pytest.fixture(scope="module")
def gateway_env() -> dict[str, str]:
    return {
        **DEFAULT_GATEWAY_ENV,
        "SIPMAS_SIGNIN_MAX_FAILURES": "3",
        "SIPMAS_SIGNIN_LOCK_MINUTES": str(LOCK_SECONDS / 60),
        "SIPMAS_TOTP_REQUIRED_ROLES": "supervisor",
        "SIPMAS_TRUST_PROXY": "1",
    }


def browser(system: System) -> Browser:
    return Browser(system.url)


# --- signing in and out -------------------------------------------------------------------------


def test_a_person_signs_in_uses_the_api_and_signs_out(system: System):
    name = person("sess-rina", "operator", PASSWORD, desa_codes=[DESA_A], name="Rina")
    me = browser(system)
    signed = me.sign_in(name, PASSWORD)
    assert signed.status_code == 200, signed.text
    session = signed.json()
    assert session["user"]["username"] == name and session["user"]["name"] == "Rina"
    assert session["user"]["role"] == "operator" and session["user"]["desa_codes"] == [DESA_A]
    assert session["must_change_password"] is False and session["totp_setup_required"] is False
    assert session["idle_timeout_seconds"] == 30 * 60 and session["csrf_token"]
    assert signed.headers["Cache-Control"] == "no-store"
    cookie = signed.headers["Set-Cookie"]
    assert cookie.startswith("sipmas_session=")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in cookie
    assert "Secure" not in cookie  # plain HTTP on this laptop: a Secure cookie would be lost
    assert len(me.cookie()) >= 43  # 32 random bytes, URL-safe base64
    stored = rows(system_engine(), "SELECT sha256 FROM web_sessions WHERE username = :u", u=name)
    assert me.cookie() not in str(stored)  # only its SHA-256 is kept

    assert me.get("/api/v1/me").json()["username"] == name
    assert me.get("/api/v1/session").json()["csrf_token"] == session["csrf_token"]
    old_cookie = me.cookie()

    out = me.delete("/api/v1/session")
    assert out.status_code == 204
    assert me.cookie() is None  # the browser dropped it
    assert error_code(me.get("/api/v1/me")) == "unauthenticated"
    replayed = requests.get(
        f"{system.url}/api/v1/me", cookies={"sipmas_session": old_cookie}, timeout=10
    )
    assert replayed.status_code == 401  # ended on the server, not only forgotten


def test_wrong_password_and_unknown_user_answer_alike(system: System):
    name = person("sess-budi", "viewer", PASSWORD)
    wrong = browser(system).sign_in(name, "not-the-password")
    unknown = browser(system).sign_in("nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert error_code(wrong) == "invalid_credentials"
    assert without_request_id(wrong.json()) == without_request_id(unknown.json())
    assert "sipmas_session" not in wrong.headers.get("Set-Cookie", "")
    [(stored,)] = rows(
        system_engine(), "SELECT password_hash FROM users WHERE username = :u", u=name
    )
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_the_cookie_is_secure_behind_the_tls_front(system: System):
    name = person("sess-tls", "viewer", PASSWORD)
    me = browser(system)
    signed = me.sign_in(name, PASSWORD, headers={"X-Forwarded-Proto": "https"})
    assert signed.status_code == 200
    assert "Secure" in signed.headers["Set-Cookie"]
    assert signed.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = browser(system).sign_in(name, PASSWORD)
    assert "Secure" not in plain.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in plain.headers


# --- failures and the lock ----------------------------------------------------------------------


def test_three_failures_lock_the_account_even_for_the_right_password(system: System):
    name = person("sess-lock", "viewer", PASSWORD)
    me = browser(system)
    answers = [me.sign_in(name, f"wrong-{i}-password") for i in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert error_code(answers[2]) == "locked"
    retry = int(answers[2].headers["Retry-After"])
    assert 1 <= retry <= LOCK_SECONDS

    right = me.sign_in(name, PASSWORD)
    assert right.status_code == 429 and error_code(right) == "locked"
    assert 1 <= int(right.headers["Retry-After"]) <= LOCK_SECONDS
    assert me.cookie() is None
    with db.session_scope("gateway") as session:
        from services.gateway.use_cases import identity

        assert identity.get_user(session, name)["locked_until"] is not None

    time.sleep(int(right.headers["Retry-After"]) + 0.5)
    assert me.sign_in(name, PASSWORD).status_code == 200  # unlocked; the count starts again

    again = [browser(system).sign_in(name, "wrong-again-pw") for _ in range(3)]
    assert again[-1].status_code == 429
    assert int(again[-1].headers["Retry-After"]) > LOCK_SECONDS  # the second lock is longer


def test_an_unknown_username_is_locked_alike(system: System):
    answers = [browser(system).sign_in("nobody-at-all", "some-password") for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 429, 429]
    assert {error_code(a) for a in answers[2:]} == {"locked"}


# --- CSRF ---------------------------------------------------------------------------------------


def test_a_cookie_request_that_changes_something_needs_the_csrf_token(system: System, people):
    name = person("sess-admin", "admin", PASSWORD)
    me = browser(system)
    assert me.sign_in(name, PASSWORD).status_code == 200
    new_user = {"username": "csrf-made", "role": "viewer", "name": "Dibuat"}

    missing = me.post("/api/v1/users", json=new_user, csrf=False)
    assert missing.status_code == 403 and error_code(missing) == "csrf"
    wrong = me.post("/api/v1/users", json=new_user, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403 and error_code(wrong) == "csrf"
    cross_site = me.post("/api/v1/users", json=new_user, headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403 and error_code(cross_site) == "csrf"
    signed_out = me.delete("/api/v1/session", csrf=False)
    assert signed_out.status_code == 403  # not even sign-out without it
    assert rows(system_engine(), "SELECT 1 FROM users WHERE username = 'csrf-made'") == []

    made = me.post("/api/v1/users", json=new_user, headers={"Origin": system.url})
    assert made.status_code == 201, made.text
    assert me.get("/api/v1/users").status_code == 200  # reading needs none

    token_made = people["admin"].post(
        "/api/v1/users", json={**new_user, "username": "csrf-token-made"}
    )
    assert token_made.status_code == 201  # a bearer token needs no CSRF token: no cookie


# --- the first sign-in with a temporary password ------------------------------------------------


def test_a_temporary_password_must_be_changed_before_anything_else(system: System):
    admin = browser(system)
    assert admin.sign_in(person("sess-admin2", "admin", PASSWORD), PASSWORD).status_code == 200
    made = admin.post(
        "/api/v1/users",
        json={"username": "sess-new", "name": "Baru", "role": "operator", "desa_codes": [DESA_A]},
    )
    assert made.status_code == 201, made.text
    temporary = made.json()["temporary_password"]
    assert made.json()["user"]["must_change_password"] is True

    me = browser(system)
    first = me.sign_in("sess-new", temporary)
    assert first.status_code == 200 and first.json()["must_change_password"] is True
    for method, path in [("GET", "/api/v1/me"), ("GET", "/api/v1/households?desa_code=x")]:
        refused = me.request(method, path)
        assert refused.status_code == 403 and error_code(refused) == "password_change_required"
    assert me.get("/api/v1/session").status_code == 200  # the session endpoints answer

    change = "/api/v1/session/password"
    wrong = me.post(change, json={"current_password": "nope", "new_password": "x" * 12})
    assert wrong.status_code == 422
    assert set(wrong.json()["error"]["fields"]) == {"current_password"}
    short = me.post(change, json={"current_password": temporary, "new_password": "short"})
    [message] = short.json()["error"]["fields"]["new_password"]
    assert "10" in message["en"] and "10" in message["id"]
    named = me.post(change, json={"current_password": temporary, "new_password": "sess-new-2025!"})
    assert named.json()["error"]["fields"]["new_password"][0]["en"].startswith(
        "A password may not contain the username"
    )
    same = me.post(change, json={"current_password": temporary, "new_password": temporary})
    assert "differ" in str(same.json()["error"]["fields"]["new_password"])

    done = me.post(change, json={"current_password": temporary, "new_password": PASSWORD})
    assert done.status_code == 200 and done.json()["must_change_password"] is False
    assert me.get("/api/v1/me").status_code == 200
    assert browser(system).sign_in("sess-new", temporary).status_code == 401
    assert browser(system).sign_in("sess-new", PASSWORD).status_code == 200


# --- TOTP ---------------------------------------------------------------------------------------


def test_totp_on_sign_in_with_a_code_and_off(system: System):
    name = person("sess-totp", "operator", PASSWORD, desa_codes=[DESA_A])
    me = browser(system)
    assert me.sign_in(name, PASSWORD).status_code == 200
    enrol = me.post("/api/v1/session/totp")
    assert enrol.status_code == 200 and enrol.headers["Cache-Control"] == "no-store"
    secret, uri = enrol.json()["secret"], enrol.json()["otpauth_uri"]
    assert uri.startswith("otpauth://totp/") and secret in uri and "SIPMAS" in uri
    [(sealed,)] = rows(
        system_engine(), "SELECT totp_pending FROM users WHERE username = :u", u=name
    )
    assert secret not in sealed  # a copy of the table gives no secret away

    bad = me.post("/api/v1/session/totp/confirm", json={"code": "000000"})
    assert bad.status_code == 422 and "code" in bad.json()["error"]["fields"]
    on = me.post("/api/v1/session/totp/confirm", json={"code": code(secret)})
    assert on.status_code == 200 and on.json()["user"]["totp_enabled"] is True

    again = browser(system)
    missing = again.sign_in(name, PASSWORD)
    assert missing.status_code == 401 and error_code(missing) == "totp_required"
    wrong = again.sign_in(name, PASSWORD, totp="123456" if code(secret) != "123456" else "654321")
    assert wrong.status_code == 401 and error_code(wrong) == "totp_required"
    wrong_password = again.sign_in(name, "wrong-password", totp=code(secret, 1))
    assert error_code(wrong_password) == "invalid_credentials"  # the code tells nothing alone
    signed = again.sign_in(name, PASSWORD, totp=code(secret, 1))
    assert signed.status_code == 200 and signed.json()["user"]["totp_enabled"] is True
    reused = browser(system).sign_in(name, PASSWORD, totp=code(secret, 1))
    assert error_code(reused) == "totp_required"  # a code opens one door once

    refused = again.delete("/api/v1/session/totp", json={"code": "12"})
    assert refused.status_code == 422
    off = again.delete("/api/v1/session/totp", json={"code": code(secret)})
    assert off.status_code == 200 and off.json()["user"]["totp_enabled"] is False
    assert browser(system).sign_in(name, PASSWORD).status_code == 200


def test_a_role_that_must_use_totp_enrols_first(system: System):
    name = person("sess-sup", "supervisor", PASSWORD, kecamatan_codes=["64.08.04"])
    me = browser(system)
    signed = me.sign_in(name, PASSWORD)
    assert signed.status_code == 200 and signed.json()["totp_setup_required"] is True
    refused = me.get("/api/v1/me")
    assert refused.status_code == 403 and error_code(refused) == "totp_setup_required"
    secret = me.post("/api/v1/session/totp").json()["secret"]
    on = me.post("/api/v1/session/totp/confirm", json={"code": code(secret)})
    assert on.status_code == 200 and on.json()["totp_setup_required"] is False
    assert me.get("/api/v1/me").status_code == 200
    off = me.delete("/api/v1/session/totp", json={"code": code(secret)})
    assert off.status_code == 409 and error_code(off) == "totp_required_for_role"


# --- the audit trail ----------------------------------------------------------------------------


def test_sign_ins_failures_locks_and_changes_are_in_the_audit_chain(system: System):
    name = person("sess-audit", "viewer", PASSWORD)
    me = browser(system)
    secret_attempt = "this-is-a-wrong-pw-77"
    me.sign_in(name, secret_attempt)
    assert me.sign_in(name, PASSWORD).status_code == 200
    assert me.post(
        "/api/v1/session/password",
        json={"current_password": PASSWORD, "new_password": PASSWORD + "!"},
    ).ok
    secret = me.post("/api/v1/session/totp").json()["secret"]
    assert me.post("/api/v1/session/totp/confirm", json={"code": code(secret)}).ok
    assert me.delete("/api/v1/session/totp", json={"code": code(secret)}).ok
    assert me.delete("/api/v1/session").status_code == 204
    for _ in range(3):
        browser(system).sign_in(name, secret_attempt)

    entries = rows(
        system_engine(),
        "SELECT actor, action, subject, outcome FROM audit_log "
        "WHERE subject LIKE :who OR actor = :name ORDER BY seq",
        who=f"user={name} %",
        name=name,
    )
    seen = [(e.actor, e.action, e.outcome) for e in entries]
    assert ("anonymous", "session.signin", 401) in seen
    assert (name, "session.signin", 200) in seen
    assert (name, "session.password", 200) in seen
    assert (name, "session.totp_on", 200) in seen and (name, "session.totp_off", 200) in seen
    assert (name, "session.signout", 204) in seen
    assert ("anonymous", "session.locked", 429) in seen
    failed = [e.subject for e in entries if e.outcome == 401]
    assert failed and all("reason=wrong_password" in s for s in failed)
    everything = str(rows(system_engine(), "SELECT * FROM audit_log"))
    assert secret_attempt not in everything and PASSWORD not in everything

    with db.session_scope("gateway") as session:
        assert audit.verify(session).ok
    verified = sipmas("audit", "verify")
    assert verified.returncode == 0 and verified.stdout.startswith("OK, ")


# --- the same door as a token -------------------------------------------------------------------


def test_a_cookie_user_sees_exactly_what_the_token_user_sees(system: System, people: People):
    """The module's operator (desa A) with their token and with a browser session."""
    mine, theirs = register(people["admin"], DESA_A), register(people["admin"], DESA_B)
    operator = people.username("operator")
    person(operator, "operator", PASSWORD)
    me = browser(system)
    assert me.sign_in(operator, PASSWORD).status_code == 200
    token: Client = people["operator"]
    for path in (
        f"/api/v1/households/{mine}",
        f"/api/v1/households/{theirs}",
        f"/api/v1/households?desa_code={DESA_B}",
        "/api/v1/imports",  # an operator may not
    ):
        by_token, by_cookie = token.get(path), me.get(path)
        assert by_cookie.status_code == by_token.status_code, path
        if by_token.ok:
            assert by_cookie.json() == by_token.json(), path
        else:
            assert without_request_id(by_cookie.json()) == without_request_id(by_token.json())
    assert me.get(f"/api/v1/households/{theirs}").status_code == 404
    audited = rows(
        system_engine(),
        "SELECT action, outcome FROM audit_log WHERE actor = :a AND :h = ANY(household_ids) "
        "ORDER BY seq",
        a=operator,
        h=theirs,
    )
    assert [(a.action, a.outcome) for a in audited] == [("households.get", 404)] * 3


# --- the admin's user pages ---------------------------------------------------------------------


def test_an_admin_keeps_users_over_http(system: System, people: People):
    admin = browser(system)
    assert admin.sign_in(person("sess-admin3", "admin", PASSWORD), PASSWORD).status_code == 200
    made = admin.post(
        "/api/v1/users",
        json={
            "username": "sess-ops",
            "name": "Operator Desa",
            "role": "operator",
            "desa_codes": [DESA_A],
            "phone": "0812-1111-2222",
        },
    ).json()
    row = made["user"]
    assert set(row) >= {
        "username", "name", "role", "kecamatan_codes", "desa_codes", "opd_code", "email",
        "phone", "active", "totp_enabled", "must_change_password", "locked_until",
    }  # fmt: skip
    assert row["phone"] == "+6281211112222" and row["active"] is True
    bad = admin.post("/api/v1/users", json={"username": "x y", "role": "operator"})
    assert bad.status_code == 422 and {"username", "desa_codes"} <= set(
        bad.json()["error"]["fields"]
    )

    listed = admin.get("/api/v1/users", params={"role": "operator"}).json()["users"]
    assert "sess-ops" in {u["username"] for u in listed}

    ops = browser(system)
    assert ops.sign_in("sess-ops", made["temporary_password"]).status_code == 200
    assert ops.post(
        "/api/v1/session/password",
        json={"current_password": made["temporary_password"], "new_password": PASSWORD},
    ).ok
    issued = admin.post("/api/v1/users/sess-ops/tokens", json={"label": "laptop"})
    assert issued.status_code == 201 and issued.json()["token"].startswith("sipmas_")
    machine = Client(system.url, issued.json()["token"])
    assert machine.get("/api/v1/me").status_code == 200
    tokens = admin.get("/api/v1/users/sess-ops/tokens").json()["tokens"]
    assert [(t["label"], t["state"], t["revoked"]) for t in tokens] == [("laptop", "live", False)]
    assert "token" not in tokens[0]

    reset = admin.post("/api/v1/users/sess-ops/password")
    assert reset.status_code == 200 and reset.headers["Cache-Control"] == "no-store"
    assert ops.get("/api/v1/me").status_code == 401  # the reset ended their session
    again = browser(system)
    assert again.sign_in("sess-ops", reset.json()["temporary_password"]).json()[
        "must_change_password"
    ]

    # devices' credentials only (an operator has none; tests/gateway/test_sync.py revokes a
    # verifier's): the browser session is not a device's and goes on
    assert admin.delete("/api/v1/users/sess-ops/sync-credentials").json() == {"revoked": 0}
    assert again.get("/api/v1/session").status_code == 200

    revoked = admin.delete(f"/api/v1/tokens/{issued.json()['id']}")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert machine.get("/api/v1/me").status_code == 401

    third = browser(system)
    assert third.sign_in("sess-ops", reset.json()["temporary_password"]).status_code == 200
    off = admin.patch("/api/v1/users/sess-ops", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert third.get("/api/v1/session").status_code == 401  # deactivated: the session ended
    assert third.sign_in("sess-ops", reset.json()["temporary_password"]).status_code == 401
    assert admin.patch("/api/v1/users/sess-ops", json={"active": True}).json()["active"] is True

    myself = admin.patch("/api/v1/users/sess-admin3", json={"active": False})
    assert myself.status_code == 409  # an admin cannot lock themselves out
    assert admin.get("/api/v1/users/nobody-such/tokens").status_code == 404
    assert people["operator"].get("/api/v1/users").status_code == 403
    audited = rows(
        system_engine(),
        "SELECT action FROM audit_log WHERE actor = 'sess-admin3' AND action LIKE 'users.%' "
        "OR actor = 'sess-admin3' AND action = 'tokens.revoke'",
    )
    assert {a.action for a in audited} >= {
        "users.create", "users.list", "users.password", "users.token_create", "users.tokens",
        "users.sync_revoke", "users.update", "tokens.revoke",
    }  # fmt: skip


def system_engine():
    return db.engine("gateway")
