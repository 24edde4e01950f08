"""Notifications' own database: whom to tell (contacts), what was to be told and how it went
(deliveries and every attempt), and what it knows of referrals for the digest. Mirrors
``migrations/versions``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def _now() -> Mapped[datetime]:
    return mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


def _at() -> Mapped[datetime | None]:
    return mapped_column(sa.DateTime(timezone=True))


class AgencyContact(Base):
    """An agency's (OPD's) contact: who reads its email, and its system's webhook."""

    __tablename__ = "agency_contacts"
    opd_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.Text)
    email: Mapped[str | None] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.Text)
    webhook_url: Mapped[str | None] = mapped_column(sa.Text)
    webhook_secret: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = _now()


class StaffContact(Base):
    """A verifier, supervisor or operator, with the area they answer for (empty: the district)."""

    __tablename__ = "staff_contacts"
    id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[str] = mapped_column(sa.Text)
    email: Mapped[str | None] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.Text)
    desa_codes: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    kecamatan_codes: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())
    updated_at: Mapped[datetime] = _now()


class HouseholdContact(Base):
    """A household's phone and whether it agreed to SMS (the registry keeps no phone)."""

    __tablename__ = "household_contacts"
    household_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    phone: Mapped[str | None] = mapped_column(sa.Text)
    sms_consent: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    consent_source: Mapped[str | None] = mapped_column(sa.Text)
    consent_at: Mapped[datetime | None] = _at()
    updated_at: Mapped[datetime] = _now()


class Delivery(Base):
    """One message of one event to one recipient by one channel: never two (the unique key)."""

    __tablename__ = "deliveries"
    __table_args__ = (sa.UniqueConstraint("event_id", "recipient_kind", "recipient_id", "channel"),)
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    event_type: Mapped[str] = mapped_column(sa.Text)
    correlation_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    recipient_kind: Mapped[str] = mapped_column(sa.Text)
    recipient_id: Mapped[str] = mapped_column(sa.Text)
    channel: Mapped[str] = mapped_column(sa.Text)
    address: Mapped[str | None] = mapped_column(sa.Text)
    household_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    opd_code: Mapped[str | None] = mapped_column(sa.Text)
    message: Mapped[dict[str, Any]] = mapped_column(JSONB)
    template_version: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.Text, server_default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = _now()
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = _now()
    sent_at: Mapped[datetime | None] = _at()
    updated_at: Mapped[datetime] = _now()


class DeliveryAttempt(Base):
    """The delivery log: every attempt with its outcome and a detail — never the message."""

    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("deliveries.id"))
    attempt: Mapped[int] = mapped_column(sa.Integer)
    channel: Mapped[str] = mapped_column(sa.Text)
    outcome: Mapped[str] = mapped_column(sa.Text)
    detail: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = _now()


class KnownReferral(Base):
    """What the referral events said of a referral (event-carried state) for the digest."""

    __tablename__ = "referrals"
    referral_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    opd_code: Mapped[str | None] = mapped_column(sa.Text)
    household_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    case_id: Mapped[int | None] = mapped_column(sa.Integer)
    need: Mapped[str | None] = mapped_column(sa.Text)
    programme: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.Text)
    state_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = _at()
    due_at: Mapped[datetime | None] = _at()
    escalated_stage: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = _now()
