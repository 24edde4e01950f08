"""A verified household becomes a case: one referral per need, each routed by the table in
force to the agency that owns it. Once per verification event (inbox); a need that already has
an open referral at the same agency in the household's open case is not referred twice."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.referral import cases, messages, referrals, table_store
from services.referral.models import Case, Household, Referral
from sipmas import outbox

LIVE = ("created", "sent", "received", "in_progress")


def on_household_verified(
    session: Session, consumer: str, event: dict[str, Any], facts: dict[str, Any] | None
) -> Case | None:
    """``facts``: the registry's ``household_facts`` (members with age and NIK, address)."""
    if not outbox.first_delivery(session, consumer, event["event_id"]):
        return None
    data = event["data"]
    household = _remember(session, event)
    if not cases.eligible_for_case(data["welfare_class"], data.get("graduated", False)):
        return None
    if not data.get("needs"):
        return None
    return open_case(session, household, data, facts or {})


def open_case(session: Session, household: Household, data: dict, facts: dict) -> Case | None:
    table = table_store.table_in_force(session)
    case, is_new = _open_case_of(session, household, data, facts)
    already = frozenset(
        session.execute(
            sa.select(Referral.need, Referral.opd_code).where(
                Referral.case_id == case.id, Referral.state.in_(LIVE)
            )
        ).all()
    )
    planned = cases.plan(data["needs"], referrals.household_facts(case), table, already)
    if is_new and not planned:
        session.delete(case)
        return None
    if is_new:
        messages.event(
            session,
            household.correlation_id,
            "case_opened",
            {
                "household_id": household.id,
                "case_id": case.id,
                "decision_id": data.get("decision_id"),
                "needs": [p.need for p in planned],
            },
        )
    for plan in planned:
        referrals.create(
            session, case, household, plan.need, plan.reasons, plan.route, table.version
        )
    return case


def _remember(session: Session, event: dict[str, Any]) -> Household:
    data = event["data"]
    household = session.get(Household, data["household_id"]) or Household(id=data["household_id"])
    household.correlation_id = event["correlation_id"]
    household.kecamatan_code = data.get("kecamatan_code")
    household.desa_code = data.get("desa_code")
    household.welfare_class = data["welfare_class"]
    session.add(household)
    session.flush()
    return household


def _open_case_of(session, household: Household, data: dict, facts: dict) -> tuple[Case, bool]:
    """The household's open case (new needs join it), or a new one."""
    case = session.scalars(
        sa.select(Case).where(Case.household_id == household.id, Case.state == "open")
    ).first()
    if case is not None:
        case.welfare_class = data["welfare_class"]
        return case, False
    case = Case(
        household_id=household.id,
        decision_id=data.get("decision_id"),
        state="open",
        welfare_class=data["welfare_class"],
        facts=_case_facts(household, data, facts),
    )
    session.add(case)
    session.flush()
    return case, True


def _case_facts(household: Household, data: dict, facts: dict) -> dict[str, Any]:
    """Members (age, sex, relation, PMKS; name and NIK for the programmes that need them) and
    the address an agency needs to find the house."""
    return {
        "pmks": sorted(set(data.get("pmks") or [])),
        "members": facts.get("members") or [],
        "address": {
            "household_id": household.id,
            "kecamatan_code": facts.get("kecamatan_code") or household.kecamatan_code,
            "desa_code": facts.get("desa_code") or household.desa_code,
            "rt": facts.get("rt"),
            "rw": facts.get("rw"),
            "alamat": facts.get("alamat"),
            "head_name": _head_name(facts),
            "member_count": data.get("member_count") or len(facts.get("members") or []) or None,
        },
    }


def _head_name(facts: dict) -> str | None:
    members = facts.get("members") or []
    head = next((m for m in members if m.get("relation") == "kepala"), None)
    return (head or (members[0] if members else {})).get("name")
