"""Every main page of every role, at a desk and on a phone: axe-core finds no serious or
critical violation, nothing is wider than the phone, and a screenshot of each is kept under
``var/screenshots/`` (``<role>-<page>-desktop.png`` and ``-phone.png``)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (
    DESKTOP,
    PHONE,
    SANGATTA,
    approved,
    assert_accessible,
    crew_task,
    dtsen_file,
    dtsen_person,
    family,
    picture,
    referral_of,
    registered,
    visited,
)
from tests.gateway.support_http import imported


@pytest.fixture(scope="module")
def world(web, crew) -> dict[str, int]:
    """Something on every page: a household in care, a visit waiting for approval, an
    import, a conflict."""
    tag = uuid.uuid4().hex[:5].upper()
    household_id, _ = registered(crew, head=f"SITI AMINAH {tag}")
    approved(crew, household_id)
    referral = referral_of(crew, household_id)
    waiting_id, _ = registered(crew, head=f"RUSDI HAMZAH {tag}")
    task = visited(crew, waiting_id)
    to_visit_id, _ = registered(crew, head=f"MAHMUD {tag}")
    members = family(head=f"NURHAYATI {tag}")
    admin = crew.client("admin")
    admin.ok("POST", "/api/v1/households", json={"members": members})
    head = members[0]
    day, month, year = (int(x) for x in head["tanggal_lahir"].split("-"))
    rows = [
        dtsen_person(
            f"NURHAYATI BINTI ALI {tag}", head["no_kk"], head["nik"], date(year, month, day), True
        ),
        dtsen_person("", head["no_kk"], "1234", date(1990, 1, 1), False),  # a bad row
    ]
    upload = admin.post(
        "/api/v1/imports",
        data={"source": "dtsen"},
        files={"file": (f"dtsen-{tag}.csv", dtsen_file(rows), "text/csv")},
    )
    batch = imported(admin, upload)["batch_id"]
    from tests.gateway.support_http import task_of

    visit_task = task_of(crew.client("verifier"), to_visit_id)
    assert crew_task(crew, task["task_id"])["state"] == "submitted"
    return {
        "household": household_id,
        "referral": referral["referral_id"],
        "task": task["task_id"],
        "visit": visit_task["task_id"],
        "import": batch,
    }


PAGES = [
    ("admin", "dashboard", "/dashboard"),
    ("admin", "households", "/households?desa_code=64.08.04.2001"),
    ("admin", "household", "/households/{household}"),
    ("admin", "register", "/register"),
    ("admin", "tasks", "/tasks"),
    ("admin", "referrals", "/referrals?opd=perkim"),
    ("admin", "import", "/imports/{import}"),
    ("admin", "imports", "/imports"),
    ("admin", "conflicts", "/conflicts"),
    ("admin", "users", "/users"),
    ("admin", "routing", "/routing"),
    ("admin", "account", "/account"),
    ("supervisor", "approvals", "/approvals"),
    ("supervisor", "approval", "/approvals/{task}"),
    ("operator", "households", "/households"),
    ("operator", "household", "/households/{household}"),
    ("verifier", "tasks", "/tasks"),
    ("verifier", "visit", "/tasks/{visit}/visit"),
    ("opd", "referrals", "/referrals"),
    ("opd", "referral", "/referrals/{referral}"),
    ("kepala", "dashboard", "/dashboard"),
]


def settled(page: Page) -> None:
    """The page has drawn what it loads (no "Memuat…" left; the map, when there is one)."""
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main .loading")).to_have_count(0)
    if page.locator("section[aria-labelledby=map-title]").count():
        page.locator("section[aria-labelledby=map-title]").scroll_into_view_if_needed()
        expect(page.locator("path.leaflet-interactive").first).to_be_visible()
        expect(page.locator("main .loading")).to_have_count(0)
        page.evaluate("() => window.scrollTo(0, 0)")


@pytest.mark.parametrize(("role", "name", "path"), PAGES, ids=[f"{r}-{n}" for r, n, _ in PAGES])
def test_every_page_is_accessible_at_a_desk_and_on_a_phone(browser, world, role, name, path):
    page = browser.as_person(
        role, path.format(**world), geolocation=SANGATTA, permissions=["geolocation"]
    )
    settled(page)
    assert_accessible(page, f"{role} {path} (desktop)")
    picture(page, f"{role}-{name}-desktop")
    page.set_viewport_size(PHONE)
    settled(page)
    assert_accessible(page, f"{role} {path} (phone)")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width} px wide on a {PHONE['width']} px phone"
    picture(page, f"{role}-{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_the_sign_in_page_is_accessible(browser):
    page = browser.signed_out()
    expect(page.locator("main h1")).to_have_text("Masuk ke SIPMAS")
    assert_accessible(page, "/signin (desktop)")
    picture(page, "signin-desktop")
    page.set_viewport_size(PHONE)
    assert_accessible(page, "/signin (phone)")
    picture(page, "signin-phone")
