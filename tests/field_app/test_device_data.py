"""What the phone keeps, and what it never does: no NIK in any form (the one typed from the
card is encrypted at once), no other verifier's task; sent and cached data cleared at
sign-out and after days without a sync, what was not sent kept (after asking) and sent once
its verifier signs in again, never with another verifier's credential.
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.field_app.support import (
    NEAR,
    NIK_LIKE,
    decoded_texts,
    do_visit,
    dump_device,
    go,
    heading,
    now_wita,
    photo_files,
    registered,
    sign_in,
    start_visit,
    store,
    task_card,
    visits_of,
    wait_for,
    waiting_count,
)
from tests.gateway.support_http import DESA_A

HERE = (NEAR["latitude"], NEAR["longitude"])


def test_the_device_holds_no_nik_and_no_other_verifiers_task(field, crew, phone, tmp_path):
    homes = [registered(crew) for _ in range(2)]
    elsewhere = registered(crew, "budi", DESA_A)  # another verifier's household and task
    device = phone()
    page = device.launch()
    device.open("/field/")
    sign_in(page, crew.username("ani"))
    expect(task_card(page, homes[1].head)).to_be_visible()
    device.worker_ready()
    device.offline()
    taken = now_wita() - timedelta(minutes=5)
    first = homes[0]
    do_visit(page, first.head, photo_files(tmp_path, "e", taken, HERE), nik=first.niks[0])
    # a second visit typed halfway, its NIK typed from the card: a draft
    start_visit(page, homes[1].head)
    page.locator("#visit-outcome").get_by_label("Ditemukan di alamat").check()
    nik = page.get_by_label("NIK yang tertulis di kartu")
    nik.fill(homes[1].niks[1])
    expect(page.locator(".nik-recorded")).to_be_visible()  # shown as recorded, not as digits
    expect(page.get_by_text(homes[1].niks[1])).to_have_count(0)
    page.locator("#q-member_count").fill("4")
    page.wait_for_timeout(500)  # the draft reaches the phone's store

    dump = dump_device(page)
    text = decoded_texts(dump)
    visits, drafts = store(dump, "visits"), store(dump, "drafts")
    # the dump holds what was typed, so the checks below can see (positive controls)
    assert [v["task_id"] for v in visits] == [first.task_id] and visits[0]["state"] == "waiting"
    assert visits[0]["body"]["nik"]["ciphertext"] and drafts[0]["nik"]["ciphertext"]
    assert drafts[0]["answers"]["member_count"] == "4"
    assert first.head in text and homes[1].head in text
    assert len(store(dump, "photos")) == 5 and dump["caches"]  # photos and the app's shell
    # and no NIK: no 16-digit number at all, none of the families' NIKs inside anything
    assert NIK_LIKE.findall(text) == []
    for family in homes + [elsewhere]:
        for number in family.niks:
            assert number not in text
    # no other verifier's task
    assert elsewhere.head not in text
    assert elsewhere.task_id not in [t["task_id"] for t in store(dump, "tasks")]
    assert {t["owner"] for t in store(dump, "tasks")} == {crew.username("ani")}

    device.close()  # the phone is switched off mid-visit: the draft is all there again
    page = device.launch(offline=True)
    device.open("/field/")
    start_visit(page, homes[1].head)  # "Lanjutkan draf"
    expect(page.locator("#q-member_count")).to_have_value("4")
    expect(page.locator(".nik-recorded")).to_be_visible()
    expect(page.locator("#visit-outcome").get_by_label("Ditemukan di alamat")).to_be_checked()


def one_sent_one_waiting(crew, phone, tmp_path):
    """A phone signed in as ani with one visit sent while online and one done offline, waiting."""
    sent_home, kept_home = registered(crew), registered(crew)
    device = phone()
    page = device.launch()
    device.open("/field/")
    sign_in(page, crew.username("ani"))
    expect(task_card(page, kept_home.head)).to_be_visible()
    device.worker_ready()
    taken = now_wita() - timedelta(minutes=5)
    do_visit(page, sent_home.head, photo_files(tmp_path / "s", f"{tmp_path.name}-s", taken, HERE))
    go(page, "Kotak keluar")
    expect(page.locator(".outbox-item > .badges > .state-sent")).to_have_count(1, timeout=30_000)
    device.offline()
    go(page, "Tugas")
    do_visit(page, kept_home.head, photo_files(tmp_path / "k", f"{tmp_path.name}-k", taken, HERE))
    return sent_home, kept_home, device, page


def test_sign_out_keeps_what_is_unsent_and_it_is_sent_after_signing_in_again(
    field, crew, phone, tmp_path
):
    sent_home, kept_home, device, page = one_sent_one_waiting(crew, phone, tmp_path)

    go(page, "Akun")
    page.get_by_role("button", name="Keluar", exact=True).click()
    dialog = page.get_by_role("dialog", name="Masih ada kunjungan yang belum terkirim")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("1 kunjungan belum terkirim")
    dialog.get_by_role("button", name="Batal").click()  # the verifier thinks again
    expect(dialog).to_be_hidden()
    heading(page, "Akun dan perangkat")
    page.get_by_role("button", name="Keluar", exact=True).click()
    dialog.get_by_role("button", name="Keluar, simpan yang belum terkirim").click()
    heading(page, "Masuk ke SIPMAS Lapangan")
    expect(page.get_by_text("Perangkat ini perlu masuk lagi sebagai")).to_be_visible()

    dump = dump_device(page)
    assert store(dump, "tasks") == [] and store(dump, "thumbs") == []
    [kept] = store(dump, "visits")  # the sent one is gone, the unsent one stays
    assert kept["task_id"] == kept_home.task_id and kept["state"] == "waiting"
    assert {p["visit_id"] for p in store(dump, "photos")} == {kept["visit_id"]}
    assert all(p["blob"] for p in store(dump, "photos"))
    assert sent_home.head not in decoded_texts(dump)

    # online again: the sign-out made offline ends the credential on the server now
    log_mark = field.gateway.size()
    device.online()
    ended = ("DELETE", "/api/v1/sync/credential", "204")
    wait_for(lambda: ended in field.gateway.requests_since(log_mark), 30)
    # another verifier signs in on this phone: the unsent visit is not theirs to send
    sign_in(page, crew.username("budi"))
    heading(page, "Tugas saya")
    expect(page.locator(".sync-summary")).to_contain_text("Sinkron terakhir")
    expect(task_card(page, kept_home.head)).to_have_count(0)  # ani's tasks are not budi's
    go(page, "Kotak keluar")
    other = page.locator(".outbox-item").filter(has_text=kept_home.head)
    expect(other).to_contain_text(f"Milik {crew.username('ani')}")
    page.wait_for_timeout(2000)
    sent = [r for r in field.gateway.requests_since(log_mark) if "/sync/visits" in r[1]]
    assert sent == [] and visits_of([kept_home.task_id]) == []

    go(page, "Akun")
    page.get_by_role("button", name="Keluar", exact=True).click()  # nothing of budi's unsent
    sign_in(page, crew.username("ani"))
    heading(page, "Tugas saya")
    go(page, "Kotak keluar")
    mine = page.locator(".outbox-item").filter(has_text=kept_home.head)
    expect(mine.locator("> .badges > .state-sent")).to_be_visible(timeout=30_000)
    assert [r["task_id"] for r in visits_of([kept_home.task_id])] == [kept_home.task_id]
    assert len(visits_of([sent_home.task_id])) == 1


def test_after_days_without_a_sync_sent_and_cached_data_go_unsent_stays(
    field, crew, phone, tmp_path
):
    sent_home, kept_home, device, page = one_sent_one_waiting(crew, phone, tmp_path)
    device.close()

    device.clock_shift = timedelta(days=15)  # two weeks in the forest, the phone off
    page = device.launch(offline=True)
    device.open("/field/")
    heading(page, "Tugas saya")
    expect(page.get_by_text("Tugas belum diambil")).to_be_visible()  # cleared
    expect(waiting_count(page)).to_have_text("1 kunjungan menunggu dikirim")
    dump = dump_device(page)
    assert store(dump, "tasks") == [] and store(dump, "thumbs") == []
    assert [v["task_id"] for v in store(dump, "visits")] == [kept_home.task_id]
    assert re.search(sent_home.head, decoded_texts(dump)) is None
