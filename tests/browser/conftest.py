"""The browser tests' world: the whole system running as processes (the five services as their
containers run them, the gateway serving the built web application from ``web/dist``, ``sipmas
sinks`` as mail server and SMS gateway), a real Chromium driven by Playwright, and people of
every role with passwords the tests know.

The services start once for the package (``web``); the people (``crew``) too: one verifier of
desa A, so that every visit of a household there lands on their desk. Each test opens browser
contexts of its own (``browser.as_person``) and makes the data it looks for (households with
names of its own), so no test depends on another's leftovers. A failed test keeps a screenshot
of each of its pages under ``var/screenshots/failures/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.browser.support import (
    ROOT,
    WEB_DIST,
    Browsers,
    Crew,
    Web,
    launch,
    make_crew,
)
from tests.e2e.conftest import start_sinks
from tests.gateway.conftest import gateway_db  # noqa: F401
from tests.gateway.support_http import (  # noqa: F401
    DEFAULT_GATEWAY_ENV,
    empty_databases,
    retire,
    shared_stores,
    start_system,
)
from tests.notifications.conftest import notifications_db  # noqa: F401
from tests.referral.conftest import referral_db  # noqa: F401
from tests.verification.conftest import evidence_root, registry_db, verification_db  # noqa: F401

LAST = "test_admin_imports_a_file_and_follows_it_row_by_row"


def pytest_collection_modifyitems(items) -> None:
    """The browser tests need the built application: say how to build it instead of failing
    in every test. The large import goes last: its twelve thousand households would make every
    desa's lists longer (and the services busy) for the tests after it."""
    ours = [item for item in items if "tests/browser" in str(item.fspath)]
    if not (WEB_DIST / "index.html").exists():
        skip = pytest.mark.skip(reason="web/dist is missing: run `make web` (make test does)")
        for item in ours:
            item.add_marker(skip)
    last = next((item for item in ours if item.name == LAST), None)
    rest = [item for item in ours if item is not last]
    if last and rest:
        items.remove(last)
        items.insert(items.index(rest[-1]) + 1, last)


@pytest.fixture(scope="package")
def web(
    gateway_db,  # noqa: F811
    registry_db,  # noqa: F811
    verification_db,  # noqa: F811
    referral_db,  # noqa: F811
    notifications_db,  # noqa: F811
    amqp_uri,
    shared_stores,  # noqa: F811
    tmp_path_factory,
) -> Iterator[Web]:
    """Empty databases, the sinks, every service, and the gateway serving ``web/dist``."""
    empty_databases(gateway_db)
    logs = tmp_path_factory.mktemp("browser-logs")
    with ExitStack() as stack:
        sinks = start_sinks(stack, logs)
        channels = {
            "SIPMAS_SMTP_PORT": str(sinks.smtp_port),
            "SIPMAS_SMS_GATEWAY_URL": f"{sinks.http}/sms",
        }
        system = start_system(
            amqp_uri,
            logs,
            stack,
            channels,
            **DEFAULT_GATEWAY_ENV,
            SIPMAS_WEB_ROOT=str(WEB_DIST),
        )
        yield Web(system=system, sinks=sinks, amqp_uri=amqp_uri, logs=logs)


@pytest.fixture(scope="package")
def crew(web: Web) -> Iterator[Crew]:
    """People of every role with known passwords (and tokens, to set up data fast)."""
    people = make_crew(web)
    yield people
    retire(people.api)


@pytest.fixture(scope="package")
def chromium() -> Iterator:
    with launch() as browser:
        yield browser


@pytest.fixture
def browser(chromium, web: Web, crew: Crew, request) -> Iterator[Browsers]:
    """Browser contexts for this test (each a person at a desk or on a phone); closed after,
    with a screenshot of every open page when the test failed."""
    browsers = Browsers(chromium, web, crew, request.node.name)
    yield browsers
    failed = getattr(request.node, "rep_call", None)
    browsers.close(keep=bool(failed and failed.failed), into=ROOT / "var/screenshots/failures")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
