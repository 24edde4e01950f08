"""Which correlation id a worker's lines carry: the event's, the caller's, the request's."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from nameko.containers import WorkerContext
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from sipmas.observability.context import correlation_of

CONTAINER = SimpleNamespace(config={}, service_name="referral")
ENTRYPOINT = SimpleNamespace(method_name="handler")


def worker(*args, **data) -> WorkerContext:
    return WorkerContext(CONTAINER, None, ENTRYPOINT, args=args, data=data)


def request(**headers) -> Request:
    return Request(EnvironBuilder(path="/api/v1/households", headers=headers).get_environ())


def test_an_event_is_handled_under_its_envelopes_correlation_id():
    case = uuid.uuid4()
    event = {"event_id": uuid.uuid4(), "correlation_id": case, "data": {}}

    assert correlation_of(worker(event, correlation_id="from-the-header")) == str(case)


def test_an_rpc_call_carries_its_callers_id():
    assert correlation_of(worker(41, correlation_id="req-7f3a")) == "req-7f3a"


def test_an_http_request_brings_its_id_or_gets_a_new_one():
    assert correlation_of(worker(request(**{"X-Correlation-Id": "abc-1"}))) == "abc-1"
    assert correlation_of(worker(request(**{"X-Request-Id": "r-9"}))) == "r-9"
    fresh = correlation_of(worker(request()))
    assert uuid.UUID(fresh)
    assert correlation_of(worker(request())) != fresh


def test_an_id_that_is_not_an_id_is_replaced():
    sent = "x" * 500 + '" {forged json'
    found = correlation_of(worker(request(**{"X-Correlation-Id": sent})))
    assert uuid.UUID(found)


def test_a_timer_has_none():
    assert correlation_of(worker()) is None
