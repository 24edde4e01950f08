"""The supervisor's view of the field: the verifiers of an area with their open tasks, and the
tasks counted per verifier or per kecamatan by state, the overdue ones apart."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.verification.models import Household, Staff, Task
from services.verification.use_cases.tasks import LIVE_STATES, WAITING_FOR_A_VISIT, now
from sipmas import reference


def verifiers(session: Session, area: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Active verifiers working in ``area`` (any of its desa or kecamatan; None: all), with
    the tasks still open on their desk."""
    open_tasks = dict(
        session.execute(
            sa.select(Task.assignee, sa.func.count())
            .where(Task.state.in_(LIVE_STATES), Task.assignee.is_not(None))
            .group_by(Task.assignee)
        ).all()
    )
    staff = session.scalars(
        sa.select(Staff).where(Staff.role == "verifier", Staff.active).order_by(Staff.id)
    )
    return [
        {
            "username": person.id,
            "name": person.name,
            "kecamatan_codes": list(person.kecamatan_codes),
            "desa_codes": list(person.desa_codes),
            "open_tasks": open_tasks.get(person.id, 0),
        }
        for person in staff
        if _works_in(person, area)
    ]


def _works_in(person: Staff, area: dict[str, Any] | None) -> bool:
    if area is None:
        return True
    desa = set(area.get("desa_codes") or ())
    kecamatan = set(area.get("kecamatan_codes") or ())
    theirs = set(person.kecamatan_codes) | {
        reference.desa_by_code()[code].kecamatan_code
        for code in person.desa_codes
        if code in reference.desa_by_code()
    }
    return bool(desa & set(person.desa_codes) or kecamatan & theirs)


def counts(session: Session, area: dict[str, Any] | None, group_by: str) -> list[dict[str, Any]]:
    """Tasks per verifier (``assignee``) or per ``kecamatan``, by state, and how many are past
    their due date while still waiting for a visit."""
    key = Task.assignee if group_by == "assignee" else Household.kecamatan_code
    query = (
        sa.select(key, Task.state, Task.due_at)
        .select_from(Task)
        .join(Household, Household.id == Task.household_id)
    )
    if area is not None:
        query = query.where(
            sa.or_(
                Household.desa_code.in_(list(area.get("desa_codes") or ())),
                Household.kecamatan_code.in_(list(area.get("kecamatan_codes") or ())),
            )
        )
    states: dict[str | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    overdue: dict[str | None, int] = defaultdict(int)
    at = now()
    for group, state, due_at in session.execute(query):
        states[group][state] += 1
        overdue[group] += state in WAITING_FOR_A_VISIT and due_at < at
    names = _names(session, group_by, list(states))
    return [
        {
            "key": group,
            "name": names.get(group),
            "states": dict(states[group]),
            "overdue": overdue[group],
        }
        for group in sorted(states, key=lambda g: (g is None, g or ""))
    ]


def _names(session: Session, group_by: str, keys: list[str | None]) -> dict[str | None, str]:
    if group_by == "kecamatan":
        return {
            k: reference.kecamatan_by_code()[k].name
            for k in keys
            if k in reference.kecamatan_by_code()
        }
    people = session.execute(sa.select(Staff.id, Staff.name).where(Staff.id.in_(keys))).all()
    return dict(people)
