"""The routing table in the database: every version kept, the newest in force, the packaged
CSV loaded as version 1 the first time it is needed. Changing it needs no code: an admin sends
a CSV (``set_routing_table`` RPC), it is checked row by row and becomes the next version."""

from __future__ import annotations

import csv
import hashlib
import io
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.referral.domain import routing
from services.referral.errors import Invalid
from services.referral.models import RoutingTableVersion

SYSTEM = "referral"


def table_in_force(session: Session) -> routing.RoutingTable:
    """The newest version (the packaged default if none was ever loaded)."""
    newest = _newest(session)
    if newest is None:
        session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('routing_tables'))"))
        newest = _newest(session) or _store(
            session, routing.default_table_text(), SYSTEM, "packaged default"
        )
    return _parsed(newest.version, newest.csv)


def _newest(session: Session) -> RoutingTableVersion | None:
    return session.scalars(
        sa.select(RoutingTableVersion).order_by(RoutingTableVersion.version.desc()).limit(1)
    ).first()


def table_version(session: Session, version: int) -> routing.RoutingTable:
    row = session.get(RoutingTableVersion, version)
    if row is None:
        raise Invalid({"version": [f"no routing table version {version}"]})
    return _parsed(row.version, row.csv)


def install(session: Session, csv_text: str, actor: str, note: str | None = None) -> dict:
    """Check a new table and put it in force; a table with bad rows is refused whole, naming
    every bad row and column, and the table in force stays."""
    try:
        routing.parse_table(csv_text, version=0)
    except routing.TableError as error:
        raise Invalid({"rows": error.errors}) from None
    row = _store(session, csv_text, actor, note)
    table = _parsed(row.version, row.csv)
    return {"version": row.version, "rules": len(table.rules), "loaded_by": actor}


def describe(session: Session) -> dict[str, Any]:
    """The table in force (as CSV and as its rules, in order) and every version kept."""
    table = table_in_force(session)
    text = routing.to_csv(table)
    versions = session.scalars(
        sa.select(RoutingTableVersion).order_by(RoutingTableVersion.version.desc())
    )
    return {
        "version": table.version,
        "csv": text,
        "rules": list(csv.DictReader(io.StringIO(text))),
        "versions": [
            {
                "version": v.version,
                "loaded_at": v.loaded_at.isoformat() if v.loaded_at else None,
                "loaded_by": v.loaded_by,
                "note": v.note,
            }
            for v in versions
        ],
    }


def _store(session: Session, csv_text: str, actor: str, note: str | None) -> RoutingTableVersion:
    row = RoutingTableVersion(
        csv=csv_text,
        sha256=hashlib.sha256(csv_text.encode()).hexdigest(),
        loaded_by=actor,
        note=note,
    )
    session.add(row)
    session.flush()
    return row


@lru_cache(maxsize=16)
def _parsed(version: int, csv_text: str) -> routing.RoutingTable:
    return routing.parse_table(csv_text, version=version)
