"""The agencies' answers: a status update from an agency's system (``sipmas.opd.inbound``,
routing key ``status.<opd>``) or from the gateway on its behalf. Each update is applied once
(by ``update_id``); an update for an unknown referral, for another agency's referral, from a
sender that is not that agency, or that breaks the lifecycle is refused — recorded, and told
to the agency on ``referral.<opd>.refused`` — and nothing valid is lost."""

from __future__ import annotations

import uuid
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from services.referral.domain import lifecycle
from services.referral.errors import Refused
from services.referral.models import AgencyUpdate, Referral
from services.referral.use_cases import messages, referrals
from sipmas import events, reference

SENDER_PREFIX = "opd-"  # an agency's broker user is opd-<code> (deploy/rabbitmq)


def on_agency_message(session: Session, body: Any, facts: dict[str, Any]) -> dict[str, Any]:
    """Apply or refuse one message from the inbound exchange; never raises for bad input."""
    opd_code = _opd_of(facts.get("routing_key") or "")
    update_id = _update_id(body, facts)
    known = session.get(AgencyUpdate, update_id) if update_id else None
    if known is not None:
        return {"outcome": known.outcome, "code": known.code, "duplicate": True}
    try:
        update = _checked(body, facts, opd_code)
        return _apply(session, update, opd_code, actor=facts.get("sender") or "")
    except Refused as refusal:
        return refuse(session, opd_code, update_id, body, facts.get("sender"), refusal)


def update_status(
    session: Session, referral_id: int, request: dict[str, Any], actor: str, opd_code: str | None
) -> dict[str, Any]:
    """The same rules for an update through the gateway (``opd_code``: the caller's agency,
    None for Dinsos staff, who may update any referral). Refusals are raised to the caller."""
    update = {**request, "referral_id": referral_id, "update_id": request.get("update_id")}
    update["update_id"] = update["update_id"] or uuid.uuid4()
    referral = _referral(session, referral_id)
    return _apply(session, update, opd_code or referral.opd_code, actor=actor)


def _checked(body: Any, facts: dict[str, Any], opd_code: str | None) -> dict[str, Any]:
    if opd_code is None:
        raise refused("invalid", {"routing_key": ["expected status.<opd_code>"]})
    if facts.get("sender") != f"{SENDER_PREFIX}{opd_code}":
        raise refused("sender_mismatch", {"user_id": [f"must be {SENDER_PREFIX}{opd_code}"]})
    try:
        return events.OpdStatusUpdate().load(body if isinstance(body, dict) else {})
    except ValidationError as error:
        raise refused("invalid", error.messages) from None


def _apply(session: Session, update: dict, opd_code: str, actor: str) -> dict[str, Any]:
    referral = _referral(session, update["referral_id"], lock=True)
    if referral.opd_code != opd_code:
        raise refused("not_your_referral", {"referral_id": ["belongs to another agency"]})
    verdict = lifecycle.update_refusal(referral.state, update)
    outcome = "applied"
    if verdict is not None and verdict[0] == "no_change":
        outcome = "no_change"
    elif verdict is not None:
        raise refused(*verdict)
    else:
        referrals.change(
            session,
            referral,
            lifecycle.AGENCY_ACTIONS[update["status"]],
            actor,
            evidence_ref=update.get("evidence_ref"),
            reason=update.get("reason"),
            note=update.get("note"),
            update_id=str(update["update_id"]),
        )
    _record(session, update["update_id"], opd_code, actor, referral.id, update, outcome)
    return {"outcome": outcome, "referral_id": referral.id, "state": referral.state}


def refuse(session, opd_code, update_id, body, sender, refusal: Refused) -> dict[str, Any]:
    """Keep the refusal (Dinsos can list them) and tell the agency why."""
    referral_id = body.get("referral_id") if isinstance(body, dict) else None
    referral_id = referral_id if isinstance(referral_id, int) else None
    _record(
        session,
        update_id or uuid.uuid4(),
        opd_code,
        sender,
        referral_id,
        body if isinstance(body, dict) else {},
        "refused",
        refusal,
    )
    if opd_code is not None:
        messages.refusal_to_agency(
            session,
            opd_code,
            str(update_id) if update_id else None,
            referral_id,
            refusal.code,
            refusal.fields,
        )
    return {"outcome": "refused", "code": refusal.code, "fields": refusal.fields}


def _record(session, update_id, opd_code, sender, referral_id, update, outcome, refusal=None):
    session.add(
        AgencyUpdate(
            update_id=update_id,
            opd_code=opd_code,
            sender=sender,
            referral_id=referral_id,
            status=update.get("status") if isinstance(update.get("status"), str) else None,
            outcome=outcome,
            code=refusal.code if refusal else None,
            detail={"fields": refusal.fields} if refusal else None,
        )
    )
    session.flush()


def _referral(session: Session, referral_id: int, lock: bool = False) -> Referral:
    referral = session.get(Referral, referral_id, with_for_update=lock)
    if referral is None:
        raise refused("unknown_referral", {"referral_id": [f"no referral {referral_id}"]})
    return referral


def refused(code: str, fields: dict[str, Any]) -> Refused:
    """A refusal with its reason in both languages, as the agency will read it."""
    reason = lifecycle.REFUSALS[code]
    return Refused(code, f"{reason['en']} / {reason['id']}", fields)


def _opd_of(routing_key: str) -> str | None:
    prefix, _, code = routing_key.partition(".")
    return code if prefix == "status" and code in reference.opd_codes() else None


def _update_id(body: Any, facts: dict[str, Any]) -> uuid.UUID | None:
    for candidate in (
        body.get("update_id") if isinstance(body, dict) else None,
        facts.get("message_id"),
    ):
        try:
            return uuid.UUID(str(candidate))
        except (ValueError, TypeError):
            continue
    return None
