"""The OpenAPI description run through schemathesis against the running gateway (and the whole
system behind it), as an admin (as a verifier where only a verifier may call): for every
operation, generated requests — valid ones, and ones
that break the schema on purpose — get no 5xx, only documented statuses and content types, and
answers that match their documented schemas.

Bounded and deterministic: a fixed number of examples per operation and mode, derandomized.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.gateway import openapi
from services.gateway.domain import policy
from tests.gateway.support_http import People, System

EXAMPLES = int(os.environ.get("SIPMAS_SCHEMATHESIS_EXAMPLES", "15"))  # per operation and mode
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
OPERATIONS = [(method, openapi.openapi_path(url)[0]) for method, url, _ in openapi.routes()]
NAMES = {(method, openapi.openapi_path(url)[0]): name for method, url, name in openapi.routes()}
# operations with something to break (parameters, a body) are also sent invalid requests
TAKES_INPUT = {
    (method, openapi.openapi_path(url)[0])
    for method, url, name in openapi.routes()
    if "<" in url
    or any((openapi.DOCS[name].query, openapi.DOCS[name].body, openapi.DOCS[name].form))
}
CASES = [(m, p, GenerationMode.POSITIVE) for m, p in OPERATIONS] + [
    (m, p, GenerationMode.NEGATIVE) for m, p in OPERATIONS if (m, p) in TAKES_INPUT
]


@pytest.fixture(scope="module")
def schema(system: System):
    return schemathesis.openapi.from_url(f"{system.url}/openapi.json")


@pytest.mark.parametrize(
    ("method", "path", "mode"), CASES, ids=[f"{m} {p} {mode.value}" for m, p, mode in CASES]
)
def test_operation_conforms(schema, system: System, people: People, method, path, mode):
    operation = schema[path][method]
    name = NAMES[(method, path)]
    role = "admin" if name in policy.PUBLIC or policy.allowed(name, "admin") else "verifier"
    headers = {"Authorization": f"Bearer {people.tokens[role]}"}
    statuses: list[int] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def conforms(case) -> None:
        response = case.call(base_url=system.url, headers=headers, timeout=120)
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)

    conforms()
    assert statuses  # the operation was exercised


def test_every_route_is_run():
    assert len(OPERATIONS) == len(openapi.DOCS)
    assert set(OPERATIONS) - TAKES_INPUT >= {
        ("GET", "/health"),
        ("GET", "/openapi.json"),
        ("GET", "/docs"),
        ("GET", "/api/v1/me"),
    }
    without_input = {NAMES[operation] for operation in set(OPERATIONS) - TAKES_INPUT}
    assert without_input <= NO_INPUT, "an operation that takes input must be sent bad input too"


# The operations that take no parameters and no body: run with valid requests only.
NO_INPUT = {"health", "openapi", "docs", "me", "reference.areas", "reference.opd"}
NO_INPUT |= {"reference.pmks", "questionnaire", "verifiers.list", "reports.verification"}
NO_INPUT |= {"reports.referrals", "routing.get", "session.get", "session.delete"}
NO_INPUT |= {"sync.credential", "sync.credential_end", "sync.key", "sync.tasks"}
