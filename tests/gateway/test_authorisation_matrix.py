"""Every role × every endpoint × inside and outside its scope, over HTTP against the running
system. The cases come from the policy table (``policy.ENDPOINTS``): a new endpoint without a
probe here fails ``test_every_endpoint_has_a_probe``.

- a role the table does not name gets 403;
- inside its scope, a role gets 200/201 (lists contain what is in scope);
- outside its scope: 404 for a thing (byte for byte the answer for an id nothing has), a list
  without the outside things, 422 for registering a household in another desa.

Area A (Sangatta Utara) is the scoped users' (supervisor: kecamatan, verifier/operator: desa,
viewer: kecamatan); area B (Muara Ancalong) is outside; the agency is Perkim.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from services.gateway.domain import policy
from sipmas import db
from sipmas_cli import synthetic
from tests.gateway.matrix_probes_sync import SYNC_DENIED_PATHS, SYNC_PROBES
from tests.gateway.matrix_probes_users import USER_DENIED_PATHS, USER_PROBES
from tests.gateway.matrix_probes_web import WEB_DENIED_PATHS, WEB_PROBES
from tests.gateway.support_http import (
    DESA_A,
    DESA_B,
    MISSING,
    People,
    members,
    register,
    submitted_task,
    task_of,
    verified_household,
    visit_form,
    wait_until,
)

ROLES = ("admin", "supervisor", "verifier", "operator", "opd", "viewer")


@dataclass
class Probe:
    method: str
    path: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    status: int = 200  # the answer expected
    check: Callable[[Any], bool] | None = None  # on the JSON answer
    missing: str | None = None  # the same request for an id nothing has (outside: same 404)


@dataclass
class World:
    people: People
    a_household: int  # in area A, its task assigned to the verifier
    a_task: int
    b_household: int  # in area B, its task assigned to verifier_b
    b_task: int
    a_verified: int  # verified in A: referrals to Perkim and others
    b_verified: int
    a_referral: int  # A's Perkim referral
    b_referral: int  # B's Perkim referral
    other_referral: int  # A's referral to another agency
    other_agency: str
    tmp: Any
    a_returned: dict  # in area A: a visit returned to the verifier (on their desk, with photos)
    a_photo: str  # a photo of A's verified household
    b_photo: str  # a photo of B's verified household
    e_referral: int  # A's Perkim referral completed with evidence (another household's)
    e_other: int  # that household's referral to another agency, completed with evidence


def _referral(household_id: int, agency: str | None = None, other: bool = False) -> tuple:
    def found():
        with db.engine("referral").connect() as conn:
            return conn.execute(
                sa.text(
                    "SELECT id, opd_code FROM referrals WHERE household_id = :h AND "
                    + ("opd_code <> :a" if other else "opd_code = :a")
                    + " ORDER BY id LIMIT 1"
                ),
                {"h": household_id, "a": agency or "perkim"},
            ).first()

    return tuple(wait_until(found))


@pytest.fixture(scope="module")
def world(people: People, tmp_path_factory) -> World:
    admin = people["admin"]
    a_household = register(admin, DESA_A)
    b_household = register(admin, DESA_B)
    a_task = task_of(people["verifier"], a_household)["task_id"]
    b_task = task_of(people["verifier_b"], b_household)["task_id"]
    a_verified = verified_household(people, DESA_A)["household"]["household_id"]
    b_verified = verified_household(people, DESA_B)["household"]["household_id"]
    other_referral, other_agency = _referral(a_verified, other=True)
    a_returned = submitted_task(people, DESA_A)
    admin.ok("POST", f"/api/v1/tasks/{a_returned['task_id']}/return", json={"note": "ulang"})
    e_verified = verified_household(people, DESA_A)["household"]["household_id"]
    e_referral, e_other = _referral(e_verified)[0], _referral(e_verified, other=True)[0]
    b_referral = _referral(b_verified)[0]
    for referral_id in (e_referral, e_other, b_referral):
        _complete(admin, referral_id)
    return World(
        people=people,
        a_household=a_household,
        a_task=a_task,
        b_household=b_household,
        b_task=b_task,
        a_verified=a_verified,
        b_verified=b_verified,
        a_referral=_referral(a_verified)[0],
        b_referral=b_referral,
        other_referral=other_referral,
        other_agency=other_agency,
        tmp=tmp_path_factory.mktemp("matrix"),
        a_returned=a_returned,
        a_photo=_photo_of(a_verified),
        b_photo=_photo_of(b_verified),
        e_referral=e_referral,
        e_other=e_other,
    )


def _photo_of(household_id: int) -> str:
    with db.engine("verification").connect() as conn:
        return conn.execute(
            sa.text("SELECT sha256 FROM photos WHERE household_id = :h ORDER BY sha256 LIMIT 1"),
            {"h": household_id},
        ).scalar_one()


# --- one probe per endpoint: what "inside" and "outside" mean for it ----------------------------


def _ids(key: str, answer: dict, inner: str = "id") -> set:
    return {item[inner] if inner else item for item in answer[key]}


def me(w: World, role: str, where: str) -> Probe:
    return Probe("GET", "/api/v1/me", check=lambda a: a["username"] == w.people.username(role))


def households_search(w: World, role: str, where: str) -> Probe:
    if where == "outside":
        return Probe(
            "GET",
            "/api/v1/households",
            {"params": {"desa_code": DESA_B}},
            check=lambda a: a["households"] == [],
        )
    return Probe(
        "GET",
        "/api/v1/households",
        {"params": {"desa_code": DESA_A, "limit": 100}},
        check=lambda a: w.a_household in _ids("households", a),
    )


def households_register(w: World, role: str, where: str) -> Probe:
    if where == "outside":
        return Probe(
            "POST",
            "/api/v1/households",
            {"json": {"members": members(DESA_B)}},
            status=422,
            check=lambda a: "kode_desa" in str(a["error"]["fields"]),
        )
    return Probe(
        "POST",
        "/api/v1/households",
        {"json": {"members": members(DESA_A)}},
        status=201,
        check=lambda a: len(a["household_ids"]) == 1,
    )


def _household_probe(suffix: str = "", method: str = "GET", **kwargs: Any):
    def probe(w: World, role: str, where: str) -> Probe:
        household = w.b_household if where == "outside" else w.a_household
        return Probe(
            method,
            f"/api/v1/households/{household}{suffix}",
            kwargs,
            status=404 if where == "outside" else 200,
            missing=f"/api/v1/households/{MISSING}{suffix}",
        )

    return probe


def imports_create(w: World, role: str, where: str) -> Probe:
    path = w.tmp / f"p3ke-{uuid.uuid4().hex[:8]}.csv"
    synthetic.write_file("p3ke", 2, path, seed=uuid.uuid4().int % 100_000)
    return Probe(
        "POST",
        "/api/v1/imports",
        {"data": {"source": "p3ke"}, "files": {"file": (path.name, path.read_bytes())}},
        status=202,
        check=lambda a: a["batch_id"] > 0 and a["upload"]["filename"] == path.name,
    )


def tasks_list(w: World, role: str, where: str) -> Probe:
    if where == "outside":
        return Probe(
            "GET", "/api/v1/tasks", check=lambda a: w.b_task not in _ids("tasks", a, "task_id")
        )
    return Probe("GET", "/api/v1/tasks", check=lambda a: w.a_task in _ids("tasks", a, "task_id"))


def tasks_visit(w: World, role: str, where: str) -> Probe:
    data, files = visit_form()
    if where == "outside":
        return Probe(
            "POST",
            f"/api/v1/tasks/{w.b_task}/visits",
            {"data": data, "files": files},
            status=404,
            missing=f"/api/v1/tasks/{MISSING}/visits",
        )
    fresh = task_of(w.people["verifier"], register(w.people["admin"], DESA_A))
    return Probe(
        "POST",
        f"/api/v1/tasks/{fresh['task_id']}/visits",
        {"data": data, "files": files},
        status=201,
        check=lambda a: a["task_id"] == fresh["task_id"] and len(a["photos"]) == 5,
    )


def _decision(action: str, body: dict[str, Any]):
    def probe(w: World, role: str, where: str) -> Probe:
        if where == "outside":
            return Probe(
                "POST",
                f"/api/v1/tasks/{w.b_task}/{action}",
                {"json": body},
                status=404,
                missing=f"/api/v1/tasks/{MISSING}/{action}",
            )
        task = submitted_task(w.people, DESA_A)
        return Probe(
            "POST",
            f"/api/v1/tasks/{task['task_id']}/{action}",
            {"json": body},
            check=lambda a: a["task_id"] == task["task_id"],
        )

    return probe


def referrals_list(w: World, role: str, where: str) -> Probe:
    if role == "opd":
        if where == "outside":
            return Probe(
                "GET", "/api/v1/referrals", {"params": {"opd_code": w.other_agency}}, status=404
            )
        return Probe(
            "GET",
            "/api/v1/referrals",
            check=lambda a: (
                w.a_referral in _ids("referrals", a, "referral_id")
                and all(set(r) <= policy.OPD_REFERRAL_FIELDS for r in a["referrals"])
            ),
        )
    if where == "outside":
        return Probe(
            "GET",
            "/api/v1/referrals",
            {"params": {"opd_code": "perkim"}},
            check=lambda a: w.b_referral not in _ids("referrals", a, "referral_id"),
        )
    return Probe(
        "GET",
        "/api/v1/referrals",
        {"params": {"opd_code": "perkim"}},
        check=lambda a: w.a_referral in _ids("referrals", a, "referral_id"),
    )


def referrals_status(w: World, role: str, where: str) -> Probe:
    if where == "outside":  # another agency's referral: as unknown as none
        return Probe(
            "POST",
            f"/api/v1/referrals/{w.other_referral}/status",
            {"json": {"status": "accepted"}},
            status=404,
            missing=f"/api/v1/referrals/{MISSING}/status",
        )
    return Probe(
        "POST",
        f"/api/v1/referrals/{w.a_referral}/status",
        {"json": {"status": "accepted"}},
        check=lambda a: a["state"] == "received",
    )


def notifications_deliveries(w: World, role: str, where: str) -> Probe:
    if role == "opd":
        agency = w.other_agency if where == "outside" else "perkim"
        return Probe(
            "GET",
            "/api/v1/notifications/deliveries",
            {"params": {"opd_code": agency}},
            status=404 if where == "outside" else 200,
        )
    household = w.b_verified if where == "outside" else w.a_verified
    return Probe(
        "GET",
        f"/api/v1/notifications/deliveries?household_id={household}",
        status=404 if where == "outside" else 200,
        missing=f"/api/v1/notifications/deliveries?household_id={MISSING}",
    )


def reports_households(w: World, role: str, where: str) -> Probe:
    desa = {DESA_B} if where == "outside" else {DESA_A}

    def check(answer: dict) -> bool:
        shown = {row["desa"] for row in answer["rows"]}
        return not shown & desa if where == "outside" else desa <= shown

    return Probe("GET", "/api/v1/reports/households", {"params": {"group_by": "desa"}}, check=check)


def _everyone(path: str, key: str):
    return lambda w, role, where: Probe("GET", path, check=lambda a: bool(a[key]))


def households_photo(w: World, role: str, where: str) -> Probe:
    if where == "outside":
        return Probe(
            "GET",
            f"/api/v1/households/{w.b_verified}/photos/{w.b_photo}",
            status=404,
            missing=f"/api/v1/households/{MISSING}/photos/{w.b_photo}",
        )
    if role == "verifier":  # the households on their desk only: a returned visit's
        household = w.a_returned["household"]["household_id"]
        sha = _photo_of(household)
        return Probe("GET", f"/api/v1/households/{household}/photos/{sha}")
    return Probe("GET", f"/api/v1/households/{w.a_verified}/photos/{w.a_photo}")


def households_story(w: World, role: str, where: str) -> Probe:
    if where == "outside":
        return Probe(
            "GET",
            f"/api/v1/households/{w.b_household}/story",
            status=404,
            missing=f"/api/v1/households/{MISSING}/story",
        )
    household = w.a_returned["household"]["household_id"] if role == "verifier" else w.a_verified
    kinds = {"visit"} if role == "verifier" else {"visit", "decision", "referral"}
    return Probe(
        "GET",
        f"/api/v1/households/{household}/story",
        check=lambda a: kinds <= {e["kind"] for e in a["entries"]},
    )


def conflicts_list(w: World, role: str, where: str) -> Probe:
    return Probe(
        "GET",
        "/api/v1/conflicts",
        check=lambda a: (
            where != "outside" or all(c["household_id"] != w.b_household for c in a["conflicts"])
        ),
    )


def conflicts_resolve(w: World, role: str, where: str) -> Probe:
    household = w.b_household if where == "outside" else w.a_household
    conflict = _conflict(household)
    return Probe(
        "POST",
        f"/api/v1/conflicts/{conflict}/resolve",
        {"json": {"value": "SITI AMINAH"}},
        status=404 if where == "outside" else 200,
        check=None if where == "outside" else lambda a: a["conflict_id"] == conflict,
        missing=f"/api/v1/conflicts/{MISSING}/resolve",
    )


def _conflict(household_id: int) -> int:
    """A conflict of the household's head's name, as an import that disagreed would leave."""
    with db.engine("registry").begin() as conn:
        return conn.execute(
            sa.text(
                "INSERT INTO conflicts (household_id, nik, field, kept_value, other_value) "
                "SELECT household_id, nik, 'nama', nama, 'SITI AMINAH' FROM people "
                "WHERE household_id = :h LIMIT 1 RETURNING id"
            ),
            {"h": household_id},
        ).scalar_one()


def tasks_get(w: World, role: str, where: str) -> Probe:
    if where == "outside":
        return Probe(
            "GET", f"/api/v1/tasks/{w.b_task}", status=404, missing=f"/api/v1/tasks/{MISSING}"
        )
    task = w.a_returned["task_id"]
    return Probe(
        "GET",
        f"/api/v1/tasks/{task}",
        check=lambda a: a["task_id"] == task and len(a["visits"][0]["photos"]) == 5,
    )


def _placing(action: str):
    def probe(w: World, role: str, where: str) -> Probe:
        if where == "outside":
            return Probe(
                "POST",
                f"/api/v1/tasks/{w.b_task}/{action}",
                {"json": {"verifier": w.people.username("verifier")}},
                status=404,
                missing=f"/api/v1/tasks/{MISSING}/{action}",
            )
        if action == "assign":
            task = task_of(w.people["verifier"], register(w.people["admin"], DESA_A))
        else:
            task = submitted_task(w.people, DESA_A)
        other = w.people.username("verifier" if action == "assign" else "verifier_b")
        return Probe(
            "POST",
            f"/api/v1/tasks/{task['task_id']}/{action}",
            {"json": {"verifier": other}},
            check=lambda a: a["task_id"] == task["task_id"],
        )

    return probe


def verifiers_list(w: World, role: str, where: str) -> Probe:
    def check(a: dict) -> bool:
        shown = {v["username"] for v in a["verifiers"]}
        if where == "outside":
            return w.people.username("verifier_b") not in shown
        return w.people.username("verifier") in shown

    return Probe("GET", "/api/v1/verifiers", check=check)


def reports_tasks(w: World, role: str, where: str) -> Probe:
    def check(a: dict) -> bool:
        shown = {r["key"] for r in a["rows"]}
        return "64.08.01" not in shown if where == "outside" else "64.08.04" in shown

    return Probe("GET", "/api/v1/reports/tasks", check=check)


def reports_verification(w: World, role: str, where: str) -> Probe:
    def check(a: dict) -> bool:
        shown = {r["kecamatan_code"] for r in a["rows"]}
        return "64.08.01" not in shown if where == "outside" else "64.08.04" in shown

    return Probe("GET", "/api/v1/reports/verification", check=check)


def reports_referrals(w: World, role: str, where: str) -> Probe:
    return Probe("GET", "/api/v1/reports/referrals", check=lambda a: "rows" in a)


def referrals_get(w: World, role: str, where: str) -> Probe:
    outside = w.other_referral if role == "opd" else w.b_referral
    referral = outside if where == "outside" else w.a_referral
    return Probe(
        "GET",
        f"/api/v1/referrals/{referral}",
        status=404 if where == "outside" else 200,
        check=None if where == "outside" else lambda a: a["referral_id"] == referral,
        missing=f"/api/v1/referrals/{MISSING}",
    )


def referrals_evidence(w: World, role: str, where: str) -> Probe:
    outside = w.e_other if role == "opd" else w.b_referral
    referral = outside if where == "outside" else w.e_referral
    evidence = _evidence_of(referral)
    return Probe(
        "GET",
        f"/api/v1/referrals/{referral}/evidence/{evidence}",
        status=404 if where == "outside" else 200,
        missing=f"/api/v1/referrals/{MISSING}/evidence/{evidence}",
    )


def _evidence_of(referral_id: int) -> str:
    with db.engine("referral").connect() as conn:
        return conn.execute(
            sa.text("SELECT evidence_ref FROM referrals WHERE id = :r"), {"r": referral_id}
        ).scalar_one()


def _complete(admin: Any, referral_id: int) -> None:
    """Its agency's work done, with a PDF (answered by Dinsos's admin on its behalf)."""
    for status in ("accepted", "in_progress"):
        admin.ok("POST", f"/api/v1/referrals/{referral_id}/status", json={"status": status})
    admin.ok(
        "POST",
        f"/api/v1/referrals/{referral_id}/status",
        data={"status": "completed"},
        files={"evidence": ("bukti.pdf", b"%PDF-1.4 berita acara serah terima " + bytes(8))},
    )


def routing_propose(w: World, role: str, where: str) -> Probe:
    table = w.people["admin"].ok("GET", "/api/v1/routing-table")
    return Probe(
        "POST",
        "/api/v1/routing-table",
        {"json": {"csv": table["csv"], "note": "the same rules again"}},
        status=201,
        check=lambda a: a["version"] > table["version"],
    )


PROBES: dict[str, Callable[[World, str, str], Probe]] = {
    "me": me,
    "households.search": households_search,
    "households.register": households_register,
    "households.get": _household_probe(),
    "households.update": _household_probe(method="PATCH", json={"rt": "007"}),
    "households.timeline": _household_probe("/timeline"),
    "imports.list": lambda w, role, where: Probe("GET", "/api/v1/imports"),
    "imports.create": imports_create,
    "imports.get": lambda w, role, where: Probe(
        "GET", "/api/v1/imports/1", check=lambda a: a["batch_id"] == 1
    ),
    "tasks.list": tasks_list,
    "tasks.visit": tasks_visit,
    "tasks.approve": _decision("approve", {"flags_reviewed": True}),
    "tasks.return": _decision("return", {"note": "foto dapur kurang jelas"}),
    "tasks.reject": _decision("reject", {"reasons": ["rumah permanen"]}),
    "referrals.list": referrals_list,
    "referrals.status": referrals_status,
    "notifications.deliveries": notifications_deliveries,
    "reports.households": reports_households,
    "reference.areas": _everyone("/api/v1/reference/areas", "kecamatan"),
    "reference.opd": _everyone("/api/v1/reference/opd", "opd"),
    "reference.pmks": _everyone("/api/v1/reference/pmks", "pmks"),
    "questionnaire": _everyone("/api/v1/questionnaire", "fields"),
    "households.story": households_story,
    "households.photo": households_photo,
    "conflicts.list": conflicts_list,
    "conflicts.resolve": conflicts_resolve,
    "imports.report_csv": lambda w, role, where: Probe("GET", "/api/v1/imports/1/report.csv"),
    "tasks.get": tasks_get,
    "tasks.assign": _placing("assign"),
    "tasks.second_verifier": _placing("second-verifier"),
    "verifiers.list": verifiers_list,
    "reports.tasks": reports_tasks,
    "reports.verification": reports_verification,
    "reports.referrals": reports_referrals,
    "referrals.get": referrals_get,
    "referrals.evidence": referrals_evidence,
    "routing.get": lambda w, role, where: Probe(
        "GET", "/api/v1/routing-table", check=lambda a: a["rules"] and a["versions"]
    ),
    "routing.propose": routing_propose,
}


PROBES.update(USER_PROBES)  # user administration: tests/gateway/matrix_probes_users.py
PROBES.update(SYNC_PROBES)  # the field app's sync: tests/gateway/matrix_probes_sync.py
PROBES.update(WEB_PROBES)  # the web pages' own: tests/gateway/matrix_probes_web.py


def cases() -> list[tuple[str, str, str]]:
    """(endpoint, role, where): denied for a role the table does not name; inside, and outside
    where a role has an outside (every role but admin) and the endpoint has a scope."""
    found = []
    for endpoint, rule in sorted(policy.ENDPOINTS.items()):
        for role in ROLES:
            if role not in rule.roles:
                found.append((endpoint, role, "denied"))
                continue
            found.append((endpoint, role, "inside"))
            if rule.scope != "none" and role != "admin":
                found.append((endpoint, role, "outside"))
    return found


def test_every_endpoint_has_a_probe():
    assert set(PROBES) == set(policy.ENDPOINTS)


def _without_request_id(answer: dict) -> dict:
    return {**answer, "error": {k: v for k, v in answer["error"].items() if k != "request_id"}}


@pytest.mark.parametrize(("endpoint", "role", "where"), cases())
def test_matrix(world: World, endpoint: str, role: str, where: str):
    client = world.people[role]
    if where == "denied":  # refused before anything is read: any ids will do
        probe = _denied_probe(world, endpoint)
        response = client.request(probe.method, probe.path, **probe.kwargs)
        assert response.status_code == 403, response.text
        if probe.method != "HEAD":  # a HEAD answer has no body to read
            assert response.json()["error"]["code"] == "forbidden"
        return
    probe = PROBES[endpoint](world, role, where)
    response = client.request(probe.method, probe.path, **probe.kwargs)
    assert response.status_code == probe.status, response.text
    if probe.check is not None:
        assert probe.check(response.json()), response.text
    if probe.status == 404:
        assert response.json()["error"]["code"] == "not_found"
        if probe.missing:
            missing = client.request(probe.method, probe.missing, **probe.kwargs)
            assert missing.status_code == 404
            assert _without_request_id(missing.json()) == _without_request_id(response.json())
            assert len(missing.content) == len(response.content)


DENIED_PATHS = {
    "households.get": ("GET", "/api/v1/households/{a_household}"),
    "households.update": ("PATCH", "/api/v1/households/{a_household}"),
    "households.timeline": ("GET", "/api/v1/households/{a_household}/timeline"),
    "households.search": ("GET", "/api/v1/households"),
    "households.register": ("POST", "/api/v1/households"),
    "imports.list": ("GET", "/api/v1/imports"),
    "imports.create": ("POST", "/api/v1/imports"),
    "imports.get": ("GET", "/api/v1/imports/1"),
    "tasks.list": ("GET", "/api/v1/tasks"),
    "tasks.visit": ("POST", "/api/v1/tasks/{a_task}/visits"),
    "tasks.approve": ("POST", "/api/v1/tasks/{a_task}/approve"),
    "tasks.return": ("POST", "/api/v1/tasks/{a_task}/return"),
    "tasks.reject": ("POST", "/api/v1/tasks/{a_task}/reject"),
    "referrals.list": ("GET", "/api/v1/referrals"),
    "referrals.status": ("POST", "/api/v1/referrals/{a_referral}/status"),
    "notifications.deliveries": ("GET", "/api/v1/notifications/deliveries"),
    "reports.households": ("GET", "/api/v1/reports/households"),
    "households.story": ("GET", "/api/v1/households/{a_household}/story"),
    "households.photo": ("GET", "/api/v1/households/{a_verified}/photos/{a_photo}"),
    "conflicts.list": ("GET", "/api/v1/conflicts"),
    "conflicts.resolve": ("POST", "/api/v1/conflicts/1/resolve"),
    "imports.report_csv": ("GET", "/api/v1/imports/1/report.csv"),
    "tasks.get": ("GET", "/api/v1/tasks/{a_task}"),
    "tasks.assign": ("POST", "/api/v1/tasks/{a_task}/assign"),
    "tasks.second_verifier": ("POST", "/api/v1/tasks/{a_task}/second-verifier"),
    "verifiers.list": ("GET", "/api/v1/verifiers"),
    "reports.tasks": ("GET", "/api/v1/reports/tasks"),
    "reports.verification": ("GET", "/api/v1/reports/verification"),
    "reports.referrals": ("GET", "/api/v1/reports/referrals"),
    "referrals.get": ("GET", "/api/v1/referrals/{a_referral}"),
    "referrals.evidence": ("GET", "/api/v1/referrals/{e_referral}/evidence/{a_photo}"),
    "routing.get": ("GET", "/api/v1/routing-table"),
    "routing.propose": ("POST", "/api/v1/routing-table"),
}


DENIED_PATHS.update(USER_DENIED_PATHS)
DENIED_PATHS.update(WEB_DENIED_PATHS)
DENIED_PATHS.update(SYNC_DENIED_PATHS)


def _denied_probe(w: World, endpoint: str) -> Probe:
    method, path = DENIED_PATHS[endpoint]
    return Probe(
        method, path.format(**vars(w)), {"json": {}} if method not in ("GET", "HEAD") else {}
    )
