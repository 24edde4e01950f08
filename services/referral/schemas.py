"""What the referral service's RPC accepts. Errors name the field."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from services.referral.domain import sla
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


class Area(_Strict):
    kecamatan_codes = fields.List(fields.String(), load_default=list)
    desa_codes = fields.List(fields.String(), load_default=list)


def _opd_code():
    return fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(sorted(reference.opd_codes()))
    )


class OneReferral(_Strict):
    """Which view of a referral, for whom: an agency (``opd_code``) or an area (``scope``)."""

    view = fields.String(load_default="staff", validate=validate.OneOf(("staff", "opd")))
    opd_code = _opd_code()
    scope = fields.Nested(Area, load_default=None, allow_none=True)


class AgencyReferrals(_Strict):
    """An agency's inbox: its referrals in one tab."""

    opd_code = fields.String(required=True, validate=validate.OneOf(sorted(reference.opd_codes())))
    view = fields.String(load_default="staff", validate=validate.OneOf(("staff", "opd")))
    scope = fields.Nested(Area, load_default=None, allow_none=True)
    tab = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(sorted(sla.INBOX_TABS))
    )
