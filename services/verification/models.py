"""Verification's own database: the households it was told of, its staff, tasks, visits with
their photos and flags, and the decisions taken on them. Mirrors ``migrations/versions``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

LIVE_TASK_STATES = ("open", "assigned", "visited", "submitted", "returned")


class Base(DeclarativeBase):
    pass


def _now() -> Mapped[datetime]:
    return mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Household(Base):
    """What the registry said of a household (event-carried state), and its last verification."""

    __tablename__ = "households"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    correlation_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    source: Mapped[str] = mapped_column(sa.Text)
    kecamatan_code: Mapped[str | None] = mapped_column(sa.Text)
    desa_code: Mapped[str | None] = mapped_column(sa.Text)
    rt: Mapped[str | None] = mapped_column(sa.Text)
    rw: Mapped[str | None] = mapped_column(sa.Text)
    alamat: Mapped[str | None] = mapped_column(sa.Text)
    head_name: Mapped[str | None] = mapped_column(sa.Text)
    member_count: Mapped[int | None] = mapped_column(sa.Integer)
    desil: Mapped[int | None] = mapped_column(sa.SmallInteger)
    pmks: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    welfare_class: Mapped[str | None] = mapped_column(sa.Text)
    verified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    reverify_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class Staff(Base):
    """Verifiers, supervisors and operators, with the area they work in."""

    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[str] = mapped_column(sa.Text)
    desa_codes: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    kecamatan_codes: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())
    created_at: Mapped[datetime] = _now()
    # when the gateway changed the user this record follows (None: registered by RPC)
    updated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Task(Base):
    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.BigInteger, sa.ForeignKey("households.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.Text)
    assignee: Mapped[str | None] = mapped_column(sa.Text, sa.ForeignKey("staff.id"))
    second_assignee: Mapped[str | None] = mapped_column(sa.Text, sa.ForeignKey("staff.id"))
    due_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    reassignments: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    escalated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    requested_by: Mapped[str | None] = mapped_column(sa.Text)
    cause_event_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class TaskTransition(Base):
    __tablename__ = "task_transitions"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    from_state: Mapped[str | None] = mapped_column(sa.Text)
    to_state: Mapped[str] = mapped_column(sa.Text)
    action: Mapped[str] = mapped_column(sa.Text)
    actor: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = _now()
    # who holds the task after an assignment (0004): whether a verifier ever held it
    assignee: Mapped[str | None] = mapped_column(sa.Text)


class Visit(Base):
    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    household_id: Mapped[int] = mapped_column(sa.BigInteger, sa.ForeignKey("households.id"))
    verifier: Mapped[str] = mapped_column(sa.Text)
    client_key: Mapped[str] = mapped_column(sa.Text, unique=True)
    outcome: Mapped[str] = mapped_column(sa.Text)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    ended_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    welfare_class: Mapped[str | None] = mapped_column(sa.Text)
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    rule_set_version: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime] = _now()
    # the field app (0004): a late visit is kept beside the task's other; the phone's clock
    late: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    late_reason: Mapped[str | None] = mapped_column(sa.Text)
    device_clock: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    received_at: Mapped[datetime] = _now()
    clock_offset_seconds: Mapped[float | None] = mapped_column(sa.Float)
    nik_check: Mapped[str | None] = mapped_column(sa.Text)  # match | mismatch | absent


class Photo(Base):
    __tablename__ = "photos"
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.Text)
    household_id: Mapped[int] = mapped_column(sa.BigInteger)
    captured_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    media_type: Mapped[str] = mapped_column(sa.Text)
    exif_time: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    exif_latitude: Mapped[float | None] = mapped_column(sa.Float)
    exif_longitude: Mapped[float | None] = mapped_column(sa.Float)


class FlagRecord(Base):
    __tablename__ = "flags"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"))
    code: Mapped[str] = mapped_column(sa.Text)
    detail: Mapped[str] = mapped_column(sa.Text)  # English, as the log says it
    detail_id: Mapped[str | None] = mapped_column(sa.Text)  # Bahasa Indonesia (none before 0005)
    raised_at: Mapped[datetime] = _now()


class DecisionRecord(Base):
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visits.id"))
    household_id: Mapped[int] = mapped_column(sa.BigInteger)
    outcome: Mapped[str] = mapped_column(sa.Text)
    welfare_class: Mapped[str | None] = mapped_column(sa.Text)
    needs: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    deprivations: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    rule_set_version: Mapped[str | None] = mapped_column(sa.Text)
    reasons: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    graduated: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    flags_reviewed: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    decided_by: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime] = _now()
