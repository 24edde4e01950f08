"""Audiences of ``audiences.py`` resolved to people and systems from the contacts directory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifications.domain import audiences
from services.notifications.domain.audiences import Recipient
from services.notifications.models import AgencyContact, HouseholdContact, StaffContact


def resolve(session: Session, audience: str, data: Mapping[str, Any]) -> list[Recipient]:
    """Everyone ``audience`` means for this event's data (possibly nobody)."""
    return RESOLVERS[audience](session, data)


def agency(session: Session, opd_code: str) -> Recipient:
    contact = session.get(AgencyContact, opd_code)
    if contact is None:
        return Recipient("agency", opd_code, blocked="no_contact")
    return Recipient(
        "agency",
        opd_code,
        contact.name,
        {"email": contact.email, "sms": contact.phone, "webhook": contact.webhook_url},
    )


def staff(contact: StaffContact) -> Recipient:
    return Recipient(
        "staff", contact.id, contact.name, {"email": contact.email, "sms": contact.phone}
    )


KNOWN_HOUSEHOLDS = "notifications.household_contacts"  # Session.info: prefetched contacts


def prefetch_households(session: Session, household_ids: Iterable[int]) -> None:
    """Look up the contacts of many households in one query, for :func:`household` to use
    in this session (a batch of events names many households, most without a contact)."""
    wanted = {int(h) for h in household_ids if h is not None}
    if not wanted:
        return
    found = session.scalars(
        sa.select(HouseholdContact).where(HouseholdContact.household_id.in_(wanted))
    )
    known = dict.fromkeys(wanted) | {c.household_id: c for c in found}
    session.info.setdefault(KNOWN_HOUSEHOLDS, {}).update(known)


def household(session: Session, household_id: int) -> Recipient:
    """A household is reachable by SMS only with a phone and its consent."""
    known = session.info.get(KNOWN_HOUSEHOLDS) or {}
    if household_id in known:
        contact = known[household_id]
    else:
        contact = session.get(HouseholdContact, household_id)
    if contact is None or not contact.phone:
        return Recipient("household", str(household_id), blocked="no_contact")
    if not contact.sms_consent:
        return Recipient("household", str(household_id), blocked="no_consent")
    return Recipient("household", str(household_id), addresses={"sms": contact.phone})


def _supervisors(session: Session, *where: Any) -> list[StaffContact]:
    return list(
        session.scalars(
            sa.select(StaffContact)
            .where(StaffContact.role == "supervisor", StaffContact.active.is_(True), *where)
            .order_by(StaffContact.id)
        )
    )


def district_supervisors(session: Session) -> list[StaffContact]:
    """Dinsos supervisors: those whose scope is the whole district (no desa, no kecamatan)."""
    return _supervisors(
        session,
        sa.func.cardinality(StaffContact.desa_codes) == 0,
        sa.func.cardinality(StaffContact.kecamatan_codes) == 0,
    )


def _assignee(session: Session, data: Mapping[str, Any]) -> list[Recipient]:
    contact = session.get(StaffContact, data["assignee"])
    if contact is None or not contact.active:
        return [Recipient("staff", data["assignee"], blocked="no_contact")]
    return [staff(contact)]


def _area_supervisors(session: Session, data: Mapping[str, Any]) -> list[Recipient]:
    """Supervisors of the desa or its kecamatan; the district's when the area has none."""
    scoped = _supervisors(
        session,
        sa.or_(
            sa.literal(data.get("desa_code") or "") == sa.any_(StaffContact.desa_codes),
            sa.literal(data.get("kecamatan_code") or "") == sa.any_(StaffContact.kecamatan_codes),
        ),
    )
    return [staff(contact) for contact in scoped or district_supervisors(session)]


def _dinsos_supervisors(session: Session, data: Mapping[str, Any]) -> list[Recipient]:
    return [staff(contact) for contact in district_supervisors(session)]


def _agency(session: Session, data: Mapping[str, Any]) -> list[Recipient]:
    return [agency(session, data["opd_code"])]


def _household(session: Session, data: Mapping[str, Any]) -> list[Recipient]:
    return [household(session, data["household_id"])]


RESOLVERS = {
    audiences.ASSIGNEE: _assignee,
    audiences.AREA_SUPERVISORS: _area_supervisors,
    audiences.DINSOS_SUPERVISORS: _dinsos_supervisors,
    audiences.AGENCY: _agency,
    audiences.HOUSEHOLD: _household,
}


def address(session: Session, kind: str, recipient_id: str, channel: str) -> str | None:
    """The recipient's address for ``channel`` as the directory has it now (for a resend)."""
    if kind == "agency":
        found = agency(session, recipient_id)
    elif kind == "household":
        found = household(session, int(recipient_id))
    else:
        contact = session.get(StaffContact, recipient_id)
        found = staff(contact) if contact else Recipient("staff", recipient_id, blocked="x")
    return None if found.blocked else found.addresses.get(channel)
