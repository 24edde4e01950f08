"""The field app as the gateway serves it (``services/gateway/static.py``), from a small
``dist`` laid out as ``npm run build`` makes it: ``/field`` sent to ``/field/``, the app's own
screens answered with ``field/index.html`` (never the main app's), its service worker never
cached by the HTTP cache and allowed its scope, the manifest with its own type; the main app
and the missing files as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway.static import Site

MAIN = b"<!doctype html><title>SIPMAS</title><script type=module src=/assets/main-a1.js>"
FIELD = b"<!doctype html><title>SIPMAS Lapangan</title><link rel=manifest>"
WORKER = b"(function(){self.addEventListener('fetch',()=>{})})();" * 20


@pytest.fixture
def site(tmp_path: Path) -> Site:
    (tmp_path / "assets").mkdir()
    (tmp_path / "field").mkdir()
    (tmp_path / "index.html").write_bytes(MAIN)
    (tmp_path / "assets" / "main-a1.js").write_bytes(b"console.log(1)")
    (tmp_path / "assets" / "field-b2.js").write_bytes(b"console.log(2)")
    (tmp_path / "field" / "index.html").write_bytes(FIELD)
    (tmp_path / "field" / "sw.js").write_bytes(WORKER)
    (tmp_path / "field" / "manifest.webmanifest").write_text('{"name": "SIPMAS Lapangan"}')
    (tmp_path / "field" / "icon-192.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    return Site(tmp_path)


def get(site: Site, path: str, **headers: str):
    return site.respond(Request(EnvironBuilder(path=path, headers=headers).get_environ()))


@pytest.mark.parametrize(
    "path", ["/field/", "/field/kotak-keluar", "/field/kunjungan/12", "/field/akun/"]
)
def test_the_field_apps_screens_answer_its_own_index(site: Site, path: str):
    answer = get(site, path)
    assert answer.status_code == 200 and answer.get_data() == FIELD
    assert answer.headers["Cache-Control"] == "no-cache"
    assert answer.content_type.startswith("text/html")


def test_field_without_its_slash_goes_to_the_workers_scope(site: Site):
    answer = get(site, "/field")
    assert answer.status_code == 308 and answer.headers["Location"] == "/field/"
    assert get(site, "/field?x=1").headers["Location"] == "/field/?x=1"


def test_the_service_worker_is_never_stale_and_owns_the_field_scope(site: Site):
    answer = get(site, "/field/sw.js")
    assert answer.status_code == 200 and answer.get_data() == WORKER
    assert answer.headers["Cache-Control"] == "no-cache"
    assert answer.headers["Service-Worker-Allowed"] == "/field/"
    assert answer.content_type.startswith("text/javascript")
    zipped = get(site, "/field/sw.js", **{"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Service-Worker-Allowed"] == "/field/"
    assert get(site, "/field/index.html").headers["Cache-Control"] == "no-cache"


def test_the_manifest_and_icons_are_files_with_their_types(site: Site):
    manifest = get(site, "/field/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.content_type == "application/manifest+json"
    icon = get(site, "/field/icon-192.png")
    assert icon.status_code == 200 and icon.content_type == "image/png"
    assert "Service-Worker-Allowed" not in icon.headers


def test_a_missing_field_file_is_a_404_not_a_page(site: Site):
    assert get(site, "/field/icon-1024.png") is None  # the API's JSON 404
    assert get(site, "/field/old-sw.js") is None


def test_the_main_app_is_as_it_was(site: Site):
    for path in ("/", "/tasks", "/households/3", "/fieldwork", "/fields/"):
        answer = get(site, path)
        assert answer.status_code == 200 and answer.get_data() == MAIN, path
    asset = get(site, "/assets/field-b2.js")
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_without_a_field_build_its_paths_fall_back_to_the_main_app(tmp_path: Path):
    (tmp_path / "index.html").write_bytes(MAIN)
    site = Site(tmp_path)
    assert get(site, "/field/").get_data() == MAIN
    assert get(site, "/field").get_data() == MAIN
