"""How households come to verification: registered by the registry (event), asked for by an
operator, due for re-verification, or back after their case was resolved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from services.verification.errors import NotFound
from services.verification.models import Household, Task
from services.verification.use_cases import tasks
from sipmas import settings
from sipmas.messaging import inbox

# DTSEN ranks every household nationally (desil 1–10). Above this desil a household is outside
# the social-assistance target and is not sent to the field unless someone asks; every other
# source (DTKS, P3KE, PMKS, Pemda) is a claim that always needs a visit.
DTSEN_TARGET_MAX_DESIL = 5


def needs_visit(source: str, desil: int | None) -> bool:
    """Whether a newly registered household goes to the field without anyone asking."""
    if source == "dtsen" and desil is not None:
        return desil <= DTSEN_TARGET_MAX_DESIL
    return True


def on_registered(session: Session, consumer: str, event: dict[str, Any]) -> Task | None:
    """Keep what the registry said of the household; open a task when its source needs one.

    Once per event (inbox), so a redelivered event neither duplicates nor reopens anything.
    """
    if not inbox.first_delivery(session, consumer, event["event_id"]):
        return None
    data = event["data"]
    household = session.get(Household, data["household_id"]) or Household(id=data["household_id"])
    household.correlation_id = event["correlation_id"]
    household.source = data["source"]
    for name in (
        "kecamatan_code",
        "desa_code",
        "rt",
        "rw",
        "alamat",
        "head_name",
        "member_count",
        "desil",
        "latitude",
        "longitude",
    ):
        setattr(household, name, data.get(name))
    household.pmks = list(data.get("pmks") or [])
    session.add(household)
    session.flush()
    if not needs_visit(household.source, household.desil):
        return None
    return tasks.open_task(session, household, "registered", cause_event_id=event["event_id"])


def request(session: Session, household_id: int, actor: str) -> Task:
    """An operator or supervisor asks for a visit (a new claim, a complaint, a doubt)."""
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound("household", household_id)
    return tasks.open_task(session, household, "requested", actor=actor)


def on_case_resolved(session: Session, consumer: str, event: dict[str, Any]) -> None:
    """A resolved case is checked again after a while: did the help lift the household?"""
    if not inbox.first_delivery(session, consumer, event["event_id"]):
        return
    household = session.get(Household, event["data"]["household_id"])
    if household is None:
        raise NotFound("household", event["data"]["household_id"])
    household.reverify_at = tasks.now() + timedelta(days=settings.after_case_recheck_days())
