"""Head of Dinsos / viewer: the dashboard — households, poor and extreme poor per kecamatan and
desa, how the registry's own counts changed between two dates the viewer picks, referrals per
agency and state with the SLA breaches, verification progress; the map of Kutim coloured by
any of these (an area's figures in its popup); charts and tables as CSV and PNG."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.support import (
    SCREENSHOTS,
    approved,
    heading,
    now,
    referral_of,
    registered,
    set_due,
)


def test_viewer_compares_two_dates_on_the_dashboard_and_its_map(browser, crew):
    household_id, _ = registered(crew)
    approved(crew, household_id)
    referral = referral_of(crew, household_id)
    set_due(
        "referral",
        "UPDATE referrals SET receive_by = now() - interval '1 day' WHERE id = :id",
        id=referral["referral_id"],
    )

    page = browser.as_person("kepala", "/dashboard")
    heading(page, "Dasbor")
    yesterday = (now() + timedelta(hours=8) - timedelta(days=1)).date().isoformat()
    page.get_by_label("Tanggal awal").fill(yesterday)
    page.get_by_role("button", name="Bandingkan").click()
    registered_card = page.locator("li.figure", has_text="Rumah tangga terdaftar")
    expect(registered_card).to_contain_text(re.compile(r"\d → [1-9]"))
    expect(page.locator("li.figure", has_text="Rumah tangga miskin ekstrem")).to_contain_text("→")

    # the comparison per desa, extreme poor first
    page.get_by_label("Angka", exact=True).select_option(label="Rumah tangga miskin ekstrem")
    page.get_by_label("Tingkat").select_option(label="Desa/kelurahan")
    compare = page.get_by_role("table", name=re.compile("^Rumah tangga miskin ekstrem per Desa"))
    expect(compare.locator("tr", has_text="Sangatta Utara").first).to_be_visible()

    # its table as CSV, its chart as PNG
    section = page.locator("section[aria-labelledby=compare-title]")
    with page.expect_download() as csv_file:
        section.get_by_role("button", name=re.compile("^Unduh CSV")).last.click()
    rows = list(csv.reader(io.StringIO(csv_file.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "Desa/kelurahan" and len(rows) > 1
    with page.expect_download() as png_file:
        section.get_by_role("button", name=re.compile("^Unduh PNG")).first.click()
    assert png_file.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bar = section.locator("svg.chart rect title").first
    expect(bar).to_contain_text(" — ")  # each bar tells its area, date and count

    # the map: every kecamatan drawn; an area's figures in its popup
    page.get_by_label("Tingkat").select_option(label="Kecamatan")
    map_section = page.locator("section[aria-labelledby=map-title]")
    map_section.scroll_into_view_if_needed()
    expect(map_section.locator("path.leaflet-interactive")).to_have_count(18)
    map_section.get_by_label("Warna peta menurut").select_option(label="Kemajuan verifikasi")
    map_section.get_by_label("Tampilkan keterangan wilayah").select_option(label="Sangatta Utara")
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Sangatta Utara")
    expect(popup).to_contain_text("Rumah tangga terdaftar")
    expect(popup).to_contain_text("Kemajuan verifikasi")
    page.wait_for_function(  # the popup has faded in
        "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    )
    (SCREENSHOTS / "first-screen").mkdir(parents=True, exist_ok=True)
    map_section.screenshot(path=str(SCREENSHOTS / "first-screen" / "kepala-dashboard-map.png"))

    # referrals per agency with the SLA breaches; verification progress
    referrals = page.get_by_role("table", name="Rujukan per OPD dan status")
    expect(referrals.locator("tr", has_text="Perkim")).to_be_visible()
    late = referrals.locator("tr", has_text="Perkim").locator("td").last
    expect(late).not_to_have_text("0")
    progress = page.get_by_role("table", name="Kemajuan verifikasi")
    expect(progress.locator("tr", has_text="Sangatta Utara")).to_be_visible()
