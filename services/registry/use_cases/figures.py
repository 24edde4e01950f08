"""The figures Dinsos reports: households counted by kecamatan, desa, lifecycle status, welfare
class, PMKS category and source, now or as they stood at the end of any day, within the
caller's area. One set-based query per request (a million people count in well under a second).

**Extreme poor** (kemiskinan ekstrem), as counted here: a household whose latest verification
verdict classed it ``sangat_miskin``; a household not verified yet counts by the data it came
with, extreme poor when its desil (DTSEN/DTKS national desil, or P3KE's desil) is 1. A verdict
always wins over the desil, so a desil-1 household that verification found ``miskin`` or
``tidak_miskin``, or whose claim was rejected, is no longer extreme poor. "Extreme poor per desa
before and after" is two requests, ``group_by=["desa"], filter={"extreme_poor": true}``, with
``at`` the day before the verification round and the day after.

**At a date** (``at``): the registry as it stood at the end of that day, Kutim time
(``SIPMAS_TIMEZONE``, WITA): a household counts from the moment it was first seen
(``households.created_at``); its status is the last move on its timeline (``status_transitions``)
before then, else ``registered``; its welfare class is the one of its last verdict before then
(kept on the timeline's verdict rows). Address, desil, sources and PMKS categories are today's:
the registry keeps no history of them (sources and categories only ever accumulate).

Grouping by ``pmks`` counts a household once per category its members have (and under none when
they have none); by ``source``, once per source it came from. So those rows can add up to more
than ``total``, which counts each household once; every other grouping adds up to ``total``.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry.domain import lifecycle
from services.registry.domain import scope as area
from sipmas import reference, settings
from sipmas.events import LIFECYCLE_STATUSES, SOURCES, WELFARE_CLASSES
from sipmas.refusals import Invalid

GROUPS = ("kecamatan", "desa", "status", "welfare_class", "pmks", "source")
MAX_ZERO_ROWS = 20_000  # every combination listed, zeros included: a report, not a data dump


def extreme_poor(verified: str, welfare_class: str, desil: str) -> str:
    """THE rule (see the module's docstring), as SQL over the given expressions."""
    return (
        f"CASE WHEN {verified} THEN coalesce({welfare_class} = 'sangat_miskin', false) "
        f"ELSE coalesce({desil} = 1, false) END"
    )


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` in Kutim."""
    return datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(settings.local_timezone()))


def counts(session: Session, request: dict[str, Any]) -> dict[str, Any]:
    """Household counts as ``schemas.CountsRequest`` asks: ``rows`` per group (every
    combination, zeros included, when ``zeros``), ``total`` households matching the filter,
    each counted once."""
    group_by: list[str] = request["group_by"]
    scope = area.parse(request["scope"])
    params: dict[str, Any] = {}
    households = _households(request["at"], scope, params)
    matching = _filter(request["filter"], params)
    if group_by:
        groups = _grouped(group_by)
        if request["zeros"]:
            groups = _with_zeros(groups, group_by, request["filter"], scope, params)
        order = ", ".join(f"{g} NULLS LAST" for g in group_by)
        sql = (
            f"WITH {households}, f AS NOT MATERIALIZED (SELECT * FROM hh WHERE {matching}), "
            f"g AS ({groups}) "
            f"SELECT false AS is_total, {_named(group_by)}, g.n FROM g {_name_joins(group_by)} "
            f"UNION ALL SELECT true, {_nulls(group_by)}, count(*) FROM f "
            f"ORDER BY is_total, {order}"
        )
    else:
        sql = f"WITH {households} SELECT true AS is_total, count(*) AS n FROM hh WHERE {matching}"
    # one scan, hashed in memory: compiling it (JIT) would cost more than running it
    session.execute(sa.text("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"))
    rows, total = [], 0
    for row in session.execute(sa.text(sql), params).mappings():
        if row["is_total"]:
            total = row["n"]
        else:
            named = {k: v for k, v in row.items() if k not in ("is_total", "n")}
            rows.append({**named, "count": row["n"]})
    return {
        "at": request["at"].isoformat() if request["at"] else None,
        "group_by": group_by,
        "filter": dict(request["filter"]),
        "total": total,
        "rows": rows,
    }


def _households(at: date | None, scope: area.Scope | None, params: dict[str, Any]) -> str:
    """CTEs ending in ``hh``: one row per household in scope, as it stood at ``at`` (or now)."""
    in_scope, scope_params = area.where(scope)
    params.update(scope_params)
    if at is None:  # ``hh`` is read twice (groups, total): inlined, not written out twice
        return (
            "hh AS NOT MATERIALIZED (SELECT h.id, h.kecamatan_code, h.desa_code, h.status, "
            "h.welfare_class, h.sources, h.verified_at IS NOT NULL AS verified, "
            f"{extreme_poor('h.verified_at IS NOT NULL', 'h.welfare_class', 'h.desil')} "
            f"AS extreme_poor FROM households h WHERE {in_scope})"
        )
    params["cutoff"] = end_of_day(at)
    params["verdicts"] = sorted(lifecycle.VERDICT_ACTIONS)
    return (
        "moved AS (SELECT DISTINCT ON (household_id) household_id, to_status "
        "FROM status_transitions WHERE at < :cutoff ORDER BY household_id, id DESC), "
        "verdict AS (SELECT DISTINCT ON (household_id) household_id, welfare_class "
        "FROM status_transitions WHERE at < :cutoff "
        "AND action = ANY(CAST(:verdicts AS text[])) ORDER BY household_id, id DESC), "
        "hh AS NOT MATERIALIZED (SELECT h.id, h.kecamatan_code, h.desa_code, "
        "coalesce(m.to_status, 'registered') AS status, v.welfare_class, h.sources, "
        "v.household_id IS NOT NULL AS verified, "
        f"{extreme_poor('v.household_id IS NOT NULL', 'v.welfare_class', 'h.desil')} "
        "AS extreme_poor FROM households h "
        "LEFT JOIN moved m ON m.household_id = h.id "
        "LEFT JOIN verdict v ON v.household_id = h.id "
        f"WHERE h.created_at < :cutoff AND {in_scope})"
    )


def _filter(wanted: dict[str, Any], params: dict[str, Any]) -> str:
    """The condition on ``hh`` for the request's filter (every given part must hold)."""
    where = ["true"]
    for flag in ("extreme_poor", "verified"):
        if wanted.get(flag) is not None:
            where.append(f"hh.{flag} = :f_{flag}")
            params[f"f_{flag}"] = wanted[flag]
    for key, column in (
        ("kecamatan", "kecamatan_code"),
        ("desa", "desa_code"),
        ("status", "status"),
        ("welfare_class", "welfare_class"),
    ):
        if wanted.get(key):
            where.append(f"hh.{column} = ANY(CAST(:f_{key} AS text[]))")
            params[f"f_{key}"] = wanted[key]
    if wanted.get("source"):
        where.append("hh.sources && CAST(:f_source AS text[])")
        params["f_source"] = wanted["source"]
    if wanted.get("pmks"):
        where.append(
            "EXISTS (SELECT FROM people p WHERE p.household_id = hh.id AND p.pmks <> '{}' "
            "AND p.pmks && CAST(:f_pmks AS text[]))"  # ``<> '{}'``: the partial index
        )
        params["f_pmks"] = wanted["pmks"]
    return " AND ".join(where)


COLUMN = {
    "kecamatan": "f.kecamatan_code",
    "desa": "f.desa_code",
    "status": "f.status",
    "welfare_class": "f.welfare_class",
    "pmks": "pm.pmks",
    "source": "src.source",
}


def _grouped(group_by: list[str]) -> str:
    """Counts per group over ``f``: one row per household and PMKS category / source."""
    joins = ""
    if "pmks" in group_by:
        joins += (
            " LEFT JOIN (SELECT DISTINCT p.household_id, c AS pmks FROM people p "
            "CROSS JOIN LATERAL unnest(p.pmks) AS c "
            "WHERE p.pmks <> '{}') pm "  # few people have one: ``people_pmks`` holds them
            "ON pm.household_id = f.id"
        )
    if "source" in group_by:
        joins += " LEFT JOIN LATERAL unnest(f.sources) AS src(source) ON true"
    columns = ", ".join(f"{COLUMN[g]} AS {g}" for g in group_by)
    return f"SELECT {columns}, count(*) AS n FROM f{joins} GROUP BY {', '.join(group_by)}"


def _with_zeros(
    groups: str,
    group_by: list[str],
    wanted: dict[str, Any],
    scope: area.Scope | None,
    params: dict[str, Any],
) -> str:
    """``groups`` and every other combination of the groups' known values, counted 0: each
    desa (kecamatan) of the caller's area, each status, class, source and PMKS category."""
    values: dict[str, list[str | None]] = {
        "status": list(wanted.get("status") or LIFECYCLE_STATUSES),
        "welfare_class": list(wanted.get("welfare_class") or WELFARE_CLASSES) + [None],
        "source": list(SOURCES),
        "pmks": sorted(reference.pmks_codes()) + [None],
    }
    places = [g for g in group_by if g in ("kecamatan", "desa")]
    size = len(reference.desa()) if "desa" in places else len(reference.kecamatan())
    size = (size if places else 1) * math.prod(len(values[g]) for g in group_by if g in values)
    if size > MAX_ZERO_ROWS:
        raise Invalid(
            {
                "zeros": [
                    f"terlalu banyak kombinasi (> {MAX_ZERO_ROWS}); kurangi pengelompokan / "
                    f"too many combinations (> {MAX_ZERO_ROWS}); group by fewer things"
                ]
            }
        )
    tables, column = [], {}
    if places:
        in_scope, _ = area.where(scope, alias="d")  # its parameters are already in ``params``
        where = [in_scope] + [
            f"d.{g}_code = ANY(CAST(:f_{g} AS text[]))" for g in places if wanted.get(g)
        ]
        tables.append(
            f"(SELECT DISTINCT {', '.join(f'd.{g}_code AS {g}' for g in places)} "
            "FROM (SELECT code AS desa_code, kecamatan_code FROM desa) d "
            f"WHERE {' AND '.join(where)}) place"
        )
        column.update({g: f"place.{g}" for g in places})
    for g in group_by:
        if g in values:
            params[f"z_{g}"] = values[g]
            tables.append(f"unnest(CAST(:z_{g} AS text[])) AS z_{g}")
            column[g] = f"z_{g}"
    zero = ", ".join(f"{column[g]} AS {g}" for g in group_by)
    listed = ", ".join(group_by)
    return (
        f"SELECT {listed}, sum(n)::bigint AS n FROM (({groups}) "
        f"UNION ALL (SELECT {zero}, 0 FROM {' CROSS JOIN '.join(tables)})) u GROUP BY {listed}"
    )


def _named(group_by: list[str]) -> str:
    """The group columns, with the area's name beside its code."""
    out = []
    for g in group_by:
        out.append(f"g.{g}")
        if g in ("kecamatan", "desa"):
            out.append(f"{g}_ref.name AS {g}_name")
    return ", ".join(out)


def _name_joins(group_by: list[str]) -> str:
    return "".join(
        f" LEFT JOIN {g} {g}_ref ON {g}_ref.code = g.{g}"
        for g in group_by
        if g in ("kecamatan", "desa")
    )


def _nulls(group_by: list[str]) -> str:
    out = []
    for g in group_by:
        out.append("NULL")
        if g in ("kecamatan", "desa"):
            out.append("NULL")
    return ", ".join(out)
