"""Searching households by name, NIK, No. KK, desa, RT/RW, status, within the caller's area."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry.domain import scope as area
from sipmas import nik

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
    if criteria.get("ids"):  # named households, all of them that are in scope
        where.append("h.id = ANY(:ids)")
        params["ids"] = list(criteria["ids"])
        params["limit"] = len(params["ids"])
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
    for key in ("rt", "rw"):  # "003" is RT 3 as well
        if criteria.get(key):
            where.append(f"ltrim(h.{key}, '0') = ltrim(:{key}, '0')")
            params[key] = criteria[key]
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
        "h.rt, h.rw, h.alamat, h.welfare_class, "
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
                    "rt",
                    "rw",
                    "alamat",
                    "welfare_class",
                )
            },
            "head_nik": nik.mask(str(r["head_nik"])) if r["head_nik"] else None,
        }
        for r in rows
    ]
