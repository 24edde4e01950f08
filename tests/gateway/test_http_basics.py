"""What every caller meets, over HTTP against the running system: one JSON error shape for every
error, a request id on every answer, no stack trace and no NIK in any answer or in the gateway's
log, the rate limit per token, and an audit entry for every access to a person's data."""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid
from contextlib import ExitStack

import pytest
import requests
import sqlalchemy as sa

from services.gateway import openapi
from services.gateway.use_cases import audit
from sipmas import db, nik
from sipmas_cli import synthetic
from tests.gateway.conftest import superuser
from tests.gateway.support_http import (
    DESA_A,
    DESA_B,
    JPEG,
    MISSING,
    Client,
    People,
    System,
    free_port,
    members,
    poor_answers,
    register,
    task_of,
    wait_until,
)
from tests.support import services

ERROR_KEYS = {"code", "message", "fields", "request_id"}


def assert_error_shape(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == ERROR_KEYS and error["code"] == code
    assert error["message"]["id"] and error["message"]["en"]
    assert isinstance(error["fields"], dict)
    assert error["request_id"] == response.headers["X-Request-Id"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return error


def test_every_error_has_the_one_shape(system: System, people: People):
    anonymous = Client(system.url)
    forged = Client(system.url, "sipmas_" + "x" * 43)
    admin, viewer = people["admin"], people["viewer"]
    cases = [
        (anonymous.get("/api/v1/me"), 401, "unauthenticated"),
        (forged.get("/api/v1/me"), 401, "unauthenticated"),
        (viewer.get(f"/api/v1/households/{MISSING}"), 403, "forbidden"),
        (admin.get("/api/v1/no-such-thing"), 404, "not_found"),
        (anonymous.get("/api/nowhere"), 404, "not_found"),  # any other path is the web app's
        (admin.get(f"/api/v1/households/{MISSING}"), 404, "not_found"),
        (admin.request("DELETE", "/api/v1/households"), 405, "method_not_allowed"),
        (admin.request("PUT", "/health"), 405, "method_not_allowed"),
        (
            admin.post(
                "/api/v1/households",
                data=b"{not json",
                headers={"Content-Type": "application/json"},
            ),
            400,
            "bad_request",
        ),
        (admin.post("/api/v1/households", data=b"members=1"), 415, "unsupported_media_type"),
        (
            admin.post(
                "/api/v1/households", json={"members": [{"nama": "X"}] * 2 + ["y" * 1_100_000]}
            ),
            413,
            "too_large",
        ),
        (admin.post("/api/v1/households", json={"members": []}), 422, "invalid"),
        (admin.get("/api/v1/households", params={"desil": 11}), 422, "invalid"),
        (admin.get("/api/v1/households", params={"name": "nul\x00byte"}), 422, "invalid"),
    ]
    for response, status, code in cases:
        assert_error_shape(response, status, code)
    assert cases[-3][0].json()["error"]["fields"]["members"]  # a 422 names its field
    assert cases[6][0].headers["Allow"] == "GET, HEAD, POST"


def test_every_answer_has_its_own_request_id(system: System, people: People):
    answers = [
        requests.get(f"{system.url}/health", timeout=10),
        requests.get(f"{system.url}/docs", timeout=10),
        requests.get(f"{system.url}/openapi.json", timeout=10),
        people["admin"].get("/api/v1/me"),
        people["admin"].get("/api/v1/nothing"),
    ]
    ids = [r.headers["X-Request-Id"] for r in answers]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and len(set(ids)) == len(ids)
    log = wait_until(lambda: ids[-1] in system.log("gateway") and system.log("gateway"))
    assert all(i in log for i in ids)  # the access log names each request by its id


def test_no_nik_in_any_answer_or_in_the_gateways_log(system: System, people: People):
    admin, operator, verifier = people["admin"], people["operator"], people["verifier"]
    family = members(DESA_A)
    secrets = {m["nik"] for m in family} | {family[0]["no_kk"]}
    registered = admin.ok("POST", "/api/v1/households", json={"members": family})
    household = registered["household_ids"][0]
    answers = [
        admin.get(f"/api/v1/households/{household}"),
        operator.get("/api/v1/households", params={"nik": family[1]["nik"]}),
        operator.get("/api/v1/households", params={"no_kk": family[0]["no_kk"]}),
        operator.get(f"/api/v1/households/{household}/timeline"),
        admin.post("/api/v1/households", json={"members": family}),  # already registered
        admin.post(  # a member whose NIK breaks a rule: the error names it, masked
            "/api/v1/households",
            json={"members": [{**members(DESA_A)[0], "nik": family[0]["nik"][:15]}]},
        ),
        verifier.get("/api/v1/tasks"),
        operator.get(f"/api/v1/households/{MISSING}", params={"nik": family[0]["nik"]}),
    ]
    task_of(verifier, household)
    answers.append(verifier.get(f"/api/v1/households/{household}"))
    assert answers[0].status_code == 200 and answers[1].status_code == 200
    found = answers[1].json()["households"]
    assert [h["id"] for h in found] == [household]  # a search by NIK finds the family
    assert found[0]["head_nik"] == nik.mask(family[0]["nik"])
    shown = answers[0].json()
    assert {m["nik"] for m in shown["members"]} == {nik.mask(m["nik"]) for m in family}
    assert shown["no_kk"] == nik.mask(family[0]["no_kk"])
    for response in answers:
        for secret in secrets:
            assert secret not in response.text, response.request.url
            assert secret[:15] not in response.text
    time.sleep(0.5)
    log = system.log("gateway")
    assert str(household) in log  # the log was written
    for secret in secrets:
        assert secret not in log and secret[:15] not in log


def test_a_failure_answers_500_with_its_request_id_only(system: System, people: People, gateway_db):
    household = register(people["admin"], DESA_A)
    with superuser(gateway_db) as conn:  # the audit log cannot be written: no unlogged access
        conn.execute(sa.text("ALTER TABLE audit_log RENAME TO audit_log_away"))
    try:
        response = people["operator"].get(f"/api/v1/households/{household}")
    finally:
        with superuser(gateway_db) as conn:
            conn.execute(sa.text("ALTER TABLE audit_log_away RENAME TO audit_log"))
    error = assert_error_shape(response, 500, "internal")
    assert error["fields"] == {}
    assert "WARGA" not in response.text and "audit" not in response.text.lower()
    lines = wait_until(
        lambda: [ln for ln in system.log("gateway").splitlines() if error["request_id"] in ln]
    )
    failure = next(ln for ln in lines if "failed" in ln)
    assert "UndefinedTable" in failure or "audit_log" in failure
    assert "Traceback" not in system.log("gateway")
    assert people["operator"].get(f"/api/v1/households/{household}").status_code == 200


def test_every_access_to_a_persons_data_is_audited_and_the_chain_verifies(
    system: System, people: People, gateway_db
):
    inside = register(people["admin"], DESA_A)
    outside = register(people["admin"], DESA_B)
    seen = people["operator"].get(f"/api/v1/households/{inside}")
    hidden = people["operator"].get(f"/api/v1/households/{outside}")
    denied = people["viewer"].get(f"/api/v1/households/{inside}")
    report = people["viewer"].get("/api/v1/reports/households")
    assert (seen.status_code, hidden.status_code, denied.status_code) == (200, 404, 403)
    assert report.status_code == 200

    def entry(response):
        with gateway_db.connect() as conn:
            return conn.execute(
                sa.text("SELECT * FROM audit_log WHERE request_id = :r"),
                {"r": response.headers["X-Request-Id"]},
            ).first()

    read = entry(seen)
    assert (read.actor, read.role, read.action, read.outcome) == (
        people.username("operator"),
        "operator",
        "households.get",
        200,
    )
    assert list(read.household_ids) == [inside]
    assert entry(hidden).outcome == 404 and list(entry(hidden).household_ids) == [outside]
    assert entry(denied).outcome == 403 and entry(denied).actor == people.username("viewer")
    assert entry(report) is None  # aggregates are no one's data
    with db.session_scope("gateway") as session:
        verdict = audit.verify(session)
    assert verdict.ok, verdict.text()
    assert verdict.checked >= 3


def test_the_rate_limit_per_token(system: System, people: People, amqp_uri, tmp_path):
    """A second gateway on the same system, allowing 3 requests a minute per token."""
    port = free_port()
    with ExitStack() as stack:
        stack.enter_context(
            services.running(
                "gateway",
                amqp_uri,
                tmp_path / "limited.log",
                WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
                SIPMAS_GATEWAY_RATE_PER_MINUTE="3",
            )
        )
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _up(url))
        admin = Client(url, people.tokens["admin"])
        assert [admin.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
        limited = admin.get("/api/v1/me")
        assert_error_shape(limited, 429, "rate_limited")
        assert 1 <= int(limited.headers["Retry-After"]) <= 20
        assert Client(url, people.tokens["viewer"]).get("/api/v1/me").status_code == 200
        assert all(requests.get(f"{url}/health", timeout=5).status_code == 200 for _ in range(5))
        anonymous = [requests.get(f"{url}/api/v1/me", timeout=5).status_code for _ in range(4)]
        assert anonymous == [401, 401, 401, 429]  # no token: limited by address


def _up(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.mark.parametrize("path", ["/docs", "/openapi.json"])
def test_the_docs_need_no_token_and_no_internet(system: System, path: str):
    response = requests.get(system.url + path, timeout=10)
    assert response.status_code == 200
    assert "cdn" not in response.text.lower() and "<script" not in response.text
    if path == "/openapi.json":
        assert response.json()["openapi"].startswith("3.0")
    else:
        assert response.headers["Content-Type"].startswith("text/html")
        assert "/api/v1/tasks/{task_id}/visits" in response.text


# --- the walk-through of the README, with curl itself ------------------------------------------


def curl(*args: str) -> dict:
    """``curl -s ARGS`` as a user types it; its JSON answer."""
    done = subprocess.run(
        ["curl", "-s", "--fail-with-body", *args], capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_the_curl_walk_through(system: System, people: People, tmp_path):
    """Import a file, see the households of your area, submit a visit with photos, approve it,
    and as an agency see and answer the referral — with curl, as the docs show it."""
    api, auth = (
        system.url,
        {role: f"Authorization: Bearer {t}" for role, t in people.tokens.items()},
    )
    export = tmp_path / "p3ke.csv"
    synthetic.write_file("p3ke", 5, export, seed=2025, error_rate=0.2)
    started = curl(
        "-H", auth["admin"], "-F", "source=p3ke", "-F", f"file=@{export}", f"{api}/api/v1/imports"
    )
    assert started["status"] == "running"  # in the background: the page follows it

    def finished() -> dict | None:
        found = curl("-H", auth["admin"], f"{api}/api/v1/imports/{started['batch_id']}")
        return None if found["status"] == "running" else found

    report = wait_until(finished)
    assert report["summary"]["rejected"] and report["problems"]

    family = tmp_path / "family.json"
    family.write_text(json.dumps({"members": members(DESA_A)}))
    registered = curl(
        "-H",
        auth["operator"],
        "-H",
        "Content-Type: application/json",
        "-d",
        f"@{family}",
        f"{api}/api/v1/households",
    )
    household = registered["household_ids"][0]
    mine = curl("-H", auth["operator"], f"{api}/api/v1/households?desa_code={DESA_A}&limit=100")
    assert household in {h["id"] for h in mine["households"]}
    assert all(h["desa_code"] == DESA_A for h in mine["households"])

    task = wait_until(
        lambda: next(
            (
                t
                for t in curl("-H", auth["verifier"], f"{api}/api/v1/tasks")["tasks"]
                if t["household"]["household_id"] == household
            ),
            None,
        )
    )
    example = openapi.DOCS["tasks.visit"].example
    (tmp_path / "visit.json").write_text(
        json.dumps({**example, "client_key": uuid.uuid4().hex, "answers": poor_answers()})
    )
    photos = []
    for kind in ("rumah", "lantai", "atap", "dapur", "sanitasi"):
        (tmp_path / f"{kind}.jpg").write_bytes(JPEG + f"{household}:{kind}".encode())
        photos += ["-F", f"{kind}=@{tmp_path / kind}.jpg"]
    visited = curl(
        "-H",
        auth["verifier"],
        "-F",
        f"visit=<{tmp_path / 'visit.json'};type=application/json",
        *photos,
        f"{api}/api/v1/tasks/{task['task_id']}/visits",
    )
    assert visited["household_id"] == household and len(visited["photos"]) == 5
    approved = curl(
        "-H",
        auth["supervisor"],
        "-H",
        "Content-Type: application/json",
        "-d",
        '{"flags_reviewed": true}',
        f"{api}/api/v1/tasks/{task['task_id']}/approve",
    )
    assert approved["outcome"] == "approved"

    referral = wait_until(
        lambda: next(
            (
                r
                for r in curl("-H", auth["opd"], f"{api}/api/v1/referrals")["referrals"]
                if r["household"]["household_id"] == household
            ),
            None,
        )
    )
    assert referral["opd_code"] == "perkim" and referral["household"]["desa_code"] == DESA_A
    accepted = curl(
        "-H",
        auth["opd"],
        "-H",
        "Content-Type: application/json",
        "-d",
        '{"status": "accepted"}',
        f"{api}/api/v1/referrals/{referral['referral_id']}/status",
    )
    (tmp_path / "berita-acara.pdf").write_bytes(b"%PDF-1.4\nberita acara serah terima\n")
    completed = curl(
        "-H",
        auth["opd"],
        "-F",
        "status=completed",
        "-F",
        "note=rumah selesai dibangun",
        "-F",
        f"evidence=@{tmp_path / 'berita-acara.pdf'}",
        f"{api}/api/v1/referrals/{referral['referral_id']}/status",
    )
    assert (accepted["state"], completed["state"]) == ("received", "closed")
    with db.session_scope("gateway") as session:
        assert audit.verify(session).ok
