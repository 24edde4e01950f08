"""A nameko service for the messaging tests: ``nameko run tests.integration.support_service``.

Its database (``MSGTEST_DATABASE_URL``) holds the outbox tables plus instrumentation: ``seen``
counts every delivery that reached a handler (committed on its own, so a failing attempt is
counted too); ``effect`` is the handlers' real effect, guarded by the inbox.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

from sipmas import events, outbox
from sipmas.db import Database
from sipmas.messaging.consumer import consumes
from sipmas.messaging.inbox import first_delivery
from sipmas.outbox import Outbox

DDL = """
CREATE TABLE seen (consumer text NOT NULL, event_id uuid NOT NULL, at timestamptz DEFAULT now());
CREATE TABLE effect (consumer text NOT NULL, event_id uuid NOT NULL, household_id int NOT NULL);
CREATE TABLE switch (name text PRIMARY KEY, is_on boolean NOT NULL);
"""

SERVICE = "msgtest"
CONSUMERS = [
    ("verification", "household_verified", SERVICE, "on_household_verified"),
    ("verification", "household_rejected", SERVICE, "on_household_rejected"),
    ("verification", "verification_task_created", SERVICE, "on_verification_task_created"),
]


class RejectionRefused(Exception):
    """Raised while the ``reject_fails`` switch is on: a handler that keeps failing."""


class MessagingTestService:
    name = SERVICE
    db = Database(declarative_base())
    outbox = Outbox()

    @consumes("verification", "household_verified")
    def on_household_verified(self, event: dict[str, Any]) -> None:
        """Applies once, and causes a ``case_opened`` event through the outbox."""
        consumer = self._seen("on_household_verified", event)
        with self.db.get_session() as session:
            if not first_delivery(session, consumer, event["event_id"]):
                return
            self._apply(session, consumer, event)
            household_id = event["data"]["household_id"]
            case = events.envelope(
                "case_opened",
                {"household_id": household_id, "case_id": household_id},
                correlation_id=event["correlation_id"],
            )
            outbox.add(session, case)

    @consumes("verification", "household_rejected")
    def on_household_rejected(self, event: dict[str, Any]) -> None:
        """Fails on every attempt while the ``reject_fails`` switch is on."""
        consumer = self._seen("on_household_rejected", event)
        with self.db.get_session() as session:
            if self._switch(session, "reject_fails"):
                raise RejectionRefused(f"household {event['data']['household_id']} refused")
            if first_delivery(session, consumer, event["event_id"]):
                self._apply(session, consumer, event)

    @consumes("verification", "verification_task_created")
    def on_verification_task_created(self, event: dict[str, Any]) -> None:
        """Fails on the first attempt of each event, succeeds on the second."""
        consumer = self._seen("on_verification_task_created", event)
        with self.db.get_session() as session:
            tries = session.execute(
                sa.text("SELECT count(*) FROM seen WHERE consumer = :c AND event_id = :e"),
                {"c": consumer, "e": str(event["event_id"])},
            ).scalar()
            if tries < 2:
                raise RuntimeError("first attempt fails")
            if first_delivery(session, consumer, event["event_id"]):
                self._apply(session, consumer, event)

    def _seen(self, method: str, event: dict[str, Any]) -> str:
        consumer = f"{SERVICE}.{method}"
        with self.db.get_session() as session:
            session.execute(
                sa.text("INSERT INTO seen (consumer, event_id) VALUES (:c, :e)"),
                {"c": consumer, "e": str(event["event_id"])},
            )
        return consumer

    @staticmethod
    def _apply(session: Any, consumer: str, event: dict[str, Any]) -> None:
        session.execute(
            sa.text("INSERT INTO effect VALUES (:c, :e, :h)"),
            {"c": consumer, "e": str(event["event_id"]), "h": event["data"]["household_id"]},
        )

    @staticmethod
    def _switch(session: Any, name: str) -> bool:
        value = session.execute(sa.text("SELECT is_on FROM switch WHERE name = :n"), {"n": name})
        return bool(value.scalar())
