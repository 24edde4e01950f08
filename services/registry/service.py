"""The registry service: RPC and event entrypoints. Each only translates and calls the use case
in ``households`` (or the import report); rules live there and in ``lifecycle``."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from nameko.rpc import rpc

from services.registry import households, schemas
from services.registry.importing import run
from services.registry.models import Base
from sipmas import db, outbox, refusals
from sipmas.messaging import consumes


def _errors(error: Exception) -> dict[str, Any]:
    if isinstance(error, ValidationError):
        return refusals.invalid(error)
    if isinstance(error, households.Invalid):
        return {"error": "invalid", "fields": error.errors}
    if isinstance(error, households.NotFound):
        return {"error": "not_found"}
    return {"error": "illegal_transition", "message": str(error)}


refusing = refusals.refusing(
    households.Invalid,
    households.NotFound,
    households.lifecycle.IllegalTransition,
    describe=_errors,
)


class RegistryService:
    name = "registry"
    db = db.Database(Base)
    outbox = outbox.Outbox()

    # -- reading ---------------------------------------------------------------------------

    @rpc
    @refusing
    def get_household(self, household_id: int) -> dict[str, Any]:
        with self.db.get_session() as session:
            return {"household": households.get(session, household_id)}

    @rpc
    @refusing
    def search_households(self, criteria: dict[str, Any]) -> dict[str, Any]:
        clean = schemas.SearchCriteria().load(criteria)
        with self.db.get_session() as session:
            return {"households": households.search(session, clean)}

    @rpc
    @refusing
    def household_facts(self, household_id: int) -> dict[str, Any]:
        """For the referral service (service to service): members with age, and NIK."""
        with self.db.get_session() as session:
            return households.facts_for_referral(session, household_id)

    @rpc
    def list_imports(self, limit: int = 50) -> list[dict[str, Any]]:
        return run.list_batches(limit)

    @rpc
    def import_report(self, batch_id: int) -> dict[str, Any]:
        return {"batch_id": batch_id, "problems": run.problem_rows(batch_id)}

    # -- changing --------------------------------------------------------------------------

    @rpc
    @refusing
    def register_household(self, payload: dict[str, Any]) -> dict[str, Any]:
        clean = schemas.RegisterHousehold().load(payload)
        connection = db.engine("registry").raw_connection()
        try:
            return households.register(connection, clean["members"], clean["actor"])
        finally:
            connection.close()

    @rpc
    @refusing
    def update_household(self, household_id: int, changes: dict[str, Any], actor: str):
        clean = schemas.UpdateHousehold().load(changes)
        with self.db.get_session() as session:
            return households.update(session, household_id, clean, actor)

    @rpc
    @refusing
    def transition_household(self, household_id: int, request: dict[str, Any]):
        clean = schemas.Transition().load(request)
        with self.db.get_session() as session:
            return households.move(
                session,
                household_id,
                clean["action"],
                actor=clean["actor"],
                reason=clean["reason"],
            )

    @rpc
    @refusing
    def resolve_conflict(self, conflict_id: int, value: str, actor: str) -> dict[str, Any]:
        with self.db.get_session() as session:
            return households.resolve_conflict(session, conflict_id, value, actor)

    # -- other services' events move the lifecycle (once per event: the inbox) ------------

    def _apply(self, method: str, event: dict[str, Any]) -> None:
        with self.db.get_session() as session:
            households.apply_event(session, f"registry.{method}", event)

    @consumes("verification", "verification_task_created")
    def on_verification_task_created(self, event: dict[str, Any]) -> None:
        self._apply("on_verification_task_created", event)

    @consumes("verification", "household_verified")
    def on_household_verified(self, event: dict[str, Any]) -> None:
        self._apply("on_household_verified", event)

    @consumes("verification", "household_rejected")
    def on_household_rejected(self, event: dict[str, Any]) -> None:
        self._apply("on_household_rejected", event)

    @consumes("referral", "case_opened")
    def on_case_opened(self, event: dict[str, Any]) -> None:
        self._apply("on_case_opened", event)

    @consumes("referral", "referral_status_changed")
    def on_referral_status_changed(self, event: dict[str, Any]) -> None:
        self._apply("on_referral_status_changed", event)

    @consumes("referral", "case_resolved")
    def on_case_resolved(self, event: dict[str, Any]) -> None:
        self._apply("on_case_resolved", event)
