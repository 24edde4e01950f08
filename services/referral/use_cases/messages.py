"""What the referral service says, through the outbox: internal events on ``referral.events``
and the agencies' messages on ``sipmas.opd`` — each agency's message carries its referral only."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.referral.domain import contract
from services.referral.models import Case, Referral
from sipmas import events, outbox


def event(session: Session, correlation_id, event_type: str, data: dict[str, Any]) -> None:
    outbox.add(session, events.envelope(event_type, data, correlation_id))


def to_agency(session: Session, correlation_id, referral: Referral, case: Case, kind: str) -> None:
    """``referral.<opd>.<kind>`` (created, updated, escalated, cancelled) for the referral's
    agency, with the referral as it now stands."""
    envelope = events.envelope(
        f"opd_referral_{kind}",
        contract.opd_referral_data(referral, case.welfare_class),
        correlation_id,
    )
    outbox.add_routed(
        session, envelope, events.OPD_EXCHANGE, events.opd_routing_key(referral.opd_code, kind)
    )


def refusal_to_agency(
    session: Session, opd_code: str, update_id: str | None, referral_id, code: str, fields
) -> None:
    """``referral.<opd>.refused``: the agency reads why its update was not applied."""
    from services.referral.domain.lifecycle import REFUSALS

    envelope = events.envelope(
        "opd_update_refused",
        {
            "opd_code": opd_code,
            "update_id": update_id,
            "referral_id": referral_id,
            "code": code,
            "reason_id": REFUSALS[code]["id"],
            "reason_en": REFUSALS[code]["en"],
            "fields": fields or {},
        },
    )
    outbox.add_routed(
        session, envelope, events.OPD_EXCHANGE, events.opd_routing_key(opd_code, "refused")
    )
