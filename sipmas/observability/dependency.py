"""``Observe``: the one line that gives a nameko service its health, logs and metrics.

::

    class ReferralService:
        name = "referral"
        observe = Observe()

- every worker's log lines carry the service and the correlation id of what it handles
  (:func:`.context.correlation_of`), and the id goes on with the RPC calls the worker makes;
- the service's outbox lag, dead letters and health are measured when ``/metrics`` is scraped,
  and answered on ``/health``, on the process's one endpoint (:func:`.metrics.serve`);
- ``self.observe.correlation_id`` is the id of the current work, e.g. for an HTTP response.

Events handled and failed are counted by :mod:`sipmas.messaging` itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider

from sipmas.messaging.consumer import Consumes
from sipmas.messaging.topology import dead_queue
from sipmas.observability import context, metrics
from sipmas.observability.health import Probe


@dataclass(frozen=True)
class Observation:
    """What a service method sees as ``self.observe``."""

    service: str
    correlation_id: str | None


class Observe(DependencyProvider):
    """Correlation ids in logs, gauges on scrape, the process's metrics endpoint."""

    def __init__(self, gauges: Iterable[metrics.ServiceGauge] = ()) -> None:
        self._bound: dict[int, Any] = {}
        self.gauges = tuple(gauges)  # measured on each scrape, beside the common ones

    def setup(self) -> None:
        service = self.container.service_name
        context.register_service(service)
        metrics.GAUGES.watch(
            Probe(
                service,
                self.container.config.get(AMQP_URI_CONFIG_KEY),
                queues=self.dead_letter_queues,
                pooled=True,
                gauges=self.gauges,
            )
        )

    def start(self) -> None:
        metrics.serve()

    def stop(self) -> None:
        self._forget()

    def kill(self) -> None:
        self._forget()

    def _forget(self) -> None:
        service = self.container.service_name
        metrics.GAUGES.unwatch(service)
        context.unregister_service(service)
        if not metrics.GAUGES.probes():
            metrics.stop_serving()

    def dead_letter_queues(self) -> list[str]:
        """The dead-letter queues of this service's ``consumes`` handlers, as they run."""
        return sorted(
            dead_queue(entrypoint.queue.name)
            for entrypoint in self.container.entrypoints
            if isinstance(entrypoint, Consumes) and getattr(entrypoint, "queue", None)
        )

    def get_dependency(self, worker_ctx: Any) -> Observation:
        """Called before ``worker_setup``: the id is decided here, once (a request without
        one gets a new id, which its log lines and its response must share)."""
        correlation = context.correlation_of(worker_ctx)
        if correlation is not None:
            worker_ctx.data["correlation_id"] = correlation  # goes on with its RPC calls
        return Observation(self.container.service_name, correlation)

    def worker_setup(self, worker_ctx: Any) -> None:
        correlation = worker_ctx.data.get("correlation_id")
        self._bound[id(worker_ctx)] = context.bind(self.container.service_name, correlation)

    def worker_teardown(self, worker_ctx: Any) -> None:
        tokens = self._bound.pop(id(worker_ctx), None)
        if tokens is not None:
            context.unbind(tokens)
