"""Verification's own test database (migrated once, emptied per test), its evidence store, staff,
and the service running as its container runs it."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.verification.use_cases import intake
from sipmas import db, events, evidence, reference, settings
from sipmas_cli import system
from tests.registry.conftest import registry, registry_db, registry_service  # noqa: F401
from tests.support import services

TABLES = (
    "decisions",
    "flags",
    "photos",
    "visits",
    "task_transitions",
    "tasks",
    "staff",
    "households",
    "outbox",
    "inbox",
)
SANGATTA_UTARA = ("64.08.04", "64.08.04.2001")  # kecamatan, desa of the test households
KECAMATAN_CODE, DESA_CODE = SANGATTA_UTARA
# A tiny valid JPEG and PNG (their first bytes are what the store judges).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture(scope="session", autouse=True)
def evidence_root(tmp_path_factory):
    """One evidence store for the tests and the services they start."""
    root = tmp_path_factory.mktemp("evidence")
    os.environ["SIPMAS_EVIDENCE_ROOT"] = str(root)
    return root


@pytest.fixture(scope="session")
def verification_db():
    url = settings.database_url("verification")
    db.drop_database(url)
    system.migrate("verification")
    engine = db.engine("verification")
    yield engine
    engine.dispose()


@pytest.fixture
def verification(verification_db):
    """An empty verification database."""
    with verification_db.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    return verification_db


@pytest.fixture
def session(verification):
    """A session committed by the test when it wants (``session.commit()``), closed after."""
    with db.session_scope("verification") as session:
        yield session


@pytest.fixture
def verification_service(verification, amqp_uri, tmp_path):
    with services.running(
        "verification",
        amqp_uri,
        tmp_path / "verification.log",
        SIPMAS_TIMER_VERIFICATION_SWEEP_SECONDS="3600",
    ) as process:
        yield process


def add_staff(session, staff_id: str, role: str = "verifier", desa=(), kecamatan=()) -> None:
    from services.verification.use_cases import staff

    staff.register(
        session,
        {
            "id": staff_id,
            "name": staff_id.title(),
            "role": role,
            "desa_codes": list(desa),
            "kecamatan_codes": list(kecamatan),
            "active": True,
        },
    )


def registered(household_id: int, **data) -> dict:
    """A ``household_registered`` event as the registry sends it."""
    kecamatan, desa = SANGATTA_UTARA
    return events.envelope(
        "household_registered",
        {
            "household_id": household_id,
            "source": "p3ke",
            "kecamatan_code": kecamatan,
            "desa_code": desa,
            "head_name": "Siti Aminah",
            "member_count": 4,
            **data,
        },
    )


def register_household(session, household_id: int, **data):
    """The household as verification learns of it, through its own event handler."""
    return intake.on_registered(session, "test", registered(household_id, **data))


def photos(kinds=("rumah", "lantai", "atap", "dapur", "sanitasi"), salt: str = "", at=None):
    """Distinct stored JPEGs, one per kind (``salt`` makes them unique to a household)."""
    at = at or datetime.now(UTC)
    return [
        {
            "sha256": evidence.put(JPEG + f"{salt}:{kind}".encode()),
            "kind": kind,
            "captured_at": at.isoformat(),
            "latitude": 0.5,
            "longitude": 117.5,
        }
        for kind in kinds
    ]


def visit_payload(
    task_id: int, verifier: str, answers: dict | None, desa_code: str = DESA_CODE, **overrides
) -> dict:
    """A plausible 45-minute visit at the centre of ``desa_code`` (where a household without its
    own GPS is looked for), ready for ``SubmitVisit``."""
    start = datetime.now(UTC) - timedelta(minutes=50)
    desa = reference.desa_points()[desa_code]
    payload = {
        "task_id": task_id,
        "verifier": verifier,
        "client_key": uuid.uuid4().hex,
        "outcome": "found" if answers is not None else "moved",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=45)).isoformat(),
        "latitude": desa.lat,
        "longitude": desa.lon,
        "answers": answers,
        "photos": photos(salt=f"{task_id}-{uuid.uuid4().hex}", at=start + timedelta(minutes=10)),
    }
    payload.update(overrides)
    return payload


def poor_answers(**overrides) -> dict:
    """A household deprived on every count the rules look at."""
    from services.verification.domain.questionnaire import sample_answers

    return sample_answers(
        **{
            "floor_area_m2": 18.0,
            "floor": "tanah",
            "wall": "anyaman_bambu",
            "wall_condition": "rusak_berat",
            "roof": "daun_rumbia",
            "roof_condition": "rusak_berat",
            "water_source": "air_sungai_danau",
            "sanitation": "tidak_ada",
            "toilet": "tidak_ada",
            "lighting": "non_pln",
            "power_va": None,
            "cooking_fuel": "kayu_bakar",
            "meals_per_day": 1,
            "protein_days_per_week": 0,
            "children_out_of_school": 1,
            "members_chronic_illness": 1,
            "health_insurance": "tidak_ada",
            "members_without_insurance": 4,
            "members_without_nik": 1,
            "children_without_birth_certificate": 1,
            "head_work_status": "buruh_lepas",
            "head_sector": "pertanian_pangan",
            "household_income": 600_000,
            "has_gas_cylinder": False,
            "has_motorcycle": False,
            **overrides,
        }
    )


def load(payload: dict) -> dict:
    """A visit as the service's schema loads it."""
    from services.verification.schemas import SubmitVisit

    return SubmitVisit().load(payload)
