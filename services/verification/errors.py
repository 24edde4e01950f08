"""Refusals of the verification service: bad input naming its field, and unknown things."""

from __future__ import annotations

from typing import Any


class Invalid(Exception):
    """Input that breaks a rule; ``errors`` maps each offending field to its messages."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__(errors)
        self.errors = errors


class NotFound(Exception):
    """An unknown task, household, visit or staff member."""

    def __init__(self, kind: str, key: object):
        super().__init__(kind, key)
        self.kind = kind
        self.key = key

    def __str__(self) -> str:
        return f"{self.kind} {self.key} not found / {self.kind} {self.key} tidak ditemukan"


class Refused(Exception):
    """A person may not do this (maker-checker, not their task); ``code`` names the rule."""

    def __init__(self, code: str, message: str):
        super().__init__(code, message)
        self.code = code
        self.message = message
