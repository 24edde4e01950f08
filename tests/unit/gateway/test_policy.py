"""The authorisation table and the scope rules, as a table of cases (no broker, no database)."""

from __future__ import annotations

import pytest

from services.gateway import openapi
from services.gateway.domain import errors, policy
from services.gateway.domain.users import Principal

A_KEC, A_DESA, B_KEC, B_DESA = "64.08.04", "64.08.04.2001", "64.08.01", "64.08.01.2001"
ADMIN = Principal("root", "admin")
SUPERVISOR = Principal("sup", "supervisor", kecamatan_codes=(A_KEC,))
DISTRICT_SUPERVISOR = Principal("kadis", "supervisor")
VERIFIER = Principal("ver", "verifier", desa_codes=(A_DESA,))
OPERATOR = Principal("op", "operator", desa_codes=(A_DESA,))
OPD = Principal("perkim-staff", "opd", opd_code="perkim")
VIEWER = Principal("bappeda", "viewer", kecamatan_codes=(A_KEC,))


def test_every_route_is_in_the_table_and_every_rule_has_a_route():
    names = {name for _, _, name in openapi.routes()}
    assert names == set(policy.ENDPOINTS) | policy.PUBLIC
    assert not set(policy.ENDPOINTS) & policy.PUBLIC


def test_every_rule_names_known_roles_and_a_scope_kind():
    for rule in policy.ENDPOINTS.values():
        assert rule.roles and rule.roles <= policy.ALL_ROLES
        assert rule.scope in ("item", "list", "none")


EVERYONE = {"me", "reference.areas", "reference.opd", "reference.pmks", "questionnaire"}


@pytest.mark.parametrize(
    ("role", "may"),
    [
        (
            "viewer",
            {"reports.households", "reports.verification", "reports.referrals"}
            | {"reports.dashboard"},
        ),
        (
            "opd",
            {"referrals.list", "referrals.get", "referrals.evidence", "referrals.status"}
            | {"notifications.deliveries"},
        ),
        (
            "verifier",
            {"households.get", "households.timeline", "households.story", "households.photo"}
            | {"tasks.list", "tasks.get", "tasks.visit", "reports.households"}
            | {"sync.credential"}
            | policy.DEVICE,
        ),
        (
            "operator",
            {"households.search", "households.register", "households.get"}
            | {"households.update", "households.timeline", "households.story"}
            | {"households.photo", "notifications.deliveries", "reports.households"},
        ),
    ],
)
def test_what_each_narrow_role_may_call(role, may):
    """Beyond what every role may (``EVERYONE``, and a person's own session), only this."""
    for_all = {name for name, rule in policy.ENDPOINTS.items() if rule.roles == policy.ALL_ROLES}
    assert for_all >= EVERYONE
    assert {name for name in policy.ENDPOINTS if policy.allowed(name, role)} == may | for_all


def test_only_a_verifier_submits_visits_and_only_an_agency_or_admin_answers_referrals():
    assert policy.ENDPOINTS["tasks.visit"].roles == {"verifier"}
    assert policy.ENDPOINTS["referrals.status"].roles == {"admin", "opd"}
    field_app = {"tasks.visit", "sync.credential"} | policy.DEVICE
    assert all(policy.allowed(name, "admin") for name in policy.ENDPOINTS if name not in field_app)


def test_a_devices_credential_opens_the_sync_endpoints_only_and_only_for_a_verifier():
    assert set(policy.ENDPOINTS) >= policy.DEVICE
    assert all(name.startswith("sync.") for name in policy.DEVICE)
    assert all(policy.ENDPOINTS[name].roles == {"verifier"} for name in policy.DEVICE)
    assert "sync.credential" not in policy.DEVICE  # issued to a signed-in browser only


def test_a_refused_role_gets_403():
    with pytest.raises(errors.ApiError) as refused:
        policy.require("households.get", VIEWER)
    assert refused.value.status == 403 and refused.value.code == "forbidden"
    policy.require("reports.households", VIEWER)  # no error


def test_the_area_passed_to_the_registry():
    assert policy.area(ADMIN) is None
    assert policy.area(DISTRICT_SUPERVISOR) is None
    assert policy.area(OPERATOR) == {"kecamatan_codes": [], "desa_codes": [A_DESA]}
    assert policy.area(OPD) == {"kecamatan_codes": [], "desa_codes": []}  # no household by area


def _task(assignee="ver", second=None, desa=A_DESA, kecamatan=A_KEC):
    return {
        "task_id": 1,
        "assignee": assignee,
        "second_assignee": second,
        "household": {"household_id": 9, "kecamatan_code": kecamatan, "desa_code": desa},
    }


@pytest.mark.parametrize(
    ("principal", "task", "visible"),
    [
        (VERIFIER, _task(), True),
        (VERIFIER, _task(assignee="someone", second="ver"), True),
        (VERIFIER, _task(assignee="someone"), False),  # in their desa, not on their desk
        (SUPERVISOR, _task(assignee="x"), True),
        (SUPERVISOR, _task(assignee="x", desa=B_DESA, kecamatan=B_KEC), False),
        (DISTRICT_SUPERVISOR, _task(desa=B_DESA, kecamatan=B_KEC), True),
        (ADMIN, _task(desa=B_DESA, kecamatan=B_KEC), True),
        (OPERATOR, _task(), False),
        (OPD, _task(), False),
    ],
)
def test_who_sees_a_task(principal, task, visible):
    assert policy.task_visible(principal, task) is visible


def test_a_verifier_sees_the_households_of_their_tasks():
    tasks = [_task()]
    assert policy.household_of_tasks(9, tasks)
    assert not policy.household_of_tasks(10, tasks)


def test_an_agency_sees_its_own_referrals_only():
    assert policy.agency(OPD, None) == "perkim"
    assert policy.agency(OPD, "perkim") == "perkim"
    with pytest.raises(errors.ApiError) as other:
        policy.agency(OPD, "dinkes")
    assert other.value.status == 404  # as unknown as a missing agency's list
    assert policy.agency(ADMIN, "dinkes") == "dinkes"
    with pytest.raises(errors.ApiError) as unnamed:
        policy.agency(SUPERVISOR, None)
    assert unnamed.value.status == 422 and "opd_code" in unnamed.value.fields


def test_the_referral_list_is_cut_to_a_supervisors_area_only():
    assert policy.referral_area(SUPERVISOR) == {"kecamatan_codes": [A_KEC], "desa_codes": []}
    assert policy.referral_area(OPD) is None and policy.referral_area(ADMIN) is None


@pytest.mark.parametrize(
    ("principal", "asked", "answer"),
    [
        (OPD, (None, "perkim", None), ("agency", "perkim")),
        (OPD, (None, "dinkes", None), 404),
        (OPD, (9, None, None), 404),
        (OPERATOR, (9, None, None), ("household", 9)),
        (SUPERVISOR, (None, "perkim", None), 403),
        (ADMIN, (None, None, "e-1"), ("event", "e-1")),
        (ADMIN, (9, "perkim", None), 422),
        (ADMIN, (None, None, None), 422),
    ],
)
def test_which_delivery_log(principal, asked, answer):
    if isinstance(answer, int):
        with pytest.raises(errors.ApiError) as refused:
            policy.delivery_log_target(principal, *asked)
        assert refused.value.status == answer
    else:
        assert policy.delivery_log_target(principal, *asked) == answer


def test_an_agency_view_keeps_only_what_its_messages_carry():
    given = {
        "referral_id": 1,
        "opd_code": "perkim",
        "household": {"desa_code": A_DESA},
        "persons": [],
        "overdue": True,
        "household_id": 9,  # staff view only
        "evidence_ref": "x",
        "escalated": ["receive"],
    }
    assert policy.opd_referral(given) == {
        "referral_id": 1,
        "opd_code": "perkim",
        "household": {"desa_code": A_DESA},
        "persons": [],
        "overdue": True,
    }


# --- no NIK leaves the gateway ------------------------------------------------------------------

NIK = "6408044508850003"
SHA = "ab" + "1234567890123456" * 3 + "cdef1234567890"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"nik": NIK}, {"nik": "6408********0003"}),
        ({"no_kk": "6408041201100007"}, {"no_kk": "6408********0007"}),
        ({"head_nik": "6408********0003"}, {"head_nik": "6408********0003"}),  # already masked
        (
            {"members": [{"nik": NIK, "nama": "SITI"}]},
            {"members": [{"nik": "6408********0003", "nama": "SITI"}]},
        ),
        (
            {"message": f"NIK {NIK} sudah terdaftar"},
            {"message": "NIK 6408********0003 sudah terdaftar"},
        ),
        ({"nilai": "640804450885000"}, {"nilai": "6408*******5000"}),  # 15 digits: still one
        ({"value": 6408044508850003}, {"value": "6408********0003"}),
        ({"count": 12, "household_id": 2147483647}, {"count": 12, "household_id": 2147483647}),
        ({"sha256": SHA}, {"sha256": SHA}),  # digits inside a hash are not a NIK
        ({"at": "2025-03-01T09:00:00+08:00"}, {"at": "2025-03-01T09:00:00+08:00"}),
        ({"nik": None, "ok": True}, {"nik": None, "ok": True}),
        (
            {"nik": ["Missing data for required field."]},
            {"nik": ["Missing data for required field."]},
        ),
        (
            {"fields": {"nik": ["6.40804E+15: notasi ilmiah"]}},
            {"fields": {"nik": ["6.40804E+15: notasi ilmiah"]}},
        ),
    ],
)
def test_masked(value, expected):
    assert policy.masked(value) == expected
