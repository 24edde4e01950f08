"""The browser application served by the gateway, over HTTP: the index for the app's own paths,
hashed assets cached for a year, gzip when the browser takes it, the API's JSON 404s untouched,
``/config.json``, the security headers on every answer, and the rate limit per signed-in user
(static files never count).

This module's gateway serves a small ``dist`` made here (as ``npm run build`` lays it out),
allows 6 requests a minute per caller and names a tile server.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import requests

from services.gateway.static import Site
from tests.gateway.support_http import System
from tests.gateway.support_sessions import Browser, error_code, person

INDEX = b"<!doctype html><html><head><script type=module src=/assets/index-abc123.js></script>"
SCRIPT = b"import{h}from'./preact-def456.js';" + b"console.log('sipmas');" * 400
TILES = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
RATE = 6


@pytest.fixture(scope="module")
def web_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("dist")
    (root / "assets").mkdir()
    (root / "geo").mkdir()
    (root / ".vite").mkdir()
    (root / "index.html").write_bytes(INDEX)
    (root / "assets" / "index-abc123.js").write_bytes(SCRIPT)
    (root / "assets" / "index-abc123.css").write_bytes(b"body{margin:0}")
    (root / "geo" / "kecamatan.json").write_text(json.dumps({"type": "FeatureCollection"} | {
        "features": [{"type": "Feature", "properties": {"kode": "64.08.04"}}] * 50
    }))  # fmt: skip
    (root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / ".vite" / "manifest.json").write_text("{}")
    return root


@pytest.fixture(scope="module")
def gateway_env(web_root: Path) -> dict[str, str]:
    return {
        "SIPMAS_GATEWAY_RATE_PER_MINUTE": str(RATE),
        "SIPMAS_WEB_ROOT": str(web_root),
        "SIPMAS_MAP_TILE_URL": TILES,
        "SIPMAS_MAP_TILE_ATTRIBUTION": "© OpenStreetMap",
    }


def get(system: System, path: str, **headers: str) -> requests.Response:
    return requests.get(system.url + path, headers=headers, timeout=10)


HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), geolocation=(self)",
}


def assert_secure(response: requests.Response) -> None:
    for name, value in HEADERS.items():
        assert response.headers[name] == value, name
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert "https://*.tile.example.org" in policy["img-src"]  # the map's tiles, named
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


@pytest.mark.parametrize("path", ["/", "/households/12", "/signin?next=%2Ftasks", "/admin/users"])
def test_the_apps_own_paths_answer_the_index(system: System, path: str):
    response = get(system, path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.content == INDEX
    assert_secure(response)


def test_hashed_assets_are_cached_for_a_year_and_gzipped(system: System):
    zipped = get(system, "/assets/index-abc123.js", **{"Accept-Encoding": "gzip, br"})
    assert zipped.status_code == 200
    assert zipped.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert zipped.headers["Content-Type"].startswith("text/javascript")
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert int(zipped.headers["Content-Length"]) < len(SCRIPT) / 10
    assert zipped.content == SCRIPT  # requests undoes the gzip, as a browser does
    assert zipped.headers["Vary"] == "Accept-Encoding"
    assert_secure(zipped)

    plain = requests.get(
        system.url + "/assets/index-abc123.js", headers={"Accept-Encoding": "identity"}, timeout=10
    )
    assert "Content-Encoding" not in plain.headers and plain.content == SCRIPT
    etag = {"If-None-Match": plain.headers["ETag"], "Accept-Encoding": "identity"}
    again = get(system, "/assets/index-abc123.js", **etag)
    assert again.status_code == 304 and not again.content

    missing = get(system, "/assets/index-old999.js")
    assert missing.status_code == 404 and error_code(missing) == "not_found"  # not the index


def test_boundaries_and_other_files_have_a_short_cache(system: System, web_root: Path):
    geo = get(system, "/geo/kecamatan.json", **{"Accept-Encoding": "gzip"})
    assert geo.status_code == 200 and geo.headers["Content-Type"] == "application/json"
    assert geo.headers["Cache-Control"] == "public, max-age=3600"
    assert geo.headers["Content-Encoding"] == "gzip"
    assert geo.json()["type"] == "FeatureCollection"
    icon = get(system, "/favicon.svg")
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/svg+xml"
    assert get(system, "/.vite/manifest.json").status_code == 404  # the build's own notes
    assert error_code(get(system, "/geo/desa.json")) == "not_found"


def test_the_api_keeps_its_json_404s(system: System):
    for path in ("/api/v1/nope", "/api/v1", "/api/v2/households", "/api/v1/households/1/nope"):
        response = get(system, path)
        assert response.status_code == 404, path
        assert response.headers["Content-Type"] == "application/json"
        assert error_code(response) == "not_found"
        assert_secure(response)
    posted = requests.post(system.url + "/households", json={}, timeout=10)
    assert posted.status_code == 404 and error_code(posted) == "not_found"
    assert get(system, "/health").json()["status"] == "ok"
    assert get(system, "/openapi.json").headers["Content-Type"] == "application/json"


def test_the_docs_page_works_under_the_policy(system: System):
    docs = get(system, "/docs")
    assert docs.status_code == 200 and "<script" not in docs.text
    assert_secure(docs)  # its styles are inline: style-src allows them, scripts stay out


def test_config_json_names_the_tile_server(system: System):
    config = get(system, "/config.json")
    assert config.status_code == 200 and config.headers["Cache-Control"] == "no-cache"
    assert config.json() == {"tileUrl": TILES, "tileAttribution": "© OpenStreetMap"}


def test_the_rate_limit_counts_per_signed_in_user_not_static_files(system: System):
    """Two people in one desa office (one address): each has their own budget."""
    one = Browser(system.url)
    other = Browser(system.url)
    for browser, name in ((one, "rate-ani"), (other, "rate-budi")):
        assert browser.sign_in(person(name, "viewer", "kopi-pahit-99"), "kopi-pahit-99").ok
    statuses = [one.get("/api/v1/me").status_code for _ in range(RATE + 1)]
    assert statuses[:RATE] == [200] * RATE and statuses[RATE] == 429
    limited = one.get("/api/v1/me")
    assert error_code(limited) == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
    assert other.get("/api/v1/me").status_code == 200  # the same address, another person
    assert all(get(system, "/assets/index-abc123.js").status_code == 200 for _ in range(RATE * 3))
    assert all(get(system, "/").status_code == 200 for _ in range(RATE * 2))


def test_without_a_build_the_app_says_how_to_make_one(tmp_path):
    site = Site(tmp_path / "missing")
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    answer = site.respond(Request(EnvironBuilder(path="/").get_environ()))
    assert answer is not None and answer.status_code == 503
    assert "make web" in answer.get_data(as_text=True)
    asset = site.respond(Request(EnvironBuilder(path="/assets/x.js").get_environ()))
    assert asset is None  # the API's 404


def test_the_real_build_is_served_compressed_when_there_is_one():
    root = Path(__file__).resolve().parents[2] / "web" / "dist"
    if not (root / "index.html").exists():
        pytest.skip("web/dist is not built (make web)")
    site = Site(root)
    assert site.files and "/index.html" in site.files
    scripts = [f for url, f in site.files.items() if url.endswith(".js")]
    assert scripts and all(f.gzipped is not None for f in scripts if len(f.body) > 1024)
    assert all(len(gzip.decompress(f.gzipped)) == len(f.body) for f in scripts if f.gzipped)
