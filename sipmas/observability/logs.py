"""Log lines a machine can read and a family's NIK never appears in.

:class:`JsonFormatter` writes one JSON object per line: ``time`` (UTC, ISO 8601), ``level``,
``logger``, ``message``, ``service``, ``correlation_id`` (of the event or request being
handled, see :mod:`.context`) and, for an error, ``exception`` (its type, message and stack).
The whole line is scrubbed after it is built, so a NIK (or No. KK) is masked wherever it came
from: the message, its arguments, an exception's text, a header a caller sent.

``config.yaml`` makes it the services' format; ``SIPMAS_LOG_FORMAT=plain`` gives the
human-readable line instead (scrubbed all the same), which ``make run`` chooses when its output
is a terminal (``scripts/log-format``).
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from typing import Any

from sipmas import settings
from sipmas.nik import scrub
from sipmas.observability import context

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(service)s%(name)s %(message)s"
MAX_MESSAGE = 10_000  # a runaway message must not make a line no collector accepts


class JsonFormatter(logging.Formatter):
    """One JSON object per record, NIKs masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage()[:MAX_MESSAGE],
            "service": context.current_service(),
            "correlation_id": context.correlation_id.get(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = describe_exception(record.exc_info)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return scrub(json.dumps(entry, ensure_ascii=False, default=str))


class PlainFormatter(logging.Formatter):
    """The human-readable line (``SIPMAS_LOG_FORMAT=plain``), NIKs masked just the same."""

    def format(self, record: logging.LogRecord) -> str:
        service = context.current_service()
        correlation = context.correlation_id.get()
        record.service = (
            f"[{service}{' ' + correlation[:8] if correlation else ''}] " if service else ""
        )
        return scrub(super().format(record))


def describe_exception(exc_info: tuple) -> dict[str, str]:
    """An error's type, message and stack; the caller scrubs the line they end up in."""
    kind, error, tb = exc_info
    return {
        "type": f"{kind.__module__}.{kind.__qualname__}",
        "message": str(error)[:MAX_MESSAGE],
        "stack": "".join(traceback.format_tb(tb)) if tb is not None else "",
    }


def formatter(kind: str | None = None) -> logging.Formatter:
    """The formatter for ``logging.config`` (``()``-factory): ``json`` unless ``plain``."""
    chosen = (kind or settings.env("SIPMAS_LOG_FORMAT", "json")).strip().lower()
    if chosen == "plain":
        return PlainFormatter(PLAIN_FORMAT)
    return JsonFormatter()
