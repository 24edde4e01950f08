"""The registry service: RPC and event entrypoints. Each only translates and calls a use case
(``use_cases/``: households, search, registration, conflicts, lifecycle_events, figures,
importing); the rules live in ``domain/`` (lifecycle, scope, sources, vocabulary, row_checks).

Every RPC a user reaches through the gateway takes the user's area as ``scope`` (``None``: the
whole district): a household outside it answers ``{"error": "not_found"}``, exactly like one that
does not exist. ``household_facts`` is for other services and takes none.
"""

from __future__ import annotations

from typing import Any

import eventlet

from services.registry import errors, schemas
from services.registry.domain import scope as area
from services.registry.domain.lifecycle import IllegalTransition
from services.registry.models import Base
from services.registry.use_cases import (
    conflicts,
    figures,
    households,
    lifecycle_events,
    registration,
    search,
)
from services.registry.use_cases.importing import batches, child_process, runs
from sipmas import db, outbox, refusals
from sipmas.messaging.batch import consumes_batch
from sipmas.messaging.rpc import rpc
from sipmas.observability import Observe


def _errors(error: Exception) -> dict[str, Any]:
    if isinstance(error, errors.Invalid):
        return {"error": "invalid", "fields": error.errors}
    if isinstance(error, errors.NotFound):
        return {"error": "not_found"}  # the same for unknown and out of scope: says nothing more
    return refusals.describe(error)


refusing = refusals.refusing(
    errors.Invalid,
    errors.NotFound,
    IllegalTransition,
    describe=_errors,
)


class RegistryService:
    name = "registry"
    observe = Observe()  # health, JSON logs with the correlation id, metrics
    db = db.Database(Base)
    outbox = outbox.Outbox()

    # -- reading ---------------------------------------------------------------------------

    @rpc
    @refusing
    def get_household(self, household_id: int, scope: dict | None = None) -> dict[str, Any]:
        within = area.parse(scope)
        with self.db.get_session() as session:
            return {"household": households.get(session, household_id, within)}

    @rpc
    @refusing
    def household_timeline(self, household_id: int, scope: dict | None = None) -> dict[str, Any]:
        within = area.parse(scope)
        with self.db.get_session() as session:
            timeline = households.timeline_of(session, household_id, within)
        return {"household_id": household_id, "timeline": timeline}

    @rpc
    @refusing
    def search_households(
        self, criteria: dict[str, Any], scope: dict | None = None
    ) -> dict[str, Any]:
        clean = schemas.SearchCriteria().load(criteria)
        within = area.parse(scope)
        with self.db.get_session() as session:
            return {"households": search.search(session, clean, within)}

    @rpc
    @refusing
    def household_counts(self, request: dict[str, Any]) -> dict[str, Any]:
        """The report figures (``reports``): counts by area, status, class, PMKS, source."""
        clean = schemas.CountsRequest().load(request)
        with self.db.get_session() as session:
            return figures.counts(session, clean)

    @rpc
    @refusing
    def household_facts(self, household_id: int) -> dict[str, Any]:
        """For the referral service (service to service): members with age, and NIK."""
        with self.db.get_session() as session:
            return households.facts_for_referral(session, household_id)

    @rpc
    def households_facts(self, household_ids: list[int]) -> dict[str, Any]:
        """``household_facts`` of many households in one call (the referral service asks for
        the households verified together): ``{"households": {id: facts}}``, unknown ids left
        out."""
        with self.db.get_session() as session:
            return {"households": households.facts_for_referrals(session, household_ids)}

    @rpc
    def field_households(self, household_ids: list[int]) -> dict[str, Any]:
        """What a verifier's phone keeps of the households of their tasks (no NIK):
        ``{"households": {id: view}}`` (the gateway checks they are the verifier's tasks)."""
        with self.db.get_session() as session:
            return {"households": households.field_views(session, household_ids)}

    @rpc
    def nik_check(self, household_id: int, nik: str) -> dict[str, Any]:
        """``{"nik_check": "match" | "mismatch"}``: the NIK typed at the door against the
        household's members (the gateway decrypted it from the visit; it goes no further)."""
        with self.db.get_session() as session:
            return {"nik_check": households.nik_check(session, household_id, nik)}

    @rpc
    def list_imports(self, limit: int = 50) -> list[dict[str, Any]]:
        return batches.list_batches(limit)

    @rpc
    def import_report(self, batch_id: int) -> dict[str, Any]:
        return {"batch_id": batch_id, "problems": batches.problem_rows(batch_id)}

    @rpc
    @refusing
    def import_status(self, batch_id: int, offset: int = 0, limit: int = 200) -> dict[str, Any]:
        """Where an import stands (a background run's rows), its summary and a page of its row
        report once done; ``not_found`` when nothing has the id."""
        clean = schemas.ImportPage().load({"offset": offset, "limit": limit})
        found = batches.import_status(batch_id, **clean)
        if found is None:
            raise errors.NotFound(batch_id)
        return found

    @rpc
    @refusing
    def begin_import(self, source: str, path: str, actor: str, filename: str) -> dict[str, Any]:
        """Start importing a file the registry's host can read, in its own process, and answer
        at once with the id its batch will have (``import_status`` follows it)."""
        clean = schemas.BeginImport().load(
            {"source": source, "path": path, "actor": actor, "filename": filename}
        )
        started = runs.begin(**clean)
        eventlet.spawn_n(runs.watch, started["batch_id"], started.pop("process"))
        return started

    @rpc
    @refusing
    def start_import(
        self, source: str, path: str, actor: str, report_path: str | None = None
    ) -> dict[str, Any]:
        """Import a file the registry's host can read, in its own process; waits for it."""
        clean = schemas.StartImport().load(
            {"source": source, "path": path, "actor": actor, "report_path": report_path}
        )
        return child_process.start(**clean)

    # -- changing --------------------------------------------------------------------------

    @rpc
    @refusing
    def register_household(
        self, payload: dict[str, Any], scope: dict | None = None
    ) -> dict[str, Any]:
        clean = schemas.RegisterHousehold().load(payload)
        within = area.parse(scope)
        with self.db.get_session() as session:
            return registration.register(session, clean["members"], clean["actor"], within)

    @rpc
    @refusing
    def update_household(
        self, household_id: int, changes: dict[str, Any], actor: str, scope: dict | None = None
    ):
        clean = schemas.UpdateHousehold().load(changes)
        within = area.parse(scope)
        with self.db.get_session() as session:
            return registration.update(session, household_id, clean, actor, within)

    @rpc
    @refusing
    def transition_household(
        self, household_id: int, request: dict[str, Any], scope: dict | None = None
    ):
        clean = schemas.Transition().load(request)
        within = area.parse(scope)
        with self.db.get_session() as session:
            return lifecycle_events.move(
                session,
                household_id,
                clean["action"],
                actor=clean["actor"],
                reason=clean["reason"],
                scope=within,
            )

    @rpc
    @refusing
    def open_conflicts(self, scope: dict | None = None, limit: int = 100) -> dict[str, Any]:
        """The conflicts waiting for a person, of households in the caller's area."""
        within = area.parse(scope)
        with self.db.get_session() as session:
            return {"conflicts": conflicts.open_conflicts(session, within, int(limit))}

    @rpc
    @refusing
    def resolve_conflict(
        self, conflict_id: int, value: str, actor: str, scope: dict | None = None
    ) -> dict[str, Any]:
        within = area.parse(scope)
        with self.db.get_session() as session:
            return conflicts.resolve_conflict(session, conflict_id, value, actor, within)

    # -- other services' events move the lifecycle (once per event: the inbox) ------------
    # Events that arrived together are applied in one transaction (``consumes_batch``); a
    # batch that fails is tried again event by event, so one bad event is dead-lettered alone.

    def _apply(self, method: str, events: list[dict[str, Any]]) -> None:
        with self.db.get_session() as session:
            lifecycle_events.apply_events(session, f"registry.{method}", events)

    @consumes_batch("verification", "verification_task_created")
    def on_verification_task_created(self, events: list[dict[str, Any]]) -> None:
        self._apply("on_verification_task_created", events)

    @consumes_batch("verification", "household_verified")
    def on_household_verified(self, events: list[dict[str, Any]]) -> None:
        self._apply("on_household_verified", events)

    @consumes_batch("verification", "household_rejected")
    def on_household_rejected(self, events: list[dict[str, Any]]) -> None:
        self._apply("on_household_rejected", events)

    @consumes_batch("referral", "case_opened")
    def on_case_opened(self, events: list[dict[str, Any]]) -> None:
        self._apply("on_case_opened", events)

    @consumes_batch("referral", "referral_status_changed")
    def on_referral_status_changed(self, events: list[dict[str, Any]]) -> None:
        self._apply("on_referral_status_changed", events)

    @consumes_batch("referral", "case_resolved")
    def on_case_resolved(self, events: list[dict[str, Any]]) -> None:
        self._apply("on_case_resolved", events)
