"""Whatever came from an imported file is shown as text, never as markup: a family whose names
are HTML (an <img> with an onerror handler, a <script>) is imported, merged with a second file
that names the head otherwise (a conflict), and read where a person meets those names — the
search results, the household page, the conflicts queue, the map's popup of its desa and a
chart's tooltip. The browser runs without the site's CSP here, so markup that slipped through
would run: no dialog opens and the page holds the names as text, no element made of them."""

from __future__ import annotations

import uuid
from datetime import date

from playwright.sync_api import Page, expect

from sipmas import nik
from tests.browser.support import dtsen_file, dtsen_person, field, heading
from tests.gateway.support_http import imported

QUIET_DESA = ("64.08.05.2001", "Kerayaan")  # no other browser test puts a household here


def no_markup(page: Page) -> None:
    """Nothing the names spelled became an element."""
    assert page.locator("img[src=x], script:not([src]), svg[onload], b.tebal").count() == 0


def test_names_with_markup_are_shown_as_text(browser, crew):
    tag = uuid.uuid4().hex[:4].upper()
    head_name = f'<img src=x onerror="alert(1)"> {tag}'
    wife_name = f"<script>alert('xss')</script> {tag}"
    other_name = f"<svg onload=alert(3)><b class=tebal>BARU</b> {tag}"
    desa, desa_name = QUIET_DESA
    serial = 7000 + int(tag, 16) % 2000
    kk = f"640805{9_100_000_000 + serial}"
    head_nik = nik.make("640805", date(1970, 5, 17), False, serial)
    wife_nik = nik.make("640805", date(1975, 8, 3), True, serial)
    admin = crew.client("admin")

    def upload(rows, name):
        answer = admin.post(
            "/api/v1/imports",
            data={"source": "dtsen"},
            files={"file": (name, dtsen_file(rows), "text/csv")},
        )
        return imported(admin, answer)

    first = upload(
        [
            dtsen_person(head_name, kk, head_nik, date(1970, 5, 17), True, 1, desa),
            dtsen_person(wife_name, kk, wife_nik, date(1975, 8, 3), False, 1, desa),
        ],
        f"dtsen-{tag}.csv",
    )
    assert first["households_registered"] == 1, first
    second = upload(
        [dtsen_person(other_name, kk, head_nik, date(1970, 5, 17), True, 1, desa)],
        f"dtsen-{tag}-b.csv",
    )
    assert second["status"] == "completed", second

    page = browser.as_person("admin", "/households", bypass_csp=True)

    # the search results
    field(page, "NIK").fill(head_nik)
    page.get_by_role("button", name="Cari", exact=True).click()
    result = page.locator("ul.results > li").first
    expect(result).to_contain_text(head_name)
    no_markup(page)

    # the household page: its title, its members, its ages chart's tooltips
    result.get_by_role("link").click()
    heading(page, head_name)
    members = page.get_by_role("table").first
    expect(members).to_contain_text(wife_name)
    tooltips = page.locator("svg.chart rect title")
    expect(tooltips.first).to_contain_text(head_name)  # a chart tooltip, as text
    assert tooltips.first.evaluate("t => t.childElementCount") == 0
    conflicts = page.locator("section[aria-labelledby=conf-title]")
    expect(conflicts).to_contain_text(other_name)
    no_markup(page)

    # the conflicts queue: both values side by side
    page.get_by_role("link", name="Selesaikan di antrean konflik").click()
    heading(page, "Konflik data")
    card = page.locator("ul.results > li").filter(has_text=tag)
    expect(card.locator("label.option").nth(0)).to_contain_text(head_name)
    expect(card.locator("label.option").nth(1)).to_contain_text(other_name)
    no_markup(page)

    # the map: the desa's popup lists its households by their heads' names
    page.goto("/dashboard")
    heading(page, "Dasbor")
    page.get_by_label("Tingkat").select_option(label="Desa/kelurahan")
    map_section = page.locator("section[aria-labelledby=map-title]")
    map_section.scroll_into_view_if_needed()
    expect(map_section.locator("path.leaflet-interactive").first).to_be_visible()
    map_section.get_by_label("Tampilkan keterangan wilayah").select_option(
        label=f"{desa_name} (Sangkulirang)"
    )
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(desa_name)
    expect(popup.locator("ul.map-popup-list")).to_contain_text(head_name)
    no_markup(page)

    # a dashboard chart's tooltip names its desa, as text
    expect(page.locator("svg.chart rect title").first).to_be_attached()
    no_markup(page)
    assert browser.dialogs(page) == []
