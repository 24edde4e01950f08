"""Agency (OPD): the referral inbox (new, accepted, in progress, overdue, closed) with the due
dates of the SLA; accept, start, complete with an evidence file, reject with a reason; what the
agency may see of the household, and no more."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.browser.support import (
    approved,
    field,
    heading,
    referral_of,
    registered,
    set_due,
    toast,
)

PDF = b"%PDF-1.4\n% Berita acara serah terima bantuan bedah rumah\n%%EOF\n"


def test_agency_works_through_its_referral_inbox(browser, crew):
    tag = uuid.uuid4().hex[:5].upper()
    referrals = {}
    for word in ("SELESAI", "TOLAK", "LEWAT"):
        household_id, _ = registered(crew, head=f"{word} {tag}")
        approved(crew, household_id)
        referrals[word] = referral_of(crew, household_id)["referral_id"]
    set_due(
        "referral",
        "UPDATE referrals SET receive_by = now() - interval '2 days' WHERE id = :id",
        id=referrals["LEWAT"],
    )

    page = browser.as_person("opd")
    heading(page, re.compile("^Rujukan untuk Disperkim"))
    tabs = page.get_by_role("navigation", name="Status rujukan")
    inbox = page.locator("ul.results > li").filter(has_text=tag)
    expect(inbox).to_have_count(3)
    expect(inbox.filter(has_text=f"SELESAI {tag}")).to_contain_text("Diterima paling lambat")
    expect(inbox.filter(has_text=f"LEWAT {tag}")).to_contain_text("Melewati batas waktu")

    tabs.get_by_role("link", name="Terlambat").click()
    expect(page.locator("ul.results > li").filter(has_text=tag)).to_have_count(1)
    tabs.get_by_role("link", name="Baru").click()

    # accept, start, complete with evidence
    inbox.filter(has_text=f"SELESAI {tag}").get_by_role("link").click()
    heading(page, f"Rumah, air dan sanitasi — SELESAI {tag}")
    household = page.locator("section[aria-labelledby=hh-title]")
    expect(household).to_contain_text("Jl. Pendidikan No.")
    expect(household).to_contain_text("Kepala keluarga")
    expect(page.get_by_role("link", name="Buka halaman rumah tangga")).to_have_count(0)
    assert not re.search(r"\d{16}", page.locator("main").inner_text())  # no NIK
    answer = page.locator("form", has_text="Tanggapan OPD")
    answer.get_by_label("Terima rujukan").check()
    answer.get_by_role("button", name="Kirim tanggapan").click()
    expect(toast(page)).to_contain_text("Rujukan diterima")
    expect(page.locator("p.badges")).to_contain_text("Diterima")
    answer.get_by_label("Mulai kerjakan").check()
    answer.get_by_role("button", name="Kirim tanggapan").click()
    expect(page.locator("p.badges")).to_contain_text("Dikerjakan")
    answer.get_by_label("Selesai (dengan bukti)").check()
    answer.get_by_role("button", name="Kirim tanggapan").click()
    expect(answer).to_contain_text("Lampirkan bukti penyelesaian")
    field(answer, "Bukti penyelesaian").set_input_files(
        {"name": "berita-acara.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    field(answer, "Catatan").fill("Rumah sudah direhabilitasi.")
    answer.get_by_role("button", name="Kirim tanggapan").click()
    expect(toast(page)).to_contain_text("bukti terkirim")
    evidence = page.get_by_role("link", name="Buka bukti penyelesaian")
    expect(evidence).to_be_visible()
    fetched = page.request.get(evidence.get_attribute("href"))
    assert fetched.ok and fetched.body() == PDF
    history = page.locator("section[aria-labelledby=hist-title]")
    expect(history).to_contain_text("Rumah sudah direhabilitasi.")

    # reject with a reason
    page.get_by_role("link", name="Rujukan", exact=True).first.click()
    heading(page, re.compile("^Rujukan untuk Disperkim"))
    inbox.filter(has_text=f"TOLAK {tag}").get_by_role("link").click()
    answer.get_by_label("Tolak (dengan alasan)").check()
    answer.get_by_role("button", name="Kirim tanggapan").click()
    expect(answer).to_contain_text("Tulis alasan penolakan")
    field(answer, "Alasan penolakan").fill("Status lahan belum jelas; kuota tahun ini habis.")
    answer.get_by_role("button", name="Kirim tanggapan").click()
    expect(toast(page)).to_contain_text("Rujukan ditolak")
    expect(page.get_by_text("Alasan penolakan OPD: Status lahan belum jelas")).to_be_visible()

    # closed ones stay visible under their own tab
    page.goto("/referrals?tab=closed")
    closed = page.locator("ul.results > li").filter(has_text=tag)
    expect(closed).to_have_count(2)
    expect(closed.filter(has_text=f"SELESAI {tag}")).to_contain_text("Ditutup")
    expect(page.locator("ul.results > li").filter(has_text=f"LEWAT {tag}")).to_have_count(0)
