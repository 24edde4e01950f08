"""A household's verification as a record: every task, visit (answers, photos, GPS), flag and
decision, each decision re-explained by the rule set that made it; one task as the supervisor's
desk shows it beside what the registry held."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.verification.domain import flags as flag_rules
from services.verification.domain import lifecycle, welfare
from services.verification.errors import NotFound
from services.verification.models import (
    DecisionRecord,
    FlagRecord,
    Household,
    Photo,
    Task,
    TaskTransition,
    Visit,
)
from services.verification.use_cases import tasks
from services.verification.use_cases.decisions import _evidence, view


def task_detail(session: Session, task_id: int) -> dict[str, Any]:
    """One task with everything a supervisor weighs: its visits in full, its moves, decisions."""
    task = tasks.get_task(session, task_id)
    household = session.get(Household, task.household_id)
    return {
        **tasks.views(session, [(task, household)])[0],
        "household_record": {
            "welfare_class": household.welfare_class,
            "desil": household.desil,
            "source": household.source,
            "pmks": list(household.pmks or []),
            "latitude": household.latitude,
            "longitude": household.longitude,
        },
        "transitions": _transitions(session, task.id),
        "visits": _visits(session, task.id),
        "decisions": _decisions(session, task.id),
    }


def history(session: Session, household_id: int) -> dict[str, Any]:
    """Every task, visit, flag and decision of a household, each decision re-explained by the
    rule set that made it."""
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound("household", household_id)
    out = []
    for task in session.scalars(
        sa.select(Task).where(Task.household_id == household_id).order_by(Task.id)
    ):
        out.append(
            {
                **tasks.views(session, [(task, household)])[0],
                "transitions": _transitions(session, task.id),
                "visits": _visits(session, task.id),
                "decisions": _decisions(session, task.id),
            }
        )
    return {
        "household_id": household_id,
        "welfare_class": household.welfare_class,
        "verified_at": household.verified_at.isoformat() if household.verified_at else None,
        "reverify_at": household.reverify_at.isoformat() if household.reverify_at else None,
        "tasks": out,
    }


def _transitions(session, task_id) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(TaskTransition)
        .where(TaskTransition.task_id == task_id)
        .order_by(TaskTransition.id)
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


def _visits(session, task_id) -> list[dict[str, Any]]:
    out = []
    for visit in session.scalars(
        sa.select(Visit).where(Visit.task_id == task_id).order_by(Visit.id)
    ):
        raised = session.scalars(sa.select(FlagRecord).where(FlagRecord.visit_id == visit.id))
        out.append(
            {
                "visit_id": visit.id,
                "verifier": visit.verifier,
                "outcome": visit.outcome,
                "started_at": visit.started_at.isoformat(),
                "ended_at": visit.ended_at.isoformat(),
                "welfare_class": visit.welfare_class,
                "rule_set_version": visit.rule_set_version,
                "explanation": welfare.explain(visit.decision) if visit.decision else [],
                "flags": [_flag(f) for f in raised],
                "photos": _evidence(session, visit),  # SHA-256 references, by kind
                "photo_details": _photos(session, visit),
                "latitude": visit.latitude,
                "longitude": visit.longitude,
                "answers": visit.answers,
                "submitted_at": visit.submitted_at.isoformat() if visit.submitted_at else None,
                **_arrival(visit),
            }
        )
    return out


def _arrival(visit: Visit) -> dict[str, Any]:
    """How the visit reached the server: late (and why), the phone's clock, the NIK check."""
    return {
        "late": visit.late,
        "late_reason": visit.late_reason,
        "late_message": lifecycle.LATE_REASONS.get(visit.late_reason or ""),
        "device_clock": visit.device_clock.isoformat() if visit.device_clock else None,
        "received_at": visit.received_at.isoformat() if visit.received_at else None,
        "clock_offset_seconds": visit.clock_offset_seconds,
        "nik_check": visit.nik_check,
    }


def _decisions(session, task_id) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(DecisionRecord)
        .where(DecisionRecord.task_id == task_id)
        .order_by(DecisionRecord.id)
    )
    return [view(record) for record in rows]


def _flag(record: FlagRecord) -> dict[str, Any]:
    label_id, label_en = flag_rules.LABELS.get(record.code, (record.code, record.code))
    return {
        "code": record.code,
        "detail": record.detail,
        "detail_id": record.detail_id or record.detail,  # raised before 0005: English only
        "label_id": label_id,
        "label_en": label_en,
    }


def _photos(session: Session, visit: Visit) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(Photo).where(Photo.visit_id == visit.id).order_by(Photo.kind, Photo.sha256)
    )
    return [
        {
            "sha256": photo.sha256,
            "kind": photo.kind,
            "captured_at": photo.captured_at.isoformat() if photo.captured_at else None,
            "latitude": photo.latitude,
            "longitude": photo.longitude,
            "media_type": photo.media_type,
            "exif_time": photo.exif_time.isoformat() if photo.exif_time else None,
            "exif_latitude": photo.exif_latitude,
            "exif_longitude": photo.exif_longitude,
        }
        for photo in rows
    ]


EARLIER_PHOTOS = 6  # per household: the last visit's required kinds and one more


def earlier_photos(session: Session, household_ids: list[int]) -> dict[str, list[dict[str, Any]]]:
    """The photos of each household's last visit that came in time (``{id (as text): [...]}``,
    a household never visited left out): a verifier going back sees what the last one saw."""
    last = (
        sa.select(Visit.household_id, sa.func.max(Visit.id).label("visit_id"))
        .where(Visit.household_id.in_(household_ids), sa.not_(Visit.late))
        .group_by(Visit.household_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Photo.household_id, Photo.sha256, Photo.kind, Photo.captured_at)
        .join(last, last.c.visit_id == Photo.visit_id)
        .order_by(Photo.household_id, Photo.kind, Photo.sha256)
    ).all()
    found: dict[str, list[dict[str, Any]]] = {}
    for household_id, sha256, kind, captured_at in rows:
        photos = found.setdefault(str(household_id), [])
        if len(photos) < EARLIER_PHOTOS:
            photos.append(
                {
                    "sha256": sha256,
                    "kind": kind,
                    "captured_at": captured_at.isoformat() if captured_at else None,
                }
            )
    return found
