"""Verifiers, supervisors and operators, and the area each works in (assignment reads it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.verification.models import Staff


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
