"""One household across every role, all in the browser: the operator registers it, the
verifier visits it with photos on a phone, the supervisor approves, the agency completes its
referral with evidence; the head of Dinsos sees the count of its desa move, and the household
page tells the whole story."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.browser.support import (
    PHONE,
    SANGATTA,
    family,
    field,
    fill_visit,
    heading,
)
from tests.gateway.support_http import wait_until

PDF = b"%PDF-1.4\n% Berita acara: rumah selesai direhabilitasi\n%%EOF\n"


def poor_in_our_desa(page: Page) -> int:
    """The dashboard's count of poor households in desa Sangatta Utara (today)."""
    page.goto("/dashboard")
    heading(page, "Dasbor")
    page.get_by_label("Angka", exact=True).select_option(label="Rumah tangga miskin")
    page.get_by_label("Tingkat").select_option(label="Desa/kelurahan")
    table = page.get_by_role("table", name=re.compile("^Rumah tangga miskin per Desa"))
    row = table.locator("tbody tr").filter(
        has=page.locator("th", has_text=re.compile("^Sangatta Utara$"))
    )
    expect(row).to_have_count(1)
    today = row.locator("td").nth(2).inner_text()  # kecamatan, before, after
    return int(today.replace(".", ""))


def test_one_household_across_all_roles(browser, crew):
    tag = uuid.uuid4().hex[:5].upper()
    members = family(head=f"PERJALANAN {tag}", count=2)
    head = members[0]["nama"]

    kepala = browser.as_person("kepala", "/dashboard")
    before = poor_in_our_desa(kepala)

    # the operator registers it
    operator = browser.as_person("operator", "/register")
    heading(operator, "Daftarkan rumah tangga")
    field(operator, "No. KK").fill(members[0]["no_kk"])
    field(operator, "Alamat (jalan, gang, nomor)").fill("Jl. Kenyamukan Gg. Damai")
    field(operator, "RT").fill("12")
    field(operator, "RW").fill("3")
    for n, member in enumerate(members, start=1):
        if n > 1:
            operator.get_by_role("button", name="Tambah anggota").click()
        group = operator.get_by_role("group", name=f"Anggota {n}")
        field(group, "NIK").fill(member["nik"])
        field(group, "Nama").fill(member["nama"])
        day, month, year = member["tanggal_lahir"].split("-")
        field(group, "Tanggal lahir").fill(f"{year}-{month}-{day}")
        group.get_by_label("Laki-laki" if member["jenis_kelamin"] == "L" else "Perempuan").check()
        relation = "Kepala keluarga" if n == 1 else "Istri/suami"
        field(group, "Hubungan dengan kepala keluarga").select_option(label=relation)
    operator.get_by_role("button", name="Simpan rumah tangga").click()
    heading(operator, head)
    household_url = operator.url

    # the verifier visits it with photos, on a phone
    verifier = browser.as_person(
        "verifier",
        "/tasks",
        size=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation=SANGATTA,
        permissions=["geolocation"],
    )
    card = verifier.locator("ul.results > li", has_text=head)
    expect(card).to_be_visible()
    card.get_by_role("link", name="Mulai kunjungan").click()
    verifier.get_by_label("Ditemukan di alamat").check()
    fill_visit(verifier, tag)
    verifier.get_by_role("button", name="Kirim kunjungan").click()
    expect(verifier.get_by_role("status").filter(has_text="Kunjungan terkirim")).to_be_visible()

    # the supervisor approves
    supervisor = browser.as_person("supervisor", "/approvals")
    supervisor.locator("ol.results > li", has_text=head).get_by_role("link").click()
    heading(supervisor, f"Verifikasi: {head}")
    expect(supervisor.locator("section[aria-labelledby=photos-title] img")).to_have_count(5)
    reviewed = supervisor.get_by_label("Saya sudah memeriksa semua tanda")
    if reviewed.count():  # flags depend on the whole desa's visits: review them if raised
        reviewed.check()
    supervisor.get_by_role("button", name="Setujui kunjungan").click()
    heading(supervisor, "Antrean persetujuan")

    # the agency completes its referral with evidence
    agency = browser.as_person("opd", "/referrals")
    referral = agency.locator("ul.results > li", has_text=head)
    expect(referral).to_be_visible(timeout=60_000)
    referral.get_by_role("link").click()
    answer = agency.locator("form", has_text="Tanggapan OPD")
    for action, state in (("Terima rujukan", "Diterima"), ("Mulai kerjakan", "Dikerjakan")):
        answer.get_by_label(action).check()
        answer.get_by_role("button", name="Kirim tanggapan").click()
        expect(agency.locator("p.badges")).to_contain_text(state)
    answer.get_by_label("Selesai (dengan bukti)").check()
    field(answer, "Bukti penyelesaian").set_input_files(
        {"name": "berita-acara.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    answer.get_by_role("button", name="Kirim tanggapan").click()
    expect(agency.get_by_role("link", name="Buka bukti penyelesaian")).to_be_visible()

    # the head of Dinsos sees the desa's count move (the page read again until it has)
    wait_until(lambda: poor_in_our_desa(kepala) == before + 1, timeout=30)

    # and the household page tells the whole story
    operator.goto(household_url)
    story = operator.locator("ol.story")
    for step in (
        "Didaftarkan sebagai Data Pemda oleh",
        "Tugas verifikasi #",
        "Kunjungan oleh",
        "Keputusan: Disetujui, Sangat miskin",
        "Kasus #",
        "ke Disperkim / Perkim: Rumah, air dan sanitasi",
        "Diterima → Dikerjakan",
        "Dikerjakan → Selesai",
        "Verifikasi ulang dijadwalkan",
    ):
        expect(story).to_contain_text(step)
    expect(story.locator("img")).to_have_count(5)
    expect(operator.locator("p.badges")).to_contain_text(re.compile("Dirujuk|Sedang ditangani"))
