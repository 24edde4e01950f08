"""A day's visits over a village link: ``python -m benchmarks.field_sync [--visits 50]
[--photos 3] [--kbps 400] [--rtt-ms 400] [--json OUT] [--keep]``.

Goal (issue 16): fifty visits with three photos each, queued offline on a phone, reach the
server over a link of 400 kbit/s each way with 400 ms round trip in under 10 minutes — every
visit once — and the throughput measured never exceeds the link.

What runs: the real services as ``make run`` runs them (one ``nameko run`` process for the four
services, the gateway in its own, serving ``web/dist``) on a scratch vhost and scratch
databases; the field app in real Chromium (412 × 915, touch), signed in once, then offline: for
each visit the whole questionnaire is answered through the screen and three camera photos
(4000 × 3000 JPEGs with EXIF and texture, made with Pillow, 2–3 MB each) are taken through the
file chooser; the phone compresses each (≤ 1600 px, ≤ 200 KB), hashes it and keeps it.

What is measured: from the moment the network returns (nobody presses anything) until every
visit is in verification's database. The link is a loopback proxy (tests/field_app/proxy.py)
between Chromium and the gateway: it holds every byte to the link's rate and delay, the service
worker's and the page's alike, and counts them. Figures: the time, the visits on the server
(each once), bytes up and down through the link, the original and compressed photos' bytes, the
mean upstream throughput and its peak in any 10 s (the proxy may let out 4 segments at once
after it woke late: 4.7 kbit/s over 10 s), beside the link's.

Setting up (the photos made, fifty visits typed) takes a few minutes more than the sync itself.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

os.environ.setdefault(
    "SIPMAS_DATABASE_URL_TEMPLATE",
    "postgresql://postgres@127.0.0.1:5432/sipmas_bench_field_{service}",
)
os.environ.setdefault("SIPMAS_METRICS_PORT", "0")

from benchmarks.support import Services, machine, scratch_vhost  # noqa: E402
from sipmas import db, settings  # noqa: E402
from sipmas_cli import system, topology  # noqa: E402
from tests.field_app.proxy import BURST, Proxy  # noqa: E402
from tests.field_app.support import (  # noqa: E402
    NEAR,
    PHOTO_KINDS,
    WEB_DIST,
    FieldSystem,
    Gateway,
    Phone,
    camera_photo,
    do_visit,
    heading,
    make_crew,
    now_wita,
    registered,
    sign_in,
    task_card,
    visits_of,
)

SERVICES = ("registry", "verification", "referral", "notifications")
GOAL_SECONDS = 600
PEAK_WINDOW = 10.0  # seconds: the peak throughput's window
CACHE = Path(os.environ.get("SIPMAS_BENCH_DIR", "var/bench"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=50)
    parser.add_argument("--photos", type=int, default=3, choices=range(1, 6))
    parser.add_argument("--kbps", type=float, default=400.0, help="the link, each way")
    parser.add_argument("--rtt-ms", type=float, default=400.0, help="round trip")
    parser.add_argument("--size", default="4000x3000", help="the camera's photos, WxH")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after (s)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--amqp-uri", default=settings.amqp_uri())
    return parser.parse_args(argv)


def fresh_databases() -> None:
    for service in (*SERVICES, "gateway"):
        db.drop_database(settings.database_url(service))
        system.migrate(service)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not (WEB_DIST / "field" / "index.html").exists():
        print("web/dist/field is missing: run `make web` first")
        return 2
    width, height = (int(n) for n in args.size.split("x"))
    print(f"field sync benchmark — {machine(args.amqp_uri)}", flush=True)
    print(
        f"{args.visits} visits × {args.photos} photos ({width}×{height} camera JPEGs), queued "
        f"offline in Chromium, then sent over {args.kbps:g} kbit/s each way, "
        f"{args.rtt_ms:g} ms round trip; databases "
        + settings.database_url("{service}").rsplit("/", 1)[1],
        flush=True,
    )
    fresh_databases()
    with tempfile.TemporaryDirectory(prefix="sipmas-field-bench-") as scratch:
        root = Path(scratch)
        os.environ["SIPMAS_EVIDENCE_ROOT"] = str(root / "evidence")
        os.environ["SIPMAS_UPLOAD_ROOT"] = str(root / "uploads")
        try:
            with scratch_vhost(args.amqp_uri) as uri:
                figures = run(args, uri, root, (width, height))
        finally:
            if not args.keep:
                for service in (*SERVICES, "gateway"):
                    db.drop_database(settings.database_url(service))
    report(args, figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    ok = (
        figures["visits_on_server"] == args.visits
        and figures["visits_twice"] == 0
        and figures["peak_up_bps"] <= figures["link_bps"] + BURST / PEAK_WINDOW
        and figures["mean_up_bps"] <= figures["link_bps"]
    )
    return 0 if ok else 1


def run(args: argparse.Namespace, uri: str, root: Path, size: tuple[int, int]) -> dict:
    topology.declare(uri)
    env = {
        "AMQP_URI": uri,
        "SIPMAS_DATABASE_URL_TEMPLATE": os.environ["SIPMAS_DATABASE_URL_TEMPLATE"],
        "SIPMAS_METRICS_PORT": "0",
        "SIPMAS_SMTP_PORT": "9",  # notifications wait: not what is measured here
        "SIPMAS_SMS_GATEWAY_URL": "http://127.0.0.1:9/sms",
    }
    logs = CACHE / "field-sync-logs"
    services = Services(SERVICES, env, logs, split=False)
    services.start(uri)
    gateway = Gateway(
        uri,
        logs / "gateway.log",
        SIPMAS_GATEWAY_RATE_PER_MINUTE="100000",
        SIPMAS_WEB_ROOT=str(WEB_DIST),
        **{k: v for k, v in env.items() if k != "AMQP_URI"},
    )
    proxy = None
    try:
        gateway.start()
        proxy = Proxy(gateway.port)
        field = FieldSystem(gateway, proxy, logs, root / "evidence")
        return sync_a_day(args, field, root, size)
    finally:
        if proxy is not None:
            proxy.close()
        gateway.stop()
        services.stop()


def sync_a_day(
    args: argparse.Namespace, field: FieldSystem, root: Path, size: tuple[int, int]
) -> dict:
    crew = make_crew(field.direct, prefix="bench-")
    started = time.monotonic()
    homes = [registered(crew) for _ in range(args.visits)]
    print(f"  {len(homes)} households registered and assigned ({time.monotonic() - started:.0f} s)")
    kinds = PHOTO_KINDS[: args.photos]
    where = (NEAR["latitude"], NEAR["longitude"])
    folder = root / "camera"
    folder.mkdir()

    def shoot(n: int) -> dict[str, Path]:
        taken = now_wita() - timedelta(minutes=30)
        files = {}
        for k, kind in enumerate(kinds):
            path = folder / f"{n:03d}-{kind}.jpg"
            path.write_bytes(camera_photo(10_000 + n * 7 + k, taken, where, size, 92))
            files[kind] = path
        return files

    original = compressed = 0
    with sync_playwright() as playwright, ThreadPoolExecutor(1) as camera:
        phone = Phone(playwright, field, root / "profile")
        page = phone.launch()
        phone.open("/field/")
        sign_in(page, crew.username("ani"))
        heading(page, "Tugas saya")
        expect(task_card(page, homes[-1].head)).to_be_visible(timeout=60_000)
        phone.worker_ready()
        phone.offline()
        typing = time.monotonic()
        upcoming = camera.submit(shoot, 0)
        for n, home in enumerate(homes):
            photos = upcoming.result()
            if n + 1 < len(homes):
                upcoming = camera.submit(shoot, n + 1)  # the next visit's, meanwhile
            do_visit(page, home.head, photos, allow_missing=len(kinds) < len(PHOTO_KINDS))
            for path in photos.values():
                original += path.stat().st_size
                path.unlink()
            if (n + 1) % 10 == 0:
                print(f"  {n + 1} visits kept offline ({time.monotonic() - typing:.0f} s)")
        expect(page.locator(".waiting-count")).to_have_text(
            f"{len(homes)} kunjungan menunggu dikirim"
        )
        compressed = page.evaluate(
            """() => new Promise((ok) => {
                const r = indexedDB.open('sipmas-field');
                r.onsuccess = () => {
                  const q = r.result.transaction('photos').objectStore('photos').getAll();
                  q.onsuccess = () => ok(q.result.reduce((s, p) => s + p.size, 0));
                };
            })"""
        )
        tasks = [h.task_id for h in homes]
        assert visits_of(tasks) == [], "a visit reached the server while offline"

        # the network returns, slow: nobody presses anything
        field.proxy.throttle(args.kbps, args.rtt_ms)
        field.proxy.reset()
        t0 = time.monotonic()
        phone.online()
        arrived, last_print = 0, t0
        while arrived < len(homes):
            if time.monotonic() - t0 > args.timeout:
                break
            time.sleep(1)
            arrived = len({r["task_id"] for r in visits_of(tasks)})
            if time.monotonic() - last_print > 60:
                last_print = time.monotonic()
                print(f"  {arrived}/{len(homes)} on the server after {last_print - t0:.0f} s")
        elapsed = time.monotonic() - t0
        link = field.proxy.snapshot()
        peak = field.proxy.peak_up(PEAK_WINDOW)
        rows = visits_of(tasks)
        phone.close()
    return {
        "visits": len(homes),
        "photos_per_visit": len(kinds),
        "visits_on_server": len({r["task_id"] for r in rows}),
        "visits_twice": len(rows) - len({r["task_id"] for r in rows}),
        "seconds": round(elapsed, 1),
        "goal_seconds": GOAL_SECONDS,
        "bytes_up": link.bytes_up,
        "bytes_down": link.bytes_down,
        "connections": link.forwarded,
        "original_photo_bytes": original,
        "compressed_photo_bytes": compressed,
        "link_bps": args.kbps * 1000 / 8,
        "mean_up_bps": link.bytes_up / elapsed if elapsed else 0.0,
        "peak_up_bps": peak,
        "rtt_ms": args.rtt_ms,
        "machine": machine(args.amqp_uri),
    }


def report(args: argparse.Namespace, f: dict) -> None:
    kbit = lambda bps: bps * 8 / 1000  # noqa: E731
    mb = lambda n: n / 1_000_000  # noqa: E731
    ok = lambda good: "ok" if good else "MISSED"  # noqa: E731
    print()
    print(f"machine: {f['machine']}")
    print(f"{'figure':<44} {'value':>14}  goal")
    rows = [
        (
            "visits on the server (each once)",
            f"{f['visits_on_server']}/{f['visits']}",
            f"all, none twice ({f['visits_twice']} twice): "
            + ok(f["visits_on_server"] == f["visits"] and not f["visits_twice"]),
        ),
        (
            "time from the network's return to the last",
            f"{f['seconds']:.0f} s",
            f"< {GOAL_SECONDS} s: {ok(f['seconds'] < GOAL_SECONDS)}",
        ),
        ("bytes sent upstream through the link", f"{mb(f['bytes_up']):.2f} MB", ""),
        ("bytes received downstream", f"{mb(f['bytes_down']):.2f} MB", ""),
        ("the original photos' bytes (camera)", f"{mb(f['original_photo_bytes']):.2f} MB", ""),
        ("the photos' bytes as sent (compressed)", f"{mb(f['compressed_photo_bytes']):.2f} MB", ""),
        (
            "upstream throughput, mean",
            f"{kbit(f['mean_up_bps']):.0f} kbit/s",
            f"≤ {args.kbps:g} (the link): {ok(f['mean_up_bps'] <= f['link_bps'])}",
        ),
        (
            f"upstream throughput, peak {PEAK_WINDOW:g} s",
            f"{kbit(f['peak_up_bps']):.1f} kbit/s",
            f"≤ {args.kbps:g} + the proxy's burst ({kbit(BURST / PEAK_WINDOW):.1f}): "
            + ok(f["peak_up_bps"] <= f["link_bps"] + BURST / PEAK_WINDOW),
        ),
        ("connections opened to the gateway", f"{f['connections']}", ""),
    ]
    for name, value, goal in rows:
        print(f"{name:<44} {value:>14}  {goal}")


if __name__ == "__main__":
    raise SystemExit(main())
