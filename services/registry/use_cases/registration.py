"""Registering and updating Pemda households: through the import pipeline, so the same checks
and matching hold."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry.domain import scope as area
from services.registry.domain.import_problems import PROBLEMS
from services.registry.errors import OUTSIDE, OUTSIDE_MEMBER, Invalid
from services.registry.use_cases.households import _household, _json
from services.registry.use_cases.importing.loading import Importer
from sipmas import events, outbox
from sipmas.refusals import Refused


def register(
    session: Session, members: list[dict[str, Any]], actor: str, scope: area.Scope | None = None
) -> dict[str, Any]:
    """Register a Pemda household (a list of member rows) through the import pipeline, so
    the same checks and matching hold; refused whole, with every problem, if any row is bad,
    and refused ``out_of_scope`` (naming each member's ``kode_desa``) when a member would land
    in a household outside the caller's area: the desa is the one the pipeline resolved, so a
    name or a BPS code cannot slip past the check. Everything happens in ``session``'s
    transaction (the pipeline works on its DB-API connection): a refusal leaves nothing."""
    connection = session.connection().connection.dbapi_connection
    key = {"id_keluarga": f"pemda-{uuid.uuid4()}"}
    rows = [{**key, **{k: v for k, v in m.items() if v is not None}} for m in members]
    importer = Importer(connection)
    summary = importer.import_rows("pemda", rows, actor=actor, label=f"pemda:{actor}", commit=False)
    errors = [p for p in importer.problems(summary.batch_id) if p[3] == "error"]
    if errors:
        raise Invalid(_row_errors(errors))
    if summary.imported == 0:
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
        raise Refused(
            "out_of_scope", "desa di luar wilayah Anda / the desa is outside your area", outside
        )
    household_ids = sorted({household_id for _, household_id, _, _ in landed})
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
