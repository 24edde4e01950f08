"""Admin: an import followed row by row as it runs (the page polls; the gateway's worker is not
held), its summary and row report on screen and as a download; the conflicts queue (both
values side by side with their files, keep one); users (roles, areas, password resets,
tokens); the routing table (the rules in force, their versions, a new version proposed)."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date

from playwright.sync_api import expect

from sipmas_cli import synthetic
from tests.browser.support import (
    dtsen_file,
    dtsen_person,
    family,
    field,
    heading,
    toast,
)
from tests.gateway.support_http import imported

# Collects every text the import's row counter shows, from the page's first moment on (a
# script of the test, not of the site: added through the DevTools protocol).
WATCH_ROWS = """
window.__rows = [];
new MutationObserver(() => {
  const el = document.querySelector('[data-testid=import-rows]');
  const text = el && el.textContent;
  if (text && window.__rows[window.__rows.length - 1] !== text) window.__rows.push(text);
}).observe(document, { childList: true, subtree: true, characterData: true });
"""


def counts(text: str) -> tuple[int, int] | None:
    found = re.fullmatch(r"([\d.]+) dari ([\d.]+) baris", text.strip())
    return (int(found[1].replace(".", "")), int(found[2].replace(".", ""))) if found else None


def a_large_export(path, households: int = 12_000) -> int:
    """A DTSEN export of ``households`` families (≈ 3.6 rows each) with a few bad rows, all
    desil 9: registered, none sent to the field (nothing else in the system has to wait)."""
    synthetic.write_file("dtsen", households, path, seed=15, error_rate=0.002)
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    header = lines[0].split(";")
    desil = header.index("desil_nasional_keluarga")
    rows = []
    for line in lines[1:]:
        cells = line.split(";")
        if len(cells) > desil and cells[desil].strip().isdigit():
            cells[desil] = "9"
        rows.append(";".join(cells))
    path.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    return len(rows)


def test_admin_imports_a_file_and_follows_it_row_by_row(browser, crew, tmp_path):
    export = tmp_path / "dtsen-kutim-2026-11.csv"
    total = a_large_export(export)
    page = browser.as_person("admin", "/imports")
    page.context.add_init_script(WATCH_ROWS)
    page.reload()
    heading(page, "Impor data")
    field(page, "Sumber").select_option(label="DTSEN")
    field(page, "Berkas").set_input_files(str(export))
    page.get_by_role("button", name="Unggah dan impor").click()
    heading(page, re.compile(r"^Impor #\d+$"))
    summary = page.get_by_role("heading", name="Ringkasan")
    expect(summary).to_be_visible(timeout=180_000)

    seen = [c for c in map(counts, page.evaluate("() => window.__rows")) if c]
    before = [done for done, of in seen if of == total and 0 < done < total]
    assert len(set(before)) >= 3, seen  # the bar moved with the rows, not just 0 then done
    assert seen[-1] == (total, total)
    expect(page.locator("progress")).to_have_attribute("value", str(total))

    facts = page.locator("section[aria-labelledby=summary-title]")
    expect(facts).to_contain_text(f"{total:,}".replace(",", "."))
    report = page.get_by_role("table", name="Masalah per baris")
    expect(report.locator("tbody tr").first).to_be_visible()
    title = page.locator("#report-title").inner_text()
    problems = int(re.search(r"\(([\d.]+) masalah\)", title)[1].replace(".", ""))
    assert problems > 0
    if problems > 50:  # the next page of the report comes from the server
        first_row = report.locator("tbody tr").first.inner_text()
        page.get_by_role("button", name="Berikutnya").click()
        expect(report.locator("tbody tr").first).not_to_have_text(first_row)

    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh laporan (CSV)").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) == problems + 1  # a header, then every problem

    page.get_by_role("link", name="Impor data").first.click()
    heading(page, "Impor data")
    expect(page.get_by_role("table").first).to_contain_text("dtsen-kutim-2026-11.csv")


def test_admin_settles_conflicts_side_by_side(browser, crew):
    tag = uuid.uuid4().hex[:5].upper()
    members = family(head=f"JUMADI {tag}")
    answer = crew.client("admin").ok("POST", "/api/v1/households", json={"members": members})
    household_id = answer["household_ids"][0]
    head = members[0]
    day, month, year = (int(x) for x in head["tanggal_lahir"].split("-"))
    file = dtsen_file(
        [
            dtsen_person(
                f"JUMADI BIN SALEH {tag}",
                head["no_kk"],
                head["nik"],
                date(year, month, day),
                head=True,
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

    page = browser.as_person("admin", "/conflicts")
    heading(page, "Konflik data")
    card = page.locator("ul.results > li").filter(has_text=f"JUMADI {tag}")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Nama")
    kept = card.locator("label.option").nth(0)
    other = card.locator("label.option").nth(1)
    expect(kept).to_contain_text(f"JUMADI {tag}")
    expect(kept).to_contain_text("Data Pemda")
    expect(other).to_contain_text(f"JUMADI BIN SALEH {tag}")
    expect(other).to_contain_text(f"DTSEN · dtsen-{tag}.csv")
    expect(other).to_contain_text("baris 2")
    other.get_by_role("radio").check()
    card.get_by_role("button", name="Pakai nilai ini").click()
    expect(toast(page)).to_contain_text("diselesaikan")
    expect(card).to_have_count(0)

    page.goto(f"/households/{household_id}")
    heading(page, f"JUMADI BIN SALEH {tag}")


def test_admin_keeps_users_their_roles_areas_passwords_and_tokens(browser, crew):
    username = f"op-{uuid.uuid4().hex[:6]}"
    page = browser.as_person("admin", "/users")
    heading(page, "Pengguna")
    page.get_by_role("button", name="Tambah pengguna").click()
    panel = page.locator("section[aria-labelledby=user-panel]")
    field(panel, "Nama pengguna").fill(username)
    field(panel, "Nama").fill("Operator Swarga Bara")
    field(panel, "Peran").select_option(label="Operator desa")
    panel.locator("summary", has_text="Sangatta Utara").click()
    panel.get_by_label("Swarga Bara", exact=True).check()
    panel.get_by_role("button", name="Buat pengguna").click()
    created = page.locator(".alert", has_text=f"Kata sandi sementara untuk {username}")
    expect(created.locator("code")).to_have_text(re.compile(r"\S{10,}"))
    row = page.locator("tbody tr", has_text=username)
    expect(row).to_contain_text("Operator desa")
    expect(row).to_contain_text("Swarga Bara")
    expect(row).to_contain_text("Harus ganti kata sandi")

    # a new role and area
    row.get_by_role("button", name=f"Ubah pengguna {username}").click()
    field(panel, "Peran").select_option(label="Supervisor")
    panel.get_by_label("Seluruh Kecamatan Sangatta Utara").check()
    panel.get_by_role("button", name="Simpan perubahan").click()
    expect(toast(page)).to_contain_text("Perubahan disimpan")
    expect(row).to_contain_text("Supervisor")
    expect(row).to_contain_text("Kecamatan Sangatta Utara")

    # a password reset, shown once
    panel.get_by_role("button", name="Atur ulang kata sandi").click()
    expect(
        panel.locator(".alert", has_text="Kata sandi sementara:").locator("code")
    ).to_be_visible()

    # an API token, shown once, then revoked
    field(panel, "Keterangan token").fill("Laptop kantor desa")
    panel.get_by_role("button", name="Buat token API").click()
    expect(panel.locator(".alert", has_text="Token baru:").locator("code")).to_have_text(
        re.compile(r"^sipmas_")
    )
    tokens = panel.get_by_role("table", name="Token API")
    expect(tokens).to_contain_text("Laptop kantor desa")
    tokens.get_by_role("button", name=re.compile(r"^Cabut token #")).click()
    expect(tokens).to_contain_text("Dicabut")

    # and no more access at all
    panel.get_by_role("button", name="Nonaktifkan").click()
    expect(row).to_contain_text("Nonaktif")


def test_admin_proposes_a_new_version_of_the_routing_table(browser, crew):
    page = browser.as_person("admin", "/routing")
    heading(page, "Tabel rujukan")
    rules = page.get_by_role("table", name="Aturan rujukan")
    expect(rules).to_contain_text("rumah-perkim")
    versions = page.get_by_role("table", name="Versi", exact=True)
    before = versions.locator("tbody tr").count()
    expect(page.get_by_role("heading", name=f"Versi {before} yang berlaku")).to_be_visible()

    page.get_by_role("button", name="Mulai dari tabel yang berlaku").click()
    text = field(page, "Isi CSV")
    current = text.input_value()
    assert current.startswith("rule_id,need,")
    text.fill(current.replace("rumah,,,,,perkim,", "rumah,,,,,bukan_opd,", 1))
    field(page, "Catatan perubahan").fill("Percobaan yang salah")
    page.get_by_role("button", name="Kirim versi baru").click()
    problems = page.locator("form ul.field-error")
    expect(problems).to_contain_text("Baris")
    expect(problems).to_contain_text("opd_code: OPD 'bukan_opd' tidak dikenal")  # in Indonesian
    expect(versions.locator("tbody tr")).to_have_count(before)

    text.fill(current.replace("Perkim owns RTLH", "Perkim owns RTLH (2027)"))
    field(page, "Catatan perubahan").fill("Catatan program 2027")
    page.get_by_role("button", name="Kirim versi baru").click()
    expect(toast(page)).to_contain_text("dipasang")
    expect(versions.locator("tbody tr")).to_have_count(before + 1)
    expect(versions).to_contain_text("Catatan program 2027")
    expect(page.get_by_role("heading", name=f"Versi {before + 1} yang berlaku")).to_be_visible()
