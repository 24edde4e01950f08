"""A verifier's visit: checked, decided by the rule set in force, flagged by the automatic checks,
stored with its photos, and announced (``verification_submitted``, ``verification_flagged``).

Submitting is idempotent by the device's ``client_key``: a visit sent twice (a retry over a bad
connection) is stored once and answered the same way both times. A visit that arrives after the
task moved on without it (the phone was offline while the task was reassigned, cancelled or
decided: ``lifecycle.visit_standing``) is kept as a *late* visit beside the task's other, with
its flags, and moves nothing: the supervisor sees both, the verifier is told why.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.verification.domain import flags, lifecycle, welfare
from services.verification.errors import Invalid, NotFound, Refused
from services.verification.models import (
    FlagRecord,
    Household,
    Photo,
    Staff,
    Task,
    TaskTransition,
    Visit,
)
from services.verification.use_cases import tasks
from sipmas import events, evidence, outbox, reference

OUTLIER_WINDOW = timedelta(days=90)  # the recent visits a verifier is compared on
DESA_CENTRE_MIN_VISITS = 3  # approved visits needed before a desa's centre is trusted


def submit(session: Session, visit: dict[str, Any]) -> dict[str, Any]:
    """Record a visit (already validated by ``schemas.SubmitVisit``) and return its summary."""
    task = tasks.get_task(session, visit["task_id"], lock=True)  # duplicates queue up here
    known = session.scalars(sa.select(Visit).where(Visit.client_key == visit["client_key"])).first()
    if known is not None:
        return {**summary(session, known), "duplicate": True}
    standing = _standing(session, task, visit["verifier"])
    media = _check_photos(visit["photos"])
    household = session.get(Household, task.household_id)
    decision = welfare.decide(visit["answers"]) if visit["outcome"] == "found" else None
    record = _store(session, task, household, visit, decision, media, standing)
    raised = _flags(session, record, household, visit, decision)
    if standing == lifecycle.ON_TIME:
        if task.state in ("assigned", "returned"):
            tasks.move(session, task, "start_visit", visit["verifier"])
        tasks.move(session, task, "submit", visit["verifier"], note=f"visit {record.id}")
    if not record.late:  # a late visit waits for the supervisor, it is no new verification
        outbox.add(session, _announcements(task, household, record, raised))
    return {**summary(session, record), "duplicate": False}


def _standing(session: Session, task: Task, verifier: str) -> str:
    """How the visit stands (``lifecycle.visit_standing``); refuses an unknown verifier and one
    who never held the task."""
    staff = session.get(Staff, verifier)
    if staff is None or not staff.active:
        raise Invalid({"verifier": [f"unknown or inactive staff {verifier!r}"]})
    standing = lifecycle.visit_standing(
        state=task.state,
        assignee=task.assignee,
        second_assignee=task.second_assignee,
        verifier=verifier,
        ever_assigned=_ever_assigned(session, task.id, verifier),
    )
    if standing == lifecycle.NOT_YOURS:
        raise Refused(
            "not_your_task",
            f"task {task.id} ({task.state}) was never assigned to {verifier} / "
            f"tugas {task.id} tidak pernah ditugaskan kepada {verifier}",
        )
    return standing


def _ever_assigned(session: Session, task_id: int, verifier: str) -> bool:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(TaskTransition)
            .where(TaskTransition.task_id == task_id, TaskTransition.assignee == verifier)
        )
        > 0
    )


def _check_photos(photos: list[dict[str, Any]]) -> list[str]:
    """Every photo must be in the evidence store (else the device sends it first: refused as
    ``photos_missing``, naming them) and be an image by its content."""
    missing = [p["sha256"] for p in photos if not evidence.exists(p["sha256"])]
    if missing:
        raise Refused(
            "photos_missing",
            "not all of the visit's photos have arrived; send them first / "
            "foto kunjungan belum semuanya terkirim; kirim fotonya dulu",
            {"photos": missing},
        )
    errors: dict[str, Any] = {}
    media: list[str] = []
    for index, photo in enumerate(photos):
        kind = evidence.image_type(photo["sha256"])
        if kind is None:
            errors[f"photos.{index}.sha256"] = ["not an image / bukan gambar"]
        media.append(kind or "")
    if errors:
        raise Invalid(errors)
    return media


def _store(session, task, household, visit, decision, media, standing: str) -> Visit:
    received = tasks.now()
    device_clock = visit.get("device_clock")
    late = standing not in (lifecycle.ON_TIME, lifecycle.SECOND)
    record = Visit(
        task_id=task.id,
        household_id=household.id,
        verifier=visit["verifier"],
        client_key=visit["client_key"],
        outcome=visit["outcome"],
        answers=_json_safe(visit.get("answers")),
        started_at=visit["started_at"],
        ended_at=visit["ended_at"],
        latitude=visit.get("latitude"),
        longitude=visit.get("longitude"),
        welfare_class=decision.welfare_class if decision else None,
        decision=decision.to_dict() if decision else None,
        rule_set_version=decision.rule_set_version if decision else None,
        late=late,
        late_reason=standing if late else None,
        device_clock=device_clock,
        received_at=received,
        clock_offset_seconds=(
            (device_clock - received).total_seconds() if device_clock is not None else None
        ),
        nik_check=visit.get("nik_check"),
    )
    session.add(record)
    session.flush()
    for photo, media_type in zip(visit["photos"], media, strict=True):
        session.add(
            Photo(
                visit_id=record.id,
                household_id=household.id,
                media_type=media_type,
                **{k: photo.get(k) for k in ("sha256", "kind", "captured_at")},
                latitude=photo.get("latitude"),
                longitude=photo.get("longitude"),
                exif_time=photo.get("exif_time"),
                exif_latitude=photo.get("exif_latitude"),
                exif_longitude=photo.get("exif_longitude"),
            )
        )
    session.flush()
    return record


def _flags(session, record: Visit, household: Household, visit, decision) -> list[flags.Flag]:
    point, radius = household_point(session, household)
    facts = flags.VisitFacts(
        answers=visit.get("answers"),
        decision=decision,
        outcome=visit["outcome"],
        started_at=visit["started_at"],
        ended_at=visit["ended_at"],
        lat=visit.get("latitude"),
        lon=visit.get("longitude"),
        photos=tuple(
            flags.Photo(
                sha256=p["sha256"],
                kind=p["kind"],
                captured_at=p.get("captured_at"),
                lat=p.get("latitude"),
                lon=p.get("longitude"),
                exif_time=p.get("exif_time"),
                exif_lat=p.get("exif_latitude"),
                exif_lon=p.get("exif_longitude"),
            )
            for p in visit["photos"]
        ),
        registry_desil=household.desil,
        registry_source=household.source,
        household_point=point,
        household_radius_km=radius,
        photos_seen_elsewhere=photos_seen_elsewhere(session, household.id, visit["photos"]),
        clock_offset_seconds=record.clock_offset_seconds,
        nik_check=record.nik_check,
    )
    raised = flags.check_visit(facts)
    outlier = verifier_outlier(session, record.verifier)
    if outlier is not None:
        raised.append(outlier)
    for flag in raised:
        session.add(
            FlagRecord(
                visit_id=record.id, code=flag.code, detail=flag.detail, detail_id=flag.detail_id
            )
        )
    session.flush()
    return raised


def household_point(
    session: Session, household: Household
) -> tuple[tuple[float, float] | None, float]:
    """Where the household should be, and how far from that point it may lie: its own GPS when
    the registry has it; else the centre of its desa as approved visits there located it; else
    the centroid of the desa's boundary, as far as the boundary reaches
    (``sipmas.reference.desa_points``)."""
    if household.latitude is not None and household.longitude is not None:
        return (household.latitude, household.longitude), 0.0
    if household.desa_code is None:
        return None, 0.0
    row = session.execute(
        sa.text(
            "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY v.latitude), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY v.longitude) "
            "FROM visits v JOIN households h ON h.id = v.household_id "
            "JOIN decisions d ON d.visit_id = v.id AND d.outcome = 'approved' "
            "WHERE h.desa_code = :desa AND v.latitude IS NOT NULL"
        ),
        {"desa": household.desa_code},
    ).one()
    if row[0] >= DESA_CENTRE_MIN_VISITS:
        return (row[1], row[2]), 0.0
    desa = reference.desa_points().get(household.desa_code)
    return ((desa.lat, desa.lon), desa.radius_km) if desa else (None, 0.0)


def photos_seen_elsewhere(
    session: Session, household_id: int, photos: list[dict[str, Any]]
) -> dict[str, tuple[int, ...]]:
    """For each photo, the other households whose visits already carried the same bytes."""
    shas = [p["sha256"] for p in photos]
    if not shas:
        return {}
    rows = session.execute(
        sa.select(Photo.sha256, Photo.household_id)
        .where(Photo.sha256.in_(shas), Photo.household_id != household_id)
        .distinct()
    ).all()
    seen: dict[str, list[int]] = defaultdict(list)
    for sha, other in rows:
        seen[sha].append(other)
    return {sha: tuple(sorted(others)) for sha, others in seen.items()}


def verifier_outlier(session: Session, verifier: str) -> flags.Flag | None:
    """Whether this verifier's recent classes stand far from their peers' (bias or fraud)."""
    rows = session.execute(
        sa.select(Visit.verifier, Visit.welfare_class).where(
            Visit.welfare_class.is_not(None),
            Visit.submitted_at >= tasks.now() - OUTLIER_WINDOW,
        )
    ).all()
    results: dict[str, list[str]] = defaultdict(list)
    for who, welfare_class in rows:
        results[who].append(welfare_class)
    return flags.verifier_outliers(results, flags.Thresholds()).get(verifier)


def summary(session: Session, visit: Visit) -> dict[str, Any]:
    raised = session.scalars(sa.select(FlagRecord).where(FlagRecord.visit_id == visit.id)).all()
    return {
        "visit_id": visit.id,
        "task_id": visit.task_id,
        "household_id": visit.household_id,
        "outcome": visit.outcome,
        "welfare_class": visit.welfare_class,
        "decision": visit.decision,
        "flags": [{"code": f.code, "detail": f.detail, "detail_id": f.detail_id} for f in raised],
        "status": "late" if visit.late else "recorded",
        "late_reason": visit.late_reason,
        "late_message": lifecycle.LATE_REASONS.get(visit.late_reason or ""),
        "received_at": visit.received_at.isoformat() if visit.received_at else None,
        "clock_offset_seconds": visit.clock_offset_seconds,
        "nik_check": visit.nik_check,
    }


def latest_visit(session: Session, task_id: int) -> Visit:
    """The visit a decision is taken on: the task's last one that came in time."""
    visit = session.scalars(
        sa.select(Visit)
        .where(Visit.task_id == task_id, sa.not_(Visit.late))
        .order_by(Visit.id.desc())
    ).first()
    if visit is None:
        raise NotFound("visit of task", task_id)
    return visit


def _announcements(task, household, record: Visit, raised) -> list[dict[str, Any]]:
    codes = [flag.code for flag in raised]
    announced = [
        events.envelope(
            "verification_submitted",
            {
                "household_id": household.id,
                "task_id": task.id,
                "visit_id": record.id,
                "verifier": record.verifier,
                "outcome": record.outcome,
                "welfare_class": record.welfare_class,
                "flags": codes,
            },
            household.correlation_id,
        )
    ]
    if codes:
        announced.append(
            events.envelope(
                "verification_flagged",
                {
                    "household_id": household.id,
                    "task_id": task.id,
                    "visit_id": record.id,
                    "verifier": record.verifier,
                    "flags": codes,
                    "desa_code": household.desa_code,
                    "kecamatan_code": household.kecamatan_code,
                },
                household.correlation_id,
            )
        )
    return announced


def _json_safe(answers: dict[str, Any] | None) -> dict[str, Any] | None:
    if answers is None:
        return None
    return {
        k: (list(v) if isinstance(v, tuple | set | frozenset) else v) for k, v in answers.items()
    }
