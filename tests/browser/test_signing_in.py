"""Signing in with a browser: each role lands on its own page; repeated failures lock the
username; a request without the session's CSRF token is refused; an idle session ends and the
person signs in again where they were; a temporary password must be changed before anything
else."""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from sipmas import db
from tests.browser.support import PASSWORD, field, heading, new_user


def sign_in(page: Page, username: str, password: str) -> None:
    field(page, "Nama pengguna").fill(username)
    field(page, "Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def test_each_role_signs_in_and_lands_on_its_own_page(browser, crew):
    landing = {
        "admin": "Dasbor",
        "supervisor": "Antrean persetujuan",
        "operator": "Cari rumah tangga",
        "verifier": "Tugas saya",
        "opd": re.compile("^Rujukan untuk"),
        "viewer": "Dasbor",
    }
    page = browser.signed_out()
    for role, title in landing.items():
        heading(page, "Masuk ke SIPMAS")
        sign_in(page, crew.username(role), PASSWORD)
        heading(page, title)
        expect(page.get_by_role("navigation", name="Menu utama")).to_be_visible()
        page.get_by_role("button", name="Keluar").click()


def test_repeated_failures_lock_the_username(browser):
    username = new_user(f"kunci-{uuid.uuid4().hex[:6]}", "operator", desa_codes=["64.08.04.2001"])
    page = browser.signed_out()
    for _ in range(5):
        sign_in(page, username, "salah-sekali-lagi")
        expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Coba lagi dalam")
    sign_in(page, username, PASSWORD)  # the right password now: still locked
    expect(page.get_by_role("alert")).to_contain_text("Coba lagi dalam")
    heading(page, "Masuk ke SIPMAS")


def test_a_change_without_the_csrf_token_is_refused(browser, crew):
    page = browser.as_person("operator", "/households")
    heading(page, "Cari rumah tangga")
    body = {"members": [{"nik": "6408040101800001", "nama": "X", "kode_desa": "64.08.04.2001"}]}
    refused = page.evaluate(
        """async ([body, token]) => {
            const send = (headers) => fetch('/api/v1/households', { method: 'POST',
                credentials: 'same-origin', body: JSON.stringify(body),
                headers: { 'Content-Type': 'application/json', ...headers } })
              .then(async (r) => [r.status, (await r.json()).error.code]);
            return [await send({}), await send({ 'X-CSRF-Token': token })];
        }""",
        [body, "not-the-token"],
    )
    assert refused == [[403, "csrf"], [403, "csrf"]]
    # the app itself sends the token: its own request is taken (and refused on its merits)
    page.get_by_role("link", name="Daftarkan rumah tangga baru").click()
    heading(page, "Daftarkan rumah tangga")


def test_an_idle_session_ends_and_the_person_signs_in_again(browser, crew):
    page = browser.as_person("supervisor", "/tasks")
    heading(page, "Tugas verifikasi")
    expect(page.locator("main .loading")).to_have_count(0)  # the page has what it asked for
    with db.engine("gateway").begin() as conn:  # an hour without a request, as if away
        conn.execute(
            sa.text(
                "UPDATE web_sessions SET last_seen_at = now() - interval '1 hour' "
                "WHERE username = :u AND revoked_at IS NULL"
            ),
            {"u": crew.username("supervisor")},
        )
    page.get_by_role("link", name="Persetujuan", exact=True).click()
    heading(page, "Masuk ke SIPMAS")
    expect(page.get_by_role("status").first).to_contain_text("Sesi berakhir")
    assert "next=%2Fapprovals" in page.url
    sign_in(page, crew.username("supervisor"), PASSWORD)
    heading(page, "Antrean persetujuan")  # back where they were going


def test_a_temporary_password_must_be_changed_first(browser, crew):
    username = new_user(f"baru-{uuid.uuid4().hex[:6]}", "viewer", password=None)
    admin = browser.as_person("admin", "/users")
    heading(admin, "Pengguna")
    admin.get_by_role("button", name=f"Ubah pengguna {username}").click()
    admin.get_by_role("button", name="Atur ulang kata sandi").click()
    temporary = admin.locator(".secret code").inner_text()

    page = browser.signed_out()
    sign_in(page, username, temporary)
    heading(page, "Ganti kata sandi Anda")
    page.goto("/dashboard")  # nothing else opens until it is changed
    heading(page, "Ganti kata sandi Anda")
    field(page, "Kata sandi sekarang").fill(temporary)
    field(page, "Kata sandi baru").fill("Sangatta-Utara-2026")
    field(page, "Ulangi kata sandi baru").fill("Sangatta-Utara-2026")
    page.get_by_role("button", name="Ganti kata sandi").click()
    heading(page, "Dasbor")


def test_english_is_a_switch_and_stays_chosen(browser, crew):
    page = browser.as_person("operator", "/households")
    heading(page, "Cari rumah tangga")
    page.get_by_role("button", name="English").click()
    heading(page, "Find a household")
    expect(page.get_by_role("link", name="Households", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()  # remembered on this device
    heading(page, "Find a household")
    page.get_by_role("button", name="Bahasa Indonesia").click()
    heading(page, "Cari rumah tangga")
