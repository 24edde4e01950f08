"""Supervisor: the approval queue (flagged visits first; the visit's answers and photos beside
what the registry held, the rules' reasons; approve, return, reject with reasons, send a second
verifier: maker-checker as the service enforces it); tasks per verifier and per kecamatan, the
overdue ones, and moving a task to another verifier."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.support import (
    approved,
    crew_task,
    field,
    heading,
    registered,
    set_due,
    toast,
    visited,
)
from tests.gateway.support_http import task_of, wait_until

JAKARTA = (-6.2, 106.8)  # a visit made there raises "outside Kutim"


def test_supervisor_decides_in_the_approval_queue(browser, crew):
    tag = uuid.uuid4().hex[:5].upper()
    plain = {}
    for word in ("KEMBALI", "TOLAK", "KEDUA"):
        household_id, _ = registered(crew, head=f"{word} {tag}")
        plain[word] = (visited(crew, household_id)["task_id"], household_id)
    flagged_id, flagged_head = registered(crew, head=f"BERTANDA {tag}")
    flagged_task = visited(crew, flagged_id, where=JAKARTA)["task_id"]

    page = browser.as_person("supervisor")
    heading(page, "Antrean persetujuan")
    queue = page.locator("ol.results > li")
    ours = queue.filter(has_text=tag)
    expect(ours).to_have_count(4)
    expect(ours.first).to_contain_text(flagged_head)  # flags first
    expect(ours.first).to_contain_text("tanda")
    expect(ours.nth(1)).to_contain_text(f"KEMBALI {tag}")  # then the oldest

    # the flagged visit: flags, the rules' reasons, answers beside the registry, photos
    ours.first.get_by_role("link").click()
    heading(page, f"Verifikasi: {flagged_head}")
    expect(page.locator("ul.flags li").first).to_be_visible()
    expect(page.locator("ul.explanation")).to_contain_text("Sangat miskin")
    answers = page.get_by_role("table", name="Jawaban kunjungan dibandingkan dengan data register")
    expect(answers).to_contain_text("Jenis lantai terluas")
    expect(answers).to_contain_text("Tanah")
    expect(answers.locator("tr", has_text="Jumlah anggota rumah tangga")).to_contain_text("3")
    photos = page.locator("section[aria-labelledby=photos-title] img")
    expect(photos).to_have_count(5)
    page.get_by_role("button", name="Setujui kunjungan").click()
    expect(page.get_by_text("Periksa tanda-tanda dulu")).to_be_visible()  # maker-checker
    page.get_by_label("Saya sudah memeriksa semua tanda").check()
    page.get_by_role("button", name="Setujui kunjungan").click()
    heading(page, "Antrean persetujuan")
    expect(ours).to_have_count(3)
    assert crew_task(crew, flagged_task)["state"] == "approved"

    # return with what to mend: the verifier has it again
    queue.filter(has_text=f"KEMBALI {tag}").get_by_role("link").click()
    heading(page, f"Verifikasi: KEMBALI {tag}")
    page.get_by_label("Kembalikan ke verifikator").check()
    page.get_by_role("button", name="Kembalikan", exact=True).click()
    expect(page.get_by_text("Tulis apa yang harus diperbaiki")).to_be_visible()
    field(page, "Yang harus diperbaiki verifikator").fill("Foto dapur buram, ulangi.")
    page.get_by_role("button", name="Kembalikan", exact=True).click()
    heading(page, "Antrean persetujuan")
    task_of(crew.client("verifier"), plain["KEMBALI"][1], "returned")  # on the verifier's desk

    # reject with a reason
    queue.filter(has_text=f"TOLAK {tag}").get_by_role("link").click()
    page.get_by_label("Tolak", exact=True).check()
    page.get_by_role("button", name="Tolak kunjungan").click()
    expect(page.get_by_text("Pilih paling sedikit satu alasan")).to_be_visible()
    page.get_by_label("Aset tidak sesuai klaim miskin").check()
    page.get_by_role("button", name="Tolak kunjungan").click()
    heading(page, "Antrean persetujuan")
    assert crew_task(crew, plain["TOLAK"][0])["state"] == "rejected"

    # a second verifier: someone else of the area is asked to visit
    queue.filter(has_text=f"KEDUA {tag}").get_by_role("link").click()
    page.get_by_label("Kirim verifikator kedua").check()
    field(page, "Verifikator kedua").select_option(label=_option_of(page, "Dewi Kartika"))
    page.get_by_role("button", name="Kirim verifikator kedua").click()
    heading(page, "Antrean persetujuan")
    second = crew_task(crew, plain["KEDUA"][0])
    assert second["second_assignee"] == crew.username("verifier_c")
    expect(queue.filter(has_text=f"KEDUA {tag}")).to_have_count(1)  # it waits for that visit


def _option_of(page, name: str) -> str:
    """The full text of the select's option that names ``name`` (it tells their open tasks)."""
    return page.locator("option", has_text=name).first.inner_text()


def test_supervisor_sees_tasks_per_verifier_and_kecamatan_and_moves_an_overdue_one(browser, crew):
    tag = uuid.uuid4().hex[:5].upper()
    household_id, head = registered(crew, head=f"TERLAMBAT {tag}")
    task = task_of(crew.client("verifier"), household_id)
    set_due(
        "verification",
        "UPDATE tasks SET due_at = now() - interval '3 days' WHERE id = :id",
        id=task["task_id"],
    )
    done_id, _ = registered(crew, head=f"SELESAI {tag}")
    approved(crew, done_id)

    page = browser.as_person("supervisor", "/tasks")
    heading(page, "Tugas verifikasi")
    per_verifier = page.get_by_role("table", name="Per verifikator")
    ani = per_verifier.locator("tr", has_text="Ani Lestari")
    expect(ani).to_be_visible()
    header = [c.strip() for c in per_verifier.locator("thead th").all_inner_texts()]
    cells = ani.locator("th, td").all_inner_texts()
    row = dict(zip(header, cells, strict=True))
    assert int(row["Terlambat"]) >= 1 and int(row["Disetujui"]) >= 1
    per_kecamatan = page.get_by_role("table", name="Per kecamatan")
    expect(per_kecamatan.locator("tr", has_text="Sangatta Utara")).to_be_visible()

    overdue = page.locator("section[aria-labelledby=overdue-title] tr", has_text=head)
    expect(overdue).to_contain_text("terlambat 3 hari")
    expect(overdue).to_contain_text(crew.username("verifier"))
    overdue.get_by_role("combobox").select_option(label=_option_of(overdue, "Dewi Kartika"))
    overdue.get_by_role("button", name="Alihkan").click()
    expect(toast(page)).to_contain_text("dialihkan ke")
    wait_until(lambda: crew_task(crew, task["task_id"])["assignee"] == crew.username("verifier_c"))
    expect(
        page.locator("section[aria-labelledby=overdue-title] tr", has_text=head)
    ).to_contain_text(crew.username("verifier_c"))
