"""Referrals in the database: created from a route and sent, moved through the referral state
machine (``lifecycle.py``) with every move kept, completed and closed, rejected and rerouted,
and the case resolved when every referral of it is final. Events go to the outbox in the
caller's transaction; each agency hears of its own referrals only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.referral.domain import contract, lifecycle, routing, sla
from services.referral.models import Case, Household, Referral, ReferralTransition
from services.referral.use_cases import messages, routing_tables

SYSTEM = "referral"
STAMPS = {"sent": "sent_at", "received": "received_at", "completed": "completed_at"}


def now() -> datetime:
    return datetime.now(UTC)


def household_facts(case: Case) -> routing.HouseholdFacts:
    """The routing view of the members the registry gave when the case opened."""
    facts = case.facts or {}
    return routing.HouseholdFacts(
        household_id=case.household_id,
        welfare_class=case.welfare_class or "",
        pmks=frozenset(facts.get("pmks") or ()),
        members=tuple(
            routing.Member(
                index=m["index"],
                age=m.get("age"),
                sex=m.get("sex"),
                relation=m.get("relation"),
                pmks=frozenset(m.get("pmks") or ()),
            )
            for m in facts.get("members") or ()
        ),
    )


def create(
    session: Session,
    case: Case,
    household: Household,
    need: str,
    reasons: tuple[str, ...] | list[str],
    route: routing.Route,
    routing_version: int,
    *,
    rerouted_from: int | None = None,
) -> Referral:
    """A referral for one need, sent to its agency at once (the outbox guarantees delivery).

    Written with Core statements (the referral, then its two first moves in one statement):
    a referral is created for every need of every verified household, and the ORM's unit of
    work cost more than the rows. Returns it detached, as it was written."""
    sent_at = now()
    receive_by, complete_by = sla.due_dates(sent_at, route)
    referral = Referral(
        case_id=case.id,
        household_id=case.household_id,
        need=need,
        reasons=list(reasons),
        opd_code=route.opd_code,
        programme=route.programme,
        rule_id=route.rule_id,
        routing_version=routing_version,
        state=lifecycle.next_state("created", "send"),
        carries_nik=route.carries_nik,
        persons=contract.opd_persons((case.facts or {}).get("members") or [], route),
        household=(case.facts or {}).get("address") or {"household_id": case.household_id},
        receive_by=receive_by,
        complete_by=complete_by,
        rerouted_from=rerouted_from,
        sent_at=sent_at,
        updated_at=sent_at,
    )
    referral.id = session.scalar(
        sa.insert(REFERRALS)
        .values({name: getattr(referral, name) for name in WRITTEN})
        .returning(REFERRALS.c.id)
    )
    first_moves = [
        _transition(referral.id, None, "created", "create", f"rule {route.rule_id}"),
        _transition(referral.id, "created", referral.state, "send", None),
    ]
    session.execute(sa.insert(TRANSITIONS), first_moves)
    messages.event(
        session,
        household.correlation_id,
        "referral_created",
        {
            "household_id": case.household_id,
            "case_id": case.id,
            "referral_id": referral.id,
            "opd_code": referral.opd_code,
            "need": need,
            "programme": referral.programme,
            "rule_id": referral.rule_id,
            "routing_version": routing_version,
        },
    )
    messages.to_agency(session, household.correlation_id, referral, case, "created")
    return referral


REFERRALS = Referral.__table__
TRANSITIONS = ReferralTransition.__table__
WRITTEN = (
    "case_id",
    "household_id",
    "need",
    "reasons",
    "opd_code",
    "programme",
    "rule_id",
    "routing_version",
    "state",
    "carries_nik",
    "persons",
    "household",
    "receive_by",
    "complete_by",
    "rerouted_from",
    "sent_at",
    "updated_at",
)


def _transition(referral_id: int, from_state, to_state: str, action: str, note) -> dict:
    return {
        "referral_id": referral_id,
        "from_state": from_state,
        "to_state": to_state,
        "action": action,
        "actor": SYSTEM,
        "note": note,
        "update_id": None,
    }


def move(
    session: Session,
    referral: Referral,
    action: str,
    actor: str,
    *,
    note: str | None = None,
    update_id: str | None = None,
) -> str:
    """One action of the referral state machine, kept in the referral's history."""
    before = referral.state
    referral.state = lifecycle.next_state(before, action)
    stamp = STAMPS.get(referral.state)
    if stamp:
        setattr(referral, stamp, now())
    referral.updated_at = now()
    _record(session, referral, before, referral.state, action, actor, note, update_id)
    return before


def change(
    session: Session,
    referral: Referral,
    action: str,
    actor: str,
    *,
    evidence_ref: str | None = None,
    reason: str | None = None,
    note: str | None = None,
    update_id: str | None = None,
) -> None:
    """An agency's (or Dinsos's) move and what follows: a completed referral closes, a rejected
    one is rerouted to the next agency that can help or closed; the agency is told the new
    state; the registry hears of it; the case resolves when nothing is left open."""
    case = session.get(Case, referral.case_id)
    household = session.get(Household, case.household_id)
    if evidence_ref:
        referral.evidence_ref = evidence_ref
    if reason:
        referral.reason = reason
    _moved(session, household, case, referral, action, actor, note or reason, update_id)
    if referral.state == "completed":
        _moved(session, household, case, referral, "close", SYSTEM, "completed", None)
    elif referral.state == "rejected":
        _reroute_or_close(session, household, case, referral)
    messages.to_agency(session, household.correlation_id, referral, case, "updated")
    resolve_if_settled(session, household, case)


def cancel(session: Session, referral: Referral, actor: str, reason: str) -> None:
    case = session.get(Case, referral.case_id)
    household = session.get(Household, case.household_id)
    referral.reason = reason
    _moved(session, household, case, referral, "cancel", actor, reason, None)
    messages.to_agency(session, household.correlation_id, referral, case, "cancelled")
    resolve_if_settled(session, household, case)


def _moved(session, household, case, referral, action, actor, note, update_id) -> None:
    before = move(session, referral, action, actor, note=note, update_id=update_id)
    messages.event(
        session,
        household.correlation_id,
        "referral_status_changed",
        {
            "household_id": case.household_id,
            "referral_id": referral.id,
            "case_id": case.id,
            "opd_code": referral.opd_code,
            "from_status": before,
            "to_status": referral.state,
            "actor": actor,
            "reason": referral.reason if referral.state == "rejected" else None,
            "evidence_ref": referral.evidence_ref if referral.state == "completed" else None,
        },
    )


def _reroute_or_close(session, household, case, referral) -> None:
    """The next agency the routing table names for this need, never one that already held it in
    this case: a need refused by every agency that could take it closes instead of cycling."""
    table = routing_tables.table_in_force(session)
    tried = _agencies_that_held(session, case.id, referral.need)
    route = routing.route(referral.need, household_facts(case), table, exclude_opd=tried)
    if route is None:
        _moved(session, household, case, referral, "close", SYSTEM, "no other agency", None)
        return
    _moved(session, household, case, referral, "reroute", SYSTEM, f"to {route.opd_code}", None)
    create(
        session,
        case,
        household,
        referral.need,
        referral.reasons,
        route,
        table.version,
        rerouted_from=referral.id,
    )


def _agencies_that_held(session: Session, case_id: int, need: str) -> frozenset[str]:
    held = sa.select(Referral.opd_code).where(Referral.case_id == case_id, Referral.need == need)
    return frozenset(session.scalars(held))


def resolve_if_settled(session: Session, household: Household, case: Case) -> bool:
    states = session.scalars(sa.select(Referral.state).where(Referral.case_id == case.id)).all()
    if case.state != "open" or not lifecycle.case_settled(states):
        return False
    case.state = "resolved"
    case.resolved_at = now()
    outcomes = dict(
        session.execute(
            sa.select(Referral.id, Referral.state).where(Referral.case_id == case.id)
        ).all()
    )
    messages.event(
        session,
        household.correlation_id,
        "case_resolved",
        {
            "household_id": case.household_id,
            "case_id": case.id,
            "outcomes": {str(k): v for k, v in outcomes.items()},
        },
    )
    return True


def history(session: Session, referral_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(ReferralTransition)
        .where(ReferralTransition.referral_id == referral_id)
        .order_by(ReferralTransition.id)
    )
    return [
        {
            "from": t.from_state,
            "to": t.to_state,
            "action": t.action,
            "actor": t.actor,
            "note": t.note,
            "at": t.at.isoformat(),
        }
        for t in rows
    ]


def _record(session, referral, from_state, to_state, action, actor, note=None, update_id=None):
    session.add(
        ReferralTransition(
            referral_id=referral.id,
            from_state=from_state,
            to_state=to_state,
            action=action,
            actor=actor,
            note=note,
            update_id=update_id,
        )
    )
