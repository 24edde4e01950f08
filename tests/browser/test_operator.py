"""Operator desa: search the households of their desa; read a household's page (members,
address, where each value came from, photos, open conflicts, its whole story); register a
household, every error named at its field in Indonesian."""

from __future__ import annotations

import uuid
from datetime import date

from playwright.sync_api import expect

from tests.browser.support import (
    DESA_B,
    approved,
    dtsen_file,
    dtsen_person,
    family,
    field,
    heading,
    referral_of,
)
from tests.gateway.support_http import imported, wait_until


def test_operator_searches_the_households_of_their_desa(browser, crew):
    tag = uuid.uuid4().hex[:5].upper()
    ours = family(head=f"SUMIATI {tag}")
    theirs = family(DESA_B, head=f"SUMIATI {tag}")  # the same name in another desa
    for members in (ours, theirs):
        crew.client("admin").ok("POST", "/api/v1/households", json={"members": members})

    page = browser.as_person("operator")
    heading(page, "Cari rumah tangga")
    results = page.locator("ul.results > li")
    expect(results.first).to_be_visible()  # their desa's households, at once

    def search(**values: str) -> None:
        for label in ("Nama anggota", "NIK", "No. KK", "RT", "RW"):
            field(page, label).fill(values.get(label, ""))
        page.get_by_role("button", name="Cari", exact=True).click()

    search(**{"Nama anggota": f"sumiati {tag}"})  # any case, part of a name
    expect(page.get_by_role("heading", name="Hasil: 1 rumah tangga")).to_be_visible()
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(f"SUMIATI {tag}")
    expect(results.first).to_contain_text("Sangatta Utara")

    search(NIK=ours[1]["nik"])  # the wife's NIK finds her household
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(f"SUMIATI {tag}")
    expect(results.first).to_contain_text("6408********")  # the head's NIK, masked

    search(**{"No. KK": ours[0]["no_kk"]})
    expect(results).to_have_count(1)

    search(NIK=theirs[0]["nik"])  # the other desa's household is not theirs to find
    expect(page.get_by_text("Tidak ada rumah tangga yang cocok")).to_be_visible()

    search(**{"Nama anggota": f"sumiati {tag}", "RT": "4", "RW": "2"})
    expect(results).to_have_count(1)
    search(**{"Nama anggota": f"sumiati {tag}", "RT": "9"})
    expect(page.get_by_text("Tidak ada rumah tangga yang cocok")).to_be_visible()

    search(NIK="12345")  # said before asking the server
    expect(page.get_by_text("Harus 16 angka")).to_be_visible()

    search(**{"Nama anggota": f"sumiati {tag}"})
    results.first.get_by_role("link").click()
    heading(page, f"SUMIATI {tag}")


def test_operator_reads_a_household_page(browser, crew):
    tag = uuid.uuid4().hex[:5].upper()
    members = family(head=f"HASNAH {tag}")
    answer = crew.client("admin").ok("POST", "/api/v1/households", json={"members": members})
    household_id = answer["household_ids"][0]
    # the national data has the wife under another name: a conflict a person must settle
    wife = members[1]
    file = dtsen_file(
        [
            dtsen_person(
                f"RAHMAH {tag}",
                wife["no_kk"],
                wife["nik"],
                date(*reversed([int(x) for x in wife["tanggal_lahir"].split("-")])),
                head=False,
            )
        ]
    )
    admin = crew.client("admin")
    upload = admin.post(
        "/api/v1/imports",
        data={"source": "dtsen"},
        files={"file": (f"dtsen-{tag}.csv", file, "text/csv")},
    )
    assert imported(admin, upload)["status"] == "completed"
    approved(crew, household_id)
    referral_of(crew, household_id)  # its referral to Perkim is there

    page = browser.as_person("operator", f"/households/{household_id}")
    heading(page, f"HASNAH {tag}")
    members_table = page.get_by_role("table").filter(has_text="Hubungan dengan kepala keluarga")
    expect(members_table).to_contain_text(f"HASNAH {tag}")
    expect(members_table).to_contain_text("Kepala keluarga")
    expect(members_table).to_contain_text("6408********")  # NIKs masked
    expect(page.get_by_text("Jl. Pendidikan No.")).to_be_visible()
    expect(
        page.get_by_text("DTSEN, Data Pemda").or_(page.get_by_text("Data Pemda, DTSEN"))
    ).to_be_visible()

    # where each value came from: the wife's name from the DTSEN file's row 2
    page.locator("summary", has_text=f"Asal data ISTRI HASNAH {tag}").click()
    provenance = page.get_by_role("table", name=f"Asal data ISTRI HASNAH {tag}")
    expect(provenance).to_contain_text("diisi di SIPMAS oleh")

    # the photos of the visit, as thumbnails that load
    photos = page.locator("section[aria-labelledby=photos-title] img")
    expect(photos).to_have_count(5)
    wait_until(lambda: photos.first.evaluate("img => img.complete && img.naturalWidth > 0"))

    conflicts = page.locator("section[aria-labelledby=conf-title]")
    expect(conflicts).to_contain_text(f"RAHMAH {tag}")
    expect(conflicts).to_contain_text(f"ISTRI HASNAH {tag}")

    story = page.locator("ol.story")
    expect(story).to_contain_text("Didaftarkan sebagai Data Pemda")
    expect(story).to_contain_text(f"Diimpor dari DTSEN: berkas dtsen-{tag}.csv")
    expect(story).to_contain_text("Kunjungan oleh")
    expect(story).to_contain_text("Keputusan: Disetujui, Sangat miskin")
    expect(story).to_contain_text("ke Disperkim")
    expect(story).to_contain_text("Verifikasi ulang dijadwalkan")


def test_operator_registers_a_household_with_every_error_named(browser, crew):
    tag = uuid.uuid4().hex[:5].upper()
    members = family(head=f"MARTHEN {tag}", count=2)
    page = browser.as_person("operator", "/register")
    heading(page, "Daftarkan rumah tangga")
    form = page.locator("form")
    field(page, "RT").fill("4")
    field(page, "RW").fill("2")
    field(page, "Alamat (jalan, gang, nomor)").fill("Jl. Yos Sudarso II")
    field(page, "No. KK").fill(members[0]["no_kk"])

    first = page.get_by_role("group", name="Anggota 1")
    field(first, "NIK").fill(members[0]["nik"][:-1])  # 15 digits
    field(first, "Nama").fill(f"MARTHEN {tag}")
    page.get_by_role("button", name="Tambah anggota").click()
    second = page.get_by_role("group", name="Anggota 2")
    # a NIK whose date part is impossible: only the server's rules know
    field(second, "NIK").fill("6408049999990001")
    page.get_by_role("button", name="Simpan rumah tangga").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Anggota 1, NIK")
    expect(first).to_contain_text("Harus 16 angka")
    expect(second).to_contain_text("Wajib diisi")  # the second member's name

    field(first, "NIK").fill(members[0]["nik"])
    field(second, "Nama").fill(f"ISTRI MARTHEN {tag}")
    page.get_by_role("button", name="Simpan rumah tangga").click()
    expect(second).to_contain_text("NIK")  # the server's own words, in Indonesian
    expect(second.locator(".field-error")).to_contain_text("tidak mungkin")
    expect(form).to_be_visible()  # nothing typed is lost

    field(second, "NIK").fill(members[1]["nik"])
    second.get_by_label("Perempuan").check()
    field(second, "Hubungan dengan kepala keluarga").select_option(label="Istri/suami")
    page.get_by_role("button", name="Simpan rumah tangga").click()
    heading(page, f"MARTHEN {tag}")
    expect(page.get_by_role("table").first).to_contain_text(f"ISTRI MARTHEN {tag}")
    expect(page.get_by_text("Jl. Yos Sudarso II")).to_be_visible()
