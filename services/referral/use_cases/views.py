"""Reading cases and referrals: a household's cases with every referral and its history, and an
agency's open and overdue referrals (each agency sees its own only)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.referral.domain import contract
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
) -> dict:
    """An agency's open referrals, soonest due first, each marked overdue when it is.

    ``view="opd"`` shows each as the agency's own messages carry it (``contract``: its
    referral, the address, the persons concerned); ``area`` (kecamatan and desa codes) keeps
    the referrals of households there (Dinsos staff of an area)."""
    at = now()
    query = sa.select(Referral, Case.welfare_class).join(Case, Case.id == Referral.case_id)
    query = query.where(Referral.opd_code == opd_code, Referral.state.in_(LIVE))
    if overdue_only:
        query = query.where(sa.or_(Referral.receive_by < at, Referral.complete_by < at))
    rows = [
        (r, welfare_class)
        for r, welfare_class in session.execute(query.order_by(Referral.complete_by, Referral.id))
        if area is None or _in_area(r.household or {}, area)
    ]
    escalated = _escalated_stages(session, [r.id for r, _ in rows])
    out = []
    for r, welfare_class in rows:
        overdue = r.complete_by < at or (r.state in ("created", "sent") and r.receive_by < at)
        if view == "opd":
            shown = events.OpdReferral().dump(contract.opd_referral_data(r, welfare_class))
            out.append({**shown, "overdue": overdue})
        else:
            out.append(
                {**referral_view(r), "overdue": overdue, "escalated": escalated.get(r.id, [])}
            )
    return {"opd_code": opd_code, "referrals": out}


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
