"""Verifiers, supervisors and operators, and the area each works in (assignment reads it)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.verification.models import Staff
from sipmas.messaging import inbox

# Gateway roles kept as staff: admins too, since verification lets an admin approve.
STAFF_ROLES = ("verifier", "supervisor", "operator", "admin")


def register(session: Session, person: dict[str, Any]) -> dict[str, Any]:
    """Add or update a staff member (idempotent by id: sending it twice changes nothing more)."""
    record = session.get(Staff, person["id"]) or Staff(id=person["id"])
    for name in ("name", "role", "desa_codes", "kecamatan_codes", "active"):
        setattr(record, name, person[name])
    session.add(record)
    session.flush()
    return {name: getattr(record, name) for name in ("id", "name", "role", "active")} | {
        "desa_codes": list(record.desa_codes),
        "kecamatan_codes": list(record.kecamatan_codes),
    }


def on_user_registered(session: Session, consumer: str, event: dict[str, Any]) -> None:
    """Keep staff from the gateway's users (once per event: the inbox). A user of a staff role
    is upserted as they are now; one that became another role is deactivated. An event older
    than what the record already follows (a retry overtaken by a newer change) changes nothing.
    """
    if not inbox.first_delivery(session, consumer, event["event_id"]):
        return
    user, at = event["data"], event["occurred_at"]
    newer = sa.or_(Staff.updated_at.is_(None), Staff.updated_at < at)
    if user["role"] not in STAFF_ROLES:
        session.execute(
            sa.update(Staff)
            .where(Staff.id == user["username"], newer)
            .values(active=False, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        return
    values = {
        "name": user["name"],
        "role": user["role"],
        "desa_codes": user["desa_codes"],
        "kecamatan_codes": user["kecamatan_codes"],
        "active": user["active"],
        "updated_at": at,
    }
    upsert = insert(Staff).values(id=user["username"], **values)
    session.execute(
        upsert.on_conflict_do_update(index_elements=[Staff.id], set_=values, where=newer)
    )
