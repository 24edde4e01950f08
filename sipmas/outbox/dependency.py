"""The outbox of a nameko service: its relay, run inside the service and woken after each worker
that wrote events (events are written by use cases with :func:`sipmas.outbox.add`)."""

from __future__ import annotations

from typing import Any

from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider

from sipmas.outbox.relay import Relay
from sipmas.outbox.writing import reset_written, written


class Outbox(DependencyProvider):
    """The outbox of a nameko service: ``outbox = Outbox()`` on the service class runs its relay.

    The relay runs in a managed thread of the container and is woken when a worker that wrote
    events has finished (its transaction is committed by then), so latency stays low without
    polling hard. Run ``sipmas relay SERVICE`` instead (``relay=False``) to scale it separately.
    """

    def __init__(self, relay: bool = True, batch_size: int | None = None) -> None:
        self.run_relay = relay
        self.batch_size = batch_size
        self.relay: Relay | None = None
        self._threads: list[Any] = []

    def setup(self) -> None:
        if self.run_relay:
            self.relay = Relay(
                self.container.service_name,
                amqp_uri=self.container.config.get(AMQP_URI_CONFIG_KEY),
                batch_size=self.batch_size,
            )

    def start(self) -> None:
        if self.relay is not None:
            name = self.container.service_name
            self._threads = [
                self.container.spawn_managed_thread(target, identifier=f"{name}.{identifier}")
                for target, identifier in (
                    (self.relay.run, "outbox_relay"),
                    (self.relay.listen, "outbox_listener"),
                )
            ]

    def stop(self) -> None:
        if self.relay is not None:
            self.relay.stop()
            for thread in self._threads:
                thread.wait()
            self.relay.close()

    def kill(self) -> None:
        if self.relay is not None:
            self.relay.close()

    def get_dependency(self, worker_ctx: Any) -> Relay | None:
        """``self.outbox`` is the relay (``None`` when it runs elsewhere): nothing to call,
        events are written by use cases."""
        return self.relay

    def worker_setup(self, worker_ctx: Any) -> None:
        reset_written()  # nameko runs setup, the method and teardown in one green thread

    def worker_teardown(self, worker_ctx: Any) -> None:
        """Wake the relay when the worker wrote events (its transaction is committed by now)."""
        if written() and self.relay is not None:
            self.relay.wake()
        reset_written()
