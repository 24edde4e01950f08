"""The referral service: event, agency-message, RPC and timer entrypoints. Each only translates
and calls a use case of ``use_cases/`` — ``opening`` (a verified household becomes a case),
``agency`` (the agencies' answers), ``escalation`` (the clock), ``views``, ``routing_tables``; the
rules live in ``domain/`` — ``routing``, ``lifecycle``, ``sla``, ``cases`` and ``contract``."""

from __future__ import annotations

import logging
from typing import Any

from nameko.rpc import RpcProxy
from nameko.timer import timer

from services.referral import schemas
from services.referral.domain import cases
from services.referral.domain.lifecycle import IllegalTransition
from services.referral.errors import NotFound
from services.referral.models import Base, Referral
from services.referral.use_cases import (
    agency,
    escalation,
    opening,
    overdue,
    referrals,
    routing_tables,
    views,
)
from sipmas import db, events, outbox, refusals, settings
from sipmas.messaging.batch import consumes_batch
from sipmas.messaging.ordered import consumes_inbound
from sipmas.messaging.rpc import rpc
from sipmas.observability import Observe

log = logging.getLogger(__name__)
# The agencies' answers (the OPD contract, docs/asyncapi.yaml): ``status.<opd_code>`` messages.
INBOUND_EXCHANGE, INBOUND_KEY, INBOUND_QUEUE = (
    events.OPD_INBOUND_EXCHANGE,
    "status.*",
    "referral.opd-inbound",
)


refusing = refusals.refusing(IllegalTransition)


class ReferralService:
    name = "referral"
    observe = Observe(gauges=[overdue.OVERDUE])  # health, logs, metrics; overdue referrals
    db = db.Database(Base)
    outbox = outbox.Outbox()
    registry = RpcProxy("registry")

    # -- a verified household becomes a case ----------------------------------------------

    @consumes_batch("verification", "household_verified")
    def on_household_verified(self, batch: list[dict[str, Any]]) -> None:
        """The households verified together become cases in one transaction."""
        consumer = "referral.on_household_verified"
        facts = self._facts(batch)
        with self.db.get_session() as session:
            opening.on_households_verified(session, consumer, batch, facts)

    def _facts(self, batch: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
        """Members with age (and NIK, for the programmes that register people) from the
        registry, for every household of the batch in one call; a household the registry does
        not know fails the batch, whose events are then retried each alone (so only that one
        waits, with backoff, and is dead-lettered in the end), like any other failure."""
        wanted = [e["data"]["household_id"] for e in batch if cases.gets_case(e["data"])]
        found = self.registry.households_facts(wanted)["households"] if wanted else {}
        answers = []
        for event in batch:
            household_id = event["data"]["household_id"]
            if not cases.gets_case(event["data"]):
                answers.append(None)
            elif str(household_id) not in found:
                raise NotFound("household in the registry", household_id)
            else:
                answers.append(found[str(household_id)])
        return answers

    # -- the agencies' answers ------------------------------------------------------------

    @consumes_inbound(INBOUND_EXCHANGE, INBOUND_KEY, INBOUND_QUEUE)
    def on_agency_update(self, body: Any, facts: dict[str, Any]) -> None:
        with self.db.get_session() as session:
            result = agency.on_agency_message(session, body, facts)
        if result["outcome"] == "refused":
            log.warning("agency update refused: %s from %s", result["code"], facts.get("sender"))

    @rpc
    @refusing
    def update_referral_status(self, referral_id: int, request: dict[str, Any]) -> dict:
        clean = schemas.StatusUpdate().load(request)
        with self.db.get_session() as session:
            return agency.update_status(
                session, referral_id, clean, clean["actor"], clean["opd_code"]
            )

    @rpc
    @refusing
    def cancel_referral(self, referral_id: int, request: dict[str, Any]) -> dict[str, Any]:
        clean = schemas.Cancel().load(request)
        with self.db.get_session() as session:
            referral = session.get(Referral, referral_id, with_for_update=True)
            if referral is None:
                raise NotFound("referral", referral_id)
            referrals.cancel(session, referral, clean["actor"], clean["reason"])
            return views.referral_view(referral)

    # -- reading --------------------------------------------------------------------------

    @rpc
    @refusing
    def household_cases(self, household_id: int) -> dict[str, Any]:
        with self.db.get_session() as session:
            return views.household_cases(session, household_id)

    @rpc
    @refusing
    def agency_referrals(
        self,
        opd_code: str,
        overdue_only: bool = False,
        view: str = "staff",
        scope: dict[str, Any] | None = None,
        tab: str | None = None,
    ) -> dict[str, Any]:
        """``view="opd"``: as the agency's messages carry them; ``scope``: an area's only;
        ``tab``: an inbox tab (new, accepted, in_progress, overdue, closed; none: the open)."""
        clean = schemas.AgencyReferrals().load(
            {"opd_code": opd_code, "view": view, "scope": scope, "tab": tab}
        )
        with self.db.get_session() as session:
            return views.agency_referrals(
                session,
                clean["opd_code"],
                overdue_only,
                clean["view"],
                clean["scope"],
                clean["tab"],
            )

    @rpc
    @refusing
    def referral(
        self,
        referral_id: int,
        view: str = "staff",
        opd_code: str | None = None,
        scope: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One referral with its history; not found for another agency's (``opd_code``) or
        outside ``scope``, exactly as for one that does not exist."""
        clean = schemas.OneReferral().load({"view": view, "opd_code": opd_code, "scope": scope})
        with self.db.get_session() as session:
            return views.referral(
                session, referral_id, clean["view"], clean["opd_code"], clean["scope"]
            )

    @rpc
    @refusing
    def referral_counts(self, scope: dict[str, Any] | None = None) -> dict[str, Any]:
        """Referrals per agency and state, and the overdue ones per agency."""
        clean = schemas.OneReferral().load({"scope": scope})
        with self.db.get_session() as session:
            return views.counts(session, clean["scope"])

    # -- the routing table ----------------------------------------------------------------

    @rpc
    @refusing
    def routing_table(self) -> dict[str, Any]:
        with self.db.get_session() as session:
            return routing_tables.describe(session)

    @rpc
    @refusing
    def set_routing_table(self, request: dict[str, Any]) -> dict[str, Any]:
        clean = schemas.RoutingTableChange().load(request)
        with self.db.get_session() as session:
            return routing_tables.install(session, clean["csv"], clean["actor"], clean["note"])

    # -- the clock ------------------------------------------------------------------------

    @timer(interval=settings.timer_seconds("referral_escalation", 60))
    def escalate_overdue(self) -> None:
        with self.db.get_session() as session:
            count = escalation.sweep(session)
        if count:
            log.info("escalated %d overdue referrals", count)
