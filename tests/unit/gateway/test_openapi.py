"""``/openapi.json`` and ``/docs`` as generated: a valid OpenAPI 3.0 document that names every
endpoint with its roles, parameters, body and answers; a docs page that needs no internet."""

from __future__ import annotations

import re

import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_30_VALIDATOR

from services.gateway import docs, openapi
from services.gateway.domain import policy


@pytest.fixture(scope="module")
def spec() -> dict:
    return openapi.spec_dict()


def operations(spec: dict):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_it_is_valid_openapi_3_0(spec):
    assert spec["openapi"].startswith("3.0")
    problems = [str(e) for e in OPENAPI_30_VALIDATOR.iter_errors(spec)]
    assert problems == []


def test_every_route_is_documented_once(spec):
    documented = {op["operationId"] for _, _, op in operations(spec)}
    assert documented == {name for _, _, name in openapi.routes()} == set(openapi.DOCS)


def test_paths_and_their_parameters(spec):
    household = spec["paths"]["/api/v1/households/{household_id}"]
    assert set(household) == {"get", "patch"}
    (parameter,) = [p for p in household["get"]["parameters"] if p["in"] == "path"]
    assert parameter["name"] == "household_id" and parameter["required"]
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    search = {p["name"] for p in spec["paths"]["/api/v1/households"]["get"]["parameters"]}
    assert {"nik", "no_kk", "name", "desa_code", "status", "desil", "limit"} <= search


def test_bearer_security_everywhere_but_the_open_doors(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "sipmas_... (an API token)",
    }
    assert spec["security"] == [{"bearerAuth": []}]
    for _, _, op in operations(spec):
        public = op["operationId"] in policy.PUBLIC
        assert ("security" in op and op["security"] == []) is public, op["operationId"]


def test_every_operation_answers_errors_in_the_one_shape(spec):
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    body = spec["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"code", "message", "fields", "request_id"}
    for _, method, op in operations(spec):
        statuses = set(op["responses"])
        assert "500" in statuses
        if op["operationId"] not in policy.PUBLIC:
            assert {"401", "403", "404", "422", "429"} <= statuses
            if method in ("post", "patch"):
                assert {"409", "413", "415"} <= statuses
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                assert response == {"$ref": "#/components/responses/Error"}


def test_each_non_public_operation_names_its_roles(spec):
    for _, _, op in operations(spec):
        name = op["operationId"]
        if name in policy.PUBLIC:
            continue
        roles = ", ".join(sorted(policy.rule(name).roles))
        assert f"Roles: {roles}." in op["description"]


def test_request_bodies(spec):
    register = spec["paths"]["/api/v1/households"]["post"]["requestBody"]
    assert register["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RegisterHousehold"
    }
    upload = spec["paths"]["/api/v1/imports"]["post"]["requestBody"]["content"]
    form = spec["components"]["schemas"]["ImportForm"]
    assert upload["multipart/form-data"]["schema"] == {"$ref": "#/components/schemas/ImportForm"}
    assert form["properties"]["file"]["format"] == "binary"
    assert set(form["required"]) == {"source", "file"}
    visit = spec["paths"]["/api/v1/tasks/{task_id}/visits"]["post"]["requestBody"]["content"]
    multipart = visit["multipart/form-data"]
    assert multipart["encoding"] == {"visit": {"contentType": "application/json"}}
    assert multipart["schema"]["additionalProperties"] == {"type": "string", "format": "binary"}
    answers = spec["components"]["schemas"]["Answers"]  # the questionnaire, documented
    assert {"floor", "roof", "meals_per_day", "household_income"} <= set(answers["required"])
    status = spec["paths"]["/api/v1/referrals/{referral_id}/status"]["post"]["requestBody"]
    assert set(status["content"]) == {"application/json", "multipart/form-data"}


def test_reports_answer_json_or_csv(spec):
    ok = spec["paths"]["/api/v1/reports/households"]["get"]["responses"]["200"]["content"]
    assert set(ok) == {"application/json", "text/csv"}


def test_every_operation_has_a_curl_example(spec):
    for _, _, op in operations(spec):
        assert op["x-curl"].startswith("curl ")


# --- the docs page ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page() -> str:
    return docs.page()


def test_the_docs_page_shows_every_endpoint_schema_and_example(page, spec):
    for path, _method, op in operations(spec):
        assert f"id='op-{op['operationId']}'" in page
        assert f"<code>{path}</code>" in page
    for name in spec["components"]["schemas"]:
        assert f"id='schema-{name}'" in page
    assert page.count("<h4>Example</h4>") == len(list(operations(spec)))
    assert "Authorization: Bearer" in page and "Roles: admin, operator, supervisor." in page


def test_the_docs_page_needs_no_internet(page):
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert "url(" not in page
    sources = re.findall(r"(?:src|href)\s*=\s*['\"]([^'\"]+)", page)
    assert sources and all(s.startswith(("#", "/")) for s in sources)


def test_the_visit_example_in_the_docs_is_a_valid_visit(spec):
    from services.gateway import schemas

    example = spec["paths"]["/api/v1/tasks/{task_id}/visits"]["post"]["x-example"]
    visit = schemas.VisitForm().load(example)
    assert {p["kind"] for p in visit["photos"]} >= {"rumah", "lantai", "atap", "dapur", "sanitasi"}
    for kind in ("rumah", "lantai", "atap", "dapur", "sanitasi"):
        assert f"-F {kind}=@{kind}.jpg" in example_curl(spec)


def example_curl(spec) -> str:
    return spec["paths"]["/api/v1/tasks/{task_id}/visits"]["post"]["x-curl"]
