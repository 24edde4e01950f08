"""The sender loop of a notifications process, in a managed thread of the nameko container.

Why not a timer: a timer sends at most every interval, so every message waited for the next
tick. Here the loop is woken as soon as a worker has committed new deliveries, sends until
nothing due is left (``delivery.send_due``), and still looks every ``interval`` seconds for
retries whose backoff has passed and SMS deferred by quiet hours. The channels (and their
open SMTP and HTTP connections) live as long as the process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from nameko.extensions import DependencyProvider
from sqlalchemy.orm import Session, sessionmaker

from services.notifications import channels
from services.notifications.use_cases import delivery
from sipmas import db, outbox, settings
from sipmas.outbox import writing

log = logging.getLogger(__name__)

ERROR_PAUSE = 1.0  # seconds after a failed round (database or broker away)


class Sender(DependencyProvider):
    """``self.sender.wake()`` after a worker committed deliveries; the loops do the rest. One
    loop per channel: a slow SMTP server does not hold the webhooks back, nor the reverse."""

    def __init__(self, interval: float | None = None) -> None:
        self.interval = interval
        self.channels: Mapping[str, channels.Channel] = {}
        self._wakes: dict[str, threading.Event] = {}
        self._stop = threading.Event()
        self._threads: list[Any] = []

    def setup(self) -> None:
        if self.interval is None:
            self.interval = settings.timer_seconds("notifications_send", 2)
        self.channels = channels.from_settings()
        self._wakes = {name: threading.Event() for name in self.channels}

    def start(self) -> None:
        self._stop.clear()
        self._threads = [
            self.container.spawn_managed_thread(
                partial(self._run, name), identifier=f"{self.container.service_name}.send.{name}"
            )
            for name in self.channels
        ]

    def stop(self) -> None:
        self._halt()
        for thread in self._threads:
            thread.wait()
        self._close()

    def kill(self) -> None:
        self._halt()
        self._close()

    def get_dependency(self, worker_ctx: Any) -> Sender:
        return self

    def wake(self) -> None:
        for event in self._wakes.values():
            event.set()

    def _halt(self) -> None:
        self._stop.set()
        self.wake()

    def _run(self, name: str) -> None:
        sessions = writing.install(sessionmaker(bind=db.engine(self.container.service_name)))
        wake, channel = self._wakes[name], {name: self.channels[name]}
        while not self._stop.is_set():
            wake.clear()
            try:
                writing.reset_written()
                with sessions() as session:  # a batch's reports written at its commit
                    done = send_round(session, channel)
                if writing.written():
                    self._wake_relays()  # the failure reports are committed
                if done:
                    log.info("sender %s: %s", name, dict(done))
            except Exception:  # never let the loop die: the next round tries again
                log.exception("sender round of %s failed; trying again", name)
                self._stop.wait(ERROR_PAUSE)
                continue
            wake.wait(self.interval)

    def _wake_relays(self) -> None:
        for provider in self.container.dependencies:
            if isinstance(provider, outbox.Outbox) and provider.relay is not None:
                provider.relay.wake()

    def _close(self) -> None:
        for channel in self.channels.values():
            close: Callable[[], None] | None = getattr(channel, "close", None)
            if close is not None:
                close()


def send_round(session: Session, to: Mapping[str, channels.Channel]) -> Any:
    """One round: everything due, sent (``delivery.send_due`` commits batch by batch)."""
    return delivery.send_due(session, to)
