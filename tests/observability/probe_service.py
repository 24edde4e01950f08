"""A nameko service for the observability tests: ``nameko run tests.observability.probe_service``.

It has what a SIPMAS service has (its database with the outbox and its relay, an RPC queue, a
``consumes`` handler) plus the one line under test, ``observe = Observe()``. Its handler logs a
NIK (it must come out masked) and, when the reasons say ``refuse``, fails with one in the error.
"""

from __future__ import annotations

import logging
from typing import Any

from nameko.rpc import rpc
from sqlalchemy.orm import declarative_base

from sipmas.db import Database
from sipmas.messaging.consumer import consumes
from sipmas.observability import Observe
from sipmas.outbox import Outbox

log = logging.getLogger(__name__)

SERVICE = "obstest"
CONSUMERS = [("verification", "household_rejected", SERVICE, "on_household_rejected")]
HEAD_NIK = "6408045503900003"
MASKED_NIK = "6408********0003"


class Refused(Exception):
    """The handler's failure: it names a NIK, as careless code would."""


class ObservabilityTestService:
    name = SERVICE
    db = Database(declarative_base())
    outbox = Outbox()
    observe = Observe()

    @consumes("verification", "household_rejected")
    def on_household_rejected(self, event: dict[str, Any]) -> None:
        data = event["data"]
        log.info("household %s rejected, head NIK %s", data["household_id"], HEAD_NIK)
        if "refuse" in data["reasons"]:
            raise Refused(f"household {data['household_id']}: NIK {HEAD_NIK} refused")

    @rpc
    def ping(self) -> str | None:
        log.info("pinged")
        return self.observe.correlation_id
