"""The notifications service: event, timer and RPC entrypoints. Each only translates and calls a
use case of ``use_cases/`` — ``planning`` (an event becomes deliveries), ``delivery`` (sending,
dead letters, resends), ``digest`` (the daily summary), ``contacts``, ``views``; who is told of
what lives in ``domain/audiences``, how in ``channels``, in which words in ``domain/templates``;
the sender loops are ``dependencies.Sender``."""

from __future__ import annotations

import logging
from typing import Any

from nameko.timer import timer

from services.notifications import schemas
from services.notifications.dependencies import Sender
from services.notifications.errors import Invalid
from services.notifications.models import Base
from services.notifications.use_cases import contacts, delivery, digest, planning, views
from sipmas import db, outbox, refusals, settings
from sipmas.messaging.batch import consumes_batch
from sipmas.messaging.consumer import consumes
from sipmas.messaging.rpc import rpc
from sipmas.observability import Observe

log = logging.getLogger(__name__)


refusing = refusals.refusing()


class NotificationsService:
    name = "notifications"
    observe = Observe()  # health, JSON logs with the correlation id, metrics
    db = db.Database(Base)
    outbox = outbox.Outbox()
    sender = Sender()  # the sender loop: woken when deliveries are planned, else every 2 s

    def _plan(self, method: str, batch: list[dict[str, Any]]) -> None:
        """A batch of events (``consumes_batch``), planned in one transaction."""
        with self.db.get_session() as session:
            consumer = f"notifications.{method}"
            planned = planning.on_events(session, consumer, batch)
        if planned:
            self.sender.wake()  # committed: send now rather than at the next look

    # -- other services' events: each becomes deliveries (once per event: the inbox) ------

    @consumes_batch("verification", "verification_task_created")
    def on_verification_task_created(self, batch: list[dict[str, Any]]) -> None:
        self._plan("on_verification_task_created", batch)

    @consumes_batch("verification", "verification_flagged")
    def on_verification_flagged(self, batch: list[dict[str, Any]]) -> None:
        self._plan("on_verification_flagged", batch)

    @consumes_batch("verification", "household_verified")
    def on_household_verified(self, batch: list[dict[str, Any]]) -> None:
        self._plan("on_household_verified", batch)

    @consumes_batch("referral", "referral_created")
    def on_referral_created(self, batch: list[dict[str, Any]]) -> None:
        self._plan("on_referral_created", batch)

    @consumes_batch("referral", "referral_status_changed")
    def on_referral_status_changed(self, batch: list[dict[str, Any]]) -> None:
        self._plan("on_referral_status_changed", batch)

    @consumes_batch("referral", "referral_escalated")
    def on_referral_escalated(self, batch: list[dict[str, Any]]) -> None:
        self._plan("on_referral_escalated", batch)

    @consumes_batch("referral", "case_resolved")
    def on_case_resolved(self, batch: list[dict[str, Any]]) -> None:
        self._plan("on_case_resolved", batch)

    @consumes("gateway", "user_registered")
    def on_user_registered(self, event: dict[str, Any]) -> None:
        with self.db.get_session() as session:
            contacts.on_user_registered(session, "notifications.on_user_registered", event)

    # -- the clock: the daily digest (the sender loop is ``sender.Sender``) -----------------

    @timer(interval=settings.timer_seconds("notifications_digest", 600))
    def digests(self) -> None:
        with self.db.get_session() as session:
            planned = digest.run(session, delivery.now())
        if planned:
            self.sender.wake()
            log.info("digest: %d agency digests planned", planned)

    # -- RPC: contacts ----------------------------------------------------------------------

    @rpc
    @refusing
    def set_agency_contact(self, opd_code: str, changes: dict[str, Any]) -> dict[str, Any]:
        clean = schemas.AgencyContact().load(changes)
        with self.db.get_session() as session:
            return contacts.set_agency(session, opd_code, clean)

    @rpc
    @refusing
    def register_staff_contact(self, payload: dict[str, Any]) -> dict[str, Any]:
        clean = schemas.StaffContact().load(payload)
        with self.db.get_session() as session:
            return contacts.register_staff(session, clean)

    @rpc
    @refusing
    def register_household_contact(self, payload: dict[str, Any]) -> dict[str, Any]:
        clean = schemas.HouseholdContact().load(payload)
        with self.db.get_session() as session:
            return contacts.register_household(session, clean)

    @rpc
    @refusing
    def get_contact(self, kind: str, key: str | int) -> dict[str, Any]:
        if kind not in ("agency", "staff", "household"):
            raise Invalid({"kind": ["one of agency, staff, household"]})
        with self.db.get_session() as session:
            return contacts.get(session, kind, key)

    # -- RPC: the delivery log and resends ------------------------------------------------

    @rpc
    @refusing
    def delivery_log(self, kind: str, key: Any, limit: int = 100) -> dict[str, Any]:
        clean = schemas.DeliveryLog().load({"kind": kind, "key": key, "limit": limit})
        with self.db.get_session() as session:
            return {"deliveries": views.delivery_log(session, **clean)}

    @rpc
    @refusing
    def resend(self, delivery_id: int, actor: str) -> dict[str, Any]:
        with self.db.get_session() as session:
            answer = delivery.resend(session, delivery_id, actor)
        self.sender.wake()
        return answer
