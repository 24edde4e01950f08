"""What a log line says about the work it belongs to: the service and the correlation id.

Each nameko worker runs in a greenthread of its own, and a greenthread starts with an empty
``contextvars`` context, so a value set in ``worker_setup`` belongs to that worker alone and
holds until its teardown: the handler's own lines, nameko's error line, the retry or dead-letter
line of :mod:`sipmas.messaging` (written before the teardown) all carry it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from contextvars import ContextVar, Token
from typing import Any

CORRELATION_HEADERS = ("X-Correlation-Id", "X-Request-Id")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")  # a caller's id is kept only when it is tidy

correlation_id: ContextVar[str | None] = ContextVar("sipmas_correlation_id", default=None)
service: ContextVar[str | None] = ContextVar("sipmas_service", default=None)

_process_services: list[str] = []  # services running in this process, for lines outside workers


def register_service(name: str) -> None:
    if name not in _process_services:
        _process_services.append(name)


def unregister_service(name: str) -> None:
    if name in _process_services:
        _process_services.remove(name)


def current_service() -> str | None:
    """The service whose worker is running; outside a worker, the process's only service."""
    name = service.get()
    if name is None and len(_process_services) == 1:
        return _process_services[0]
    return name


def bind(service_name: str | None, correlation: str | None) -> tuple[Token, Token]:
    """Set both for the current greenthread; :func:`unbind` with what this returns."""
    return service.set(service_name), correlation_id.set(correlation)


def unbind(tokens: tuple[Token, Token]) -> None:
    service_token, correlation_token = tokens
    correlation_id.reset(correlation_token)
    service.reset(service_token)


def correlation_of(worker_ctx: Any) -> str | None:
    """The correlation id of the work a nameko worker does.

    An event's envelope names it; else the caller's context (nameko passes a worker's context
    data on to the RPC calls it makes, so the callee's lines carry the caller's id); else an HTTP
    request's ``X-Correlation-Id`` or ``X-Request-Id`` header, and a new id for a request that
    brought none. Timers and RPC calls without one have none.
    """
    first = worker_ctx.args[0] if worker_ctx.args else None
    if isinstance(first, Mapping) and first.get("correlation_id"):
        return tidy(first["correlation_id"])
    if worker_ctx.data.get("correlation_id"):
        return tidy(worker_ctx.data["correlation_id"])
    headers = getattr(first, "headers", None)
    if headers is not None and hasattr(first, "method"):  # a werkzeug Request
        for name in CORRELATION_HEADERS:
            if headers.get(name):
                return tidy(headers[name])
        return str(uuid.uuid4())
    return None


def tidy(value: Any) -> str:
    """The id as text, or a fresh one when a caller sent something that is not an id."""
    text = str(value).strip()
    return text if _SAFE_ID.match(text) else str(uuid.uuid4())
