"""RPC refusals as answers: bad input, an unknown thing or a forbidden move comes back to the
caller as one readable error shape, instead of a remote exception with a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError

Describe = Callable[[Exception], dict[str, Any]]


def refusing(describe: Describe, *kinds: type[Exception]) -> Callable[[Callable], Callable]:
    """A decorator that answers ``describe(error)`` for a ValidationError or any of ``kinds``."""
    caught = (ValidationError, *kinds)

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except caught as error:
                return describe(error)

        return wrapper

    return decorate


def invalid(error: ValidationError) -> dict[str, Any]:
    """marshmallow's field errors, keyed by field name (nested: ``{"photos": {"2": ...}}``)."""
    return {"error": "invalid", "fields": error.messages}
