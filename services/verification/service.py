"""The verification service: RPC, event and timer entrypoints. Each only translates and calls a
use case of ``use_cases/`` — ``intake`` (where tasks come from), ``tasks``, ``visits`` (a visit
in), ``decisions`` (a supervisor's decision, a household's history), ``staff``; the rules live in
``domain/`` — ``welfare``, ``flags``, ``lifecycle``, ``assignment``, ``questionnaire``."""

from __future__ import annotations

import logging
from typing import Any

from nameko.timer import timer

from services.verification import schemas
from services.verification.domain.lifecycle import IllegalTransition
from services.verification.models import Base
from services.verification.use_cases import (
    decisions,
    history,
    intake,
    staff,
    tasks,
    visits,
    workload,
)
from sipmas import db, outbox, refusals, settings
from sipmas.messaging.consumer import consumes
from sipmas.messaging.rpc import rpc
from sipmas.observability import Observe

log = logging.getLogger(__name__)


refusing = refusals.refusing(IllegalTransition)


class VerificationService:
    name = "verification"
    observe = Observe()  # health, JSON logs with the correlation id, metrics
    db = db.Database(Base)
    outbox = outbox.Outbox()

    # -- staff and tasks -------------------------------------------------------------------

    @rpc
    @refusing
    def register_staff(self, payload: dict[str, Any]) -> dict[str, Any]:
        clean = schemas.Staff().load(payload)
        with self.db.get_session() as session:
            return staff.register(session, clean)

    @rpc
    @refusing
    def request_verification(self, household_id: int, actor: str) -> dict[str, Any]:
        with self.db.get_session() as session:
            task = intake.request(session, household_id, actor)
            session.flush()
            return {"task_id": task.id, "state": task.state, "assignee": task.assignee}

    @rpc
    @refusing
    def assign_task(self, task_id: int, verifier: str, actor: str) -> dict[str, Any]:
        with self.db.get_session() as session:
            task = tasks.assign(session, task_id, verifier, actor)
            return {"task_id": task.id, "state": task.state, "assignee": task.assignee}

    @rpc
    @refusing
    def assign_second_verifier(self, task_id: int, verifier: str, actor: str) -> dict[str, Any]:
        with self.db.get_session() as session:
            return decisions.assign_second_verifier(session, task_id, verifier, actor)

    @rpc
    @refusing
    def my_tasks(self, verifier: str, states: list[str] | None = None) -> dict[str, Any]:
        with self.db.get_session() as session:
            return {"tasks": tasks.task_list(session, verifier, states or ())}

    @rpc
    @refusing
    def get_task(self, task_id: int) -> dict[str, Any]:
        with self.db.get_session() as session:
            return tasks.task_of(session, task_id)

    @rpc
    @refusing
    def task_detail(self, task_id: int) -> dict[str, Any]:
        """A task with its visits in full (answers, photos, GPS, flags), moves and decisions."""
        with self.db.get_session() as session:
            return history.task_detail(session, task_id)

    @rpc
    @refusing
    def verifiers(self, scope: dict[str, Any] | None = None) -> dict[str, Any]:
        """The active verifiers working in an area, with their open tasks."""
        clean = schemas.AreaOnly().load({"scope": scope})
        with self.db.get_session() as session:
            return {"verifiers": workload.verifiers(session, clean["area"])}

    @rpc
    @refusing
    def task_counts(
        self, scope: dict[str, Any] | None = None, group_by: str = "kecamatan"
    ) -> dict[str, Any]:
        """Tasks of an area per verifier (``assignee``) or per ``kecamatan``, by state."""
        clean = schemas.TaskCounts().load({"scope": scope, "group_by": group_by})
        with self.db.get_session() as session:
            return {"rows": workload.counts(session, clean["area"], clean["group_by"])}

    @rpc
    @refusing
    def area_tasks(
        self, scope: dict[str, Any] | None = None, states: list[str] | None = None, limit: int = 200
    ) -> dict[str, Any]:
        """The tasks of an area (``scope`` as the gateway's ``Principal.area_scope()``)."""
        clean = schemas.AreaTasks().load({"scope": scope, "states": states or [], "limit": limit})
        with self.db.get_session() as session:
            return {"tasks": tasks.area_tasks(session, **clean)}

    # -- visits and decisions --------------------------------------------------------------

    @rpc
    @refusing
    def submit_visit(self, payload: dict[str, Any]) -> dict[str, Any]:
        clean = schemas.SubmitVisit().load(payload)
        with self.db.get_session() as session:
            return visits.submit(session, clean)

    @rpc
    @refusing
    def approve(self, task_id: int, request: dict[str, Any]) -> dict[str, Any]:
        clean = schemas.Decide().load(request)
        with self.db.get_session() as session:
            return decisions.approve(
                session,
                task_id,
                clean["actor"],
                flags_reviewed=clean["flags_reviewed"],
                note=clean["note"],
            )

    @rpc
    @refusing
    def return_visit(self, task_id: int, request: dict[str, Any]) -> dict[str, Any]:
        clean = schemas.Decide().load(request)
        with self.db.get_session() as session:
            return decisions.return_visit(session, task_id, clean["actor"], clean["note"])

    @rpc
    @refusing
    def reject(self, task_id: int, request: dict[str, Any]) -> dict[str, Any]:
        clean = schemas.Decide().load(request)
        with self.db.get_session() as session:
            return decisions.reject(
                session, task_id, clean["actor"], clean["reasons"], clean["note"]
            )

    @rpc
    @refusing
    def household_history(self, household_id: int) -> dict[str, Any]:
        with self.db.get_session() as session:
            return history.history(session, household_id)

    @rpc
    def earlier_photos(self, household_ids: list[int]) -> dict[str, Any]:
        """The photos of each household's last visit (what the field app shows as thumbnails):
        ``{"households": {id: [{sha256, kind, captured_at}]}}``."""
        with self.db.get_session() as session:
            return {"households": history.earlier_photos(session, household_ids)}

    # -- other services' events (once per event: the inbox) --------------------------------

    @consumes("registry", "household_registered")
    def on_household_registered(self, event: dict[str, Any]) -> None:
        with self.db.get_session() as session:
            intake.on_registered(session, "verification.on_household_registered", event)

    @consumes("referral", "case_resolved")
    def on_case_resolved(self, event: dict[str, Any]) -> None:
        with self.db.get_session() as session:
            intake.on_case_resolved(session, "verification.on_case_resolved", event)

    @consumes("gateway", "user_registered")
    def on_user_registered(self, event: dict[str, Any]) -> None:
        with self.db.get_session() as session:
            staff.on_user_registered(session, "verification.on_user_registered", event)

    # -- the clock: overdue tasks and re-verifications ------------------------------------

    @timer(interval=settings.timer_seconds("verification_sweep", 60))
    def sweep(self) -> None:
        with self.db.get_session() as session:
            moved = tasks.sweep_overdue(session)
            due = tasks.reverifications_due(session)
        if any(moved.values()) or due:
            log.info("sweep: %s overdue, %d re-verifications opened", moved, due)
