"""Reading a household: its members with the provenance of each value, the facts other services
need, its timeline. A household outside the caller's area (``scope``, ``domain/scope.py``) is
:class:`NotFound`, exactly like one that does not exist."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry.domain import lifecycle
from services.registry.domain import scope as area
from services.registry.errors import NotFound


def _household(
    session: Session, household_id: int, scope: area.Scope | None, lock: bool = False
) -> Any:
    """The household's row, or :class:`NotFound` when it is unknown or outside ``scope``."""
    in_scope, params = area.where(scope)
    row = (
        session.execute(
            sa.text(
                f"SELECT h.* FROM households h WHERE h.id = :id AND {in_scope}"
                + (" FOR UPDATE" if lock else "")
            ),
            {"id": household_id, **params},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(household_id)
    return row


def get(session: Session, household_id: int, scope: area.Scope | None = None) -> dict[str, Any]:
    """A household with its members, each value's provenance, open conflicts and timeline."""
    row = _household(session, household_id, scope)
    batches = _batches(session)
    members = (
        session.execute(
            sa.text(
                "SELECT * FROM people WHERE household_id = :id ORDER BY "
                "(hubungan = 'kepala') DESC NULLS LAST, tanggal_lahir NULLS LAST, nik"
            ),
            {"id": household_id},
        )
        .mappings()
        .all()
    )
    return {
        "id": row["id"],
        "correlation_id": str(row["correlation_id"]),
        "no_kk": _kk(row["no_kk"]),
        "status": row["status"],
        "in_care_while_not_poor": lifecycle.in_care_while_not_poor(
            row["status"], row["welfare_class"]
        ),
        "address": {
            k: row[k]
            for k in (
                "kecamatan_code",
                "desa_code",
                "alamat",
                "rt",
                "rw",
                "dusun",
                "latitude",
                "longitude",
            )
        },
        "desil": row["desil"],
        "welfare_class": row["welfare_class"],
        "verified_at": row["verified_at"].isoformat() if row["verified_at"] else None,
        "indicators": row["indicators"],
        "sources": row["sources"],
        "provenance": _provenance(
            row, batches, ("desil", "desa_code", "alamat", "indicators", "no_kk")
        ),
        "members": [_member(m, batches) for m in members],
        "conflicts": conflicts(session, household_id),
        "timeline": timeline(session, household_id, row, batches),
    }


def facts_for_referrals(session: Session, household_ids: list[int]) -> dict[str, Any]:
    """:func:`facts_for_referral` of households verified together, in one call: ``{id (as
    text): facts}``, an unknown household's id left out."""
    found = {}
    for household_id in dict.fromkeys(household_ids):
        try:
            found[str(household_id)] = facts_for_referral(session, household_id)
        except NotFound:
            continue
    return found


def facts_for_referral(session: Session, household_id: int) -> dict[str, Any]:
    """What the referral service needs to route a household's needs and tell the agency: the
    address and each member's age, sex, relation and PMKS — and name and NIK, which the referral
    service passes on only to agencies whose programme registers people by NIK."""
    row = (
        session.execute(
            sa.text(
                "SELECT id, kecamatan_code, desa_code, alamat, rt, rw FROM households "
                "WHERE id = :id"
            ),
            {"id": household_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(household_id)
    members = session.execute(
        sa.text(
            "SELECT nik, nama, jenis_kelamin, hubungan, pmks, "
            "date_part('year', age(tanggal_lahir))::int AS age FROM people "
            "WHERE household_id = :id ORDER BY (hubungan = 'kepala') DESC NULLS LAST, "
            "tanggal_lahir NULLS LAST, nik"
        ),
        {"id": household_id},
    ).mappings()
    return {
        **dict(row),
        "members": [
            {
                "index": index,
                "name": m["nama"],
                "nik": str(m["nik"]),
                "age": m["age"],
                "sex": m["jenis_kelamin"],
                "relation": m["hubungan"],
                "pmks": list(m["pmks"] or []),
            }
            for index, m in enumerate(members)
        ],
    }


FIELD_MEMBER_KEYS = ("name", "relation", "sex", "age")


def field_views(session: Session, household_ids: list[int]) -> dict[str, Any]:
    """What a verifier's phone keeps of each household for its visit (``{id (as text): view}``):
    the address, RT/RW and each member's name, relation, sex and age, head first — no NIK and no
    No. KK, in any form (a NIK has too few unknown digits for a hash to hide it)."""
    return {
        household_id: {
            **{k: v for k, v in facts.items() if k != "members"},
            "members": [{k: m[k] for k in FIELD_MEMBER_KEYS} for m in facts["members"]],
        }
        for household_id, facts in facts_for_referrals(session, household_ids).items()
    }


def nik_check(session: Session, household_id: int, typed: str) -> str:
    """Whether the NIK typed from the card at the door is a member's of the household: ``match``
    or ``mismatch`` (an impossible NIK is a mismatch too). Neither NIK is logged or kept."""
    digits = typed.strip()
    if not (len(digits) == 16 and digits.isdigit()):
        return "mismatch"
    found = session.execute(
        sa.text("SELECT 1 FROM people WHERE household_id = :h AND nik = :nik"),
        {"h": household_id, "nik": int(digits)},
    ).first()
    return "match" if found else "mismatch"


def _member(m, batches) -> dict[str, Any]:
    return {
        "nik": str(m["nik"]),
        "nama": m["nama"],
        "jenis_kelamin": m["jenis_kelamin"],
        "tanggal_lahir": m["tanggal_lahir"].isoformat() if m["tanggal_lahir"] else None,
        "hubungan": m["hubungan"],
        "status_kawin": m["status_kawin"],
        "pmks": m["pmks"],
        "attributes": m["attributes"],
        "no_kk": _kk(m["no_kk"]),
        "kk_since": m["kk_since"].isoformat() if m["kk_since"] else None,
        "provenance": _provenance(
            m,
            batches,
            ("nama", "jenis_kelamin", "tanggal_lahir", "hubungan", "status_kawin", "pmks", "no_kk"),
        ),
    }


def _provenance(row, batches, fields) -> dict[str, dict[str, Any]]:
    """field → where its value came from: source, batch, row, time."""
    out = {}
    for field in fields:
        ref = (row["provenance"] or {}).get(field) or {
            "batch": row["batch_id"],
            "row": row["row_no"],
        }
        batch = batches.get(ref.get("batch"), {})
        out[field] = {
            "source": ref.get("source") or batch.get("source"),
            "filename": batch.get("filename"),
            "batch": ref.get("batch"),
            "row": ref.get("row"),
            "at": batch.get("at"),
            "by": ref.get("by") or ref.get("resolved_by"),
        }
    return out


def _batches(session: Session) -> dict[int, dict[str, Any]]:
    rows = session.execute(sa.text("SELECT id, source, filename, started_at FROM import_batches"))
    return {
        r.id: {"source": r.source, "filename": r.filename, "at": r.started_at.isoformat()}
        for r in rows
    }


def timeline_of(
    session: Session, household_id: int, scope: area.Scope | None = None
) -> list[dict[str, Any]]:
    """The timeline alone (what ``get`` carries), for a caller that needs no members."""
    row = _household(session, household_id, scope)
    return timeline(session, household_id, row, _batches(session))


def timeline(session: Session, household_id: int, row=None, batches=None) -> list[dict]:
    """Registration, then every lifecycle move with who, why, when and what caused it (a
    verification verdict also with the welfare class it found)."""
    entries = []
    if row is not None:
        entries.append(
            {
                "at": row["created_at"].isoformat(),
                "action": "register",
                "to_status": "registered",
                "actor": (batches or {}).get(row["batch_id"], {}).get("source", "registry"),
                "reason": f"import batch {row['batch_id']}",
            }
        )
    moves = session.execute(
        sa.text("SELECT * FROM status_transitions WHERE household_id = :id ORDER BY id"),
        {"id": household_id},
    ).mappings()
    entries += [
        {
            "at": m["at"].isoformat(),
            "action": m["action"],
            "from_status": m["from_status"],
            "to_status": m["to_status"],
            "actor": m["actor"],
            "reason": m["reason"],
            "cause_event_id": str(m["cause_event_id"]) if m["cause_event_id"] else None,
            "welfare_class": m["welfare_class"],
        }
        for m in moves
    ]
    return entries


def conflicts(session: Session, household_id: int) -> list[dict[str, Any]]:
    """A household's conflicts, open and resolved, oldest first."""
    rows = session.execute(
        sa.text(f"{CONFLICTS} WHERE c.household_id = :id ORDER BY c.id"), {"id": household_id}
    ).mappings()
    return [conflict_view(r) for r in rows]


# A conflict with the files its two values came from and the person it concerns.
CONFLICTS = (
    "SELECT c.*, kb.source AS kept_source, kb.filename AS kept_filename, "
    "ob.source AS other_source, ob.filename AS other_filename, "
    "(SELECT p.nama FROM people p WHERE p.nik = c.nik) AS person_name "
    "FROM conflicts c LEFT JOIN import_batches kb ON kb.id = c.kept_batch "
    "LEFT JOIN import_batches ob ON ob.id = c.other_batch"
)


def conflict_view(r: Any) -> dict[str, Any]:
    """A conflict row: its two values side by side, each with the file, batch and row."""
    return {
        "id": r["id"],
        "household_id": r["household_id"],
        "nik": str(r["nik"]) if r["nik"] else None,
        "person_name": r["person_name"],
        "field": r["field"],
        "status": r["status"],
        "kept": {
            "value": r["kept_value"],
            "source": r["kept_source"],
            "filename": r["kept_filename"],
            "batch": r["kept_batch"],
            "row": r["kept_row"],
        },
        "other": {
            "value": r["other_value"],
            "source": r["other_source"],
            "filename": r["other_filename"],
            "batch": r["other_batch"],
            "row": r["other_row"],
        },
        "resolved_value": r["resolved_value"],
        "resolved_by": r["resolved_by"],
    }


def _kk(value) -> str | None:
    return str(value) if value is not None else None


def _json(value) -> str:
    return json.dumps(value)
