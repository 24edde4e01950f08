"""Prometheus metrics: counters kept as events are handled, gauges measured when scraped.

Counters (kept by :mod:`sipmas.messaging`, whether or not anything serves them):

- ``sipmas_events_handled_total{service,event_type}``: events a handler finished;
- ``sipmas_events_failed_total{service,event_type,outcome}``: failed attempts, ``outcome``
  ``retry`` (sent round the retry queue) or ``dead`` (dead-lettered: out of attempts, or a
  message no retry can fix).

Gauges, measured at scrape time by :class:`ServiceGauges` through the services' health probes
(each bounded by ``SIPMAS_HEALTH_TIMEOUT_SECONDS``), so they are true even for an outbox a
separate relay drains or a queue another replica consumes:

- ``sipmas_outbox_unpublished{service}``, ``sipmas_outbox_lag_seconds{service}``;
- ``sipmas_dead_letters{queue}``;
- the gauges a service adds of its own (``Observe(gauges=[ServiceGauge(...)])``), such as
  ``sipmas_referrals_overdue{opd_code}`` (the referral service's);
- ``sipmas_health_ok{service,check}``: 1 when the check passes, 0 when not.

:func:`serve` starts one HTTP endpoint per process (``SIPMAS_METRICS_PORT``, default 9100,
``0`` for none; ``SIPMAS_METRICS_ADDRESS``, default ``0.0.0.0``) with ``/metrics`` and
``/health`` (this process's services: 200 when all are well, 503 when not — the probe for one
pod). Several services in one process (``make run``) share it. Its threads are green
under nameko's eventlet, so a scrape waits on the network without stopping the services.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import REGISTRY, Counter, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from sipmas import settings
from sipmas.observability.health import Probe

log = logging.getLogger(__name__)

EVENTS_HANDLED = Counter(
    "sipmas_events_handled", "Events a handler finished", ["service", "event_type"]
)
EVENTS_FAILED = Counter(
    "sipmas_events_failed",
    "Failed attempts at handling an event: retry (sent round again) or dead (dead-lettered)",
    ["service", "event_type", "outcome"],
)


def event_handled(service: str, event_type: str) -> None:
    EVENTS_HANDLED.labels(service, event_type).inc()


def event_failed(service: str, event_type: str, outcome: str) -> None:
    EVENTS_FAILED.labels(service, event_type, outcome).inc()


def metrics_port() -> int:
    return int(settings.env("SIPMAS_METRICS_PORT", "9100"))


def metrics_address() -> str:
    return settings.env("SIPMAS_METRICS_ADDRESS", "0.0.0.0")


# --- gauges measured when scraped ---------------------------------------------------------------


@dataclass(frozen=True)
class ServiceGauge:
    """A gauge one service adds, measured on each scrape: ``measure(probe)`` gives a value per
    label value (the probe's database engine is the service's own, bounded by its timeout)."""

    name: str
    documentation: str
    label: str
    measure: Callable[[Probe], dict[str, int]]


class ServiceGauges(Collector):
    """What the probes of the services watched in this process find, on each scrape."""

    def __init__(self) -> None:
        self._probes: dict[str, Probe] = {}
        self._lock = threading.Lock()

    def watch(self, probe: Probe) -> None:
        with self._lock:
            previous = self._probes.pop(probe.service, None)
            self._probes[probe.service] = probe
        if previous is not None:
            previous.close()

    def unwatch(self, service: str) -> None:
        with self._lock:
            probe = self._probes.pop(service, None)
        if probe is not None:
            probe.close()

    def probes(self) -> list[Probe]:
        with self._lock:
            return list(self._probes.values())

    def describe(self) -> list[GaugeMetricFamily]:
        """The families without samples: registering must not query anything."""
        return list(self._families().values())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families = self._families()
        for probe in self.probes():
            result = probe.check(alive=False)
            checks = result["checks"]
            for name, found in checks.items():
                if found.get("ok") is not None and name != "dead_letters":
                    families["ok"].add_metric([probe.service, name], 1 if found["ok"] else 0)
            outbox = checks.get("outbox", {})
            if "unpublished" in outbox:
                families["unpublished"].add_metric([probe.service], outbox["unpublished"])
                families["lag"].add_metric([probe.service], outbox["lag_seconds"])
            for queue, depth in checks.get("dead_letters", {}).get("queues", {}).items():
                families["dead"].add_metric([queue], depth)
            if checks["database"]["ok"]:
                for gauge in probe.gauges:
                    self._service_gauge(probe, gauge, families[gauge.name])
        yield from families.values()

    @staticmethod
    def _service_gauge(probe: Probe, gauge: ServiceGauge, family: GaugeMetricFamily) -> None:
        try:
            values = gauge.measure(probe)
        except Exception as error:  # a scrape reports what it could measure
            log.warning("%s gauges of %s not measured: %s", family.name, probe.service, error)
            return
        for label, value in sorted(values.items()):
            family.add_metric([label], value)

    def _families(self) -> dict[str, GaugeMetricFamily]:
        families = {
            "unpublished": GaugeMetricFamily(
                "sipmas_outbox_unpublished", "Outbox rows not yet published", labels=["service"]
            ),
            "lag": GaugeMetricFamily(
                "sipmas_outbox_lag_seconds",
                "Age of the oldest unpublished outbox row (0 when none)",
                labels=["service"],
            ),
            "dead": GaugeMetricFamily(
                "sipmas_dead_letters", "Messages in a dead-letter queue", labels=["queue"]
            ),
            "ok": GaugeMetricFamily(
                "sipmas_health_ok", "1 when the health check passes", labels=["service", "check"]
            ),
        }
        for probe in self.probes():
            for gauge in probe.gauges:
                families[gauge.name] = GaugeMetricFamily(
                    gauge.name, gauge.documentation, labels=[gauge.label]
                )
        return families


GAUGES = ServiceGauges()
REGISTRY.register(GAUGES)


# --- the endpoint -------------------------------------------------------------------------------


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        """Every scrape in the log would drown the lines that matter."""


_metrics_app = make_wsgi_app(REGISTRY)


def app(environ: dict[str, Any], start_response: Callable) -> list[bytes]:
    """``/metrics`` for Prometheus, ``/health`` for a probe of this process."""
    if environ.get("PATH_INFO") == "/health":
        services = {probe.service: probe.check(alive=False) for probe in GAUGES.probes()}
        healthy = all(result["healthy"] for result in services.values())
        body = json.dumps({"healthy": healthy, "services": services}).encode()
        status = "200 OK" if healthy else "503 Service Unavailable"
        start_response(status, [("Content-Type", "application/json")])
        return [body]
    return _metrics_app(environ, start_response)


_serving: tuple[WSGIServer, threading.Thread] | None = None
_serve_lock = threading.Lock()
_tried = False


def serve(port: int | None = None, address: str | None = None) -> int | None:
    """Start this process's endpoint, once; its port, or None when disabled or not started.

    A port already taken is logged and the services run on without metrics: observing must
    never be why a service is down.
    """
    global _serving, _tried
    with _serve_lock:
        if _serving is not None:
            return _serving[0].server_port
        if _tried:
            return None
        _tried = True
        port = metrics_port() if port is None else port
        if port == 0:
            return None
        address = address or metrics_address()
        try:
            server = make_server(address, port, app, _Server, handler_class=_QuietHandler)
        except OSError as error:
            log.warning("metrics not served on %s:%d: %s", address, port, error)
            return None
        thread = threading.Thread(target=server.serve_forever, name="sipmas-metrics", daemon=True)
        thread.start()
        _serving = (server, thread)
        log.info("metrics on http://%s:%d/metrics, health on /health", address, port)
        return server.server_port


def stop_serving() -> None:
    """Stop the endpoint (tests, and a process that stops its last service)."""
    global _serving, _tried
    with _serve_lock:
        if _serving is not None:
            server, thread = _serving
            server.shutdown()
            server.server_close()
            thread.join(5)
        _serving, _tried = None, False
