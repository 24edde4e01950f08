"""No NIK in what a failure leaves behind: a dead letter's error headers and the log lines.

Services mask NIKs in their own exception messages; any sixteen-digit number left is masked
here as well, before it travels in a header or a log line.
"""

from __future__ import annotations

import json
import re

from sipmas import nik

MAX_ERROR_MESSAGE = 1000
# sixteen digits on their own; not inside a hex token (a request id, a uuid's hex: 1 in 100 holds
# sixteen digits in a row, and masking them would cut the id the logs are correlated by)
_SIXTEEN_DIGITS = re.compile(r"(?<![0-9a-f])\d{16}(?![0-9a-f])")


def scrub(text: str) -> str:
    """Mask anything that looks like a NIK: a dead letter's error must not carry one."""
    return _SIXTEEN_DIGITS.sub(lambda match: nik.mask(match.group()), text)


def error_description(error: BaseException) -> tuple[str, str]:
    """An error's qualified class name and its scrubbed message, at most
    :data:`MAX_ERROR_MESSAGE` characters (a marshmallow error's field messages as JSON)."""
    kind = type(error)
    message = getattr(error, "messages", None) or str(error)
    if not isinstance(message, str):
        message = json.dumps(message, default=str, sort_keys=True)
    return f"{kind.__module__}.{kind.__qualname__}", scrub(message)[:MAX_ERROR_MESSAGE]
