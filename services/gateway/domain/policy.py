"""Who may do what: THE authorisation table of the HTTP API, the scope each role sees, and what
of a person's data leaves the gateway.

- **Roles** (``ENDPOINTS``): each endpoint names the roles that may call it; any other role
  gets 403 before anything is read. ``PUBLIC`` endpoints need no token.
- **Scope**, checked here and again where the data lives (the registry, verification and
  referral take the caller's area or agency and refuse what lies outside it):
  an operator sees the households of their desa; a verifier the tasks assigned to them and the
  households of those tasks; a supervisor their area (or the district without one); an ``opd``
  user its agency's referrals only, with only the fields an agency's referral message carries
  (``sipmas.events.OpdReferral``); a viewer aggregates only; an admin everything. Something
  outside the caller's scope answers 404 exactly like something that does not exist.
- **No NIK leaves the gateway** (:func:`masked`): every response is masked
  (``6408********0003``), whatever service wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.gateway.domain import errors
from services.gateway.domain.users import Principal
from sipmas import events, nik

ADMIN, SUPERVISOR, VERIFIER, OPERATOR, OPD, VIEWER = (
    "admin",
    "supervisor",
    "verifier",
    "operator",
    "opd",
    "viewer",
)
ALL_ROLES = frozenset(events.USER_ROLES)
STAFF = frozenset({ADMIN, SUPERVISOR, OPERATOR})  # people who keep the register


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    person_data: bool  # every call is written to the audit log
    scope: str  # how the scope shows: item (404 outside) | list (filtered) | none


def _rule(roles: set[str], person_data: bool = True, scope: str = "item") -> Rule:
    return Rule(frozenset(roles), person_data, scope)


# endpoint → the roles that may call it. THE table: the matrix test walks it.
ENDPOINTS: dict[str, Rule] = {
    "me": _rule(set(ALL_ROLES), person_data=False, scope="none"),
    "households.search": _rule({ADMIN, SUPERVISOR, OPERATOR}, scope="list"),
    "households.register": _rule({ADMIN, SUPERVISOR, OPERATOR}),
    "households.get": _rule({ADMIN, SUPERVISOR, OPERATOR, VERIFIER}),
    "households.update": _rule({ADMIN, SUPERVISOR, OPERATOR}),
    "households.timeline": _rule({ADMIN, SUPERVISOR, OPERATOR, VERIFIER}),
    "imports.list": _rule({ADMIN, SUPERVISOR}, person_data=False, scope="none"),
    "imports.create": _rule({ADMIN, SUPERVISOR}, scope="none"),
    "imports.get": _rule({ADMIN, SUPERVISOR}, scope="none"),
    "tasks.list": _rule({ADMIN, SUPERVISOR, VERIFIER}, scope="list"),
    "tasks.visit": _rule({VERIFIER}),
    "tasks.approve": _rule({ADMIN, SUPERVISOR}),
    "tasks.return": _rule({ADMIN, SUPERVISOR}),
    "tasks.reject": _rule({ADMIN, SUPERVISOR}),
    "referrals.list": _rule({ADMIN, SUPERVISOR, OPD}, scope="list"),
    "referrals.status": _rule({ADMIN, OPD}),
    "notifications.deliveries": _rule({ADMIN, SUPERVISOR, OPERATOR, OPD}),
    "reports.households": _rule(
        {ADMIN, SUPERVISOR, OPERATOR, VERIFIER, VIEWER}, person_data=False, scope="list"
    ),
    # --- people's sessions and user administration (admin only; every call audited) ---------
    "users.list": _rule({ADMIN}, scope="none"),
    "users.create": _rule({ADMIN}, scope="none"),
    "users.update": _rule({ADMIN}, scope="none"),
    "users.password": _rule({ADMIN}, scope="none"),
    "users.tokens": _rule({ADMIN}, scope="none"),
    "users.token_create": _rule({ADMIN}, scope="none"),
    "tokens.revoke": _rule({ADMIN}, scope="none"),
    "users.sync_revoke": _rule({ADMIN}, scope="none"),
    # --- end of people's sessions and user administration -----------------------------------
    # --- the web application's pages ---------------------------------------------------------
    "reference.areas": _rule(set(ALL_ROLES), person_data=False, scope="none"),
    "reference.opd": _rule(set(ALL_ROLES), person_data=False, scope="none"),
    "reference.pmks": _rule(set(ALL_ROLES), person_data=False, scope="none"),
    "questionnaire": _rule(set(ALL_ROLES), person_data=False, scope="none"),
    "households.story": _rule({ADMIN, SUPERVISOR, OPERATOR, VERIFIER}),
    "households.photo": _rule({ADMIN, SUPERVISOR, OPERATOR, VERIFIER}),
    "conflicts.list": _rule({ADMIN, SUPERVISOR}, scope="list"),
    "conflicts.resolve": _rule({ADMIN, SUPERVISOR}),
    "imports.report_csv": _rule({ADMIN, SUPERVISOR}, scope="none"),
    "tasks.get": _rule({ADMIN, SUPERVISOR, VERIFIER}),
    "tasks.assign": _rule({ADMIN, SUPERVISOR}),
    "tasks.second_verifier": _rule({ADMIN, SUPERVISOR}),
    "verifiers.list": _rule({ADMIN, SUPERVISOR}, person_data=False, scope="list"),
    "reports.tasks": _rule({ADMIN, SUPERVISOR}, person_data=False, scope="list"),
    "reports.verification": _rule({ADMIN, SUPERVISOR, VIEWER}, person_data=False, scope="list"),
    "reports.referrals": _rule({ADMIN, SUPERVISOR, VIEWER}, person_data=False, scope="list"),
    "reports.dashboard": _rule({ADMIN, SUPERVISOR, VIEWER}, person_data=False, scope="list"),
    "referrals.get": _rule({ADMIN, SUPERVISOR, OPD}),
    "referrals.evidence": _rule({ADMIN, SUPERVISOR, OPD}),
    "routing.get": _rule({ADMIN, SUPERVISOR}, person_data=False, scope="none"),
    "routing.propose": _rule({ADMIN}, person_data=False, scope="none"),
    # --- end of the web application's pages -------------------------------------------------
    # --- the field app's sync (a verifier's device; ``DEVICE`` below) ------------------------
    "sync.credential": _rule({VERIFIER}, scope="none"),
    "sync.credential_end": _rule({VERIFIER}, scope="none"),
    "sync.key": _rule({VERIFIER}, person_data=False, scope="none"),
    "sync.tasks": _rule({VERIFIER}, scope="list"),
    "sync.photo": _rule({VERIFIER}),
    "sync.upload_check": _rule({VERIFIER}, person_data=False, scope="none"),
    "sync.upload": _rule({VERIFIER}, scope="none"),
    "sync.visit": _rule({VERIFIER}),
}
PUBLIC = frozenset({"health", "openapi", "docs"})
# What a device's sync credential opens (and nothing else): taking the verifier's tasks and
# sending visits. They take no browser session: the device's credential or a bearer token
# (``http.authenticate_device``). The credential itself is issued to a browser session.
DEVICE = frozenset(
    {"sync.key", "sync.tasks", "sync.photo", "sync.upload_check", "sync.upload", "sync.visit"}
    | {"sync.credential_end"}
)


def rule(endpoint: str) -> Rule:
    return ENDPOINTS[endpoint]


def allowed(endpoint: str, role: str) -> bool:
    return role in ENDPOINTS[endpoint].roles


def require(endpoint: str, principal: Principal) -> None:
    """403 unless the principal's role may call ``endpoint``."""
    if not allowed(endpoint, principal.role):
        raise errors.forbidden()


# --- scope --------------------------------------------------------------------------------------


def area(principal: Principal) -> dict | None:
    """The area passed to the registry (which checks it again); None = the whole district."""
    return principal.area_scope()


def task_visible(principal: Principal, task: Mapping[str, Any]) -> bool:
    """A verifier sees the tasks on their desk; a supervisor those of households in their area;
    an admin every task."""
    if principal.role == ADMIN:
        return True
    if principal.role == VERIFIER:
        return principal.username in (task.get("assignee"), task.get("second_assignee"))
    if principal.role == SUPERVISOR:
        household = task.get("household") or {}
        return principal.in_area(household.get("kecamatan_code"), household.get("desa_code"))
    return False


def household_of_tasks(household_id: int, tasks: list[Mapping[str, Any]]) -> bool:
    """Whether a household is one of a verifier's tasks (their only way to see one)."""
    return any((t.get("household") or {}).get("household_id") == household_id for t in tasks)


def agency(principal: Principal, requested: str | None) -> str:
    """Whose referrals: an agency's user always its own (naming another is as unknown as a
    missing one); Dinsos staff name the agency (``opd_code``)."""
    if principal.role == OPD:
        if requested not in (None, "", principal.opd_code):
            raise errors.not_found()
        return str(principal.opd_code)
    if not requested:
        raise errors.invalid({"opd_code": ["required / wajib diisi"]})
    return requested


def referral_area(principal: Principal) -> dict | None:
    """The area an agency's referral list is cut to: a supervisor's; none for an agency (its
    own referrals, wherever they are) or an admin."""
    return principal.area_scope() if principal.role == SUPERVISOR else None


def delivery_log_target(
    principal: Principal, household_id: int | None, opd_code: str | None, event_id: Any
) -> tuple[str, Any]:
    """Which delivery log a caller may read (``kind``, ``key``): an agency its own; staff a
    household of their area (the caller checks it against the registry); an admin also an
    agency's or an event's."""
    given = [
        (kind, key)
        for kind, key in (("household", household_id), ("agency", opd_code), ("event", event_id))
        if key
    ]
    if len(given) != 1:
        raise errors.invalid(
            {"household_id": ["give exactly one of household_id, opd_code, event_id"]}
        )
    kind, key = given[0]
    if principal.role == OPD:
        if kind != "agency" or key != principal.opd_code:
            raise errors.not_found()
    elif kind != "household" and principal.role != ADMIN:
        raise errors.forbidden()
    return kind, key


# --- what an agency sees of a referral ----------------------------------------------------------

OPD_REFERRAL_FIELDS = frozenset(
    field.data_key or name for name, field in events.OpdReferral().fields.items()
) | {"overdue", "history"}


def opd_referral(referral: Mapping[str, Any]) -> dict[str, Any]:
    """Only what ``referral.<opd>.*`` messages carry (the referral service builds that view;
    this keeps the gateway from passing on anything more, whatever it is given)."""
    return {k: v for k, v in referral.items() if k in OPD_REFERRAL_FIELDS}


# What an agency itself answered on its own referral: its evidence file and its reason for
# rejecting. Shown back to it on the referral's own page (``GET /referrals/{id}``).
OPD_OWN_ANSWER_FIELDS = ("evidence_ref", "reason")


def opd_own_answer(record: Mapping[str, Any]) -> dict[str, Any]:
    """The agency's own answer, from the referral's record."""
    return {k: record.get(k) for k in OPD_OWN_ANSWER_FIELDS}


# --- no NIK leaves the gateway ------------------------------------------------------------------

NIK_KEYS = frozenset({"nik", "no_kk", "head_nik", "head_no_kk", "kk"})
_NIK_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{15,16}(?![0-9A-Za-z])")
_BIG = 10**14  # an integer this large is an identity number, never a count
_DIGITS = re.compile(r"\d{6,}")  # a NIK or No. KK, whole or cut short


def mask_text(text: str) -> str:
    """Mask every NIK-like number (15-16 digits standing alone) in a text."""
    return _NIK_IN_TEXT.sub(lambda m: nik.mask(m.group()), text)


def masked(value: Any, key: str | None = None) -> Any:
    """``value`` with every NIK and No. KK masked: values of NIK keys, numbers of NIK length,
    and NIK-like numbers inside texts (an error message, a report row)."""
    if isinstance(value, Mapping):
        return {k: masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v, key) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return nik.mask(str(value)) if abs(value) >= _BIG or key in NIK_KEYS else value
    if isinstance(value, str):
        if key in NIK_KEYS and _DIGITS.fullmatch(value.strip()):
            return nik.mask(value.strip())
        return mask_text(value)  # a message under a NIK key stays readable
    return value


# --- people's sessions and user administration --------------------------------------------------
# The session endpoints take no bearer token: signing in takes a password, the others the
# session cookie of the person themselves (``http.session_call``: per-user rate limit, CSRF).
# They concern only the caller's own account, are open to every role and answer while a
# password change or TOTP setup is pending; what they change is audited by the use case.
SIGN_IN = frozenset({"session.create"})
SIGN_OUT = frozenset({"session.delete"})
SESSION = frozenset(
    {
        "session.create",
        "session.get",
        "session.delete",
        "session.password",
        "session.totp_begin",
        "session.totp_confirm",
        "session.totp_disable",
    }
)
PUBLIC = PUBLIC | SESSION
# --- end of people's sessions and user administration -------------------------------------------
