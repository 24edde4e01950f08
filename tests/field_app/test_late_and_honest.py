"""What the phone cannot know offline, and what it cannot hide: a task given to someone else
while the phone had no signal still receives the visit, late, and the verifier is told why; a
phone clock two days ahead and a GPS 50 km from the household become flags for the supervisor.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import expect

from tests.field_app.support import (
    HOME,
    NEAR,
    do_visit,
    go,
    heading,
    now_wita,
    photo_files,
    registered,
    sign_in,
    task_card,
    visits_of,
)
from tests.gateway.support_http import DESA_C, visit_form

HERE = (NEAR["latitude"], NEAR["longitude"])


def test_a_task_reassigned_while_offline_gets_the_visit_late_and_the_verifier_sees_why(
    field, crew, phone, tmp_path
):
    home = registered(crew)
    device = phone()
    page = device.launch()
    device.open("/field/")
    sign_in(page, crew.username("ani"))
    expect(task_card(page, home.head)).to_be_visible()
    device.worker_ready()
    device.offline()

    supervisor = crew.client("spv")  # meanwhile, at the office
    other = crew.username("budi")
    supervisor.ok("POST", f"/api/v1/tasks/{home.task_id}/assign", json={"verifier": other})
    data, files = visit_form(desa_code=DESA_C)
    crew.client("budi").ok(
        "POST", f"/api/v1/tasks/{home.task_id}/visits", data=data, files=files
    )  # the other verifier's visit

    taken = now_wita() - timedelta(minutes=3)
    do_visit(page, home.head, photo_files(tmp_path, "late", taken, HERE))
    device.online()
    go(page, "Kotak keluar")
    item = page.locator(".outbox-item").filter(has_text=home.head)
    expect(item.locator("> .badges > .state-sent")).to_have_text(
        "Terkirim — kunjungan terlambat", timeout=60_000
    )
    expect(item.locator(".late-why")).to_contain_text("dialihkan")  # why, in Indonesian

    detail = supervisor.ok("GET", f"/api/v1/tasks/{home.task_id}")
    assert detail["assignee"] == other
    assert len(detail["visits"]) == 2 and detail["late_visits"] == 1
    late = [v for v in detail["visits"] if v["late"]]
    assert [v["late_reason"] for v in late] == ["reassigned"]
    assert len(visits_of([home.task_id])) == 2
    go(page, "Tugas")  # the task left the verifier's list with the next sync
    expect(task_card(page, home.head)).to_have_count(0, timeout=30_000)


def test_a_phone_clock_two_days_ahead_and_gps_50_km_away_become_flags(field, crew, phone, tmp_path):
    home = registered(crew)
    far = {"latitude": HOME.lat + 0.45, "longitude": HOME.lon, "accuracy": 10}  # 50 km north
    device = phone(position=far, clock_shift=timedelta(days=2))
    page = device.launch()
    device.open("/field/")
    sign_in(page, crew.username("ani"))
    heading(page, "Tugas saya")
    # the verifier is told too: every time of the visit comes from this clock
    expect(page.get_by_text("Jam ponsel ini berbeda 2 hari dengan server")).to_be_visible()
    files = photo_files(tmp_path, "far", now_wita(), (far["latitude"], far["longitude"]))
    do_visit(page, home.head, files)
    go(page, "Kotak keluar")
    expect(page.locator(".outbox-item > .badges > .state-sent")).to_have_count(1, timeout=60_000)

    [visit] = crew.client("spv").ok("GET", f"/api/v1/tasks/{home.task_id}")["visits"]
    said = {flag["code"]: flag["detail_id"] for flag in visit["flags"]}
    assert {"clock_off", "far_from_household"} <= set(said)
    # the supervisor reads what was found in Indonesian, numbers with a decimal comma
    assert said["clock_off"].startswith("jam ponsel 2,0 hari lebih cepat")
    assert re.fullmatch(r"kunjungan tercatat \d+,\d km dari lokasi .*", said["far_from_household"])
    assert abs(visit["clock_offset_seconds"] - 2 * 86_400) < 600  # the phone's own clock
    # the visit's times are the phone's: two days after the server received it
    started, received = (datetime.fromisoformat(visit[k]) for k in ("started_at", "received_at"))
    assert timedelta(days=1.9) < started - received < timedelta(days=2.1)
