"""What the registry refuses: an unknown household (or one outside the caller's area, told
exactly alike) and invalid input naming each field per row."""

from __future__ import annotations

from typing import Any

OUTSIDE = "di luar wilayah Anda / outside your area"


OUTSIDE_MEMBER = (
    "anggota terdaftar di rumah tangga di luar wilayah Anda / "
    "a member is registered in a household outside your area"
)


class NotFound(Exception):
    """No such household (the message never says more than the id)."""


class Invalid(Exception):
    """Input refused; ``errors`` maps field → messages (Indonesian / English), per row."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__("invalid input")
        self.errors = errors
