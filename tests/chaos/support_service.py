"""A nameko service for the kernel fixes the chaos test led to: ``nameko run
tests.chaos.support_service``.

- one partners' queue (``consumes_inbound``): it writes each update it applies, in order, to the
  file ``INBOUND_ORDER_LOG``; an update with ``"fail_once": true`` fails its first attempt, as a
  handler does when the database is restarted under it; one with ``"fail_always": true`` fails
  every attempt;
- one RPC (``slow``) that takes its time, so that the broker can go away while it is answered;
  each call is written to ``RPC_CALLS_LOG``.
"""

from __future__ import annotations

import os
import time
from typing import Any

from sipmas.messaging.ordered import consumes_inbound
from sipmas.messaging.rpc import rpc

EXCHANGE = os.environ.get("INBOUND_ORDER_EXCHANGE", "test.inbound")
QUEUE = os.environ.get("INBOUND_ORDER_QUEUE", "test.inbound-order")
LOG = os.environ.get("INBOUND_ORDER_LOG", "inbound-order.log")
CALLS = os.environ.get("RPC_CALLS_LOG", "rpc-calls.log")


class TransientFailure(Exception):
    """Stands for the database going away for a moment."""


class ChaosSupportService:
    name = "chaossupport"
    failed: set[str] = set()

    @consumes_inbound(EXCHANGE, "status.*", QUEUE)
    def on_update(self, body: dict[str, Any], facts: dict[str, Any]) -> None:
        update = str(body["n"])
        if body.get("fail_always"):
            raise TransientFailure(f"update {update}: the database stays away")
        if body.get("fail_once") and update not in self.failed:
            self.failed.add(update)
            raise TransientFailure(f"update {update}: the database is away")
        with open(LOG, "a") as log:
            log.write(f"{update} {facts['sender']}\n")

    @rpc
    def slow(self, n: int, seconds: float) -> int:
        with open(CALLS, "a") as log:
            log.write(f"{n}\n")
        time.sleep(seconds)  # green: the service goes on meanwhile
        return n
