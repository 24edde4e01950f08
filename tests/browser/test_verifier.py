"""Verifier: their tasks and the visit form (outcome, the questionnaire, a photo of each kind
from the phone's camera, the phone's GPS), on a 360 px wide phone."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.support import (
    SANGATTA,
    SMALL_PHONE,
    crew_task,
    fill_visit,
    heading,
    registered,
)
from tests.gateway.support_http import task_of


def fits_the_screen(page) -> None:
    """Nothing is wider than the phone: no sideways scrolling of the page itself."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= SMALL_PHONE["width"], width


def test_verifier_visits_a_household_on_a_phone(browser, crew):
    tag = uuid.uuid4().hex[:5].upper()
    household_id, head = registered(crew, head=f"LAPANGAN {tag}")
    task = task_of(crew.client("verifier"), household_id)

    page = browser.as_person(
        "verifier",
        "/tasks",
        size=SMALL_PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation=SANGATTA,
        permissions=["geolocation"],
    )
    heading(page, "Tugas saya")
    card = page.locator("ul.results > li", has_text=head)
    expect(card).to_contain_text("Batas:")
    fits_the_screen(page)
    card.get_by_role("link", name="Mulai kunjungan").click()
    heading(page, "Kunjungan lapangan")
    expect(page.get_by_role("heading", name=head)).to_be_visible()

    page.get_by_label("Ditemukan di alamat").check()
    expect(page.locator("section[aria-labelledby=gps-title]")).to_contain_text("0.51210, 117.53760")
    fill_visit(page, tag)
    fits_the_screen(page)
    page.get_by_role("button", name="Kirim kunjungan").click()
    done = page.get_by_role("status").filter(has_text="Kunjungan terkirim")
    expect(done).to_be_visible()
    expect(done).to_contain_text("Sangat miskin")
    fits_the_screen(page)

    sent = crew_task(crew, task["task_id"])
    assert sent["state"] == "submitted"
    visit = sent["visits"][-1]
    assert len(visit["photo_details"]) == 5
    assert abs(visit["latitude"] - SANGATTA["latitude"]) < 1e-6
    assert visit["answers"]["floor"] == "tanah"

    done.get_by_role("link", name="Tugas saya").click()
    heading(page, "Tugas saya")
    expect(page.locator("ul.results > li", has_text=head)).to_contain_text("Menunggu persetujuan")
