"""The field app's world: the whole system as processes (the gateway on a port it keeps when
killed and started again, serving the built web/dist), the phone's network in front of it (a
loopback proxy: online, offline, cut, throttled), real Chromium with phone profiles, and people
with passwords: a verifier of desa Teluk Lingga (where only they work), another of desa A, a
supervisor, an admin, a viewer.

The services start once for the package; each test makes households of its own and a phone
profile of its own (``phone``), so no test depends on another's leftovers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from playwright.sync_api import sync_playwright

from tests.field_app.support import (
    WEB_DIST,
    Crew,
    FieldSystem,
    Phone,
    field_system,
    make_crew,
)
from tests.gateway.conftest import gateway_db  # noqa: F401
from tests.gateway.support_http import empty_databases, shared_stores  # noqa: F401
from tests.notifications.conftest import notifications_db  # noqa: F401
from tests.referral.conftest import referral_db  # noqa: F401
from tests.verification.conftest import evidence_root, registry_db, verification_db  # noqa: F401


def pytest_collection_modifyitems(items) -> None:
    if not (WEB_DIST / "field" / "index.html").exists():
        skip = pytest.mark.skip(reason="web/dist/field is missing: run `make web` (make test does)")
        for item in items:
            if "tests/field_app" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="package")
def field(
    gateway_db,  # noqa: F811
    registry_db,  # noqa: F811
    verification_db,  # noqa: F811
    referral_db,  # noqa: F811
    notifications_db,  # noqa: F811
    amqp_uri,
    shared_stores,  # noqa: F811
    tmp_path_factory,
) -> Iterator[FieldSystem]:
    empty_databases(gateway_db)
    with field_system(amqp_uri, tmp_path_factory.mktemp("field-logs")) as system:
        yield system


@pytest.fixture(scope="package")
def crew(field: FieldSystem) -> Crew:
    return make_crew(field.direct)


@pytest.fixture(scope="package")
def playwright() -> Iterator:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def phone(playwright, field: FieldSystem, tmp_path, request) -> Iterator:
    """Phones of this test (``phone()`` → a new profile); each closed after, with a screenshot
    when the test failed; the network back online for the next test."""
    made: list[Phone] = []

    def make(**options) -> Phone:
        device = Phone(playwright, field, tmp_path / f"profile-{len(made)}", **options)
        made.append(device)
        return device

    yield make
    failed = getattr(request.node, "rep_call", None)
    errors = []
    for n, device in enumerate(made):
        if failed and failed.failed and device.page is not None:
            from tests.field_app.support import ROOT

            folder = ROOT / "var" / "screenshots" / "failures"
            folder.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):  # a closed page has nothing to show
                device.page.screenshot(
                    path=str(folder / f"{request.node.name}-{n}.png"), full_page=True
                )
        errors += device.errors
        device.close()
    field.proxy.online()
    field.proxy.unthrottled()
    assert not errors, f"uncaught errors in the app: {errors}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
