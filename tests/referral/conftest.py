"""Referral's own test database (migrated once, emptied per test), and the events and registry
facts a case is opened from."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from services.referral.use_cases import opening
from sipmas import db, events, nik, settings
from sipmas_cli import system
from tests.registry.conftest import registry, registry_db, registry_service  # noqa: F401
from tests.support import services

TABLES = (
    "agency_updates",
    "escalations",
    "referral_transitions",
    "referrals",
    "cases",
    "households",
    "routing_tables",
    "outbox",
    "inbox",
)


@pytest.fixture(scope="session")
def referral_db():
    url = settings.database_url("referral")
    db.drop_database(url)
    system.migrate("referral")
    engine = db.engine("referral")
    yield engine
    engine.dispose()


@pytest.fixture
def referral(referral_db):
    with referral_db.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    return referral_db


@pytest.fixture
def session(referral):
    with db.session_scope("referral") as session:
        yield session


def member(index: int, age: int, sex: str, relation: str, pmks=()) -> dict:
    born = date(2026 - age, 3, 14)
    return {
        "index": index,
        "name": f"Anggota {index}",
        "nik": nik.make("640804", born, sex == "P", 100 + index),
        "age": age,
        "sex": sex,
        "relation": relation,
        "pmks": list(pmks),
    }


def facts(household_id: int, members=None) -> dict:
    """The registry's ``household_facts`` answer for a family of four in Sangatta Utara."""
    return {
        "id": household_id,
        "kecamatan_code": "64.08.04",
        "desa_code": "64.08.04.2001",
        "alamat": "Jl. Poros Sangatta",
        "rt": "003",
        "rw": "001",
        "members": members
        or [
            member(0, 44, "L", "kepala"),
            member(1, 40, "P", "istri"),
            member(2, 10, "P", "anak"),
            member(3, 70, "P", "famili_lain", pmks=["lansia_telantar"]),
        ],
    }


def verified(household_id: int, needs: list[str], welfare_class="sangat_miskin", **data) -> dict:
    return events.envelope(
        "household_verified",
        {
            "household_id": household_id,
            "welfare_class": welfare_class,
            "needs": [{"code": code, "reasons": [f"reason_of_{code}"]} for code in needs],
            "rule_set_version": "2026.1",
            "decision_id": household_id * 10,
            "kecamatan_code": "64.08.04",
            "desa_code": "64.08.04.2001",
            "member_count": 4,
            **data,
        },
        uuid.uuid4(),
    )


def open_case(session, household_id: int, needs: list[str], **data):
    event = verified(household_id, needs, **data)
    return opening.on_household_verified(
        session, "referral.on_household_verified", event, facts(household_id)
    )


def outbox_rows(session, exchange: str | None = None) -> list[tuple[str, dict]]:
    """(routing key, body) of the outbox, oldest first, optionally of one exchange."""
    query = "SELECT routing_key, body FROM outbox"
    if exchange:
        query += " WHERE exchange = :x"
    return [tuple(r) for r in session.execute(sa.text(query + " ORDER BY id"), {"x": exchange})]


@pytest.fixture
def referral_service(referral, amqp_uri, tmp_path):
    """The referral service in its own process, as its container runs it."""
    with services.running(
        "referral",
        amqp_uri,
        tmp_path / "referral.log",
        SIPMAS_TIMER_REFERRAL_ESCALATION_SECONDS="3600",
    ) as process:
        yield process
