"""A verified household becomes a case: one referral per need, each routed by the table in
force to the agency that owns it. Once per verification event (inbox); a need that already has
an open referral at the same agency in the household's open case is not referred twice."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.referral.domain import cases
from services.referral.models import Case, Household, Referral
from services.referral.use_cases import messages, referrals, routing_tables
from sipmas.messaging import inbox

LIVE = ("created", "sent", "received", "in_progress")


def on_household_verified(
    session: Session, consumer: str, event: dict[str, Any], facts: dict[str, Any] | None
) -> Case | None:
    """``facts``: the registry's ``household_facts`` (members with age and NIK, address)."""
    if not inbox.first_delivery(session, consumer, event["event_id"]):
        return None
    return _apply(session, event, facts)


def on_households_verified(
    session: Session,
    consumer: str,
    batch: list[dict[str, Any]],
    facts: list[dict[str, Any] | None],
) -> None:
    """:func:`on_household_verified` for a batch, in the caller's one transaction: one inbox
    statement; each event new to this consumer is applied in the order it came."""
    new = inbox.first_deliveries(session, consumer, [event["event_id"] for event in batch])
    for event, known in zip(batch, facts, strict=True):
        event_id = str(event["event_id"])
        if event_id in new:
            new.discard(event_id)  # the same event twice in a batch is applied once
            _apply(session, event, known)


def _apply(session: Session, event: dict[str, Any], facts: dict[str, Any] | None) -> Case | None:
    data = event["data"]
    household = _remember(session, event)
    needs = cases.needs_to_refer(data)
    if not needs:
        return None
    return open_case(session, household, {**data, "needs": needs}, facts or {})


def open_case(session: Session, household: Household, data: dict, facts: dict) -> Case | None:
    table = routing_tables.table_in_force(session)
    case, is_new = _open_case_of(session, household, data, facts)
    already: frozenset[tuple[str, str]] = frozenset()
    if not is_new:
        already = frozenset(
            session.execute(
                sa.select(Referral.need, Referral.opd_code).where(
                    Referral.case_id == case.id, Referral.state.in_(LIVE)
                )
            ).all()
        )
    planned = cases.plan(data["needs"], referrals.household_facts(case), table, already)
    if is_new and not planned:
        session.execute(sa.delete(CASES).where(CASES.c.id == case.id))
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


HOUSEHOLDS = Household.__table__
CASES = Case.__table__


def _remember(session: Session, event: dict[str, Any]) -> Household:
    """What the referral service keeps of the household, in one upsert (Core: the ORM's load,
    compare and flush cost more than the row). Returns it as a detached ``Household``."""
    data = event["data"]
    values = {
        "correlation_id": event["correlation_id"],
        "kecamatan_code": data.get("kecamatan_code"),
        "desa_code": data.get("desa_code"),
        "welfare_class": data["welfare_class"],
    }
    session.execute(
        insert(HOUSEHOLDS)
        .values(id=data["household_id"], **values)
        .on_conflict_do_update(index_elements=[HOUSEHOLDS.c.id], set_=values)
    )
    return Household(id=data["household_id"], **values)


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
    case.id = session.scalar(
        insert(CASES)
        .values(
            household_id=case.household_id,
            decision_id=case.decision_id,
            state=case.state,
            welfare_class=case.welfare_class,
            facts=case.facts,
        )
        .returning(CASES.c.id)
    )
    return case, True  # detached: written by the statement above, not by the session


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
