"""The clock on every referral: one not received, or not completed, by its service-level target
is escalated — to the agency and to Dinsos — once per stage, however often the sweep runs and
however many replicas run it (the escalation's primary key is the referral and the stage)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.referral.domain import sla
from services.referral.models import Case, Escalation, Household, Referral
from services.referral.use_cases import messages
from services.referral.use_cases.referrals import now

LIVE = ("created", "sent", "received", "in_progress")


def sweep(session: Session, at: datetime | None = None, limit: int = 1000) -> int:
    """Escalate what is overdue now; returns how many escalations were new."""
    at = at or now()
    overdue = session.scalars(
        sa.select(Referral)
        .where(
            Referral.state.in_(LIVE),
            sa.or_(Referral.receive_by < at, Referral.complete_by < at),
        )
        .order_by(Referral.id)
        .limit(limit)
    ).all()
    return sum(_escalate(session, referral, at) for referral in overdue)


def _escalate(session: Session, referral: Referral, at: datetime) -> bool:
    stage = sla.overdue_stage(
        state=referral.state,
        receive_by=referral.receive_by,
        complete_by=referral.complete_by,
        now=at,
    )
    if stage is None:
        return False
    recipients = list(sla.escalation_recipients(referral.opd_code, stage))
    due = referral.receive_by if stage == "receive" else referral.complete_by
    inserted = session.execute(
        insert(Escalation)
        .values(referral_id=referral.id, stage=stage, due_at=due, escalated_to=recipients)
        .on_conflict_do_nothing()
        .returning(Escalation.referral_id)
    ).first()
    if inserted is None:
        return False  # escalated before: once per stage
    case = session.get(Case, referral.case_id)
    household = session.get(Household, case.household_id)
    messages.event(
        session,
        household.correlation_id,
        "referral_escalated",
        {
            "household_id": case.household_id,
            "referral_id": referral.id,
            "case_id": case.id,
            "opd_code": referral.opd_code,
            "stage": stage,
            "due_at": due,
            "escalated_to": recipients,
        },
    )
    messages.to_agency(session, household.correlation_id, referral, case, "escalated")
    return True
