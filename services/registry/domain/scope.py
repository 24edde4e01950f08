"""Which households a caller may see and change: the area scope, checked again where the data
lives (the gateway checks it first, the registry never trusts that it did).

The gateway passes a user's area with every household RPC: ``None`` is the whole district (an
admin, or a supervisor or viewer with no area); otherwise ``{"kecamatan_codes": [...],
"desa_codes": [...]}``. A household is in scope when its desa is one of ``desa_codes`` or its
kecamatan one of ``kecamatan_codes``. An empty area (``{}``, or both lists empty) holds nothing:
a scope that says nothing never widens to everything. A malformed scope is refused, never read
as the whole district.

Out of scope answers exactly as an unknown household does, so an answer never tells a user that
a household exists outside their area. The rule is here twice, in one place: :meth:`Scope.admits`
for a row in hand, :func:`where` for SQL (searches and reports filter before any LIMIT).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate


class AreaScope(Schema):
    """The shape of a scope on the wire (the gateway's ``Principal.area_scope()``)."""

    class Meta:
        unknown = RAISE

    kecamatan_codes = fields.List(
        fields.String(validate=validate.Length(max=20)), load_default=list
    )
    desa_codes = fields.List(fields.String(validate=validate.Length(max=20)), load_default=list)


@dataclass(frozen=True)
class Scope:
    """An area: the kecamatan and desa a caller may see (the whole district is ``None``)."""

    kecamatan_codes: frozenset[str] = frozenset()
    desa_codes: frozenset[str] = frozenset()

    def admits(self, kecamatan_code: str | None, desa_code: str | None) -> bool:
        return desa_code in self.desa_codes or kecamatan_code in self.kecamatan_codes


def parse(raw: Mapping[str, Any] | None) -> Scope | None:
    """The scope an RPC was given; ``None`` stays the whole district. Anything that is not the
    agreed shape raises ``ValidationError`` naming the field ``scope``."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValidationError({"scope": ["harus objek / must be an object"]})
    try:
        clean = AreaScope().load(raw)
    except ValidationError as error:
        raise ValidationError({"scope": error.messages}) from error
    return Scope(frozenset(clean["kecamatan_codes"]), frozenset(clean["desa_codes"]))


def admits(scope: Scope | None, kecamatan_code: str | None, desa_code: str | None) -> bool:
    """Whether a household at this place is in ``scope``."""
    return scope is None or scope.admits(kecamatan_code, desa_code)


def where(scope: Scope | None, alias: str = "h") -> tuple[str, dict[str, list[str]]]:
    """The same rule as SQL over ``<alias>.desa_code`` and ``<alias>.kecamatan_code``: a
    condition for ``sa.text`` and its parameters. A NULL code is never in an area."""
    if scope is None:
        return "true", {}
    parts, values = [], {}
    if scope.desa_codes:  # only the half that can hold: an empty ANY spoils the planner's guess
        parts.append(f"{alias}.desa_code = ANY(CAST(:scope_desa AS text[]))")
        values["scope_desa"] = sorted(scope.desa_codes)
    if scope.kecamatan_codes:
        parts.append(f"{alias}.kecamatan_code = ANY(CAST(:scope_kecamatan AS text[]))")
        values["scope_kecamatan"] = sorted(scope.kecamatan_codes)
    return (f"({' OR '.join(parts)})" if parts else "false"), values
