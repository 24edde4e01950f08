"""Reading cases and referrals: a household's cases with every referral and its history, and an
agency's open and overdue referrals (each agency sees its own only)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.referral.domain import contract, sla
from services.referral.errors import NotFound
from services.referral.models import Case, Escalation, Referral
from services.referral.use_cases import referrals
from services.referral.use_cases.referrals import now
from sipmas import events

LIVE = ("created", "sent", "received", "in_progress")


def household_cases(session: Session, household_id: int) -> dict[str, Any]:
    cases = session.scalars(
        sa.select(Case).where(Case.household_id == household_id).order_by(Case.id)
    ).all()
    if not cases:
        raise NotFound("case of household", household_id)
    return {"household_id": household_id, "cases": [case_view(session, c) for c in cases]}


def case_view(session: Session, case: Case) -> dict[str, Any]:
    rows = session.scalars(
        sa.select(Referral).where(Referral.case_id == case.id).order_by(Referral.id)
    ).all()
    return {
        "case_id": case.id,
        "state": case.state,
        "welfare_class": case.welfare_class,
        "decision_id": case.decision_id,
        "opened_at": case.opened_at.isoformat(),
        "resolved_at": case.resolved_at.isoformat() if case.resolved_at else None,
        "referrals": [
            {**referral_view(r), "history": referrals.history(session, r.id)} for r in rows
        ],
    }


def referral_view(referral: Referral) -> dict[str, Any]:
    """A referral without its persons (their names and NIKs go to the agency only)."""
    return {
        "referral_id": referral.id,
        "case_id": referral.case_id,
        "household_id": referral.household_id,
        "need": referral.need,
        "reasons": list(referral.reasons or []),
        "opd_code": referral.opd_code,
        "programme": referral.programme,
        "rule_id": referral.rule_id,
        "routing_version": referral.routing_version,
        "state": referral.state,
        "receive_by": referral.receive_by.isoformat(),
        "complete_by": referral.complete_by.isoformat(),
        "evidence_ref": referral.evidence_ref,
        "reason": referral.reason,
        "rerouted_from": referral.rerouted_from,
    }


def agency_referrals(
    session: Session,
    opd_code: str,
    overdue_only: bool = False,
    view: str = "staff",
    area: dict[str, Any] | None = None,
    tab: str | None = None,
) -> dict:
    """An agency's referrals of an inbox tab (``sla.INBOX_TABS``; none: the open ones), soonest
    due first, each marked overdue when it is.

    ``view="opd"`` shows each as the agency's own messages carry it (``contract``: its
    referral, the address, the persons concerned) with its history; ``area`` (kecamatan and
    desa codes) keeps the referrals of households there (Dinsos staff of an area)."""
    at = now()
    states = sla.INBOX_TABS[tab] if tab else LIVE
    query = sa.select(Referral, Case.welfare_class).join(Case, Case.id == Referral.case_id)
    query = query.where(Referral.opd_code == opd_code, Referral.state.in_(states))
    rows = [
        (r, welfare_class)
        for r, welfare_class in session.execute(query.order_by(Referral.complete_by, Referral.id))
        if area is None or _in_area(r.household or {}, area)
    ]
    if overdue_only or tab == "overdue":
        rows = [(r, c) for r, c in rows if _overdue(r, at)]
    return {"opd_code": opd_code, "referrals": _shown(session, rows, view, at)}


def referral(
    session: Session,
    referral_id: int,
    view: str = "staff",
    opd_code: str | None = None,
    area: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One referral with its history; :class:`NotFound` for another agency's (``opd_code``)
    or one of a household outside ``area``, exactly as for one that does not exist."""
    found = session.execute(
        sa.select(Referral, Case.welfare_class)
        .join(Case, Case.id == Referral.case_id)
        .where(Referral.id == referral_id)
    ).first()
    if (
        found is None
        or (opd_code is not None and found[0].opd_code != opd_code)
        or (area is not None and not _in_area(found[0].household or {}, area))
    ):
        raise NotFound("referral", referral_id)
    return _shown(session, [tuple(found)], view, now())[0]


def _shown(session: Session, rows: list, view: str, at: Any) -> list[dict[str, Any]]:
    escalated = _escalated_stages(session, [r.id for r, _ in rows])
    out = []
    for r, welfare_class in rows:
        overdue = _overdue(r, at)
        if view == "opd":
            shown = events.OpdReferral().dump(contract.opd_referral_data(r, welfare_class))
            out.append({**shown, "overdue": overdue, "history": referrals.history(session, r.id)})
        else:
            out.append(
                {
                    **referral_view(r),
                    "overdue": overdue,
                    "escalated": escalated.get(r.id, []),
                    "history": referrals.history(session, r.id),
                }
            )
    return out


def _overdue(r: Referral, at: Any) -> bool:
    return sla.is_overdue(r.state, r.receive_by, r.complete_by, at)


_COUNTS = sa.text(
    "SELECT opd_code, state, count(*) AS n, count(*) FILTER (WHERE "
    "  (state = ANY(:awaiting_completion) AND complete_by < :at) OR "
    "  (state = ANY(:awaiting_receipt) AND receive_by < :at)) AS overdue "
    "FROM referrals WHERE :district OR household->>'desa_code' = ANY(:desa) "
    "  OR household->>'kecamatan_code' = ANY(:kecamatan) "
    "GROUP BY opd_code, state ORDER BY opd_code, state"
)


def counts(session: Session, area: dict[str, Any] | None) -> dict[str, Any]:
    """Referrals per agency and state, and the overdue ones per agency (``sla``'s rule), of an
    area's households (None: the district); one statement."""
    rows = session.execute(
        _COUNTS,
        {
            "awaiting_completion": sorted(sla.AWAITING_COMPLETION),
            "awaiting_receipt": sorted(sla.AWAITING_RECEIPT),
            "at": now(),
            "district": area is None,
            "desa": list((area or {}).get("desa_codes") or ()),
            "kecamatan": list((area or {}).get("kecamatan_codes") or ()),
        },
    ).all()
    overdue: dict[str, int] = {}
    for row in rows:
        if row.overdue:
            overdue[row.opd_code] = overdue.get(row.opd_code, 0) + row.overdue
    return {
        "rows": [{"opd_code": r.opd_code, "state": r.state, "count": r.n} for r in rows],
        "overdue": [{"opd_code": opd, "count": n} for opd, n in sorted(overdue.items())],
    }


def _in_area(household: dict[str, Any], area: dict[str, Any]) -> bool:
    return household.get("desa_code") in (area.get("desa_codes") or ()) or household.get(
        "kecamatan_code"
    ) in (area.get("kecamatan_codes") or ())


def _escalated_stages(session: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if ids:
        for referral_id, stage in session.execute(
            sa.select(Escalation.referral_id, Escalation.stage).where(
                Escalation.referral_id.in_(ids)
            )
        ):
            found.setdefault(referral_id, []).append(stage)
    return found
