"""A verifier's visit: checked, decided by the rule set in force, flagged by the automatic checks,
stored with its photos, and announced (``verification_submitted``, ``verification_flagged``).

Submitting is idempotent by the device's ``client_key``: a visit sent twice (a retry over a bad
connection) is stored once and answered the same way both times.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.verification.domain import flags, welfare
from services.verification.errors import Invalid, NotFound, Refused
from services.verification.models import FlagRecord, Household, Photo, Staff, Task, Visit
from services.verification.use_cases import tasks
from sipmas import events, evidence, outbox

OUTLIER_WINDOW = timedelta(days=90)  # the recent visits a verifier is compared on
DESA_CENTRE_MIN_VISITS = 3  # approved visits needed before a desa's centre is trusted


def submit(session: Session, visit: dict[str, Any]) -> dict[str, Any]:
    """Record a visit (already validated by ``schemas.SubmitVisit``) and return its summary."""
    task = tasks.get_task(session, visit["task_id"], lock=True)  # duplicates queue up here
    known = session.scalars(sa.select(Visit).where(Visit.client_key == visit["client_key"])).first()
    if known is not None:
        return {**summary(session, known), "duplicate": True}
    second = _check_submitter(session, task, visit["verifier"])
    media = _check_photos(visit["photos"])
    household = session.get(Household, task.household_id)
    decision = welfare.decide(visit["answers"]) if visit["outcome"] == "found" else None
    record = _store(session, task, household, visit, decision, media)
    raised = _flags(session, record, household, visit, decision)
    if not second:
        if task.state in ("assigned", "returned"):
            tasks.move(session, task, "start_visit", visit["verifier"])
        tasks.move(session, task, "submit", visit["verifier"], note=f"visit {record.id}")
    outbox.add(session, _announcements(task, household, record, raised))
    return {**summary(session, record), "duplicate": False}


def _check_submitter(session: Session, task: Task, verifier: str) -> bool:
    """Only the task's verifier submits (or the second verifier of a flagged, submitted task).

    Returns True for a second verifier's visit.
    """
    staff = session.get(Staff, verifier)
    if staff is None or not staff.active:
        raise Invalid({"verifier": [f"unknown or inactive staff {verifier!r}"]})
    if task.state == "submitted" and task.second_assignee == verifier:
        return True
    if task.assignee != verifier or task.state not in ("assigned", "visited", "returned"):
        raise Refused(
            "not_your_task",
            f"task {task.id} ({task.state}) is not assigned to {verifier} / "
            f"tugas {task.id} bukan tugas {verifier}",
        )
    return False


def _check_photos(photos: list[dict[str, Any]]) -> list[str]:
    """Every photo must be in the evidence store and be an image by its content."""
    errors: dict[str, Any] = {}
    media: list[str] = []
    for index, photo in enumerate(photos):
        sha = photo["sha256"]
        if not evidence.exists(sha):
            errors[f"photos.{index}.sha256"] = ["file not in the evidence store / berkas tidak ada"]
            continue
        kind = evidence.image_type(sha)
        if kind is None:
            errors[f"photos.{index}.sha256"] = ["not an image / bukan gambar"]
        media.append(kind or "")
    if errors:
        raise Invalid(errors)
    return media


def _store(session, task, household, visit, decision, media) -> Visit:
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
            )
        )
    session.flush()
    return record


def _flags(session, record: Visit, household: Household, visit, decision) -> list[flags.Flag]:
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
            )
            for p in visit["photos"]
        ),
        registry_desil=household.desil,
        registry_source=household.source,
        household_point=household_point(session, household),
        photos_seen_elsewhere=photos_seen_elsewhere(session, household.id, visit["photos"]),
    )
    raised = flags.check_visit(facts)
    outlier = verifier_outlier(session, record.verifier)
    if outlier is not None:
        raised.append(outlier)
    for flag in raised:
        session.add(FlagRecord(visit_id=record.id, code=flag.code, detail=flag.detail))
    session.flush()
    return raised


def household_point(session: Session, household: Household) -> tuple[float, float] | None:
    """Where the household should be: its own GPS when the registry has it, else the centre of
    its desa as approved visits there located it (no desa coordinates exist in the reference)."""
    if household.latitude is not None and household.longitude is not None:
        return (household.latitude, household.longitude)
    if household.desa_code is None:
        return None
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
    return (row[1], row[2]) if row[0] >= DESA_CENTRE_MIN_VISITS else None


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
        "flags": [{"code": f.code, "detail": f.detail} for f in raised],
    }


def latest_visit(session: Session, task_id: int) -> Visit:
    visit = session.scalars(
        sa.select(Visit).where(Visit.task_id == task_id).order_by(Visit.id.desc())
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
