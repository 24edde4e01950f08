"""Web application benchmark (not a test): what a person in a browser waits for, in Debian's
Chromium driven by Playwright, against the gateway serving ``web/dist``.

    python -m benchmarks.web [--people 1000000] [--searches 120] [--loads 5] [--json OUT]

Goals (issue 15), each printed beside its figure:

- **first screen of every role**: JS + CSS, gzip, at most 200 KB (the map and the charts load
  when needed), from the build's manifest (as ``web/scripts/size.mjs`` counts);
- **cold load to a usable search page** over an emulated 1.6 Mbps / 150 ms link (Chromium's
  network emulation through the DevTools protocol): at most 3 s with an empty cache, 1 s warm
  (its assets cached). "Usable": the village operator's search page with the form ready and
  their desa's households listed; timed from the navigation's start (``performance.now()``);
- **search results on screen** with 1,000,000 people in the registry: p95 at most 300 ms over
  at least 100 distinct district-wide searches (a name fragment, a NIK, a No. KK, a desa and
  status) typed into the page by Dinsos staff with the whole district, from the click to the
  results painted;
- **the dashboard and its map** on a local link: at most 1.5 s from the navigation's start to
  the headline figures and every kecamatan drawn; and the map's boundaries, as served
  (gzip), small enough for the 1.6 Mbps link (each level within 1 s there).

What runs: the registry ``benchmarks.search`` fills (``sipmas_bench_search_*`` by default: a
real ``sipmas import`` of 1,000,000 DTSEN rows, kept between runs), fresh verification, referral
and gateway databases, a scratch vhost, and the registry, verification, referral and gateway as
``make run`` runs them (one ``nameko run`` process) with ``SIPMAS_WEB_ROOT`` the built app.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault(
    "SIPMAS_DATABASE_URL_TEMPLATE",
    "postgresql://postgres@127.0.0.1:5432/sipmas_bench_search_{service}",
)

from benchmarks import registry_import  # noqa: E402
from benchmarks.search import (  # noqa: E402
    User,
    busiest_desa,
    fill_registry,
    load_line,
    registry_size,
    sample_searches,
)
from benchmarks.support import (  # noqa: E402
    ROOT,
    Services,
    free_port,
    machine,
    percentile,
    scratch_vhost,
)
from sipmas import db, settings  # noqa: E402
from sipmas_cli import system, topology  # noqa: E402

DIST = ROOT / "web" / "dist"
CHROMIUM = os.environ.get("SIPMAS_CHROMIUM", "/usr/bin/chromium")
SERVICES = ("registry", "verification", "referral", "gateway")
PASSWORD = "Bench-Kutim-2026"
SLOW = {"latency": 150, "download": 1_600_000, "upload": 750_000}  # ms, bits per second
GOALS = {
    "first_screen_kb": 200,
    "cold_s": 3.0,
    "warm_s": 1.0,
    "search_p95_ms": 300,
    "dashboard_s": 1.5,
    "boundaries_slow_s": 1.0,
}
# Each role's landing screen (web/src/roles.ts LANDING) as modules of the manifest.
FIRST_SCREENS = {
    "signed out (sign-in)": [],
    "admin, viewer (/dashboard, charts)": [
        "src/screens/dashboard/index.ts",
        "src/charts/index.ts",
    ],
    "supervisor (/approvals)": ["src/screens/supervisor/index.ts"],
    "operator (/households)": ["src/screens/households/index.ts"],
    "verifier (/tasks)": ["src/screens/verifier/index.ts"],
    "opd (/referrals)": ["src/screens/referrals/index.ts"],
}


# --- first screens -------------------------------------------------------------------------------


def first_screens() -> dict[str, int]:
    """Gzipped JS + CSS bytes each role's first screen loads (index.html's entry, the landing
    screen's chunk, everything they import statically, their CSS)."""
    manifest = json.loads((DIST / ".vite" / "manifest.json").read_text())

    def closure(key: str, seen: set[str]) -> set[str]:
        entry = manifest.get(key)
        if entry is None or key in seen:
            return seen
        seen.add(key)
        for dep in entry.get("imports", []):
            closure(dep, seen)
        return seen

    sizes = {}
    for role, modules in FIRST_SCREENS.items():
        keys: set[str] = set()
        for key in ["index.html", *modules]:
            closure(key, keys)
        files = {manifest[k]["file"] for k in keys} | {
            css for k in keys for css in manifest[k].get("css", [])
        }
        sizes[role] = sum(len(gzip.compress((DIST / f).read_bytes(), 9)) for f in files)
    return sizes


# --- the system ----------------------------------------------------------------------------------


def service_env(amqp_uri: str, port: int) -> dict[str, str]:
    return {
        "AMQP_URI": amqp_uri,
        "SIPMAS_DATABASE_URL_TEMPLATE": os.environ["SIPMAS_DATABASE_URL_TEMPLATE"],
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "SIPMAS_METRICS_PORT": "0",
        "SIPMAS_WEB_ROOT": str(DIST),
        "SIPMAS_GATEWAY_RATE_PER_MINUTE": "1000000000",  # policy, not capacity
        "SIPMAS_LOG_LEVEL": "WARNING",
    }


def fresh_databases() -> None:
    for name in ("verification", "referral", "gateway"):
        db.drop_database(settings.database_url(name))
        system.migrate(name)


def make_users(desa: str) -> dict[str, str]:
    """Dinsos staff of the whole district, an operator of the busiest desa, the head of Dinsos;
    each with a password (no forced change): their usernames by what they are."""
    from services.gateway.use_cases import identity

    made = {
        "dinsos": {"role": "supervisor"},
        "operator": {"role": "operator", "desa_codes": [desa]},
        "kepala": {"role": "viewer"},
    }
    with db.session_scope("gateway") as session:
        for username, fields in made.items():
            identity.create_user(session, {"username": username, **fields}, "bench")
        session.flush()
        for username in made:
            identity.set_password(session, username, PASSWORD, "bench", False)
    return {name: name for name in made}


@contextmanager
def running(amqp_uri: str, port: int) -> Iterator[str]:
    services = Services(
        SERVICES, service_env(amqp_uri, port), registry_import.CACHE / "web-logs", split=False
    )
    services.start(amqp_uri)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline:
                services.stop()
                raise
            time.sleep(0.2)
    try:
        yield url
    finally:
        services.stop()


# --- the browser ---------------------------------------------------------------------------------


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--no-first-run"],
        )
        try:
            yield browser
        finally:
            browser.close()


def signed_in(browser: Any, url: str, username: str, **options: Any) -> Any:
    context = browser.new_context(
        base_url=url, locale="id-ID", timezone_id="Asia/Makassar", **options
    )
    answer = context.request.post(
        "/api/v1/session", data={"username": username, "password": PASSWORD}
    )
    if not answer.ok:
        raise RuntimeError(f"sign-in of {username}: {answer.status} {answer.text()}")
    context.set_default_timeout(60_000)
    return context


def slow_link(page: Any) -> None:
    """1.6 Mbps down, 0.75 Mbps up, 150 ms round trip: a district office on a poor link."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": SLOW["latency"],
            "downloadThroughput": SLOW["download"] / 8,
            "uploadThroughput": SLOW["upload"] / 8,
        },
    )


USABLE_SEARCH = """() => {
  const button = document.querySelector('form.search-form button[type=submit]');
  return !!button && !button.disabled && !document.querySelector('main .loading')
    && document.querySelectorAll('ul.results > li').length > 0;
}"""


def search_page_loads(browser: Any, url: str) -> dict[str, float]:
    """Seconds to the operator's usable search page over the slow link: cold, then warm."""
    context = signed_in(browser, url, "operator")
    page = context.new_page()
    slow_link(page)
    figures = {}
    for label in ("cold", "warm"):
        page.goto("/households", wait_until="commit")
        page.wait_for_function(USABLE_SEARCH, polling="raf")
        figures[label] = page.evaluate("() => performance.now()") / 1000
    context.close()
    return figures


FIELDS = {"name": "Nama anggota", "nik": "NIK", "no_kk": "No. KK", "rt": "RT", "rw": "RW"}


def search_times(browser: Any, url: str, searches: list[Any]) -> list[float]:
    """Milliseconds from the click on "Cari" to the results painted, per search."""
    context = signed_in(browser, url, "dinsos", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/households")
    page.wait_for_selector("form.search-form")
    kecamatan = page.locator("form.search-form select").first
    desa = page.locator("form.search-form select").nth(1)
    button = page.locator("form.search-form button[type=submit]")
    times = []
    for search in searches:
        criteria = search.criteria
        for key, label in FIELDS.items():
            page.get_by_label(label, exact=True).fill(str(criteria.get(key, "")))
        place = criteria.get("desa_code", "")
        kecamatan.select_option(place[:8])  # "" (every kecamatan) when no desa is asked
        desa.select_option(place)
        page.evaluate("() => { window.__t0 = performance.now(); }")
        with page.expect_response(lambda r: "/api/v1/households?" in r.url) as answer:
            button.click()
        if answer.value.status != 200:
            raise RuntimeError(f"search {criteria}: {answer.value.status}")
        page.wait_for_function(
            "() => !document.querySelector('main .loading') && "
            "!!document.querySelector('#results-title')",
            polling="raf",
        )
        times.append(
            page.evaluate(
                "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame("
                "() => done(performance.now() - window.__t0))))"
            )
        )
    context.close()
    return times


DASHBOARD_READY = """() => document.querySelectorAll('li.figure').length === 3
  && !document.querySelector('main .loading')
  && document.querySelectorAll('path.leaflet-interactive').length >= 18"""
SCROLL_TO_MAP = """() => new Promise(done => {
  const go = () => {
    const map = document.querySelector('section[aria-labelledby=map-title]');
    if (map) { map.scrollIntoView(); done(true); } else requestAnimationFrame(go);
  };
  go();
})"""


def dashboard_loads(browser: Any, url: str, times: int, slow: bool = False) -> list[float]:
    """Seconds from the navigation's start to the headline figures and the map drawn (the
    person scrolls to the map as soon as it is there), each in a fresh context."""
    figures = []
    for _ in range(times):
        context = signed_in(browser, url, "kepala", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        if slow:
            slow_link(page)
        page.goto("/dashboard", wait_until="commit")
        page.evaluate(SCROLL_TO_MAP)
        page.wait_for_function(DASHBOARD_READY, polling="raf")
        figures.append(page.evaluate("() => performance.now()") / 1000)
        context.close()
    return figures


def boundaries(url: str) -> dict[str, int]:
    """Bytes of each level's boundaries as the gateway sends them to a browser (gzip)."""
    sizes = {}
    for level in ("kecamatan", "desa"):
        request = urllib.request.Request(
            f"{url}/geo/{level}.json", headers={"Accept-Encoding": "gzip"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            sizes[level] = len(answer.read())
    return sizes


def over_slow_link(size: int) -> float:
    """Seconds to fetch ``size`` bytes on the slow link: a round trip, then the bytes."""
    return SLOW["latency"] / 1000 + size * 8 / SLOW["download"]


# --- the run -------------------------------------------------------------------------------------


def typed_searches(count: int) -> list[Any]:
    """``count`` distinct district-wide searches as staff type them into the page: a name
    fragment, a NIK, a No. KK, or a desa chosen in the lists (the page asks no status)."""
    staff = User("dinsos", "", None)
    found: dict[str, Any] = {}
    for search in sample_searches(staff, count // 3 + 10, seed=15):
        if search.kind == "desa_status":
            search = type(search)("desa", search.user, {"desa_code": search.criteria["desa_code"]})
        found.setdefault(json.dumps(search.criteria, sort_keys=True), search)
    chosen = list(found.values())
    random.Random(15).shuffle(chosen)
    return chosen[: max(count, 100)]


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def run(args: argparse.Namespace, amqp_uri: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    sizes = first_screens()
    results["first_screens"] = sizes
    print("\nfirst screen per role (JS + CSS, gzip -9):")
    for role, size in sizes.items():
        ok = size <= GOALS["first_screen_kb"] * 1024
        print(
            f"  {role:<38} {size / 1024:7.1f} KB   goal ≤ {GOALS['first_screen_kb']} KB  "
            f"{verdict(ok)}"
        )

    fill_registry(args.people)
    people, households = registry_size()
    results["registry"] = {"people": people, "households": households}
    print(f"\nregistry: {people:,} people in {households:,} households", flush=True)
    fresh_databases()
    topology.declare(amqp_uri)
    desa = busiest_desa()
    make_users(desa)
    distinct = typed_searches(args.searches)
    port = free_port()
    with running(amqp_uri, port) as url, chromium() as browser:
        # warm the services and PostgreSQL's cache as a working day would have; the first
        # dashboard after the start counts both days (nothing kept yet): shown, not judged
        search_times(browser, url, distinct[:8])
        first = dashboard_loads(browser, url, 1)[0]
        results["dashboard_first_s"] = first

        loads = search_page_loads(browser, url)
        results["search_page"] = loads
        print(
            f"\nsearch page over 1.6 Mbps / 150 ms (operator of desa {desa}): "
            f"cold {loads['cold']:.2f} s (goal ≤ {GOALS['cold_s']:.0f} s, "
            f"{verdict(loads['cold'] <= GOALS['cold_s'])}); warm {loads['warm']:.2f} s "
            f"(goal ≤ {GOALS['warm_s']:.0f} s, {verdict(loads['warm'] <= GOALS['warm_s'])})"
        )

        times = search_times(browser, url, distinct)
        kinds: dict[str, list[float]] = {}
        for search, ms in zip(distinct, times, strict=True):
            kinds.setdefault(search.kind, []).append(ms)
        p95 = percentile(times, 95)
        results["search_ms"] = {
            "n": len(times),
            "p50": percentile(times, 50),
            "p95": p95,
            "max": max(times),
            "by_kind_p95": {k: percentile(v, 95) for k, v in kinds.items()},
        }
        print(
            f"search results on screen, {len(times)} distinct district-wide searches "
            f"({', '.join(f'{k} {len(v)}' for k, v in kinds.items())}): "
            f"p50 {percentile(times, 50):.0f} ms, p95 {p95:.0f} ms, max {max(times):.0f} ms "
            f"(goal p95 ≤ {GOALS['search_p95_ms']} ms, {verdict(p95 <= GOALS['search_p95_ms'])})"
        )
        print(
            "  p95 by kind: "
            + ", ".join(f"{k} {percentile(v, 95):.0f} ms" for k, v in kinds.items())
        )

        local = dashboard_loads(browser, url, args.loads)
        results["dashboard_s"] = local
        worst = max(local)
        print(
            f"dashboard and its map, local link, {args.loads} fresh loads: median "
            f"{statistics.median(local):.2f} s, worst {worst:.2f} s "
            f"(goal ≤ {GOALS['dashboard_s']} s, {verdict(worst <= GOALS['dashboard_s'])}); "
            f"the first after the gateway started, the year-ago day counted too: {first:.2f} s"
        )
        geo = boundaries(url)
        results["boundaries"] = geo
        for level, size in geo.items():
            seconds = over_slow_link(size)
            print(
                f"map boundaries, {level}: {size / 1024:.1f} KB as served (gzip) = "
                f"{seconds:.2f} s over 1.6 Mbps / 150 ms (goal ≤ {GOALS['boundaries_slow_s']:.0f} "
                f"s, {verdict(seconds <= GOALS['boundaries_slow_s'])})"
            )
        slow = dashboard_loads(browser, url, 1, slow=True)
        results["dashboard_slow_s"] = slow[0]
        print(
            f"dashboard and its map over 1.6 Mbps / 150 ms, cold (for reference): {slow[0]:.2f} s"
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--searches", type=int, default=120, help="distinct searches (≥ 100)")
    parser.add_argument("--loads", type=int, default=5, help="fresh dashboard loads")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not (DIST / "index.html").exists():
        sys.exit("web/dist is missing: make web")
    amqp_uri = settings.amqp_uri()
    print(f"web application — {machine(amqp_uri)}; {load_line()}", flush=True)
    with scratch_vhost(amqp_uri) as vhost:
        results = run(args, vhost)
    print(load_line())
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
