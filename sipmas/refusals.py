"""RPC refusals as answers: bad input, an unknown thing or a forbidden move comes back to the
caller as one readable error shape, instead of a remote exception with a traceback.

Every service raises these three (or marshmallow's ValidationError) from its use cases; its
entrypoints are wrapped with :func:`refusing`, which answers::

    {"error": "invalid", "fields": {...}}            # ValidationError, Invalid
    {"error": "not_found", "message": "..."}          # NotFound
    {"error": "refused", "code": "...", "message": "...", "fields": {...}}   # Refused
    {"error": "illegal_transition", "message": "..."} # a state machine's refusal (``kinds``)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError


class Invalid(Exception):
    """Input that breaks a rule; ``errors`` maps each offending field (or row) to messages."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__(errors)
        self.errors = errors


class NotFound(Exception):
    """An unknown household, task, referral, contact, ..."""

    def __init__(self, kind: str, key: object):
        super().__init__(kind, key)
        self.kind = kind
        self.key = key

    def __str__(self) -> str:
        return f"{self.kind} {self.key} not found / {self.kind} {self.key} tidak ditemukan"


class Refused(Exception):
    """A move a rule forbids (maker-checker, not your task, another agency's referral);
    ``code`` names the rule, ``message`` says it in Indonesian and English."""

    def __init__(self, code: str, message: str = "", fields: dict[str, Any] | None = None):
        super().__init__(code, message, fields)
        self.code = code
        self.message = message
        self.fields = fields or {}


def describe(error: Exception) -> dict[str, Any]:
    """The answer for one refusal."""
    if isinstance(error, ValidationError):
        return invalid(error)
    if isinstance(error, Invalid):
        return {"error": "invalid", "fields": error.errors}
    if isinstance(error, NotFound):
        return {"error": "not_found", "message": str(error)}
    if isinstance(error, Refused):
        answer = {"error": "refused", "code": error.code, "message": error.message}
        return answer | ({"fields": error.fields} if error.fields else {})
    return {"error": "illegal_transition", "message": str(error)}


def refusing(
    *kinds: type[Exception], describe: Callable = describe
) -> Callable[[Callable], Callable]:
    """A decorator that answers ``describe(error)`` for the refusals above and ``kinds``."""
    caught = (ValidationError, Invalid, NotFound, Refused, *kinds)

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
