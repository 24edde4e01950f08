"""The event contract: the envelope every event travels in and one schema per event type.

Producers build events with :func:`envelope` (the data is validated before it is written to the
outbox); consumers check what arrives with :func:`validate`. A NIK never travels in these events:
households are named by their registry id and their case by ``correlation_id``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from sipmas import reference

WELFARE_CLASSES = ("sangat_miskin", "miskin", "rentan_miskin", "tidak_miskin")
SOURCES = ("dtks", "dtsen", "p3ke", "pmks", "pemda")
LIFECYCLE_STATUSES = (
    "registered",
    "awaiting_verification",
    "verified_eligible",
    "not_eligible",
    "referred",
    "in_intervention",
    "graduated",
    "closed",
)


class Envelope(Schema):
    """What every event carries around its ``data``."""

    class Meta:
        unknown = EXCLUDE

    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True)
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    producer = fields.String(required=True)
    correlation_id = fields.UUID(required=True)
    data = fields.Dict(required=True)


class _Data(Schema):
    class Meta:
        unknown = EXCLUDE  # a newer producer may add fields; old consumers keep working


def _codes(choices) -> validate.Validator:
    return validate.OneOf(sorted(choices))


def _desa():
    return fields.String(allow_none=True, validate=_codes(reference.desa_by_code()))


def _kecamatan():
    return fields.String(allow_none=True, validate=_codes(reference.kecamatan_by_code()))


# --- registry -----------------------------------------------------------------------------------


class HouseholdRegistered(_Data):
    """A household the registry did not know: what a verifier needs to find it, and no NIK."""

    household_id = fields.Integer(required=True)
    source = fields.String(required=True, validate=_codes(SOURCES))
    batch_id = fields.Integer(allow_none=True)
    kecamatan_code = _kecamatan()
    desa_code = _desa()
    rt = fields.String(allow_none=True)
    rw = fields.String(allow_none=True)
    alamat = fields.String(allow_none=True)
    head_name = fields.String(allow_none=True)
    member_count = fields.Integer(required=True)
    desil = fields.Integer(allow_none=True, validate=validate.Range(1, 10))
    pmks = fields.List(fields.String(validate=_codes(reference.pmks_codes())), load_default=list)
    latitude = fields.Float(allow_none=True, load_default=None)
    longitude = fields.Float(allow_none=True, load_default=None)


class HouseholdUpdated(_Data):
    household_id = fields.Integer(required=True)
    source = fields.String(required=True, validate=_codes(SOURCES))
    batch_id = fields.Integer(allow_none=True)
    changed_fields = fields.List(fields.String(), required=True)


class HouseholdMerged(_Data):
    """A source's record was matched to a known household; its differing values are conflicts."""

    household_id = fields.Integer(required=True)
    source = fields.String(required=True, validate=_codes(SOURCES))
    batch_id = fields.Integer(allow_none=True)
    matched_by = fields.String(required=True, validate=_codes(("nik", "no_kk")))
    new_members = fields.Integer(required=True)
    conflicts = fields.List(fields.String(), load_default=list)


class HouseholdStatusChanged(_Data):
    household_id = fields.Integer(required=True)
    from_status = fields.String(required=True, validate=_codes(LIFECYCLE_STATUSES))
    to_status = fields.String(required=True, validate=_codes(LIFECYCLE_STATUSES))
    action = fields.String(required=True)
    reason = fields.String(allow_none=True)
    actor = fields.String(required=True)
    cause_event_id = fields.UUID(allow_none=True)


class ImportCompleted(_Data):
    batch_id = fields.Integer(required=True)
    source = fields.String(required=True, validate=_codes(SOURCES))
    filename = fields.String(required=True)
    rows_read = fields.Integer(required=True)
    imported = fields.Integer(required=True)
    merged = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    rejected = fields.Integer(required=True)
    households_registered = fields.Integer(required=True)


# --- verification ------------------------------------------------------------------------------


class VerificationTaskCreated(_Data):
    household_id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    reason = fields.String(allow_none=True)
    desa_code = _desa()
    kecamatan_code = _kecamatan()
    assignee = fields.String(allow_none=True, load_default=None)
    due_at = fields.AwareDateTime(allow_none=True, load_default=None, default_timezone=UTC)


class VerificationSubmitted(_Data):
    """A verifier's visit is in; a supervisor decides next. No answers travel: only the result."""

    household_id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    visit_id = fields.Integer(required=True)
    verifier = fields.String(required=True)
    outcome = fields.String(required=True)
    welfare_class = fields.String(allow_none=True, validate=_codes(WELFARE_CLASSES))
    flags = fields.List(fields.String(), load_default=list)


class VerificationFlagged(_Data):
    """A visit the automatic checks doubt: it needs a second verifier or a supervisor."""

    household_id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    visit_id = fields.Integer(required=True)
    verifier = fields.String(required=True)
    flags = fields.List(fields.String(), required=True)
    desa_code = _desa()
    kecamatan_code = _kecamatan()


class Need(Schema):
    code = fields.String(required=True)
    reasons = fields.List(fields.String(), load_default=list)


class HouseholdVerified(_Data):
    household_id = fields.Integer(required=True)
    welfare_class = fields.String(required=True, validate=_codes(WELFARE_CLASSES))
    needs = fields.List(fields.Nested(Need), load_default=list)
    rule_set_version = fields.String(required=True)
    graduated = fields.Boolean(load_default=False)
    decision_id = fields.Integer(load_default=None, allow_none=True)
    task_id = fields.Integer(load_default=None, allow_none=True)
    deprivations = fields.List(fields.String(), load_default=list)
    evidence = fields.List(fields.String(), load_default=list)  # photo SHA-256 references
    desa_code = _desa()
    kecamatan_code = _kecamatan()
    member_count = fields.Integer(load_default=None, allow_none=True)
    pmks = fields.List(fields.String(), load_default=list)
    verified_by = fields.String(load_default=None, allow_none=True)
    approved_by = fields.String(load_default=None, allow_none=True)


class HouseholdRejected(_Data):
    household_id = fields.Integer(required=True)
    reasons = fields.List(fields.String(), required=True)
    decision_id = fields.Integer(load_default=None, allow_none=True)
    task_id = fields.Integer(load_default=None, allow_none=True)
    evidence = fields.List(fields.String(), load_default=list)
    rule_set_version = fields.String(load_default=None, allow_none=True)
    decided_by = fields.String(load_default=None, allow_none=True)


# --- referral (internal events on ``referral.events``) -----------------------------------------

REFERRAL_STATES = (
    "created",
    "sent",
    "received",
    "in_progress",
    "completed",
    "rejected",
    "rerouted",
    "closed",
    "cancelled",
)


def _opd():
    return fields.String(required=True, validate=_codes(reference.opd_codes()))


class CaseOpened(_Data):
    household_id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    decision_id = fields.Integer(load_default=None, allow_none=True)
    needs = fields.List(fields.String(), load_default=list)


class ReferralCreated(_Data):
    household_id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    referral_id = fields.Integer(required=True)
    opd_code = _opd()
    need = fields.String(required=True)
    programme = fields.String(required=True)
    rule_id = fields.String(required=True)
    routing_version = fields.Integer(required=True)


class ReferralStatusChanged(_Data):
    household_id = fields.Integer(required=True)
    referral_id = fields.Integer(required=True)
    opd_code = fields.String(required=True)
    from_status = fields.String(required=True)
    to_status = fields.String(required=True)
    case_id = fields.Integer(load_default=None, allow_none=True)
    actor = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)
    evidence_ref = fields.String(load_default=None, allow_none=True)


class ReferralEscalated(_Data):
    household_id = fields.Integer(required=True)
    referral_id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    opd_code = _opd()
    stage = fields.String(required=True, validate=_codes(("receive", "complete")))
    due_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    escalated_to = fields.List(fields.String(), required=True)


class CaseResolved(_Data):
    household_id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    outcomes = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


# --- the OPD integration contract (exchange ``sipmas.opd``; docs/asyncapi.yaml) ----------------
# Routing key ``referral.<opd_code>.<event>``; each message carries one referral of that agency
# and nothing of any other. Agencies answer on ``sipmas.opd.inbound`` with ``status.<opd_code>``.

OPD_EXCHANGE = "sipmas.opd"
OPD_INBOUND_EXCHANGE = "sipmas.opd.inbound"
OPD_EVENTS = ("created", "updated", "escalated", "cancelled", "refused")
OPD_STATUSES = ("accepted", "in_progress", "completed", "rejected")


class OpdHousehold(Schema):
    """Where to find the household: no NIK here."""

    household_id = fields.Integer(required=True)
    kecamatan_code = _kecamatan()
    desa_code = _desa()
    rt = fields.String(allow_none=True)
    rw = fields.String(allow_none=True)
    alamat = fields.String(allow_none=True)
    head_name = fields.String(allow_none=True)
    member_count = fields.Integer(allow_none=True)


class OpdPerson(Schema):
    """A member the referral concerns. ``nik`` only when the agency's programme needs it."""

    name = fields.String(allow_none=True)
    nik = fields.String(allow_none=True, load_default=None)
    age = fields.Integer(allow_none=True)
    sex = fields.String(allow_none=True, validate=_codes(("L", "P")))
    relation = fields.String(allow_none=True)


class OpdReferral(_Data):
    """``referral.<opd>.created`` / ``updated`` / ``escalated`` / ``cancelled``."""

    referral_id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    opd_code = _opd()
    status = fields.String(required=True, validate=_codes(REFERRAL_STATES))
    need = fields.String(required=True)
    programme = fields.String(required=True)
    rule_id = fields.String(required=True)
    welfare_class = fields.String(allow_none=True, validate=_codes(WELFARE_CLASSES))
    reasons = fields.List(fields.String(), load_default=list)
    household = fields.Nested(OpdHousehold, required=True)
    persons = fields.List(fields.Nested(OpdPerson), load_default=list)
    receive_by = fields.AwareDateTime(required=True, default_timezone=UTC)
    complete_by = fields.AwareDateTime(required=True, default_timezone=UTC)
    note = fields.String(allow_none=True, load_default=None)


class OpdUpdateRefused(_Data):
    """``referral.<opd>.refused``: an agency's status update that was not applied, and why."""

    opd_code = _opd()
    update_id = fields.String(allow_none=True)
    referral_id = fields.Integer(allow_none=True)
    code = fields.String(required=True)
    reason_id = fields.String(required=True)
    reason_en = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", load_default=dict)


class OpdStatusUpdate(Schema):
    """What an agency publishes on ``sipmas.opd.inbound`` with routing key ``status.<opd>``
    (plain JSON, no envelope; AMQP ``message_id`` = ``update_id``, ``user_id`` = its broker user).
    """

    class Meta:
        unknown = EXCLUDE

    update_id = fields.UUID(required=True)
    referral_id = fields.Integer(required=True, strict=True)
    status = fields.String(required=True, validate=_codes(OPD_STATUSES))
    evidence_ref = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True)
    occurred_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)


def opd_routing_key(opd_code: str, event: str) -> str:
    return f"referral.{opd_code}.{event}"


def opd_status_key(opd_code: str) -> str:
    return f"status.{opd_code}"


SCHEMAS: dict[str, tuple[str, int, type[Schema]]] = {
    # event_type: (producer, schema_version, data schema)
    "household_registered": ("registry", 1, HouseholdRegistered),
    "household_updated": ("registry", 1, HouseholdUpdated),
    "household_merged": ("registry", 1, HouseholdMerged),
    "household_status_changed": ("registry", 1, HouseholdStatusChanged),
    "import_completed": ("registry", 1, ImportCompleted),
    "verification_task_created": ("verification", 1, VerificationTaskCreated),
    "verification_submitted": ("verification", 1, VerificationSubmitted),
    "verification_flagged": ("verification", 1, VerificationFlagged),
    "household_verified": ("verification", 1, HouseholdVerified),
    "household_rejected": ("verification", 1, HouseholdRejected),
    "case_opened": ("referral", 1, CaseOpened),
    "referral_created": ("referral", 1, ReferralCreated),
    "referral_status_changed": ("referral", 1, ReferralStatusChanged),
    "referral_escalated": ("referral", 1, ReferralEscalated),
    "case_resolved": ("referral", 1, CaseResolved),
    # the OPD contract: published on sipmas.opd, not on referral.events
    "opd_referral_created": ("referral", 1, OpdReferral),
    "opd_referral_updated": ("referral", 1, OpdReferral),
    "opd_referral_escalated": ("referral", 1, OpdReferral),
    "opd_referral_cancelled": ("referral", 1, OpdReferral),
    "opd_update_refused": ("referral", 1, OpdUpdateRefused),
}


class UnknownEvent(ValidationError):
    pass


def exchange_of(producer: str) -> str:
    """nameko's event exchange of a service."""
    return f"{producer}.events"


def envelope(
    event_type: str,
    data: dict[str, Any],
    correlation_id: uuid.UUID | str | None = None,
    *,
    event_id: uuid.UUID | None = None,
    occurred_at: datetime | str | None = None,
) -> dict[str, Any]:
    """Build a validated event, ready to be written to the outbox (JSON-safe values)."""
    producer, version, schema_class = _schema(event_type)
    schema = instance(schema_class)
    return {
        "event_id": _uuid_text("event_id", event_id or uuid.uuid4()),
        "event_type": event_type,
        "schema_version": version,
        "occurred_at": _moment_text(occurred_at or datetime.now(UTC)),
        "producer": producer,
        "correlation_id": _uuid_text("correlation_id", correlation_id or uuid.uuid4()),
        "data": schema.dump(schema.load(data)),
    }


def _uuid_text(name: str, value: uuid.UUID | str) -> str:
    """What :class:`Envelope` makes of a UUID, without a schema pass (one per event is costly)."""
    try:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    except ValueError:
        raise ValidationError({name: ["Not a valid UUID."]}) from None


def _moment_text(value: datetime | str) -> str:
    """An aware ISO timestamp, naive ones taken as UTC (``Envelope.occurred_at``)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError({"occurred_at": ["Not a valid datetime."]}) from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def validate_event(body: dict[str, Any]) -> dict[str, Any]:
    """Check an arriving event against the envelope and its data schema; return it loaded.

    Raises :class:`marshmallow.ValidationError` naming the offending fields.
    """
    loaded = instance(Envelope).load(body)
    _, _, schema = _schema(loaded["event_type"])
    loaded["data"] = instance(schema).load(loaded["data"])
    return loaded


@cache
def instance(schema: type[Schema]) -> Schema:
    """One shared instance per schema class: building one deep-copies every field (and the
    validators' lists of codes), which cost more than the load itself. Instances keep no state
    between calls, so sharing them is safe."""
    return schema()


def _schema(event_type: str) -> tuple[str, int, type[Schema]]:
    try:
        return SCHEMAS[event_type]
    except KeyError:
        raise UnknownEvent({"event_type": [f"unknown event type {event_type!r}"]}) from None


# --- notifications (on ``notifications.events``): ids and outcomes, never a message or address --

NOTIFICATION_CHANNELS = ("email", "sms", "webhook")
RECIPIENT_KINDS = ("agency", "staff", "household")


class NotificationSent(_Data):
    delivery_id = fields.Integer(required=True)
    source_event_id = fields.UUID(required=True)
    source_event_type = fields.String(required=True)
    channel = fields.String(required=True, validate=_codes(NOTIFICATION_CHANNELS))
    recipient_kind = fields.String(required=True, validate=_codes(RECIPIENT_KINDS))
    recipient_id = fields.String(required=True)
    attempts = fields.Integer(required=True)


class NotificationFailed(NotificationSent):
    """A delivery dead-lettered: ``reason`` says why (a code and a short detail, no body)."""

    reason = fields.String(required=True)


SCHEMAS.update(
    {
        "notification_sent": ("notifications", 1, NotificationSent),
        "notification_failed": ("notifications", 1, NotificationFailed),
    }
)

# --- gateway (on ``gateway.events``): its users, as the other services need to know them -------

USER_ROLES = ("admin", "supervisor", "verifier", "operator", "opd", "viewer")


class UserRegistered(_Data):
    """A gateway user was created or changed (deactivated too: ``active`` false). The whole user
    travels, so a consumer keeps the latest by ``occurred_at``; never a password or a token."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True)
    role = fields.String(required=True, validate=_codes(USER_ROLES))
    kecamatan_codes = fields.List(
        fields.String(validate=_codes(reference.kecamatan_by_code())), load_default=list
    )
    desa_codes = fields.List(
        fields.String(validate=_codes(reference.desa_by_code())), load_default=list
    )
    opd_code = fields.String(
        allow_none=True, load_default=None, validate=_codes(reference.opd_codes())
    )
    email = fields.String(allow_none=True, load_default=None)
    phone = fields.String(allow_none=True, load_default=None)
    active = fields.Boolean(required=True)


SCHEMAS["user_registered"] = ("gateway", 1, UserRegistered)
