"""Referral's own database: routing table versions, the households it was told of, cases and
their referrals with every move, escalations, and every agency update. Mirrors the migrations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

LIVE_STATES = ("created", "sent", "received", "in_progress")


class Base(DeclarativeBase):
    pass


def _now() -> Mapped[datetime]:
    return mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


def _when() -> Mapped[datetime | None]:
    return mapped_column(sa.DateTime(timezone=True))


class RoutingTableVersion(Base):
    __tablename__ = "routing_tables"
    version: Mapped[int] = mapped_column(primary_key=True)
    csv: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.Text)
    loaded_by: Mapped[str] = mapped_column(sa.Text)
    loaded_at: Mapped[datetime] = _now()
    note: Mapped[str | None] = mapped_column(sa.Text)


class Household(Base):
    __tablename__ = "households"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    correlation_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kecamatan_code: Mapped[str | None] = mapped_column(sa.Text)
    desa_code: Mapped[str | None] = mapped_column(sa.Text)
    welfare_class: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = _now()


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.BigInteger, sa.ForeignKey("households.id"))
    decision_id: Mapped[int | None] = mapped_column(sa.Integer)
    state: Mapped[str] = mapped_column(sa.Text)
    welfare_class: Mapped[str | None] = mapped_column(sa.Text)
    # The members as the registry gave them (with NIK: agencies that register people need it);
    # kept so a rejected referral can be rerouted without asking the registry again.
    facts: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    opened_at: Mapped[datetime] = _now()
    resolved_at: Mapped[datetime | None] = _when()


class Referral(Base):
    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    household_id: Mapped[int] = mapped_column(sa.BigInteger)
    need: Mapped[str] = mapped_column(sa.Text)
    reasons: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    opd_code: Mapped[str] = mapped_column(sa.Text)
    programme: Mapped[str] = mapped_column(sa.Text)
    rule_id: Mapped[str] = mapped_column(sa.Text)
    routing_version: Mapped[int] = mapped_column(sa.ForeignKey("routing_tables.version"))
    state: Mapped[str] = mapped_column(sa.Text)
    carries_nik: Mapped[bool] = mapped_column(sa.Boolean)
    persons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    household: Mapped[dict[str, Any]] = mapped_column(JSONB)
    receive_by: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    complete_by: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = _when()
    received_at: Mapped[datetime | None] = _when()
    completed_at: Mapped[datetime | None] = _when()
    evidence_ref: Mapped[str | None] = mapped_column(sa.Text)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    rerouted_from: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class ReferralTransition(Base):
    __tablename__ = "referral_transitions"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id"))
    from_state: Mapped[str | None] = mapped_column(sa.Text)
    to_state: Mapped[str] = mapped_column(sa.Text)
    action: Mapped[str] = mapped_column(sa.Text)
    actor: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)
    update_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    at: Mapped[datetime] = _now()


class Escalation(Base):
    __tablename__ = "escalations"
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id"), primary_key=True)
    stage: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    due_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    escalated_to: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))
    escalated_at: Mapped[datetime] = _now()


class AgencyUpdate(Base):
    __tablename__ = "agency_updates"
    update_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    opd_code: Mapped[str | None] = mapped_column(sa.Text)
    sender: Mapped[str | None] = mapped_column(sa.Text)
    referral_id: Mapped[int | None] = mapped_column(sa.Integer)
    status: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str] = mapped_column(sa.Text)
    code: Mapped[str | None] = mapped_column(sa.Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    received_at: Mapped[datetime] = _now()
