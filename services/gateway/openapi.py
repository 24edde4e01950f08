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
        "Import an export (DTKS, DTSEN, P3KE, PMKS): CSV or XLSX",
        "imports",
        "The file is judged by its content, not its name. Valid rows are imported; every "
        "rejected row is named in the report (``GET /api/v1/imports/{batch_id}``). The same "
        "file twice changes nothing and says which batch had it.",
        form=schemas.ImportForm,
        response=schemas.Imported,
        status=201,
        curl=f"curl {TOKEN} -F source=dtsen -F file=@dtsen.csv {BASE}/api/v1/imports",
    ),
    "imports.get": Doc(
        "An import's row report: each problem with row, column and reason",
        "imports",
        response=schemas.ImportReport,
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
}


def routes() -> list[tuple[str, str, str]]:
    """(method, werkzeug url, endpoint name) of every endpoint the service declares."""
    from services.gateway.service import GatewayService

    found = []
    for attribute in vars(GatewayService).values():
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
    if method in ("POST", "PATCH"):
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
    if content:
        operation["requestBody"] = {
            "required": name not in ("tasks.approve",),
            "content": content,
        }
    success: dict[str, Any] = {"description": "OK" if doc.status == 200 else "Created"}
    if doc.response is not None:
        success["content"] = {"application/json": {"schema": doc.response}}
        if doc.csv:
            success["content"]["text/csv"] = {"schema": {"type": "string"}}
    elif name == "openapi":
        success["content"] = {"application/json": {"schema": {"type": "object"}}}
    elif name == "docs":
        success["content"] = {"text/html": {"schema": {"type": "string"}}}
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
