"""The contacts directory: agencies (seeded from ``data/opd_contacts.csv``, changed by RPC),
staff and households (registered by RPC). Recipients are resolved from here, never from another
service's database.

The data file carries placeholder addresses (``<opd>@opd.sipmas.example``) and no webhook secret:
a deployment sets each agency's real email, webhook URL and secret with ``set_agency_contact``.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from services.notifications.errors import NotFound
from services.notifications.models import AgencyContact, HouseholdContact, StaffContact
from sipmas import reference
from sipmas.messaging import inbox

AGENCY_FIELDS = ("email", "phone", "webhook_url", "webhook_secret")
STAFF_FIELDS = ("name", "role", "email", "phone", "desa_codes", "kecamatan_codes", "active")
STAFF_ROLES = ("verifier", "supervisor", "operator", "admin")  # gateway roles kept as staff

_SEED = sa.text(
    "INSERT INTO agency_contacts (opd_code, name, email, phone, webhook_url) "
    "VALUES (:opd_code, :name, :email, :phone, :webhook_url) ON CONFLICT (opd_code) DO NOTHING"
)


def agency_rows() -> list[dict[str, Any]]:
    """The data file's rows, with each agency's name from the reference data."""
    data = resources.files("services.notifications").joinpath("data", "opd_contacts.csv")
    text = data.read_text("utf-8")
    names = {opd.code: opd.name for opd in reference.opd()}
    return [
        {
            "opd_code": row["opd_code"],
            "name": names.get(row["opd_code"], row["opd_code"]),
            "email": row["email"] or None,
            "phone": row["phone"] or None,
            "webhook_url": row["webhook_url"] or None,
        }
        for row in csv.DictReader(text.splitlines())
    ]


def seed_agencies(conn: Connection | Session) -> None:
    """Add the data file's agencies; an agency already there (changed by RPC) keeps its values."""
    conn.execute(_SEED, agency_rows())


def set_agency(session: Session, opd_code: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change an agency's contact; only the fields given change."""
    record = session.get(AgencyContact, opd_code)
    if record is None:
        raise NotFound("agency", opd_code)
    for name in AGENCY_FIELDS:
        if name in changes:
            setattr(record, name, changes[name])
    record.updated_at = datetime.now(UTC)
    session.flush()
    return agency_view(record)


def agency_view(record: AgencyContact) -> dict[str, Any]:
    """An agency's contact as RPC shows it: the secret is never read back, only whether set."""
    return {
        "opd_code": record.opd_code,
        "name": record.name,
        "email": record.email,
        "phone": record.phone,
        "webhook_url": record.webhook_url,
        "webhook_secret_set": bool(record.webhook_secret),
    }


def register_staff(session: Session, person: dict[str, Any]) -> dict[str, Any]:
    """Add or update a staff member's contact (idempotent by id)."""
    record = session.get(StaffContact, person["id"]) or StaffContact(id=person["id"])
    for name in STAFF_FIELDS:
        setattr(record, name, person[name])
    record.updated_at = datetime.now(UTC)
    session.add(record)
    session.flush()
    return staff_view(record)


def on_user_registered(session: Session, consumer: str, event: dict[str, Any]) -> None:
    """Keep staff contacts from the gateway's users (once per event: the inbox). A user of a
    staff role is upserted as they are now; one that became another role stops being reached.
    An event older than the contact's last change (a retry overtaken) changes nothing."""
    if not inbox.first_delivery(session, consumer, event["event_id"]):
        return
    user, at = event["data"], event["occurred_at"]
    newer = StaffContact.updated_at < at
    if user["role"] not in STAFF_ROLES:
        session.execute(
            sa.update(StaffContact)
            .where(StaffContact.id == user["username"], newer)
            .values(active=False, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        return
    values = {name: user[name] for name in STAFF_FIELDS} | {"updated_at": at}
    upsert = insert(StaffContact).values(id=user["username"], **values)
    session.execute(
        upsert.on_conflict_do_update(index_elements=[StaffContact.id], set_=values, where=newer)
    )


def staff_view(record: StaffContact) -> dict[str, Any]:
    return (
        {"id": record.id}
        | {name: getattr(record, name) for name in STAFF_FIELDS}
        | {
            "desa_codes": list(record.desa_codes),
            "kecamatan_codes": list(record.kecamatan_codes),
        }
    )


def register_household(session: Session, contact: dict[str, Any]) -> dict[str, Any]:
    """A household's phone and its consent to SMS, as an operator recorded them; withdrawing
    consent (``sms_consent: false``) stops every SMS not yet sent."""
    household_id = contact["household_id"]
    record = session.get(HouseholdContact, household_id) or HouseholdContact(
        household_id=household_id
    )
    record.phone = contact["phone"]
    if contact["sms_consent"] != bool(record.sms_consent) or record.consent_at is None:
        record.consent_at = datetime.now(UTC)
    record.sms_consent = contact["sms_consent"]
    record.consent_source = contact.get("consent_source")
    record.updated_at = datetime.now(UTC)
    session.add(record)
    session.flush()
    return household_view(record)


def household_view(record: HouseholdContact) -> dict[str, Any]:
    return {
        "household_id": record.household_id,
        "phone": record.phone,
        "sms_consent": record.sms_consent,
        "consent_source": record.consent_source,
        "consent_at": record.consent_at.isoformat() if record.consent_at else None,
    }


def get(session: Session, kind: str, key: str | int) -> dict[str, Any]:
    """One contact of ``kind`` (agency, staff, household)."""
    model, view = {
        "agency": (AgencyContact, agency_view),
        "staff": (StaffContact, staff_view),
        "household": (HouseholdContact, household_view),
    }[kind]
    record = session.get(model, int(key) if kind == "household" else key)
    if record is None:
        raise NotFound(kind, key)
    return view(record)
