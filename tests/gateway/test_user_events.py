"""Users reach the other services over the real broker: a verifier created with
``sipmas users create`` becomes verification staff — who is then given a household's visit and
emailed about it — and a notifications contact; deactivated, they are neither any more.

Verification and notifications run as their containers run them (the package's shared system);
the gateway's outbox is published by its relay (``sipmas relay gateway``) — and by the shared
gateway's own relay: two relays share an outbox safely."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.notifications.use_cases import contacts
from services.verification.use_cases import staff as verification_staff
from sipmas import db, events
from tests.gateway.conftest import DESA, KECAMATAN, sipmas
from tests.integration.support_amqp import publish, wait_for

# The package's shared services (``system``), with verification's and notifications' data
# emptied before each test.
running = pytest.mark.usefixtures("system", "verification", "notifications")
EMAIL = "siti@dinsos.example.id"


def one(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).first()


def staff(verification_db):
    return one(
        verification_db,
        "SELECT role, desa_codes, kecamatan_codes, active FROM staff WHERE id = 'siti'",
    )


def contact(notifications_db):
    return one(
        notifications_db,
        "SELECT role, email, phone, desa_codes, active FROM staff_contacts WHERE id = 'siti'",
    )


def users(*args: str) -> None:
    done = sipmas("users", *args)
    assert done.returncode == 0, done.stderr


@running
def test_a_verifier_made_with_the_cli_is_staff_gets_tasks_and_is_told(
    gateway_relay, amqp_uri, verification_db, notifications_db, smtp
):
    users(
        "create", "siti", "--role", "verifier", "--name", "Siti Aminah", "--desa", DESA,
        "--email", EMAIL, "--phone", "0812-3456-7890",
    )  # fmt: skip

    assert tuple(wait_for(lambda: staff(verification_db), timeout=30)) == (
        "verifier",
        [DESA],
        [],
        True,
    )
    assert tuple(wait_for(lambda: contact(notifications_db), timeout=30)) == (
        "verifier",
        EMAIL,
        "+6281234567890",
        [DESA],
        True,
    )

    household = events.envelope(
        "household_registered",
        {
            "household_id": 5501, "source": "p3ke", "kecamatan_code": KECAMATAN,
            "desa_code": DESA, "head_name": "Rahmat", "member_count": 3,
        },
    )  # fmt: skip
    publish(amqp_uri, "registry.events", "household_registered", household, household["event_id"])
    task = wait_for(
        lambda: one(verification_db, "SELECT assignee FROM tasks WHERE household_id = 5501"),
        timeout=30,
    )
    assert task.assignee == "siti"
    wait_for(lambda: smtp.to(EMAIL), timeout=30)


@running
def test_a_role_change_and_a_deactivation_reach_both_services(
    gateway_relay, verification_db, notifications_db
):
    users("create", "siti", "--role", "verifier", "--desa", DESA, "--email", EMAIL)
    wait_for(lambda: staff(verification_db) and contact(notifications_db), timeout=30)

    users("update", "siti", "--role", "supervisor", "--no-area", "--kecamatan", KECAMATAN)
    assert wait_for(
        lambda: (s := staff(verification_db)) and s.role == "supervisor" and s, timeout=30
    ).kecamatan_codes == [KECAMATAN]
    wait_for(lambda: contact(notifications_db).role == "supervisor", timeout=30)

    users("deactivate", "siti")
    wait_for(lambda: not staff(verification_db).active, timeout=30)
    wait_for(lambda: not contact(notifications_db).active, timeout=30)

    users("update", "siti", "--activate", "--role", "viewer", "--no-area")  # not staff any more
    wait_for(
        lambda: one(
            notifications_db,
            "SELECT 1 FROM inbox WHERE consumer = 'notifications.on_user_registered'"
            " GROUP BY consumer HAVING count(*) = 4",
        ),
        timeout=30,
    )
    assert staff(verification_db).active is False
    assert contact(notifications_db).active is False


def user_event(at: datetime, **changes) -> dict:
    """``user_registered`` as a consumer receives it (validated)."""
    data = {"username": "siti", "name": "Siti", "role": "verifier", "desa_codes": [DESA]}
    body = events.envelope("user_registered", data | {"active": True} | changes, occurred_at=at)
    return events.validate_event(body)


def test_a_late_event_never_undoes_a_newer_one_and_a_repeat_changes_nothing(
    verification, notifications
):
    now = datetime.now(UTC)
    created = user_event(now - timedelta(seconds=5))
    moved = user_event(now - timedelta(seconds=3), desa_codes=[DESA, "64.08.01.2001"])
    retired = user_event(now, role="opd", opd_code="dinkes", desa_codes=[])
    handlers = (
        ("verification", verification_staff.on_user_registered, lambda: staff(verification)),
        ("notifications", contacts.on_user_registered, lambda: contact(notifications)),
    )
    for service, handle, current in handlers:
        for event in (created, retired, moved, created, retired):  # moved and created: overtaken
            with db.session_scope(service) as session:
                handle(session, f"{service}.test", event)
        found = current()
        assert (found.role, found.desa_codes, found.active) == ("verifier", [DESA], False), service
