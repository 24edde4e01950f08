"""What the notifications service's RPC accepts. Errors name the field."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.notifications.channels.sms import normalise_phone
from sipmas import reference

ROLES = ("verifier", "supervisor", "operator", "admin")
LOG_KINDS = ("household", "agency", "event")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _phone(value: str | None) -> None:
    if value and normalise_phone(value) is None:
        raise ValidationError("not an Indonesian mobile number / bukan nomor HP Indonesia")


class AgencyContact(_Strict):
    """Only the fields given change; ``null`` clears one."""

    email = fields.Email(allow_none=True)
    phone = fields.String(allow_none=True, validate=_phone)
    webhook_url = fields.Url(allow_none=True, schemes={"http", "https"}, require_tld=False)
    webhook_secret = fields.String(allow_none=True, validate=validate.Length(min=16))


class StaffContact(_Strict):
    id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name = fields.String(required=True, validate=validate.Length(min=1))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    email = fields.Email(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True, validate=_phone)
    desa_codes = fields.List(
        fields.String(validate=validate.OneOf(sorted(reference.desa_by_code()))),
        load_default=list,
    )
    kecamatan_codes = fields.List(
        fields.String(validate=validate.OneOf(sorted(reference.kecamatan_by_code()))),
        load_default=list,
    )
    active = fields.Boolean(load_default=True)


class HouseholdContact(_Strict):
    household_id = fields.Integer(required=True, strict=True)
    phone = fields.String(required=True, allow_none=True, validate=_phone)
    sms_consent = fields.Boolean(required=True)
    consent_source = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _consent_needs_phone(self, data, **_kwargs) -> None:
        if data["sms_consent"] and not data.get("phone"):
            raise ValidationError(
                "consent to SMS needs a phone / persetujuan SMS perlu nomor HP", "phone"
            )


class DeliveryLog(_Strict):
    kind = fields.String(required=True, validate=validate.OneOf(LOG_KINDS))
    key = fields.Raw(required=True)
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
