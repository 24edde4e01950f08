"""What the verification service's RPC accepts. Errors name the field (``photos.2.kind``)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.verification.domain.lifecycle import STATES
from services.verification.domain.questionnaire import PHOTO_KINDS, VISIT_OUTCOMES, Answers
from sipmas import evidence, reference

ROLES = ("verifier", "supervisor", "operator", "admin")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class PhotoRef(_Strict):
    """A photo already in the evidence store, named by its SHA-256, with where and when."""

    sha256 = fields.String(required=True, validate=validate.Regexp(evidence.SHA256))
    kind = fields.String(required=True, validate=validate.OneOf(PHOTO_KINDS))
    captured_at = fields.AwareDateTime(load_default=None, allow_none=True)
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    # what the photo's own EXIF said, read on the phone before it compressed the photo
    exif_time = fields.AwareDateTime(load_default=None, allow_none=True)
    exif_latitude = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(-90, 90)
    )
    exif_longitude = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(-180, 180)
    )


# the NIK typed at the door against the registry's (the gateway compares, then forgets the NIK)
NIK_CHECKS = ("match", "mismatch", "absent", "unreadable")


class SubmitVisit(_Strict):
    task_id = fields.Integer(required=True)
    verifier = fields.String(required=True, validate=validate.Length(min=1))
    client_key = fields.String(required=True, validate=validate.Length(min=8, max=100))
    outcome = fields.String(required=True, validate=validate.OneOf(VISIT_OUTCOMES))
    started_at = fields.AwareDateTime(required=True)
    ended_at = fields.AwareDateTime(required=True)
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    answers = fields.Nested(Answers, load_default=None, allow_none=True)
    photos = fields.List(fields.Nested(PhotoRef), load_default=list)
    device_clock = fields.AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "the phone's clock at send"}
    )
    nik_check = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(NIK_CHECKS)
    )

    @validates_schema
    def _consistent(self, data, **_kwargs) -> None:
        if data["ended_at"] < data["started_at"]:
            raise ValidationError("ends before it starts / selesai sebelum mulai", "ended_at")
        if data["outcome"] == "found" and data.get("answers") is None:
            raise ValidationError(
                "a household found needs its answers / rumah tangga ditemukan: isi kuesioner",
                "answers",
            )
        if data["outcome"] != "found" and data.get("answers") is not None:
            raise ValidationError(
                f"no answers for a visit whose outcome is {data['outcome']!r}", "answers"
            )


class Decide(_Strict):
    actor = fields.String(required=True, validate=validate.Length(min=1))
    note = fields.String(load_default="")
    flags_reviewed = fields.Boolean(load_default=False)
    reasons = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)


class Staff(_Strict):
    id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name = fields.String(required=True, validate=validate.Length(min=1))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    desa_codes = fields.List(
        fields.String(validate=validate.OneOf(sorted(reference.desa_by_code()))),
        load_default=list,
    )
    kecamatan_codes = fields.List(
        fields.String(validate=validate.OneOf(sorted(reference.kecamatan_by_code()))),
        load_default=list,
    )
    active = fields.Boolean(load_default=True)


class Area(_Strict):
    """A user's area as the gateway passes it (``Principal.area_scope()``)."""

    kecamatan_codes = fields.List(fields.String(), load_default=list)
    desa_codes = fields.List(fields.String(), load_default=list)


class AreaTasks(_Strict):
    area = fields.Nested(Area, allow_none=True, data_key="scope")
    states = fields.List(fields.String(validate=validate.OneOf(STATES)), load_default=list)
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))


class AreaOnly(_Strict):
    area = fields.Nested(Area, allow_none=True, data_key="scope")


class TaskCounts(AreaOnly):
    group_by = fields.String(
        load_default="kecamatan", validate=validate.OneOf(("assignee", "kecamatan"))
    )
