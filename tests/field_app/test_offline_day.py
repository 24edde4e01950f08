"""A day without signal: the verifier signs in once, the phone loses its network (for the
service worker too: the proxy closes every connection), the app opens from its service worker,
three visits with photos are done and survive the browser closing and the phone restarting;
back online they reach the supervisor each exactly once, photos intact. A connection cut in the
middle of a photo and a gateway killed during the sync lose nothing and record nothing twice.
"""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

from PIL import Image
from playwright.sync_api import expect

from tests.field_app.support import (
    NEAR,
    PHOTO_KINDS,
    do_visit,
    dump_device,
    go,
    heading,
    now_wita,
    photo_files,
    registered,
    sign_in,
    store,
    stored_photo,
    task_card,
    visits_of,
    wait_for,
    waiting_count,
)

HERE = (NEAR["latitude"], NEAR["longitude"])


def signed_in_phone(phone, crew, homes):
    device = phone()
    page = device.launch()
    device.open("/field/")
    sign_in(page, crew.username("ani"))
    heading(page, "Tugas saya")
    for home in homes:
        expect(task_card(page, home.head)).to_be_visible()
    device.worker_ready()
    expect(page.locator(".net-pill")).to_have_text("Ada sinyal")
    return device, page


def outbox_states(page) -> list[str]:
    return page.locator(".outbox-item > .badges > [class*='state-']").all_inner_texts()


def test_a_day_offline_reaches_the_supervisor_exactly_once(field, crew, phone, tmp_path):
    homes = [registered(crew) for _ in range(3)]
    device, page = signed_in_phone(phone, crew, homes)
    taken = now_wita() - timedelta(minutes=5)
    photos = {h.task_id: photo_files(tmp_path / str(h.task_id), f"a{h.task_id}", taken, HERE)
              for h in homes}  # fmt: skip

    device.offline()
    log_mark, net_mark = field.gateway.size(), field.proxy.snapshot()
    page.reload()  # the service worker serves the app: no network at all
    heading(page, "Tugas saya")
    expect(page.locator(".net-pill")).to_have_text("Tanpa sinyal")
    for home in homes:
        do_visit(page, home.head, photos[home.task_id], nik=home.niks[0])
    expect(waiting_count(page)).to_have_text("3 kunjungan menunggu dikirim")

    device.close()  # the phone restarts, still without signal
    page = device.launch(offline=True)
    device.open("/field/kotak-keluar")
    heading(page, "Kotak keluar")
    expect(page.locator(".outbox-item")).to_have_count(3)
    assert outbox_states(page) == ["Menunggu"] * 3
    for home in homes:
        expect(page.locator(".outbox-item").filter(has_text=home.head)).to_contain_text(
            "0 dari 5 foto terkirim"
        )
    page.wait_for_timeout(3000)  # the app runs on meanwhile (timers, the worker's update check)
    assert field.gateway.requests_since(log_mark) == []  # not one request reached it
    offline = field.proxy.snapshot()
    assert offline.forwarded == net_mark.forwarded and offline.bytes_up == net_mark.bytes_up
    assert visits_of([h.task_id for h in homes]) == []

    device.online()  # nobody presses anything
    expect(page.locator(".outbox-item > .badges > .state-sent")).to_have_count(3, timeout=60_000)
    rows = visits_of([h.task_id for h in homes])
    assert sorted(r["task_id"] for r in rows) == sorted(h.task_id for h in homes)  # once each
    assert not any(r["late"] for r in rows)
    requests = field.gateway.requests_since(log_mark)
    posts = [r for r in requests if r[0] == "POST" and r[1] == "/api/v1/sync/visits"]
    puts = [r for r in requests if r[0] == "PUT"]
    assert len(posts) == 3 and len(puts) == 15  # a fresh photo: one request, no HEAD
    assert not [r for r in requests if r[0] == "HEAD"]

    supervisor = crew.client("spv")
    queue = supervisor.ok("GET", "/api/v1/tasks", params={"state": "submitted"})["tasks"]
    assert {h.task_id for h in homes} <= {t["task_id"] for t in queue}
    for home in homes:
        detail = supervisor.ok("GET", f"/api/v1/tasks/{home.task_id}")
        [visit] = detail["visits"]
        assert visit["nik_check"] == "match" and visit["late"] is False
        shown = {p["kind"]: p for p in visit["photo_details"]}
        assert set(shown) == set(PHOTO_KINDS)
        for kind, photo in shown.items():
            data = stored_photo(field, photo["sha256"])
            assert data is not None and hashlib.sha256(data).hexdigest() == photo["sha256"]
            assert len(data) <= 200 * 1024
            assert max(Image.open(io.BytesIO(data)).size) <= 1600
            original = photos[home.task_id][kind].read_bytes()
            assert len(data) < len(original)
            # the EXIF read on the phone before compressing, though the file has none now
            assert photo["exif_time"] is not None
            assert abs(photo["exif_latitude"] - HERE[0]) < 1e-3
            assert abs(photo["exif_longitude"] - HERE[1]) < 1e-3
            assert "exif" not in Image.open(io.BytesIO(data)).info
    go(page, "Tugas")
    expect(waiting_count(page)).to_have_text("Tidak ada kiriman yang menunggu.")


def test_a_cut_upload_and_a_killed_gateway_lose_nothing(field, crew, phone, tmp_path):
    homes = [registered(crew) for _ in range(2)]
    device, page = signed_in_phone(phone, crew, homes)
    device.offline()
    taken = now_wita() - timedelta(minutes=5)
    for home in homes:
        files = photo_files(tmp_path / str(home.task_id), f"b{home.task_id}", taken, HERE)
        do_visit(page, home.head, files)
    hashes = [p["sha256"] for p in store(dump_device(page), "photos")]
    assert len(hashes) == 10

    # the link comes back, and dies 80 KB into the first photos
    field.proxy.cut_after(80_000)
    device.context.set_offline(False)
    wait_for(lambda: field.proxy.snapshot().cuts == 1, 30)
    go(page, "Kotak keluar")
    expect(page.locator(".outbox-item > .badges > .state-waiting")).to_have_count(2)
    for sha in hashes:  # half a photo is no photo: nothing or the whole of it
        data = stored_photo(field, sha)
        assert data is None or hashlib.sha256(data).hexdigest() == sha
    assert visits_of([h.task_id for h in homes]) == []

    # online on a slow link; the gateway dies (SIGKILL) once the sync is under way
    field.proxy.throttle(kbps=1500, rtt_ms=100)
    field.proxy.online()
    wait_for(lambda: any(stored_photo(field, sha) for sha in hashes), 60)
    field.gateway.kill()
    page.wait_for_timeout(1500)
    field.gateway.start()  # on its port again; the outbox finds it by itself
    field.proxy.unthrottled()
    expect(page.locator(".outbox-item > .badges > .state-sent")).to_have_count(2, timeout=90_000)

    rows = visits_of([h.task_id for h in homes])
    assert sorted(r["task_id"] for r in rows) == sorted(h.task_id for h in homes)
    for sha in hashes:
        data = stored_photo(field, sha)
        assert data is not None and hashlib.sha256(data).hexdigest() == sha
    supervisor = crew.client("spv")
    for home in homes:
        [visit] = supervisor.ok("GET", f"/api/v1/tasks/{home.task_id}")["visits"]
        assert len(visit["photo_details"]) == 5
