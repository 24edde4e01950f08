"""Every screen of the field app on a phone (412 × 915, touch): what a verifier sees at each
step, with no serious accessibility violation (axe-core); the app installable (Chromium reports
no installability error); sign-in refused to other roles and to a password still temporary.
Screenshots of each screen go to var/screenshots/field-*.png (docs/screenshots/ keeps copies).
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.browser.support import axe
from tests.field_app.support import (
    NEAR,
    PASSWORD,
    answer_questionnaire,
    go,
    heading,
    now_wita,
    photo_files,
    registered,
    screenshot,
    sign_in,
    take_photo,
    task_card,
)

HERE = (NEAR["latitude"], NEAR["longitude"])


def looked_at(page: Page, name: str, full_page: bool = False) -> None:
    """The screen as it stands: accessible, and kept as a picture."""
    page.wait_for_timeout(300)  # the last re-render after the store's answer
    found = axe(page)
    assert not found, f"{name}: {found}"
    screenshot(page, name, full_page)


def test_every_screen_on_a_phone_is_accessible_and_the_app_installs(field, crew, phone, tmp_path):
    home = registered(crew)
    device = phone()
    page = device.launch()
    device.open("/field/")
    heading(page, "Masuk ke SIPMAS Lapangan")
    assert page.evaluate("matchMedia('(pointer: coarse)').matches")  # a touch screen
    looked_at(page, "signin")

    sign_in(page, crew.username("viewer"))
    expect(page.get_by_role("alert")).to_contain_text("hanya untuk verifikator")
    looked_at(page, "signin-not-verifier")
    sign_in(page, crew.username("baru"))
    refused = page.get_by_role("alert")
    expect(refused).to_contain_text("Kata sandi Anda harus diganti dulu")
    expect(refused.get_by_role("link", name="Buka aplikasi web SIPMAS")).to_have_attribute(
        "href", "/"
    )
    page.get_by_label(re.compile("^Kata sandi")).fill("salah-sekali")
    page.get_by_role("button", name="Masuk", exact=True).tap()
    expect(page.get_by_role("alert")).to_be_visible()

    sign_in(page, crew.username("ani"), PASSWORD)
    heading(page, "Tugas saya")
    expect(task_card(page, home.head)).to_be_visible()
    device.worker_ready()
    looked_at(page, "tasks")
    cdp = page.context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and "SIPMAS Lapangan" in manifest["data"]

    task_card(page, home.head).get_by_role("link", name="Mulai kunjungan").tap()
    heading(page, f"Kunjungan: {home.head}")
    expect(page.get_by_role("list", name="Anggota keluarga")).to_contain_text(home.head)
    looked_at(page, "visit-household")
    page.get_by_role("button", name="Mulai kunjungan").tap()
    page.locator("#visit-outcome").get_by_label("Ditemukan di alamat").tap()
    expect(page.locator(".gps-fix")).to_contain_text(f"{NEAR['latitude']:.5f}")
    page.get_by_role("button", name="Simpan ke kotak keluar").tap()  # nothing answered yet
    summary = page.get_by_role("alert").filter(has_text="Jumlah anggota")
    expect(summary).to_be_visible()
    looked_at(page, "visit-errors")

    photos = photo_files(tmp_path, "f", now_wita() - timedelta(minutes=2), HERE, (4000, 3000))
    page.get_by_label("NIK yang tertulis di kartu").fill(home.niks[0])
    expect(page.locator(".nik-recorded")).to_be_visible()
    answer_questionnaire(page)
    for kind, path in photos.items():
        take_photo(page, kind, path)
    figure = page.locator("#photo-rumah-slot figcaption")
    expect(figure).to_contain_text("1600×1200")  # a 12-megapixel camera photo, made small
    expect(figure).to_contain_text("EXIF:")
    page.locator("#visit-outcome").scroll_into_view_if_needed()
    looked_at(page, "visit-form")
    page.locator("#photo-dapur-slot").scroll_into_view_if_needed()
    looked_at(page, "visit-photos")

    device.offline()
    page.get_by_role("button", name="Simpan ke kotak keluar").tap()
    heading(page, "Tugas saya")
    expect(page.locator(".waiting-count")).to_have_text("1 kunjungan menunggu dikirim")
    expect(page.locator(".net-pill")).to_have_text("Tanpa sinyal")
    looked_at(page, "tasks-waiting")
    go(page, "Kotak keluar")
    heading(page, "Kotak keluar")
    expect(page.locator(".outbox-item")).to_contain_text("0 dari 5 foto terkirim")
    looked_at(page, "outbox-waiting")

    go(page, "Akun")
    heading(page, "Akun dan perangkat")
    looked_at(page, "account")
    page.get_by_role("button", name="Keluar", exact=True).tap()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("1 kunjungan belum terkirim")
    looked_at(page, "signout-dialog")
    dialog.get_by_role("button", name="Batal").tap()

    device.online()
    go(page, "Kotak keluar")
    expect(page.locator(".outbox-item > .badges > .state-sent")).to_have_text(
        "Terkirim", timeout=60_000
    )
    looked_at(page, "outbox-sent")

    page.get_by_role("button", name="EN").tap()  # English, for whoever prefers it
    expect(page.locator("main h1")).to_have_text("Outbox")
    go_en = page.get_by_role("navigation").get_by_role("link", name="Tasks")
    go_en.tap()
    expect(page.locator("main h1")).to_have_text("My tasks")
    looked_at(page, "tasks-english")
    page.get_by_role("button", name="ID").tap()
    heading(page, "Tugas saya")
