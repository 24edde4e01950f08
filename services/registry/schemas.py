"""Marshmallow schemas of the registry's RPC: what callers may send. Row rules (NIK, desa, ...)
are the import checks, applied to Pemda entries too (``use_cases/registration.register``)."""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates

from services.registry.domain import lifecycle
from services.registry.domain.scope import AreaScope
from services.registry.domain.sources import FORMATS
from services.registry.use_cases import figures
from sipmas import reference
from sipmas.events import LIFECYCLE_STATUSES, SOURCES, WELFARE_CLASSES

TEXT = {"allow_none": True, "validate": validate.Length(max=200)}


IDS_LIMIT = 1000  # households named by id in one search


class SearchCriteria(Schema):
    class Meta:
        unknown = EXCLUDE

    nik = fields.String(validate=validate.Regexp(r"^[0-9]{16}$"))
    no_kk = fields.String(validate=validate.Regexp(r"^[0-9]{16}$"))
    name = fields.String(validate=validate.Length(min=3, max=100))
    desa_code = fields.String()
    kecamatan_code = fields.String()
    status = fields.String(validate=validate.OneOf(LIFECYCLE_STATUSES))
    pmks = fields.String()
    desil = fields.Integer(validate=validate.Range(1, 10))
    rt = fields.String(validate=validate.Regexp(r"^[0-9]{1,3}$"))
    rw = fields.String(validate=validate.Regexp(r"^[0-9]{1,3}$"))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 100))
    ids = fields.List(
        fields.Integer(),
        validate=validate.Length(min=1, max=IDS_LIMIT),
        metadata={"description": "these households only (e.g. those of a referral list)"},
    )


class MemberEntry(Schema):
    """One member as an operator enters it (texts as on the KK; the import checks read them)."""

    nik = fields.String(required=True, validate=validate.Length(max=32))
    nama = fields.String(required=True, validate=validate.Length(min=1, max=200))
    no_kk = fields.String(**TEXT)
    jenis_kelamin = fields.String(**TEXT)
    tanggal_lahir = fields.String(**TEXT)
    hubungan = fields.String(**TEXT)
    status_kawin = fields.String(**TEXT)
    pendidikan = fields.String(**TEXT)
    pekerjaan = fields.String(**TEXT)
    disabilitas = fields.String(**TEXT)
    penyakit_kronis = fields.String(**TEXT)
    pmks = fields.String(**TEXT)
    kode_desa = fields.String(**TEXT)
    alamat = fields.String(**TEXT)
    rt = fields.String(**TEXT)
    rw = fields.String(**TEXT)
    dusun = fields.String(**TEXT)
    desil = fields.String(**TEXT)


class RegisterHousehold(Schema):
    members = fields.List(
        fields.Nested(MemberEntry), required=True, validate=validate.Length(min=1, max=30)
    )
    actor = fields.String(required=True)


class UpdateHousehold(Schema):
    """Household-level values an operator may correct; each change keeps who and when."""

    alamat = fields.String(**TEXT)
    rt = fields.String(**TEXT)
    rw = fields.String(**TEXT)
    dusun = fields.String(**TEXT)
    desil = fields.Integer(allow_none=True, validate=validate.Range(1, 10))
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))


class Transition(Schema):
    action = fields.String(
        required=True, validate=validate.OneOf(sorted(lifecycle.OPERATOR_ACTIONS))
    )
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))
    actor = fields.String(required=True)


def _codes(choices) -> fields.List:
    return fields.List(fields.String(validate=validate.OneOf(sorted(choices))))


class CountsFilter(Schema):
    """Which households count; every part given must hold."""

    class Meta:
        unknown = RAISE

    extreme_poor = fields.Boolean()  # see ``reports`` for the definition
    verified = fields.Boolean()  # has a verification verdict (by ``at``)
    status = _codes(LIFECYCLE_STATUSES)
    welfare_class = _codes(WELFARE_CLASSES)
    source = _codes(SOURCES)  # came from any of these
    pmks = _codes(reference.pmks_codes())  # a member in any of these categories
    kecamatan = fields.List(fields.String(validate=validate.Length(max=20)))
    desa = fields.List(fields.String(validate=validate.Length(max=20)))


class CountsRequest(Schema):
    """``household_counts``: group by any of ``figures.GROUPS``, filter, at the end of a day,
    within the caller's area; ``zeros`` lists every combination, also those with none."""

    class Meta:
        unknown = RAISE

    group_by = fields.List(
        fields.String(validate=validate.OneOf(figures.GROUPS)),
        load_default=list,
        validate=validate.Length(max=len(figures.GROUPS)),
    )
    filter = fields.Nested(CountsFilter, load_default=dict)
    at = fields.Date(allow_none=True, load_default=None)
    zeros = fields.Boolean(load_default=False)
    scope = fields.Nested(AreaScope, allow_none=True, load_default=None)

    @validates("group_by")
    def _once_each(self, value: list[str], **_) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("setiap pengelompokan sekali / each grouping once")


class StartImport(Schema):
    """``start_import``: a file the registry's host can read, its source and who imports it."""

    source = fields.String(required=True, validate=validate.OneOf(sorted(FORMATS)))
    path = fields.String(required=True, validate=validate.Length(min=1, max=4096))
    actor = fields.String(required=True, validate=validate.Length(min=1, max=200))
    report_path = fields.String(allow_none=True, load_default=None)


class BeginImport(Schema):
    """``begin_import``: a file the registry's host can read, its source, who imports it and the
    name its uploader gave it."""

    source = fields.String(required=True, validate=validate.OneOf(sorted(FORMATS)))
    path = fields.String(required=True, validate=validate.Length(min=1, max=4096))
    actor = fields.String(required=True, validate=validate.Length(min=1, max=200))
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))


class ImportPage(Schema):
    """A page of an import's row report."""

    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
