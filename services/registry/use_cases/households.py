"""The registry's use cases: read a household, search, register and update Pemda data, move the
lifecycle. Plain functions over a SQLAlchemy session; the service entrypoints only call these.

Every use case a user reaches through the gateway takes the caller's area (``scope``, see
``scope.py``): a household outside it is :class:`NotFound`, exactly like one that does not exist.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry.domain import lifecycle
from services.registry.domain import scope as area
from services.registry.domain.import_problems import PROBLEMS
from services.registry.use_cases.importing.loading import Importer
from sipmas import events, nik, outbox
from sipmas.messaging import inbox
from sipmas.refusals import Refused

OUTSIDE = "di luar wilayah Anda / outside your area"
OUTSIDE_MEMBER = (
    "anggota terdaftar di rumah tangga di luar wilayah Anda / "
    "a member is registered in a household outside your area"
)


class NotFound(Exception):
    """No such household (the message never says more than the id)."""


class Invalid(Exception):
    """Input refused; ``errors`` maps field → messages (Indonesian / English), per row."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__("invalid input")
        self.errors = errors


# -- reading ---------------------------------------------------------------------------------


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
            "batch": ref.get("batch"),
            "row": ref.get("row"),
            "at": batch.get("at"),
            "by": ref.get("by") or ref.get("resolved_by"),
        }
    return out


def _batches(session: Session) -> dict[int, dict[str, Any]]:
    rows = session.execute(sa.text("SELECT id, source, started_at FROM import_batches"))
    return {r.id: {"source": r.source, "at": r.started_at.isoformat()} for r in rows}


def conflicts(session: Session, household_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        sa.text(
            "SELECT c.*, kb.source AS kept_source, ob.source AS other_source "
            "FROM conflicts c LEFT JOIN import_batches kb ON kb.id = c.kept_batch "
            "LEFT JOIN import_batches ob ON ob.id = c.other_batch "
            "WHERE c.household_id = :id ORDER BY c.id"
        ),
        {"id": household_id},
    ).mappings()
    return [
        {
            "id": r["id"],
            "nik": str(r["nik"]) if r["nik"] else None,
            "field": r["field"],
            "status": r["status"],
            "kept": {
                "value": r["kept_value"],
                "source": r["kept_source"],
                "batch": r["kept_batch"],
                "row": r["kept_row"],
            },
            "other": {
                "value": r["other_value"],
                "source": r["other_source"],
                "batch": r["other_batch"],
                "row": r["other_row"],
            },
            "resolved_value": r["resolved_value"],
            "resolved_by": r["resolved_by"],
        }
        for r in rows
    ]


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


SEARCH_LIMIT = 100


def search_query(
    criteria: dict[str, Any], scope: area.Scope | None = None
) -> tuple[str, dict[str, Any]]:
    """The SQL of :func:`search` and its parameters (apart, so the search benchmark can run the
    very same statement straight on PostgreSQL as its baseline)."""
    in_scope, params = area.where(scope)
    where = [in_scope]
    params["limit"] = min(int(criteria.get("limit", 50)), SEARCH_LIMIT)
    member_where = []
    if criteria.get("nik"):
        member_where.append("p.nik = :nik")
        params["nik"] = int(criteria["nik"])
    if criteria.get("no_kk"):
        where.append(  # two index probes; an OR across the tables would read every household
            "h.id IN (SELECT id FROM households WHERE no_kk = :kk "
            "UNION ALL SELECT household_id FROM kk_history WHERE no_kk = :kk)"
        )
        params["kk"] = int(criteria["no_kk"])
    if criteria.get("name"):
        # the distinct names similar to the fragment first (an array: the planner then reads
        # their people from ``people_nama``, never walks every household testing names)
        member_where.append("p.nama = ANY(ARRAY(SELECT nama FROM person_names WHERE nama % :name))")
        params["name"] = criteria["name"].upper()
    if criteria.get("pmks"):
        member_where.append(":pmks = ANY(p.pmks)")
        params["pmks"] = criteria["pmks"]
    for key in ("desa_code", "kecamatan_code", "status", "desil"):
        if criteria.get(key) is not None:
            where.append(f"h.{key} = :{key}")
            params[key] = criteria[key]
    if member_where:
        where.append(
            "h.id IN (SELECT p.household_id FROM people p WHERE " + " AND ".join(member_where) + ")"
        )
    # which households first (ids only: a walk in id order over ``households_walk`` reads the
    # index alone, not 80,000 household rows to find a desa's), then the page's rows
    sql = (
        "SELECT h.id, h.status, h.desa_code, h.kecamatan_code, h.desil, h.sources, "
        "(SELECT count(*) FROM people m WHERE m.household_id = h.id) AS members, "
        "hp.nama AS head_name, hp.nik AS head_nik "
        "FROM households h LEFT JOIN people hp ON hp.nik = h.head_nik "
        "WHERE h.id IN (SELECT h.id FROM households h "
        f"WHERE {' AND '.join(where)} ORDER BY h.id LIMIT :limit) ORDER BY h.id"
    )
    return sql, params


def search(
    session: Session, criteria: dict[str, Any], scope: area.Scope | None = None
) -> list[dict[str, Any]]:
    """Households matching every given criterion, within ``scope`` (filtered in the query, so
    the limit counts only households the caller may see); a name matches by trigram similarity,
    so spelling differences (Muhamad/Muhammad, Siti/Sity) still find the family."""
    sql, params = search_query(criteria, scope)
    rows = session.execute(sa.text(sql), params).mappings()
    return [
        {
            **{
                k: r[k]
                for k in (
                    "id",
                    "status",
                    "desa_code",
                    "kecamatan_code",
                    "desil",
                    "sources",
                    "members",
                    "head_name",
                )
            },
            "head_nik": nik.mask(str(r["head_nik"])) if r["head_nik"] else None,
        }
        for r in rows
    ]


# -- changing --------------------------------------------------------------------------------


def move(
    session: Session,
    household_id: int,
    action: str,
    actor: str,
    reason: str | None = None,
    cause_event_id: str | None = None,
    welfare_class: str | None = None,
    scope: area.Scope | None = None,
) -> dict[str, Any]:
    """Apply a lifecycle action, keep it on the timeline, publish ``household_status_changed``.

    A verification verdict (``lifecycle.VERDICT_ACTIONS``) also keeps the welfare class it found
    (none for a rejected claim) on the household and on its timeline row: the class known at
    any moment is then the one of the latest verdict before it (``reports``)."""
    row = _household(session, household_id, scope, lock=True)
    target = lifecycle.next_status(row["status"], action)
    verdict = action in lifecycle.VERDICT_ACTIONS
    session.execute(
        sa.text(
            "UPDATE households SET status = :s, updated_at = now()"
            + (", welfare_class = :w, verified_at = now()" if verdict else "")
            + " WHERE id = :id"
        ),
        {"s": target, "w": welfare_class, "id": household_id},
    )
    session.execute(
        sa.text(
            "INSERT INTO status_transitions (household_id, from_status, to_status, action, "
            "reason, actor, cause_event_id, welfare_class) "
            "VALUES (:h, :f, :t, :a, :r, :actor, :c, :w)"
        ),
        {
            "h": household_id,
            "f": row["status"],
            "t": target,
            "a": action,
            "r": reason,
            "actor": actor,
            "c": cause_event_id,
            "w": welfare_class if verdict else None,
        },
    )
    outbox.add(
        session,
        events.envelope(
            "household_status_changed",
            {
                "household_id": household_id,
                "from_status": row["status"],
                "to_status": target,
                "action": action,
                "reason": reason,
                "actor": actor,
                "cause_event_id": cause_event_id,
            },
            correlation_id=row["correlation_id"],
        ),
    )
    return {"household_id": household_id, "from_status": row["status"], "to_status": target}


def apply_event(session: Session, consumer: str, event: dict[str, Any]) -> dict | None:
    """Move a household as another service's event says, once per event (inbox)."""
    if not inbox.first_delivery(session, consumer, event["event_id"]):
        return None
    return _apply(session, event)


def apply_events(session: Session, consumer: str, events: list[dict[str, Any]]) -> None:
    """:func:`apply_event` for events that arrived together, in one transaction: one inbox
    statement for all of them, then each first-seen event in household order (a stable sort:
    one household's events keep their order, and two batches lock households in the same
    order, so they cannot deadlock)."""
    fresh = inbox.first_deliveries(session, consumer, [e["event_id"] for e in events])
    for event in sorted(events, key=lambda e: e["data"]["household_id"]):
        if str(event["event_id"]) in fresh:
            fresh.discard(str(event["event_id"]))  # the same event twice in one batch: once
            _apply(session, event)


def _apply(session: Session, event: dict[str, Any]) -> dict | None:
    data = event["data"]
    current = session.execute(  # locked: two events of one household apply one after another
        sa.text("SELECT status FROM households WHERE id = :id FOR UPDATE"),
        {"id": data["household_id"]},
    ).scalar()
    if current is None:
        raise NotFound(data["household_id"])
    action = lifecycle.action_for_event(event["event_type"], data, current)
    if action is None:
        return None
    return move(
        session,
        data["household_id"],
        action,
        actor=event["producer"],
        reason=event["event_type"],
        cause_event_id=str(event["event_id"]),
        welfare_class=data.get("welfare_class"),  # household_verified carries it
    )


def resolve_conflict(
    session: Session, conflict_id: int, value: str, actor: str, scope: area.Scope | None = None
) -> dict:
    """A person decides which value holds; the losing value stays on the conflict. A conflict
    of a household outside ``scope`` is not found."""
    in_scope, params = area.where(scope)
    row = (
        session.execute(
            sa.text(
                "SELECT c.* FROM conflicts c JOIN households h ON h.id = c.household_id "
                f"WHERE c.id = :id AND {in_scope} FOR UPDATE OF c"
            ),
            {"id": conflict_id, **params},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(conflict_id)
    if value not in (row["kept_value"], row["other_value"]):
        raise Invalid(
            {
                "value": [
                    "harus salah satu nilai yang bertentangan / "
                    "must be one of the conflicting values"
                ]
            }
        )
    batch, row_no = (
        (row["kept_batch"], row["kept_row"])
        if value == row["kept_value"]
        else (row["other_batch"], row["other_row"])
    )
    provenance = {row["field"]: {"batch": batch, "row": row_no, "resolved_by": actor}}
    table, key = ("people", "nik") if row["nik"] else ("households", "id")
    column = row["field"]
    cast = {"desil": "smallint", "tanggal_lahir": "date"}.get(column, "text")
    session.execute(
        sa.text(
            f"UPDATE {table} SET {column} = CAST(:v AS {cast}), "
            f"provenance = provenance || CAST(:p AS jsonb), updated_at = now() "
            f"WHERE {key} = :k"
        ),
        {"v": value, "p": _json(provenance), "k": row["nik"] or row["household_id"]},
    )
    session.execute(
        sa.text(
            "UPDATE conflicts SET status = 'resolved', resolved_value = :v, "
            "resolved_by = :a, resolved_at = now() WHERE id = :id"
        ),
        {"v": value, "a": actor, "id": conflict_id},
    )
    outbox.add(
        session,
        events.envelope(
            "household_updated",
            {
                "household_id": row["household_id"],
                "source": "pemda",
                "batch_id": None,
                "changed_fields": [column],
            },
        ),
    )
    return {"conflict_id": conflict_id, "field": column, "value": value}


def register(
    connection, members: list[dict[str, Any]], actor: str, scope: area.Scope | None = None
) -> dict[str, Any]:
    """Register a Pemda household (a list of member rows) through the import pipeline, so
    the same checks and matching hold; refused whole, with every problem, if any row is bad,
    and refused ``out_of_scope`` (naming each member's ``kode_desa``) when a member would land
    in a household outside the caller's area: the desa is the one the pipeline resolved, so a
    name or a BPS code cannot slip past the check."""
    key = {"id_keluarga": f"pemda-{uuid.uuid4()}"}
    rows = [{**key, **{k: v for k, v in m.items() if v is not None}} for m in members]
    importer = Importer(connection)
    summary = importer.import_rows("pemda", rows, actor=actor, label=f"pemda:{actor}", commit=False)
    errors = [p for p in importer.problems(summary.batch_id) if p[3] == "error"]
    if errors:
        connection.rollback()
        raise Invalid(_row_errors(errors))
    if summary.imported == 0:
        connection.rollback()
        raise Invalid(
            {
                "members": [
                    "semua anggota sudah terdaftar; gunakan ubah data / "
                    "every member is already registered; update instead"
                ]
            }
        )
    cur = connection.cursor()
    cur.execute(  # the new members, in the household they joined
        "SELECT p.row_no, h.id, h.kecamatan_code, h.desa_code FROM people p "
        "JOIN households h ON h.id = p.household_id WHERE p.batch_id = %s ORDER BY p.row_no",
        (summary.batch_id,),
    )
    landed = cur.fetchall()
    cur.execute(  # known members it took out of another household
        "SELECT DISTINCT h.kecamatan_code, h.desa_code FROM kk_history k "
        "JOIN households h ON h.id = k.household_id WHERE k.batch_id = %s",
        (summary.batch_id,),
    )
    left = cur.fetchall()
    outside = {
        f"members[{row_no - 1}]": {"kode_desa": [OUTSIDE]}
        for row_no, _, kecamatan, desa in landed
        if not area.admits(scope, kecamatan, desa)
    }
    if any(not area.admits(scope, kecamatan, desa) for kecamatan, desa in left):
        outside["members"] = [OUTSIDE_MEMBER]
    if outside:
        connection.rollback()
        raise Refused(
            "out_of_scope", "desa di luar wilayah Anda / the desa is outside your area", outside
        )
    household_ids = sorted({household_id for _, household_id, _, _ in landed})
    connection.commit()
    return {
        "household_ids": household_ids,
        "batch_id": summary.batch_id,
        "imported": summary.imported,
        "merged": summary.merged,
    }


def _row_errors(problems) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for row_no, column, code, _ in problems:
        message = PROBLEMS[code]
        out.setdefault(f"members[{row_no - 1}]", {}).setdefault(column or "row", []).append(
            f"{message.id} / {message.en}"
        )
    return out


def _kk(value) -> str | None:
    return str(value) if value is not None else None


def _json(value) -> str:
    return json.dumps(value)


def update(
    session: Session,
    household_id: int,
    changes: dict[str, Any],
    actor: str,
    scope: area.Scope | None = None,
) -> dict:
    """Correct household-level values; each changed field records who changed it and when."""
    if not changes:
        raise Invalid({"changes": ["tidak ada perubahan / nothing to change"]})
    row = _household(session, household_id, scope, lock=True)
    changed = sorted(k for k, v in changes.items() if row[k] != v)
    if not changed:
        return {"household_id": household_id, "changed_fields": []}
    sets = ", ".join(f"{k} = :{k}" for k in changed)
    stamp = {k: {"by": actor, "source": "pemda"} for k in changed}
    session.execute(
        sa.text(
            f"UPDATE households SET {sets}, provenance = provenance || CAST(:p AS jsonb), "
            "updated_at = now() WHERE id = :id"
        ),
        {**{k: changes[k] for k in changed}, "p": _json(stamp), "id": household_id},
    )
    outbox.add(
        session,
        events.envelope(
            "household_updated",
            {
                "household_id": household_id,
                "source": "pemda",
                "batch_id": None,
                "changed_fields": changed,
            },
            correlation_id=row["correlation_id"],
        ),
    )
    return {"household_id": household_id, "changed_fields": changed}
