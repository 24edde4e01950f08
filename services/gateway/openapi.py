"""``/openapi.json``: OpenAPI 3.0 of the HTTP API, generated with apispec from the marshmallow
schemas the endpoints use (``schemas``) and the routes the service declares.

``DOCS`` says what each endpoint is for, what it takes and answers, and how to call it with
curl; the routes (method, path, endpoint name) are read from ``GatewayService`` itself, and a
test holds the two together, so an endpoint cannot go undocumented.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from services.gateway import schemas
from services.gateway.domain import policy
from services.gateway.http import MAX_ID
from services.gateway.use_cases import uploads
from services.verification.domain.questionnaire import REQUIRED_PHOTO_KINDS, sample_answers
from sipmas import nik

# the docs' example family, composed by the NIK rules (no real-looking number in the code)
EXAMPLE_NIK = nik.make("640804", date(1985, 8, 5), female=True, serial=3)
EXAMPLE_NO_KK = nik.make("640804", date(2010, 1, 12), female=False, serial=7)

TITLE = "SIPMAS API"
VERSION = "1.0.0"
_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")
BASE = "http://localhost:8000"


@dataclass(frozen=True)
class Doc:
    summary: str
    tag: str
    description: str = ""
    query: type[Schema] | None = None
    body: type[Schema] | None = None  # application/json
    form: type[Schema] | None = None  # multipart/form-data
    form_files: str | None = None  # extra binary parts: "photos" (named by the visit)
    response: type[Schema] | None = None
    status: int = 200
    csv: bool = False  # also answers text/csv (``?format=csv``)
    curl: str = ""
    example: dict[str, Any] | None = None  # a complete body (the docs page shows it)
    extra: dict[str, Any] = field(default_factory=dict)


TOKEN = '-H "Authorization: Bearer $TOKEN"'

DOCS: dict[str, Doc] = {
    "health": Doc(
        "Is the gateway up (and its database reachable)?",
        "system",
        response=schemas.Health,
        curl=f"curl {BASE}/health",
    ),
    "openapi": Doc("This description (OpenAPI 3.0)", "system", curl=f"curl {BASE}/openapi.json"),
    "docs": Doc("The documentation page (HTML, works offline)", "system", curl=f"curl {BASE}/docs"),
    "me": Doc(
        "Who the token belongs to: role, area or agency",
        "system",
        response=schemas.Me,
        curl=f"curl {TOKEN} {BASE}/api/v1/me",
    ),
    "households.search": Doc(
        "Search households of your area",
        "households",
        "Every criterion given must hold. A name matches tolerant of spelling. Only households "
        "of the caller's area are searched; NIKs in the answer are masked.",
        query=schemas.HouseholdQuery,
        response=schemas.HouseholdList,
        curl=f"curl {TOKEN} '{BASE}/api/v1/households?desa_code=64.08.04.2001&limit=20'",
    ),
    "households.register": Doc(
        "Register a household (Pemda data)",
        "households",
        "Its members as on the family card; the import's row checks apply and a household with "
        "any bad member is refused whole, naming member and field. The desa must be in your "
        "area.",
        body=schemas.RegisterHousehold,
        response=schemas.Registered,
        status=201,
        curl=(
            f"curl {TOKEN} -H 'Content-Type: application/json' {BASE}/api/v1/households "
            f'-d \'{{"members": [{{"nik": "{EXAMPLE_NIK}", "nama": "SITI AMINAH", '
            f'"no_kk": "{EXAMPLE_NO_KK}", "jenis_kelamin": "P", '
            '"tanggal_lahir": "05-08-1985", "hubungan": "Kepala Keluarga", '
            '"kode_desa": "64.08.04.2001", "alamat": "Jl. Poros", "rt": "003"}]}\''
        ),
    ),
    "households.get": Doc(
        "A household: members, provenance of each value, conflicts, timeline",
        "households",
        "404 when it does not exist or is outside your area (the same answer). A verifier sees "
        "the households of their tasks.",
        response=schemas.Household,
        curl=f"curl {TOKEN} {BASE}/api/v1/households/1",
    ),
    "households.update": Doc(
        "Correct a household's address, desil or position",
        "households",
        response=schemas.Updated,
        body=schemas.UpdateHousehold,
        curl=(
            f"curl -X PATCH {TOKEN} -H 'Content-Type: application/json' "
            f'{BASE}/api/v1/households/1 -d \'{{"rt": "004"}}\''
        ),
    ),
    "households.timeline": Doc(
        "A household's lifecycle: every step with who, why and when",
        "households",
        response=schemas.Timeline,
        curl=f"curl {TOKEN} {BASE}/api/v1/households/1/timeline",
    ),
    "imports.list": Doc(
        "The latest imports with their counts",
        "imports",
        query=schemas.ImportListQuery,
        response=schemas.ImportList,
        curl=f"curl {TOKEN} {BASE}/api/v1/imports",
    ),
    "imports.create": Doc(
        "Import an export (DTKS, DTSEN, P3KE, PMKS): CSV or XLSX, in the background",
        "imports",
        "The file is judged by its content, not its name, and imported in the background: the "
        "answer (202) names the batch at once; ``GET /api/v1/imports/{batch_id}`` follows its "
        "rows as they are processed, then gives the summary and every rejected row, named. "
        "The same file twice changes nothing and says which batch had it.",
        form=schemas.ImportForm,
        response=schemas.ImportStarted,
        status=202,
        curl=f"curl {TOKEN} -F source=dtsen -F file=@dtsen.csv {BASE}/api/v1/imports",
    ),
    "imports.get": Doc(
        "An import: where it stands (rows done of the file's), its summary, its row report",
        "imports",
        "``status`` running (``progress`` moves), completed, duplicate or failed (``error`` "
        "says why); once done, ``summary`` and a page of ``problems`` (each with row, column "
        "and reason; ``problems_offset``, ``problems_limit``; ``problems_total`` in all).",
        query=schemas.ImportPageQuery,
        response=schemas.ImportStatus,
        curl=f"curl {TOKEN} {BASE}/api/v1/imports/1",
    ),
    "tasks.list": Doc(
        "My tasks: a verifier's visits to make; a supervisor's area",
        "verification",
        query=schemas.TaskQuery,
        response=schemas.TaskList,
        curl=f"curl {TOKEN} {BASE}/api/v1/tasks",
    ),
    "tasks.visit": Doc(
        "Submit a visit with its photos",
        "verification",
        "``multipart/form-data``: a part ``visit`` holding the visit as JSON (VisitForm) and "
        "one part per photo (JPEG or PNG, at most 10 MB each), named as its ``photos[].file`` "
        "says. The same ``client_key`` twice is applied once.",
        form=schemas.VisitForm,
        form_files="photos",
        response=schemas.VisitResult,
        status=201,
        curl=(
            f"curl {TOKEN} {BASE}/api/v1/tasks/1/visits "
            "-F 'visit=<visit.json;type=application/json' "
            + " ".join(f"-F {kind}=@{kind}.jpg" for kind in REQUIRED_PHOTO_KINDS)
        ),
        example={
            "client_key": "visit-2025-03-01-0001",
            "outcome": "found",
            "started_at": "2025-03-01T09:00:00+08:00",
            "ended_at": "2025-03-01T09:45:00+08:00",
            "latitude": 0.5123,
            "longitude": 117.5401,
            "answers": sample_answers(),
            "photos": [
                {
                    "file": kind,
                    "kind": kind,
                    "captured_at": "2025-03-01T09:10:00+08:00",
                    "latitude": 0.5123,
                    "longitude": 117.5401,
                }
                for kind in REQUIRED_PHOTO_KINDS
            ],
        },
    ),
    "tasks.approve": Doc(
        "Approve a submitted visit (maker-checker)",
        "verification",
        body=schemas.Approve,
        response=schemas.Decision,
        curl=(
            f"curl {TOKEN} -H 'Content-Type: application/json' {BASE}/api/v1/tasks/1/approve "
            "-d '{\"flags_reviewed\": true}'"
        ),
    ),
    "tasks.return": Doc(
        "Return a visit to its verifier, saying what to fix",
        "verification",
        body=schemas.ReturnVisit,
        response=schemas.Decision,
        curl=(
            f"curl {TOKEN} -H 'Content-Type: application/json' {BASE}/api/v1/tasks/1/return "
            '-d \'{"note": "foto dapur kurang jelas"}\''
        ),
    ),
    "tasks.reject": Doc(
        "Reject the household's claim, with reasons",
        "verification",
        body=schemas.Reject,
        response=schemas.Decision,
        curl=(
            f"curl {TOKEN} -H 'Content-Type: application/json' {BASE}/api/v1/tasks/1/reject "
            '-d \'{"reasons": ["rumah permanen, mobil di garasi"]}\''
        ),
    ),
    "referrals.list": Doc(
        "An agency's open referrals (overdue ones with ?overdue=true)",
        "referrals",
        "An agency's user sees its own, with what its referral messages carry: the address "
        "and the persons concerned. Dinsos staff name the agency with ``opd_code``.",
        query=schemas.ReferralQuery,
        response=schemas.ReferralList,
        curl=f"curl {TOKEN} '{BASE}/api/v1/referrals?overdue=false'",
    ),
    "referrals.status": Doc(
        "Answer a referral: accepted, in progress, completed (with evidence), rejected",
        "referrals",
        "JSON, or ``multipart/form-data`` with the same fields and the evidence file "
        "(JPEG, PNG or PDF, at most 10 MB) as ``evidence``. Completed needs evidence, rejected "
        "a reason.",
        body=schemas.StatusUpdate,
        form=schemas.StatusUpdateForm,
        response=schemas.StatusResult,
        curl=(
            f"curl {TOKEN} {BASE}/api/v1/referrals/1/status -F status=completed "
            "-F note='rumah selesai dibangun' -F evidence=@berita-acara.pdf"
        ),
    ),
    "notifications.deliveries": Doc(
        "The delivery log of a household (or, for an agency, its own)",
        "notifications",
        "Give exactly one of household_id, opd_code, event_id. Addresses are masked.",
        query=schemas.DeliveryQuery,
        response=schemas.DeliveryList,
        curl=f"curl {TOKEN} '{BASE}/api/v1/notifications/deliveries?household_id=1'",
    ),
    "reports.households": Doc(
        "Counts of households of your area, by kecamatan, desa, status, welfare class, PMKS, "
        "source, at any date; JSON or CSV",
        "reports",
        "Extreme poor per desa before and after a verification round: two requests, "
        "``group_by=desa&extreme_poor=true`` with ``at`` the day before and the day after.",
        query=schemas.ReportQuery,
        response=schemas.Report,
        csv=True,
        curl=(
            f"curl {TOKEN} '{BASE}/api/v1/reports/households?group_by=desa&extreme_poor=true"
            "&at=2025-03-01&format=csv'"
        ),
    ),
    # --- the web application's pages -------------------------------------------------------
    "reference.areas": Doc(
        "Kutim's 18 kecamatan with their desa and kelurahan (Kemendagri codes)",
        "reference",
        response=schemas.Areas,
        curl=f"curl {TOKEN} {BASE}/api/v1/reference/areas",
    ),
    "reference.opd": Doc(
        "The agencies (OPD) referrals go to",
        "reference",
        response=schemas.Agencies,
        curl=f"curl {TOKEN} {BASE}/api/v1/reference/opd",
    ),
    "reference.pmks": Doc(
        "The 26 PMKS/PPKS categories",
        "reference",
        response=schemas.PmksCategories,
        curl=f"curl {TOKEN} {BASE}/api/v1/reference/pmks",
    ),
    "questionnaire": Doc(
        "The visit questionnaire as a form: questions, kinds, choices, bounds; outcomes, photo "
        "kinds, common reasons to refuse a claim",
        "verification",
        response=schemas.Questionnaire,
        curl=f"curl {TOKEN} {BASE}/api/v1/questionnaire",
    ),
    "households.story": Doc(
        "A household's whole story on one timeline",
        "households",
        "Imported from which file and row, every lifecycle move, tasks, visits (photos, GPS, "
        "flags), decisions with the rule set's reasons, the case and each referral per agency "
        "with its due dates and moves, the planned re-verification; oldest first.",
        response=schemas.Story,
        curl=f"curl {TOKEN} {BASE}/api/v1/households/1/story",
    ),
    "households.photo": Doc(
        "A photo of a household's visit (JPEG or PNG), or a small JPEG of it",
        "households",
        "404 unless the photo belongs to a visit of this household and the household is yours "
        "to see.",
        query=schemas.PhotoQuery,
        curl=f"curl {TOKEN} -o rumah.jpg '{BASE}/api/v1/households/1/photos/<sha256>?size=thumb'",
        extra={"binary": True},
    ),
    "conflicts.list": Doc(
        "Values two sources disagree on, waiting for a person: each side's value, file and row",
        "households",
        query=schemas.ConflictQuery,
        response=schemas.Conflicts,
        curl=f"curl {TOKEN} {BASE}/api/v1/conflicts",
    ),
    "conflicts.resolve": Doc(
        "Decide which value holds (the other stays on the conflict)",
        "households",
        body=schemas.ResolveConflict,
        response=schemas.ConflictResolved,
        curl=(
            f"curl {TOKEN} -H 'Content-Type: application/json' "
            f'{BASE}/api/v1/conflicts/1/resolve -d \'{{"value": "SITI AMINAH"}}\''
        ),
    ),
    "imports.report_csv": Doc(
        "An import's row report as CSV (semicolons, UTF-8 with BOM, as spreadsheets open it)",
        "imports",
        curl=f"curl {TOKEN} -o laporan.csv {BASE}/api/v1/imports/1/report.csv",
        extra={"csv_only": True},
    ),
    "tasks.get": Doc(
        "One task as the supervisor weighs it: its visits in full (answers, photos, GPS, "
        "flags), moves and decisions, beside what the registry holds",
        "verification",
        response=schemas.TaskDetail,
        curl=f"curl {TOKEN} {BASE}/api/v1/tasks/1",
    ),
    "tasks.assign": Doc(
        "Put a task on a verifier's desk (or move it to another)",
        "verification",
        body=schemas.ChooseVerifier,
        response=schemas.Assigned,
        curl=(
            f"curl {TOKEN} -H 'Content-Type: application/json' {BASE}/api/v1/tasks/1/assign "
            '-d \'{"verifier": "ani"}\''
        ),
    ),
    "tasks.second_verifier": Doc(
        "Send a second verifier to a flagged visit",
        "verification",
        body=schemas.ChooseVerifier,
        response=schemas.Assigned,
        curl=(
            f"curl {TOKEN} -H 'Content-Type: application/json' "
            f'{BASE}/api/v1/tasks/1/second-verifier -d \'{{"verifier": "budi"}}\''
        ),
    ),
    "verifiers.list": Doc(
        "The verifiers of your area with their open tasks",
        "verification",
        response=schemas.Verifiers,
        curl=f"curl {TOKEN} {BASE}/api/v1/verifiers",
    ),
    "reports.tasks": Doc(
        "Tasks of your area per verifier or per kecamatan, by state, the overdue apart",
        "reports",
        query=schemas.TaskReportQuery,
        response=schemas.TaskCounts,
        curl=f"curl {TOKEN} '{BASE}/api/v1/reports/tasks?group_by=assignee'",
    ),
    "reports.dashboard": Doc(
        "The dashboard's figures: households, poor and extreme poor per desa on two days",
        "reports",
        "Every desa of your area on day ``a`` and day ``b`` (today: the registry as it stands); "
        "poor = classed miskin or sangat_miskin by the latest verification, extreme poor as "
        "``reports/households?extreme_poor=true`` counts them. A past day's figures are kept "
        "up to ten minutes.",
        query=schemas.DashboardQuery,
        response=schemas.Dashboard,
        curl=f"curl {TOKEN} '{BASE}/api/v1/reports/dashboard?a=2025-12-01&b=2026-12-01'",
    ),
    "reports.verification": Doc(
        "Verification progress of your area: tasks per kecamatan and state",
        "reports",
        response=schemas.VerificationCounts,
        curl=f"curl {TOKEN} {BASE}/api/v1/reports/verification",
    ),
    "reports.referrals": Doc(
        "Referrals per agency and state, and the ones past their targets per agency",
        "reports",
        response=schemas.ReferralCounts,
        curl=f"curl {TOKEN} {BASE}/api/v1/reports/referrals",
    ),
    "referrals.get": Doc(
        "One referral with its history (an agency: its own, as its messages carry it)",
        "referrals",
        response=schemas.Referral,
        curl=f"curl {TOKEN} {BASE}/api/v1/referrals/1",
    ),
    "referrals.evidence": Doc(
        "The evidence file an agency sent with a completed referral",
        "referrals",
        curl=f"curl {TOKEN} -o bukti.pdf {BASE}/api/v1/referrals/1/evidence/<sha256>",
        extra={"binary": True},
    ),
    "routing.get": Doc(
        "The routing table in force (need → agency) and every version kept",
        "referrals",
        response=schemas.RoutingTable,
        curl=f"curl {TOKEN} {BASE}/api/v1/routing-table",
    ),
    "routing.propose": Doc(
        "Put a new version of the routing table in force (a table with bad rows is refused "
        "whole, naming each row and column)",
        "referrals",
        body=schemas.RoutingTableProposal,
        response=schemas.RoutingTableInstalled,
        status=201,
        curl=(
            f"curl {TOKEN} -H 'Content-Type: application/json' {BASE}/api/v1/routing-table "
            "-d @table.json"
        ),
    ),
    # --- end of the web application's pages ------------------------------------------------
}


def routes() -> list[tuple[str, str, str]]:
    """(method, werkzeug url, endpoint name) of every endpoint the service declares."""
    from services.gateway.service import GatewayService

    found = []
    for name in dir(GatewayService):  # the endpoint mixins' methods too
        attribute = getattr(GatewayService, name)
        for entrypoint in getattr(attribute, "nameko_entrypoints", ()):
            if hasattr(entrypoint, "url"):
                found.append((entrypoint.method, entrypoint.url, entrypoint.name))
    return sorted(found, key=lambda r: (r[1], r[0]))


def openapi_path(url: str) -> tuple[str, list[dict[str, Any]]]:
    """``/households/<int:household_id>`` → ``/households/{household_id}`` and its parameter."""
    parameters = []
    for match in _PARAM.finditer(url):
        schema: dict[str, Any] = {"type": "string"}
        if match.group("conv") == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        parameters.append(
            {"in": "path", "name": match.group("name"), "required": True, "schema": schema}
        )
    return _PARAM.sub(lambda m: "{" + m.group("name") + "}", url), parameters


def _error_statuses(name: str, method: str, doc: Doc) -> list[int]:
    if name in policy.PUBLIC:
        return [503, 500] if name == "health" else [500]
    statuses = [400, 401, 403, 404, 413, 422, 429, 500]
    if method in ("POST", "PATCH", "PUT"):
        statuses += [409, 415]
    return sorted(statuses)


def _operation(name: str, method: str, doc: Doc, path_params: list) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": name,
        "summary": doc.summary,
        "tags": [doc.tag],
        "parameters": list(path_params),
        "responses": {},
    }
    description = doc.description
    if name not in policy.PUBLIC:
        roles = ", ".join(sorted(policy.rule(name).roles))
        description = f"{description}\n\nRoles: {roles}.".strip()
    else:
        operation["security"] = []
    if description:
        operation["description"] = description
    if doc.curl:
        operation["x-curl"] = doc.curl
    if doc.example is not None:
        operation["x-example"] = doc.example
    if doc.query is not None:
        operation["parameters"].append({"in": "query", "schema": doc.query})
    content: dict[str, Any] = {}
    if doc.body is not None:
        content["application/json"] = {"schema": doc.body}
    if doc.form_files:  # a visit: its JSON part, and the photos its parts name
        content["multipart/form-data"] = {
            "schema": {
                "type": "object",
                "required": ["visit"],
                "properties": {"visit": {"$ref": f"#/components/schemas/{doc.form.__name__}"}},
                "additionalProperties": {"type": "string", "format": "binary"},
            },
            "encoding": {"visit": {"contentType": "application/json"}},
        }
    elif doc.form is not None:
        content["multipart/form-data"] = {"schema": doc.form}
    if doc.extra.get("binary_body"):  # a photo's bytes, named by their SHA-256 in the path
        binary = {"schema": {"type": "string", "format": "binary"}}
        content.update({t: binary for t in ("image/jpeg", "image/png")})
    if name in policy.DEVICE:  # the field app's device credential, or a token
        operation["security"] = [{"bearerAuth": []}, {"deviceCredential": []}]
    if content:
        operation["requestBody"] = {
            "required": name not in ("tasks.approve",),
            "content": content,
        }
    success: dict[str, Any] = {
        "description": {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}.get(
            doc.status, "OK"
        )
    }
    if doc.response is not None:
        success["content"] = {"application/json": {"schema": doc.response}}
        if doc.csv:
            success["content"]["text/csv"] = {"schema": {"type": "string"}}
    elif name == "openapi":
        success["content"] = {"application/json": {"schema": {"type": "object"}}}
    elif name == "docs":
        success["content"] = {"text/html": {"schema": {"type": "string"}}}
    elif doc.extra.get("binary"):
        binary = {"schema": {"type": "string", "format": "binary"}}
        success["content"] = {t: binary for t in ("image/jpeg", "image/png", "application/pdf")}
    elif doc.extra.get("csv_only"):
        success["content"] = {"text/csv": {"schema": {"type": "string"}}}
    operation["responses"][str(doc.status)] = success
    for status in _error_statuses(name, method, doc):
        operation["responses"][str(status)] = {"$ref": "#/components/responses/Error"}
    return operation


def build() -> APISpec:
    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "The public HTTP API of SIPMAS (Dinas Sosial Kabupaten Kutai Timur): "
                "households by name and by address, imports, field verification, referrals "
                "to agencies, notifications and reports. Every request but /health, "
                "/openapi.json and /docs needs `Authorization: Bearer <token>` (a token from "
                "`sipmas users token USERNAME`). Everyone sees only their own area or agency; "
                "a household outside it answers 404, exactly like one that does not exist. "
                "NIKs are always masked. Errors have one shape (Error). Limits: JSON bodies "
                f"1 MB, imports {uploads.import_max_bytes() // uploads.MB} MB, photos and "
                "evidence 10 MB each; requests per token per minute: "
                "SIPMAS_GATEWAY_RATE_PER_MINUTE (429 with Retry-After past it)."
            )
        },
        servers=[{"url": "/"}],
    )
    spec.components.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "description": "sipmas_... (an API token)"},
    )
    spec.components.security_scheme(
        "deviceCredential",
        {
            "type": "apiKey",
            "in": "cookie",
            "name": "sipmas_sync",
            "description": "the field app's device credential (POST /api/v1/sync/credential)",
        },
    )
    spec.components.schema("Error", schema=schemas.Error)
    spec.components.response(
        "Error",
        {
            "description": "An error (every status has this shape)",
            "content": {"application/json": {"schema": "Error"}},
        },
    )
    spec.components.schema("Answers", schema=schemas.Answers)
    spec.components.schema("VisitForm", schema=schemas.VisitForm)
    paths: dict[str, dict[str, Any]] = {}
    for method, url, name in routes():
        path, parameters = openapi_path(url)
        doc = DOCS[name]
        paths.setdefault(path, {})[method.lower()] = _operation(name, method, doc, parameters)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec


@cache
def spec_dict() -> dict[str, Any]:
    out = build().to_dict()
    out["security"] = [{"bearerAuth": []}]
    return out


@cache
def spec_json() -> str:
    return json.dumps(spec_dict(), ensure_ascii=False, indent=1)


# --- people's sessions and user administration --------------------------------------------------

COOKIE = '-b cookies.txt -H "X-CSRF-Token: $CSRF"'
_SESSION_NOTE = (
    "People in a browser: the session cookie ``sipmas_session`` (HttpOnly, SameSite=Strict, "
    "Secure over HTTPS), not a bearer token. A request that changes something carries "
    "``X-CSRF-Token`` (the session's ``csrf_token``), else 403 ``csrf``. Answers while a "
    "password change or TOTP setup is pending (every other endpoint then answers 403 "
    "``password_change_required`` / ``totp_setup_required``)."
)
DOCS.update(
    {
        "session.create": Doc(
            "Sign in with a password (and the TOTP code when TOTP is on)",
            "session",
            "Sets the cookie ``sipmas_session``. 401 ``invalid_credentials`` (unknown user and "
            "wrong password alike); 401 ``totp_required`` (password right, code missing or "
            "wrong); 429 ``locked`` with ``Retry-After`` after SIPMAS_SIGNIN_MAX_FAILURES "
            "failures in a row (the right password too, until it ends). " + _SESSION_NOTE,
            body=schemas.SignIn,
            response=schemas.Session,
            curl=(
                f"curl -c cookies.txt -H 'Content-Type: application/json' {BASE}/api/v1/session "
                '-d \'{"username": "admin", "password": "..."}\''
            ),
        ),
        "session.get": Doc(
            "The current session: who, the CSRF token, what must be done first",
            "session",
            _SESSION_NOTE,
            response=schemas.Session,
            curl=f"curl -b cookies.txt {BASE}/api/v1/session",
        ),
        "session.delete": Doc(
            "Sign out (the session ends; without one: 204 all the same)",
            "session",
            _SESSION_NOTE,
            status=204,
            curl=f"curl -X DELETE {COOKIE} {BASE}/api/v1/session",
        ),
        "session.password": Doc(
            "Change one's password (proving the current one)",
            "session",
            "422 names the field: ``current_password`` (wrong: counted as a failed sign-in) or "
            "``new_password`` (at least 10 characters, not containing the username, not the "
            "current one), messages in both languages. The user's other sessions end. "
            + _SESSION_NOTE,
            body=schemas.ChangePassword,
            response=schemas.Session,
            curl=(
                f"curl {COOKIE} -H 'Content-Type: application/json' "
                f"{BASE}/api/v1/session/password "
                '-d \'{"current_password": "...", "new_password": "..."}\''
            ),
        ),
        "session.totp_begin": Doc(
            "Begin turning on TOTP: a new secret and its otpauth URI (shown once)",
            "session",
            "Type the secret into an authenticator app (or open the URI), then confirm with "
            "a code. " + _SESSION_NOTE,
            body=schemas.TotpBegin,
            response=schemas.TotpEnrolment,
            curl=f"curl -X POST {COOKIE} {BASE}/api/v1/session/totp",
        ),
        "session.totp_confirm": Doc(
            "Turn TOTP on, confirming the enrolment with a code",
            "session",
            "422 ``code`` when the code is wrong. Other sessions of the user end. " + _SESSION_NOTE,
            body=schemas.TotpCode,
            response=schemas.Session,
            curl=(
                f"curl {COOKIE} -H 'Content-Type: application/json' "
                f'{BASE}/api/v1/session/totp/confirm -d \'{{"code": "123456"}}\''
            ),
        ),
        "session.totp_disable": Doc(
            "Turn TOTP off, with a code (not for a role that must use it)",
            "session",
            "409 ``totp_required_for_role`` for a role in SIPMAS_TOTP_REQUIRED_ROLES. "
            + _SESSION_NOTE,
            body=schemas.TotpCode,
            response=schemas.Session,
            curl=(
                f"curl -X DELETE {COOKIE} -H 'Content-Type: application/json' "
                f'{BASE}/api/v1/session/totp -d \'{{"code": "123456"}}\''
            ),
        ),
        "users.list": Doc(
            "Every user with role, area or agency, TOTP, lock and state",
            "users",
            query=schemas.UserQuery,
            response=schemas.UserList,
            curl=f"curl {TOKEN} {BASE}/api/v1/users",
        ),
        "users.create": Doc(
            "Create a user; answers a temporary password (shown once)",
            "users",
            "The user changes the temporary password at the first sign-in. The same rules as "
            "``sipmas users create``: 422 names each bad field.",
            body=schemas.NewUser,
            response=schemas.UserCreated,
            status=201,
            curl=(
                f"curl {TOKEN} -H 'Content-Type: application/json' {BASE}/api/v1/users "
                '-d \'{"username": "siti", "name": "Siti Aminah", "role": "operator", '
                '"desa_codes": ["64.08.04.2001"]}\''
            ),
        ),
        "users.update": Doc(
            "Change a user (the fields given); ``active: false`` ends their access",
            "users",
            "Deactivating revokes every token and ends every session of the user.",
            body=schemas.UserChanges,
            response=schemas.UserRow,
            curl=(
                f"curl -X PATCH {TOKEN} -H 'Content-Type: application/json' "
                f"{BASE}/api/v1/users/siti -d '{{\"active\": false}}'"
            ),
        ),
        "users.password": Doc(
            "Reset a user's password: a temporary one (shown once)",
            "users",
            "The user's sessions end and a lock on their sign-in is lifted; they change the "
            "temporary password at the next sign-in.",
            body=schemas.TotpBegin,
            response=schemas.TemporaryPassword,
            curl=f"curl -X POST {TOKEN} {BASE}/api/v1/users/siti/password",
        ),
        "users.tokens": Doc(
            "A user's API tokens (never their secret)",
            "users",
            response=schemas.TokenList,
            curl=f"curl {TOKEN} {BASE}/api/v1/users/siti/tokens",
        ),
        "users.token_create": Doc(
            "Issue an API token for a user (shown once)",
            "users",
            body=schemas.TokenRequest,
            response=schemas.IssuedToken,
            status=201,
            curl=(
                f"curl {TOKEN} -H 'Content-Type: application/json' "
                f'{BASE}/api/v1/users/siti/tokens -d \'{{"label": "laptop", "days": 90}}\''
            ),
        ),
        "tokens.revoke": Doc(
            "Revoke an API token at once",
            "users",
            response=schemas.TokenRow,
            curl=f"curl -X DELETE {TOKEN} {BASE}/api/v1/tokens/1",
        ),
        "users.sync_revoke": Doc(
            "Revoke a user's device sync credentials",
            "users",
            "The field app on the user's devices stops sending and taking tasks until the user "
            "signs in on it again (what a device holds unsent stays there); ``revoked`` says how "
            "many credentials ended.",
            response=schemas.Revoked,
            curl=f"curl -X DELETE {TOKEN} {BASE}/api/v1/users/siti/sync-credentials",
        ),
    }
)

DOCS.update(
    {
        "sync.credential": Doc(
            "Give this device a sync credential (the field app, at an online sign-in)",
            "field app",
            "Sets the cookie `sipmas_sync` (HttpOnly, Path=/api/v1), good for the sync endpoints "
            "only, for SIPMAS_SYNC_DAYS days (14): a day offline does not stop the device "
            "sending. It ends at sign-out on the device, when an admin revokes the user's "
            "devices, or with a new one. Needs the browser session (and its CSRF token).",
            response=schemas.SyncCredentialIssued,
            status=201,
            curl=f"curl -X POST -b c.txt -H 'X-CSRF-Token: ...' {BASE}/api/v1/sync/credential",
        ),
        "sync.credential_end": Doc(
            "Sign-out on the device: its sync credential ends",
            "field app",
            "Ends the credential of the cookie sent (also after the browser session ended) and "
            "clears the cookie. A device sends `X-Sipmas-Device: 1`.",
            status=204,
            curl=f"curl -X DELETE -b c.txt -H 'X-Sipmas-Device: 1' {BASE}/api/v1/sync/credential",
        ),
        "sync.key": Doc(
            "The public key a phone encrypts a typed NIK with (RSA-OAEP, SHA-256)",
            "field app",
            "The device never holds a readable NIK: the NIK typed from the card at the door is "
            "encrypted with this key at once; the server decrypts it when the visit arrives, "
            "compares it with the registry and keeps it nowhere.",
            response=schemas.FieldKey,
            curl=f"curl {TOKEN} {BASE}/api/v1/sync/key",
        ),
        "sync.tasks": Doc(
            "The verifier's tasks with what the visits need offline (no NIK)",
            "field app",
            "Each household's address, RT/RW, head and members (name, relation, sex, age), the "
            "photos of its last visit (as thumbnails: GET /api/v1/sync/photos/{sha256}); the "
            "questionnaire; the NIK key; the server's time.",
            response=schemas.FieldTasks,
            curl=f"curl {TOKEN} {BASE}/api/v1/sync/tasks",
        ),
        "sync.photo": Doc(
            "A small JPEG of a photo of an earlier visit to one of the verifier's households",
            "field app",
            "404 unless the photo is of the last visit to a household of the caller's tasks.",
            curl=f"curl {TOKEN} -o rumah.jpg {BASE}/api/v1/sync/photos/<sha256>",
            extra={"binary": True},
        ),
        "sync.upload_check": Doc(
            "Whether the server has a photo already (200) or not (404)",
            "field app",
            "A photo already on the server is not sent again.",
            curl=f"curl -I {TOKEN} {BASE}/api/v1/sync/uploads/<sha256>",
        ),
        "sync.upload": Doc(
            "One photo of a visit: its bytes, named by their SHA-256",
            "field app",
            "The body is the JPEG or PNG itself. Kept once in the content-addressed store "
            "however often it is sent (200 `already`, 201 `new`); bytes that do not hash to the "
            "name (a cut upload) are refused (422) and kept nowhere. A device sends "
            "`X-Sipmas-Device: 1`.",
            response=schemas.UploadStored,
            status=201,
            curl=(
                f"curl -X PUT {TOKEN} -H 'Content-Type: image/jpeg' --data-binary @rumah.jpg "
                f"{BASE}/api/v1/sync/uploads/$(sha256sum rumah.jpg | cut -c1-64)"
            ),
            extra={"binary_body": True},
        ),
        "sync.visit": Doc(
            "A visit the phone kept, once its photos are on the server",
            "field app",
            "Applied once per `visit_id` (made on the phone): a resend answers 200 with what was "
            "kept. 409 `photos_missing` names photos not uploaded yet. A visit whose task was "
            "reassigned, cancelled or decided while the phone was offline is kept as `late` "
            "beside the other, for the supervisor, and `message` tells the verifier why. The "
            "phone's clock (`device_clock`) is kept beside the server's receipt; a clock far off, "
            "photos taken far apart, an EXIF time or place that contradicts the visit, a NIK "
            "that is no member's of the household become flags for the supervisor.",
            body=schemas.SyncVisit,
            response=schemas.SyncVisitResult,
            status=201,
            curl=(
                f"curl -X POST {TOKEN} -H 'Content-Type: application/json' "
                f"-d @visit.json {BASE}/api/v1/sync/visits"
            ),
        ),
    }
)

# The session endpoints take no token (``policy.PUBLIC``) but answer more than a 500: they name
# every status they give.
_error_statuses_without_sessions = _error_statuses


def _error_statuses(name: str, method: str, doc: Doc) -> list[int]:  # noqa: F811
    if name in policy.SESSION:
        return [400, 401, 403, 409, 413, 415, 422, 429, 500]
    return _error_statuses_without_sessions(name, method, doc)


# --- end of people's sessions and user administration -------------------------------------------
