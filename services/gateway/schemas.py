"""What the HTTP API takes and gives: marshmallow schemas, the source of ``/openapi.json``.

Requests are checked here first (422 naming each field) and again by the service that owns the
data. Response schemas describe what the endpoints answer (with NIKs masked); they admit fields
they do not name, so a service adding one does not break a client.
"""

from __future__ import annotations

from datetime import date

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.gateway.use_cases.uploads import MAX_PHOTOS
from services.verification.domain.lifecycle import STATES as TASK_STATES
from services.verification.domain.questionnaire import PHOTO_KINDS, VISIT_OUTCOMES, Answers
from sipmas import events, evidence, reference

SOURCES = ("dtks", "dtsen", "p3ke", "pmks")  # file imports (Pemda data is entered)
TEXT = {"allow_none": True, "validate": validate.Length(max=200)}
NIK16 = validate.Regexp(r"^[0-9]{16}$", error="16 digits / 16 angka")


class _Request(Schema):
    class Meta:
        unknown = RAISE


class _Response(Schema):
    class Meta:
        unknown = INCLUDE


def _text(**kwargs) -> fields.String:
    return fields.String(allow_none=True, **kwargs)


def _int(**kwargs) -> fields.Integer:
    return fields.Integer(allow_none=True, **kwargs)


class CommaList(fields.List):
    """A list in a query string: repeated (``?x=a&x=b``) or comma-separated (``?x=a,b``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        items = value if isinstance(value, list) else [value]
        parts = [p.strip() for item in items for p in str(item).split(",") if p.strip()]
        return super()._deserialize(parts, attr, data, **kwargs)


# --- errors and the little endpoints ------------------------------------------------------------


class Message(_Response):
    id = fields.String(required=True, metadata={"description": "Bahasa Indonesia"})
    en = fields.String(required=True, metadata={"description": "English"})


class ErrorBody(_Response):
    code = fields.String(required=True, metadata={"example": "not_found"})
    message = fields.Nested(Message, required=True)
    fields_ = fields.Dict(
        data_key="fields",
        required=True,
        metadata={"description": "field (or row) → messages; empty when none"},
    )
    request_id = fields.String(required=True)


class Error(_Response):
    """Every error of the API, whatever its status."""

    error = fields.Nested(ErrorBody, required=True)


class Health(_Response):
    status = fields.String(required=True, metadata={"example": "ok"})
    database = fields.String(required=True, metadata={"example": "ok"})


class Me(_Response):
    username = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(events.USER_ROLES))
    kecamatan_codes = fields.List(fields.String(), required=True)
    desa_codes = fields.List(fields.String(), required=True)
    opd_code = _text(required=True)
    area = fields.Dict(
        allow_none=True,
        required=True,
        metadata={"description": "the area the caller sees; null = the whole district"},
    )


# --- households ---------------------------------------------------------------------------------


class HouseholdQuery(_Request):
    """Search: every criterion given must hold; only households of the caller's area come."""

    nik = fields.String(validate=NIK16, metadata={"description": "a member's NIK"})
    no_kk = fields.String(validate=NIK16, metadata={"description": "the family card (No. KK)"})
    name = fields.String(
        validate=validate.Length(min=3, max=100),
        metadata={"description": "a member's name, tolerant of spelling"},
    )
    desa_code = fields.String(validate=validate.Length(max=20))
    kecamatan_code = fields.String(validate=validate.Length(max=20))
    status = fields.String(validate=validate.OneOf(events.LIFECYCLE_STATUSES))
    pmks = fields.String(validate=validate.OneOf(sorted(reference.pmks_codes())))
    desil = fields.Integer(validate=validate.Range(1, 10))
    rt = fields.String(validate=validate.Regexp(r"^[0-9]{1,3}$"), metadata={"description": "RT"})
    rw = fields.String(validate=validate.Regexp(r"^[0-9]{1,3}$"), metadata={"description": "RW"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 100))


class MemberEntry(_Request):
    """One member as the family card (KK) says; the import's row checks apply."""

    nik = fields.String(required=True, validate=validate.Length(max=32))
    nama = fields.String(required=True, validate=validate.Length(min=1, max=200))
    no_kk = _text(validate=validate.Length(max=200))
    jenis_kelamin = _text(validate=validate.Length(max=200), metadata={"example": "P"})
    tanggal_lahir = _text(validate=validate.Length(max=200), metadata={"example": "17-08-1985"})
    hubungan = _text(validate=validate.Length(max=200), metadata={"example": "Kepala Keluarga"})
    status_kawin = _text(validate=validate.Length(max=200))
    pendidikan = _text(validate=validate.Length(max=200))
    pekerjaan = _text(validate=validate.Length(max=200))
    disabilitas = _text(validate=validate.Length(max=200))
    penyakit_kronis = _text(validate=validate.Length(max=200))
    pmks = _text(validate=validate.Length(max=200))
    kode_desa = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "the desa (code or name)", "example": "64.08.04.2001"},
    )
    alamat = _text(validate=validate.Length(max=200))
    rt = _text(validate=validate.Length(max=200))
    rw = _text(validate=validate.Length(max=200))
    dusun = _text(validate=validate.Length(max=200))
    desil = _text(validate=validate.Length(max=200))


class RegisterHousehold(_Request):
    """A Pemda household: its members as rows (refused whole, naming member and field)."""

    members = fields.List(
        fields.Nested(MemberEntry), required=True, validate=validate.Length(min=1, max=30)
    )


class UpdateHousehold(_Request):
    """Household-level values an operator may correct; each change keeps who and when."""

    alamat = _text(validate=validate.Length(max=200))
    rt = _text(validate=validate.Length(max=200))
    rw = _text(validate=validate.Length(max=200))
    dusun = _text(validate=validate.Length(max=200))
    desil = _int(validate=validate.Range(1, 10))
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))

    @validates_schema
    def _something(self, data, **_kwargs) -> None:
        if not data:
            raise ValidationError("nothing to change / tidak ada perubahan", "body")


class HouseholdSummary(_Response):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    kecamatan_code = _text()
    desa_code = _text()
    desil = _int()
    sources = fields.List(fields.String(), allow_none=True)
    members = fields.Integer()
    head_name = _text()
    head_nik = _text(metadata={"description": "masked: 6408********0003"})
    rt = _text()
    rw = _text()
    alamat = _text()
    welfare_class = _text()


class HouseholdList(_Response):
    households = fields.List(fields.Nested(HouseholdSummary), required=True)


class Address(_Response):
    kecamatan_code = _text()
    desa_code = _text()
    alamat = _text()
    rt = _text()
    rw = _text()
    dusun = _text()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)


class Member(_Response):
    nik = fields.String(required=True, metadata={"description": "masked: 6408********0003"})
    nama = _text()
    jenis_kelamin = _text()
    tanggal_lahir = _text()
    hubungan = _text()
    status_kawin = _text()
    pmks = fields.List(fields.String(), allow_none=True)
    attributes = fields.Dict(allow_none=True)
    no_kk = _text()
    kk_since = _text()
    provenance = fields.Dict(metadata={"description": "field → source, batch, row, time"})


class TimelineEntry(_Response):
    at = fields.String(required=True)
    action = fields.String(required=True)
    from_status = _text()
    to_status = fields.String(required=True)
    actor = _text()
    reason = _text()
    cause_event_id = _text()
    welfare_class = _text()


class Household(_Response):
    id = fields.Integer(required=True)
    correlation_id = fields.String()
    no_kk = _text(metadata={"description": "masked"})
    status = fields.String(required=True)
    welfare_class = _text()
    verified_at = _text()
    address = fields.Nested(Address)
    desil = _int()
    indicators = fields.Dict(allow_none=True)
    sources = fields.List(fields.String(), allow_none=True)
    provenance = fields.Dict()
    members = fields.List(fields.Nested(Member))
    conflicts = fields.List(fields.Dict())
    timeline = fields.List(fields.Nested(TimelineEntry))


class Timeline(_Response):
    household_id = fields.Integer(required=True)
    timeline = fields.List(fields.Nested(TimelineEntry), required=True)


class Registered(_Response):
    household_ids = fields.List(fields.Integer(), required=True)
    batch_id = fields.Integer()
    imported = fields.Integer()
    merged = fields.Integer()


class Updated(_Response):
    household_id = fields.Integer(required=True)
    changed_fields = fields.List(fields.String(), required=True)


# --- imports ------------------------------------------------------------------------------------


class ImportSource(_Request):
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))


class ImportForm(ImportSource):
    """``multipart/form-data``: the export and the source it came from."""

    file = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "CSV (UTF-8 or Windows-1252; comma, semicolon, tab) or XLSX, "
            "judged by its content; at most SIPMAS_GATEWAY_MAX_IMPORT_MB (50) MB",
        },
    )


class ImportListQuery(_Request):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class ImportBatch(_Response):
    id = fields.Integer(required=True)
    source = _text()
    filename = _text()
    status = _text()
    actor = _text()
    started_at = _text()
    finished_at = _text()
    rows_read = _int()
    imported = _int()
    merged = _int()
    unchanged = _int()
    rejected = _int()
    households_registered = _int()
    duplicate_of = _int()


class ImportList(_Response):
    imports = fields.List(fields.Nested(ImportBatch), required=True)


class Upload(_Response):
    filename = _text()
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    content_type = fields.String(required=True)


class Imported(_Response):
    batch_id = fields.Integer(required=True)
    status = _text()
    duplicate_of = _int()
    rows_read = _int()
    imported = _int()
    merged = _int()
    unchanged = _int()
    rejected = _int()
    households_registered = _int()
    households_merged = _int()
    file_warnings = fields.Raw(allow_none=True)
    report = fields.Dict(metadata={"description": "problems in short, per code"})
    upload = fields.Nested(Upload)


class ProblemRow(_Response):
    baris = fields.Integer(required=True, metadata={"description": "spreadsheet row (header 1)"})
    kolom = fields.String()
    kode = fields.String(required=True)
    tingkat = fields.String(metadata={"description": "error | warning"})
    nilai = fields.String(metadata={"description": "the value (NIKs masked)"})
    alasan = fields.String()
    reason = fields.String()


class ImportReport(_Response):
    batch_id = fields.Integer(required=True)
    problems = fields.List(fields.Nested(ProblemRow), required=True)


# --- verification -------------------------------------------------------------------------------


class TaskQuery(_Request):
    state = CommaList(
        fields.String(validate=validate.OneOf(TASK_STATES)),
        metadata={"description": "states to list (default: the open work)"},
    )
    assignee = fields.String(
        validate=validate.Length(max=64), metadata={"description": "a verifier"}
    )
    kecamatan_code = fields.String(validate=validate.Length(max=20))
    overdue = fields.Boolean(load_default=False, metadata={"description": "past their due date"})


class TaskHousehold(_Response):
    household_id = fields.Integer(required=True)
    head_name = _text()
    kecamatan_code = _text()
    desa_code = _text()
    rt = _text()
    rw = _text()
    alamat = _text()
    member_count = _int()


class Task(_Response):
    task_id = fields.Integer(required=True)
    state = fields.String(required=True)
    reason = _text()
    assignee = _text()
    second_assignee = _text()
    due_at = _text()
    overdue = fields.Boolean(metadata={"description": "past its due date, still to be visited"})
    flag_count = fields.Integer(metadata={"description": "flags raised on its visits"})
    submitted_at = _text()
    household = fields.Nested(TaskHousehold, required=True)


class TaskList(_Response):
    tasks = fields.List(fields.Nested(Task), required=True)


class PhotoEntry(_Request):
    """One photo of the visit: ``file`` names its part in the multipart body."""

    file = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(PHOTO_KINDS))
    captured_at = fields.AwareDateTime(load_default=None, allow_none=True)
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))


class VisitForm(_Request):
    """The ``visit`` part (JSON) of a visit's multipart body; photos are the other parts."""

    client_key = fields.String(
        required=True,
        validate=validate.Length(min=8, max=100),
        metadata={"description": "unique per visit: a retry with the same key is applied once"},
    )
    outcome = fields.String(required=True, validate=validate.OneOf(VISIT_OUTCOMES))
    started_at = fields.AwareDateTime(required=True)
    ended_at = fields.AwareDateTime(required=True)
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    answers = fields.Nested(
        Answers,
        load_default=None,
        allow_none=True,
        metadata={"description": "the questionnaire, when the household was found"},
    )
    photos = fields.List(
        fields.Nested(PhotoEntry), load_default=list, validate=validate.Length(max=MAX_PHOTOS)
    )


class Flag(_Response):
    code = fields.String(required=True)
    detail = fields.Raw(allow_none=True, metadata={"description": "what was found, in English"})
    detail_id = _text(metadata={"description": "the same in Bahasa Indonesia"})


class StoredPhoto(_Response):
    file = fields.String(required=True)
    kind = fields.String(required=True)
    sha256 = fields.String(required=True)


class VisitResult(_Response):
    visit_id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    household_id = fields.Integer(required=True)
    outcome = fields.String(required=True)
    welfare_class = _text()
    decision = fields.Dict(allow_none=True)
    flags = fields.List(fields.Nested(Flag))
    duplicate = fields.Boolean()
    photos = fields.List(fields.Nested(StoredPhoto))


class Approve(_Request):
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    flags_reviewed = fields.Boolean(
        load_default=False,
        metadata={"description": "the supervisor reviewed the visit's flags (maker-checker)"},
    )


class ReturnVisit(_Request):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class Reject(_Request):
    reasons = fields.List(
        fields.String(validate=validate.Length(min=1, max=500)),
        required=True,
        validate=validate.Length(min=1, max=20),
    )
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class Decision(_Response):
    decision_id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    visit_id = _int()
    household_id = fields.Integer(required=True)
    outcome = fields.String(required=True)
    welfare_class = _text()
    needs = fields.List(fields.Raw())
    deprivations = fields.List(fields.Raw())
    rule_set_version = fields.Raw(allow_none=True)
    reasons = fields.List(fields.Raw())
    graduated = fields.Boolean()
    flags_reviewed = fields.Boolean()
    decided_by = _text()
    note = _text()
    decided_at = _text()


# --- referrals ----------------------------------------------------------------------------------


class ReferralQuery(_Request):
    opd_code = fields.String(
        validate=validate.OneOf(sorted(reference.opd_codes())),
        metadata={"description": "the agency (Dinsos staff); an agency's user sees its own"},
    )
    overdue = fields.Boolean(load_default=False, metadata={"description": "overdue ones only"})
    state = fields.String(
        validate=validate.OneOf(("new", "accepted", "in_progress", "overdue", "closed")),
        metadata={"description": "an inbox tab (default: every open referral)"},
    )


class OpdHousehold(_Response):
    household_id = fields.Integer()
    kecamatan_code = _text()
    desa_code = _text()
    rt = _text()
    rw = _text()
    alamat = _text()
    head_name = _text()
    member_count = _int()


class OpdPerson(_Response):
    name = _text()
    nik = _text(metadata={"description": "masked"})
    age = _int()
    sex = _text()
    relation = _text()


class Referral(_Response):
    """A referral: Dinsos staff see the referral, an agency what its referral messages carry
    (``sipmas.events.OpdReferral``: the household's address and the persons concerned)."""

    referral_id = fields.Integer(required=True)
    case_id = fields.Integer()
    opd_code = fields.String()
    need = fields.String()
    programme = _text()
    rule_id = _text()
    state = fields.String(metadata={"description": "staff view"})
    status = fields.String(metadata={"description": "agency view"})
    welfare_class = _text()
    reasons = fields.List(fields.Raw())
    household_id = fields.Integer(metadata={"description": "staff view"})
    household = fields.Nested(
        OpdHousehold,
        allow_none=True,
        metadata={
            "description": "agency view; in the staff list too, from the registry (null for a "
            "household outside the caller's area)"
        },
    )
    persons = fields.List(fields.Nested(OpdPerson), metadata={"description": "agency view"})
    receive_by = _text()
    complete_by = _text()
    evidence_ref = _text()
    reason = _text()
    note = _text()
    routing_version = fields.Raw(allow_none=True)
    rerouted_from = _int()
    overdue = fields.Boolean()
    escalated = fields.List(fields.String())


class ReferralList(_Response):
    opd_code = fields.String(required=True)
    referrals = fields.List(fields.Nested(Referral), required=True)


class StatusUpdate(_Request):
    """An agency's answer: JSON, or ``multipart/form-data`` with these as form fields and the
    evidence file (JPEG, PNG or PDF, at most 10 MB) as ``evidence``."""

    status = fields.String(required=True, validate=validate.OneOf(events.OPD_STATUSES))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    update_id = fields.UUID(
        load_default=None,
        allow_none=True,
        metadata={"description": "your id of this update: the same id twice is applied once"},
    )
    evidence_ref = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(evidence.SHA256),
        metadata={"description": "SHA-256 of evidence already stored (instead of a file)"},
    )


class StatusUpdateForm(StatusUpdate):
    evidence = fields.Raw(
        metadata={"type": "string", "format": "binary", "description": "JPEG, PNG or PDF"}
    )


class StatusResult(_Response):
    outcome = fields.String(required=True, metadata={"description": "applied | no_change"})
    referral_id = fields.Integer(required=True)
    state = fields.String(required=True)
    evidence_ref = _text()


# --- notifications ------------------------------------------------------------------------------


class DeliveryQuery(_Request):
    household_id = fields.Integer(validate=validate.Range(1, 2**31 - 1))
    opd_code = fields.String(validate=validate.OneOf(sorted(reference.opd_codes())))
    event_id = fields.UUID()
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class Delivery(_Response):
    delivery_id = fields.Integer(required=True)
    event_id = fields.String()
    event_type = fields.String()
    recipient_kind = _text()
    recipient_id = _text()
    channel = fields.String()
    address = _text(metadata={"description": "masked"})
    state = fields.String()
    attempts = _int()
    reason = _text()
    template_version = fields.Raw(allow_none=True)
    created_at = _text()
    sent_at = _text()
    next_attempt_at = _text()
    log = fields.List(fields.Dict())


class DeliveryList(_Response):
    deliveries = fields.List(fields.Nested(Delivery), required=True)


# --- reports ------------------------------------------------------------------------------------

GROUPS = ("kecamatan", "desa", "status", "welfare_class", "pmks", "source")


class ReportQuery(_Request):
    """Counts of households of the caller's area, grouped, filtered, at the end of a day."""

    group_by = CommaList(
        fields.String(validate=validate.OneOf(GROUPS)),
        load_default=list,
        validate=validate.Length(max=len(GROUPS)),
        metadata={"description": "e.g. desa,status"},
    )
    at = fields.Date(
        load_default=None,
        validate=validate.Range(date(2000, 1, 1), date(2100, 12, 31)),
        metadata={"description": "as the register stood at the end of this day (WITA)"},
    )
    zeros = fields.Boolean(load_default=False, metadata={"description": "list empty groups"})
    extreme_poor = fields.Boolean(metadata={"description": "only the extreme poor"})
    verified = fields.Boolean()
    status = CommaList(fields.String(validate=validate.OneOf(events.LIFECYCLE_STATUSES)))
    welfare_class = CommaList(fields.String(validate=validate.OneOf(events.WELFARE_CLASSES)))
    source = CommaList(fields.String(validate=validate.OneOf(events.SOURCES)))
    pmks = CommaList(fields.String(validate=validate.OneOf(sorted(reference.pmks_codes()))))
    kecamatan = CommaList(fields.String(validate=validate.Length(max=20)))
    desa = CommaList(fields.String(validate=validate.Length(max=20)))
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))

    @validates_schema
    def _once_each(self, data, **_kwargs) -> None:
        group_by = data.get("group_by") or []
        if len(set(group_by)) != len(group_by):
            raise ValidationError("each grouping once / setiap pengelompokan sekali", "group_by")


class Report(_Response):
    at = _text()
    group_by = fields.List(fields.String(), required=True)
    filter = fields.Dict(required=True)
    total = fields.Integer(required=True)
    rows = fields.List(
        fields.Dict(),
        required=True,
        metadata={"description": "the group's values (kecamatan/desa with names) and count"},
    )


# --- the web application's pages (reference, story, field desk, agencies, imports) --------------


class PhotoQuery(_Request):
    size = fields.String(
        load_default="full",
        validate=validate.OneOf(("thumb", "full")),
        metadata={"description": "thumb: a small JPEG (320 px); full: the photo as stored"},
    )


class ConflictQuery(_Request):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class ResolveConflict(_Request):
    value = fields.String(required=True, validate=validate.Length(max=500))


class ChooseVerifier(_Request):
    verifier = fields.String(required=True, validate=validate.Length(min=1, max=64))


class TaskReportQuery(_Request):
    group_by = fields.String(
        load_default="kecamatan", validate=validate.OneOf(("assignee", "kecamatan"))
    )


class RoutingTableProposal(_Request):
    csv = fields.String(required=True, validate=validate.Length(min=1, max=1_000_000))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ImportPageQuery(_Request):
    problems_offset = fields.Integer(load_default=0, validate=validate.Range(0, 10_000_000))
    problems_limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))


class LabelledCode(_Response):
    code = fields.String(required=True)
    label_id = fields.String(required=True)
    label_en = fields.String(required=True)


class AreaDesa(_Response):
    code = fields.String(required=True)
    name = fields.String(required=True)
    jenis = fields.String(required=True)


class AreaKecamatan(_Response):
    code = fields.String(required=True)
    name = fields.String(required=True)
    desa = fields.List(fields.Nested(AreaDesa), required=True)


class Areas(_Response):
    kecamatan = fields.List(fields.Nested(AreaKecamatan), required=True)


class Agency(_Response):
    code = fields.String(required=True)
    name = fields.String(required=True)
    abbreviation = _text()


class Agencies(_Response):
    opd = fields.List(fields.Nested(Agency), required=True)


class PmksCategory(_Response):
    code = fields.String(required=True)
    name = fields.String(required=True)
    english = fields.String(required=True)


class PmksCategories(_Response):
    pmks = fields.List(fields.Nested(PmksCategory), required=True)


class Question(_Response):
    name = fields.String(required=True)
    label_id = fields.String(required=True)
    label_en = fields.String(required=True)
    type = fields.String(
        required=True, metadata={"description": "choice multi int number bool text"}
    )
    required = fields.Boolean(required=True)
    choices = fields.List(fields.Nested(LabelledCode), required=True)
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)


class PhotoKind(LabelledCode):
    required = fields.Boolean(required=True)


class Questionnaire(_Response):
    fields_ = fields.List(fields.Nested(Question), required=True, data_key="fields")
    outcomes = fields.List(fields.Nested(LabelledCode), required=True)
    photo_kinds = fields.List(fields.Nested(PhotoKind), required=True)
    reject_reasons = fields.List(fields.Nested(Message), required=True)
    deprivations = fields.List(
        fields.Nested(LabelledCode),
        required=True,
        metadata={"description": "what the current rule set may find lacking, in words"},
    )


class StoryEntry(_Response):
    at = _text()
    kind = fields.String(
        required=True,
        metadata={
            "description": "imported status task visit decision case referral "
            "referral_status case_resolved reverification"
        },
    )
    actor = _text()
    detail = fields.Dict(required=True)


class Story(_Response):
    household_id = fields.Integer(required=True)
    entries = fields.List(fields.Nested(StoryEntry), required=True)


class DashboardQuery(_Request):
    """The two days the dashboard compares (``a`` before ``b``; today at the latest)."""

    a = fields.Date(
        required=True,
        validate=validate.Range(date(2000, 1, 1), date(2100, 12, 31)),
        metadata={"description": "the earlier day (YYYY-MM-DD)"},
    )
    b = fields.Date(
        required=True,
        validate=validate.Range(date(2000, 1, 1), date(2100, 12, 31)),
        metadata={"description": "the later day: today is the registry as it stands"},
    )

    @validates_schema
    def _in_order(self, data, **_kwargs) -> None:
        if data.get("a") and data.get("b") and data["a"] > data["b"]:
            raise ValidationError("must not be after b / tidak boleh sesudah b", "a")


class DashboardRow(_Response):
    kecamatan = _text()
    kecamatan_name = _text()
    desa = fields.String(required=True)
    desa_name = _text()
    total = fields.Integer(required=True)
    poor = fields.Integer(required=True, metadata={"description": "miskin or sangat_miskin"})
    extreme = fields.Integer(required=True, metadata={"description": "extreme poor"})


class DashboardDay(_Response):
    at = fields.String(required=True)
    total = fields.Integer(required=True)
    poor = fields.Integer(required=True)
    extreme = fields.Integer(required=True)
    rows = fields.List(fields.Nested(DashboardRow), required=True)


class Dashboard(_Response):
    a = fields.Nested(DashboardDay, required=True)
    b = fields.Nested(DashboardDay, required=True)


class Conflicts(_Response):
    conflicts = fields.List(fields.Dict(), required=True)


class ConflictResolved(_Response):
    conflict_id = fields.Integer(required=True)
    household_id = fields.Integer(required=True)
    field = fields.String(required=True)
    value = _text()


class TaskDetail(Task):
    visits = fields.List(fields.Dict(), required=True)
    transitions = fields.List(fields.Dict(), required=True)
    decisions = fields.List(fields.Dict(), required=True)
    registry = fields.Dict(allow_none=True, metadata={"description": "the household as held"})


class Assigned(_Response):
    task_id = fields.Integer(required=True)


class Verifier(_Response):
    username = fields.String(required=True)
    name = _text()
    kecamatan_codes = fields.List(fields.String())
    desa_codes = fields.List(fields.String())
    open_tasks = fields.Integer(required=True)


class Verifiers(_Response):
    verifiers = fields.List(fields.Nested(Verifier), required=True)


class TaskCountRow(_Response):
    key = _text()
    name = _text()
    states = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    overdue = fields.Integer(required=True)


class TaskCounts(_Response):
    rows = fields.List(fields.Nested(TaskCountRow), required=True)


class VerificationCounts(_Response):
    rows = fields.List(fields.Dict(), required=True)


class ReferralCounts(_Response):
    rows = fields.List(fields.Dict(), required=True)
    overdue = fields.List(fields.Dict(), required=True)


class RoutingTable(_Response):
    version = fields.Integer(required=True)
    csv = fields.String(required=True)
    rules = fields.List(fields.Dict(), required=True)
    versions = fields.List(fields.Dict(), required=True)


class RoutingTableInstalled(_Response):
    version = fields.Integer(required=True)
    rules = fields.Integer(required=True)
    loaded_by = fields.String(required=True)


class ImportStarted(_Response):
    batch_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "running"})
    upload = fields.Nested(Upload, required=True)


class ImportProgress(_Response):
    stage = fields.String(required=True)
    rows_done = fields.Integer(required=True)
    rows_total = fields.Integer(allow_none=True)


class ImportStatus(ImportReport):
    source = _text()
    filename = _text()
    status = fields.String(
        required=True, metadata={"description": "running completed duplicate failed"}
    )
    progress = fields.Nested(ImportProgress, allow_none=True)
    summary = fields.Dict(allow_none=True)
    problems_total = fields.Integer(required=True)
    error = fields.Nested(Message, allow_none=True)


# --- people's sessions and user administration --------------------------------------------------

PASSWORD = validate.Length(max=1024)


class SignIn(_Request):
    username = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, validate=PASSWORD)
    totp = fields.String(
        allow_none=True,
        validate=validate.Length(max=16),
        metadata={"description": "the 6-digit code, when TOTP is on (else 401 totp_required)"},
    )


class SessionUser(Me):
    name = fields.String(required=True)
    totp_enabled = fields.Boolean(required=True)


class Session(_Response):
    """A person's session in the browser (the cookie itself is HttpOnly, never in a body)."""

    user = fields.Nested(SessionUser, required=True)
    csrf_token = fields.String(
        required=True, metadata={"description": "send as X-CSRF-Token with POST/PATCH/PUT/DELETE"}
    )
    must_change_password = fields.Boolean(required=True)
    totp_setup_required = fields.Boolean(required=True)
    idle_timeout_seconds = fields.Integer(required=True)
    expires_at = fields.DateTime(required=True)


class ChangePassword(_Request):
    current_password = fields.String(required=True, validate=PASSWORD)
    new_password = fields.String(required=True, validate=PASSWORD)


class TotpBegin(_Request):
    """No fields: ``{}`` or no body."""


class TotpCode(_Request):
    code = fields.String(required=True, validate=validate.Length(max=16))


class TotpEnrolment(_Response):
    secret = fields.String(required=True, metadata={"description": "base32, shown once"})
    otpauth_uri = fields.String(required=True, metadata={"example": "otpauth://totp/..."})


class UserQuery(_Request):
    role = fields.String(validate=validate.OneOf(events.USER_ROLES))
    active = fields.Boolean()


class _UserFields(_Request):
    name = fields.String(validate=validate.Length(max=200), allow_none=True)
    role = fields.String(validate=validate.OneOf(events.USER_ROLES))
    kecamatan_codes = fields.List(fields.String(validate=validate.Length(max=20)))
    desa_codes = fields.List(fields.String(validate=validate.Length(max=20)))
    opd_code = fields.String(validate=validate.Length(max=50), allow_none=True)
    email = fields.String(validate=validate.Length(max=200), allow_none=True)
    phone = fields.String(validate=validate.Length(max=50), allow_none=True)


class NewUser(_UserFields):
    username = fields.String(required=True, validate=validate.Length(max=64))
    role = fields.String(required=True, validate=validate.OneOf(events.USER_ROLES))


class UserChanges(_UserFields):
    active = fields.Boolean(metadata={"description": "false: no more access (sessions, tokens)"})


class UserRow(_Response):
    username = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    kecamatan_codes = fields.List(fields.String(), required=True)
    desa_codes = fields.List(fields.String(), required=True)
    opd_code = _text(required=True)
    email = _text(required=True)
    phone = _text(required=True)
    active = fields.Boolean(required=True)
    totp_enabled = fields.Boolean(required=True)
    must_change_password = fields.Boolean(required=True)
    locked_until = fields.DateTime(
        allow_none=True, required=True, metadata={"description": "sign-in locked until then"}
    )


class UserList(_Response):
    users = fields.List(fields.Nested(UserRow), required=True)


class UserCreated(_Response):
    user = fields.Nested(UserRow, required=True)
    temporary_password = fields.String(
        required=True, metadata={"description": "shown once; changed at the first sign-in"}
    )


class TemporaryPassword(_Response):
    temporary_password = fields.String(required=True)


class TokenRequest(_Request):
    days = fields.Integer(validate=validate.Range(1, 730), allow_none=True)
    label = fields.String(validate=validate.Length(max=200), allow_none=True)


class TokenRow(_Response):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    label = _text()
    state = fields.String(required=True, validate=validate.OneOf(["live", "expired", "revoked"]))
    revoked = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)


class TokenList(_Response):
    tokens = fields.List(fields.Nested(TokenRow), required=True)


class IssuedToken(_Response):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    token = fields.String(required=True, metadata={"description": "sipmas_..., shown once"})
    label = _text()
    expires_at = fields.DateTime(required=True)


class Revoked(_Response):
    revoked = fields.Integer(required=True, metadata={"description": "how many were revoked"})


# --- end of people's sessions and user administration -------------------------------------------


# --- the field app's sync (``endpoints/sync.py``) -------------------------------------------------


class SyncCredentialIssued(_Response):
    expires_at = fields.DateTime(required=True)
    days = fields.Float(required=True, metadata={"description": "how long it lasts unused"})


class FieldKey(_Response):
    key_id = fields.String(required=True)
    algorithm = fields.String(required=True, metadata={"description": "RSA-OAEP-256"})
    spki = fields.String(
        required=True, metadata={"description": "base64 SubjectPublicKeyInfo (Web Crypto)"}
    )


class FieldMember(_Response):
    name = _text()
    relation = _text()
    sex = _text()
    age = _int()


class FieldHousehold(_Response):
    household_id = fields.Integer(required=True)
    head_name = _text()
    alamat = _text()
    rt = _text()
    rw = _text()
    desa_code = _text()
    desa_name = _text()
    kecamatan_code = _text()
    kecamatan_name = _text()
    members = fields.List(fields.Nested(FieldMember), required=True)


class EarlierPhoto(_Response):
    sha256 = fields.String(required=True)
    kind = fields.String(required=True)
    captured_at = _text()


class FieldTask(_Response):
    task_id = fields.Integer(required=True)
    state = fields.String(required=True)
    reason = _text()
    due_at = _text()
    second_visit = fields.Boolean(
        required=True, metadata={"description": "a second verifier's visit of a flagged task"}
    )
    household = fields.Nested(FieldHousehold, required=True)
    earlier_photos = fields.List(fields.Nested(EarlierPhoto), required=True)


class FieldTasks(_Response):
    verifier = fields.String(required=True)
    server_time = fields.DateTime(required=True)
    tasks = fields.List(fields.Nested(FieldTask), required=True)
    questionnaire = fields.Dict(required=True, metadata={"description": "the form to fill"})
    key = fields.Nested(FieldKey, required=True)
    wipe_after_days = fields.Float(
        required=True,
        metadata={"description": "days without a sync before the app clears what it sent"},
    )


class UploadStored(_Response):
    sha256 = fields.String(required=True)
    stored = fields.String(required=True, validate=validate.OneOf(["new", "already"]))


class SyncPhoto(_Request):
    """One photo of a synced visit, uploaded before it (``PUT /sync/uploads/{sha256}``)."""

    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    kind = fields.String(required=True, validate=validate.OneOf(PHOTO_KINDS))
    captured_at = fields.AwareDateTime(load_default=None, allow_none=True)
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    exif_time = fields.AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "the photo's own EXIF"}
    )
    exif_latitude = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(-90, 90)
    )
    exif_longitude = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(-180, 180)
    )


class SealedNik(_Request):
    """The NIK typed from the card at the door, encrypted on the phone (``GET /sync/key``)."""

    key_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    ciphertext = fields.String(required=True, validate=validate.Length(min=16, max=2048))


class SyncVisit(_Request):
    """A visit the field app kept while offline, sent once its photos are on the server."""

    visit_id = fields.String(
        required=True,
        validate=validate.Length(min=8, max=100),
        metadata={"description": "made on the phone: a resend is answered with what was kept"},
    )
    task_id = fields.Integer(required=True, validate=validate.Range(min=1))
    outcome = fields.String(required=True, validate=validate.OneOf(VISIT_OUTCOMES))
    started_at = fields.AwareDateTime(required=True)
    ended_at = fields.AwareDateTime(required=True)
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    answers = fields.Nested(Answers, load_default=None, allow_none=True)
    photos = fields.List(
        fields.Nested(SyncPhoto), load_default=list, validate=validate.Length(max=MAX_PHOTOS)
    )
    device_clock = fields.AwareDateTime(
        required=True, metadata={"description": "the phone's clock when it sends"}
    )
    nik = fields.Nested(SealedNik, load_default=None, allow_none=True)


class SyncVisitResult(_Response):
    visit_id = fields.String(required=True, metadata={"description": "the phone's id"})
    server_visit_id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(["recorded", "late"]),
        metadata={"description": "late: the task moved on while the phone was offline"},
    )
    late_reason = _text()
    message = fields.Dict(
        allow_none=True, metadata={"description": "why it is late, {id, en}, for the verifier"}
    )
    duplicate = fields.Boolean(required=True, metadata={"description": "sent before"})
    received_at = _text()
