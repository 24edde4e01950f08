"""Conflicting values of a household's sources: listed, and resolved by a person (the losing
value stays on the conflict)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry.domain import scope as area
from services.registry.errors import Invalid, NotFound
from services.registry.use_cases import households
from services.registry.use_cases.households import _json
from sipmas import events, outbox


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
    return {
        "conflict_id": conflict_id,
        "household_id": row["household_id"],
        "field": column,
        "value": value,
    }


def open_conflicts(session: Session, scope: area.Scope | None, limit: int = 100) -> list[dict]:
    """The conflicts still waiting for a person, oldest first, of households in ``scope``."""
    in_scope, params = area.where(scope)
    rows = session.execute(
        sa.text(
            f"{households.CONFLICTS} JOIN households h ON h.id = c.household_id "
            f"WHERE c.status = 'open' AND {in_scope} ORDER BY c.id LIMIT :limit"
        ),
        {"limit": min(limit, 500), **params},
    ).mappings()
    return [households.conflict_view(r) for r in rows]
