"""No NIK in what a failure leaves behind: a dead letter's error headers and the log lines.

Services mask NIKs in their own exception messages; any sixteen-digit number left is masked
here as well, before it travels in a header or a log line.
"""

from __future__ import annotations

import json

from sipmas.nik import scrub

__all__ = ["MAX_ERROR_MESSAGE", "error_description", "scrub"]

MAX_ERROR_MESSAGE = 1000


def error_description(error: BaseException) -> tuple[str, str]:
    """An error's qualified class name and its scrubbed message, at most
    :data:`MAX_ERROR_MESSAGE` characters (a marshmallow error's field messages as JSON)."""
    kind = type(error)
    message = getattr(error, "messages", None) or str(error)
    if not isinstance(message, str):
        message = json.dumps(message, default=str, sort_keys=True)
    return f"{kind.__module__}.{kind.__qualname__}", scrub(message)[:MAX_ERROR_MESSAGE]
