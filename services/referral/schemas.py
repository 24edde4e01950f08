"""What the referral service's RPC accepts. Errors name the field."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from sipmas import events, reference


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class StatusUpdate(_Strict):
    """A status change through the gateway: by an agency's staff (``opd_code`` = their agency)
    or by Dinsos staff (``opd_code`` None)."""

    status = fields.String(required=True, validate=validate.OneOf(events.OPD_STATUSES))
    actor = fields.String(required=True, validate=validate.Length(min=1))
    opd_code = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(sorted(reference.opd_codes()))
    )
    evidence_ref = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True)
    update_id = fields.UUID(load_default=None, allow_none=True)


class RoutingTableChange(_Strict):
    csv = fields.String(required=True, validate=validate.Length(min=1))
    actor = fields.String(required=True, validate=validate.Length(min=1))
    note = fields.String(load_default=None, allow_none=True)


class Cancel(_Strict):
    actor = fields.String(required=True, validate=validate.Length(min=1))
    reason = fields.String(required=True, validate=validate.Length(min=1))
