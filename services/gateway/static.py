"""The browser application, served by the gateway from memory: ``web/dist`` as ``npm run build``
made it (``SIPMAS_WEB_ROOT``, default ``<repo>/web/dist``).

- ``/assets/*`` (file names carry their content hash): ``Cache-Control: public,
  max-age=31536000, immutable``; a missing one is the API's JSON 404 (never the index: a stale
  page asking for an old chunk must see it is gone).
- ``/geo/*.json`` and the other files at the top of ``dist`` (``favicon.svg``, ...): a short
  cache (an hour) with an ``ETag``.
- Any other GET path that is not the API's (``/api/``), nor ``/health``, ``/openapi.json``,
  ``/docs``: the application's own route, answered with ``index.html`` (``no-cache``: a new
  build is seen at once; its assets are new names).
- ``/config.json``: the site's settings for the map (``SIPMAS_MAP_TILE_URL``,
  ``SIPMAS_MAP_TILE_ATTRIBUTION``), ``{}`` without them.
- The field app (``dist/field/``, the verifier's offline app, ``docs/field-app.md``): ``/field``
  is sent to ``/field/`` (its service worker's scope); ``/field/`` and any ``/field/...`` path
  that is not a file answer ``field/index.html`` (``no-cache``); ``/field/sw.js`` is
  ``no-cache`` (a new build's worker is seen at once) with ``Service-Worker-Allowed: /field/``;
  its manifest is ``application/manifest+json``.

Every file is read and gzip-compressed once, when the gateway starts (or when ``dist`` first
appears, checked at most every few seconds while it is missing): a request only picks the
bytes. A client that accepts gzip gets the compressed ones (``Vary: Accept-Encoding``). Static
requests start no worker, are not rate-limited and not audited (no person's data).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import mimetypes
import os
import time
from dataclasses import dataclass
from pathlib import Path

from werkzeug.wrappers import Request, Response

from sipmas import settings

log = logging.getLogger("services.gateway.static")
REPO = Path(__file__).resolve().parents[2]
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=3600"
NO_CACHE = "no-cache"
API_PREFIXES = ("/api/",)
NOT_APP = frozenset({"/api", "/health", "/openapi.json", "/docs"})
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".geojson": "application/json",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
}
RETRY_SECONDS = 3.0
FIELD = "/field/"
FIELD_INDEX = "/field/index.html"
NO_CACHE_FILES = frozenset({"/index.html", FIELD_INDEX, "/field/sw.js"})
WORKER_HEADERS = {"/field/sw.js": {"Service-Worker-Allowed": FIELD}}

NOT_BUILT = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>SIPMAS</title></head>
<body><h1>SIPMAS</h1>
<p>Aplikasi web belum dibangun: jalankan <code>make web</code> (atau <code>make run</code>).</p>
<p>The web application is not built: run <code>make web</code> (or <code>make run</code>).</p>
<p>API: <a href="/docs">/docs</a>, <a href="/openapi.json">/openapi.json</a></p>
</body></html>
"""


def web_root() -> Path:
    return Path(settings.env("SIPMAS_WEB_ROOT", str(REPO / "web" / "dist")))


def site_config() -> dict[str, str]:
    """``/config.json``: what the browser app needs to know of this site (map tiles)."""
    config = {}
    tile_url = settings.env("SIPMAS_MAP_TILE_URL", "")
    if tile_url:
        config["tileUrl"] = tile_url
        config["tileAttribution"] = settings.env("SIPMAS_MAP_TILE_ATTRIBUTION", "")
    return config


@dataclass(frozen=True)
class File:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str
    cache: str
    headers: tuple[tuple[str, str], ...] = ()


def content_type(path: str) -> str:
    suffix = os.path.splitext(path)[1].lower()
    return TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def _file(data: bytes, path: str, cache: str) -> File:
    kind = content_type(path)
    gzipped = None
    if kind.startswith(COMPRESSIBLE) and len(data) > 256:
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        gzipped = packed if len(packed) < len(data) * 0.95 else None
    etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
    extra = tuple(WORKER_HEADERS.get(path, {}).items())
    return File(data, gzipped, kind, etag, cache, extra)


def load(root: Path) -> dict[str, File] | None:
    """Every file under ``root`` (dot-files and dot-folders left out) by its URL path; None when
    there is no ``index.html``."""
    if not (root / "index.html").is_file():
        return None
    files = {}
    for directory, folders, names in os.walk(root):
        folders[:] = [f for f in folders if not f.startswith(".")]
        for name in names:
            if name.startswith(".") or name.endswith(".gz"):
                continue
            path = Path(directory) / name
            url = "/" + path.relative_to(root).as_posix()
            if url in NO_CACHE_FILES:
                cache = NO_CACHE
            elif url.startswith("/assets/"):
                cache = IMMUTABLE
            else:
                cache = SHORT
            files[url] = _file(path.read_bytes(), url, cache)
    return files


class Site:
    """The files of the app in memory, and how a request is answered from them."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or web_root()
        self.files: dict[str, File] | None = None
        self.checked = 0.0
        self.config = _file(json.dumps(site_config()).encode(), "/config.json", NO_CACHE)
        self.not_built = NOT_BUILT.encode()
        self._load()

    def _load(self) -> None:
        self.checked = time.monotonic()
        started = time.monotonic()
        self.files = load(self.root)
        if self.files is None:
            log.warning("the web application is not built (%s): run `make web`", self.root)
        else:
            log.info(
                "web application: %d files from %s in memory (%.0f ms)",
                len(self.files),
                self.root,
                (time.monotonic() - started) * 1000,
            )

    def _current(self) -> dict[str, File] | None:
        if self.files is None and time.monotonic() - self.checked > RETRY_SECONDS:
            self._load()
        return self.files

    def serves(self, method: str, path: str) -> bool:
        """Whether a request the API has no route for is the app's: a GET (or HEAD) of a path
        outside ``/api/``."""
        if method not in ("GET", "HEAD"):
            return False
        return path not in NOT_APP and not path.startswith(API_PREFIXES)

    def respond(self, request: Request) -> Response | None:
        """The answer to a GET of an app path; None: not the app's (the API answers 404)."""
        path = request.path
        if path == "/config.json":
            return self._send(request, self.config)
        files = self._current()
        if files is None:
            if path.startswith(("/assets/", "/geo/")):
                return None
            return Response(self.not_built, status=503, mimetype="text/html")
        field = files.get(FIELD_INDEX)
        if path == FIELD.rstrip("/") and field is not None:
            return _redirect(request, FIELD)  # the service worker's scope ends in a slash
        found = files.get(path)
        if found is None and path.endswith("/") and path != "/":
            found = files.get(path.rstrip("/"))
        if found is not None and path != "/index.html":
            return self._send(request, found)
        if path.startswith(("/assets/", "/geo/")) or "." in path.rsplit("/", 1)[-1]:
            return None  # a file that is not there: 404, not the index
        if path.startswith(FIELD) and field is not None:
            return self._send(request, field)  # a screen of the field app
        return self._send(request, files["/index.html"])

    @staticmethod
    def _send(request: Request, file: File) -> Response:
        headers = {"Cache-Control": file.cache, **dict(file.headers)}
        body, etag = file.body, file.etag
        if file.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"
            if "gzip" in request.headers.get("Accept-Encoding", ""):
                body, etag = file.gzipped, file.etag[:-1] + '-gz"'
                headers["Content-Encoding"] = "gzip"
        headers["ETag"] = etag
        if etag in request.headers.get("If-None-Match", ""):
            return Response(status=304, headers=headers)
        return Response(body, headers=headers, content_type=file.content_type)


def _redirect(request: Request, to: str) -> Response:
    query = request.query_string.decode("latin-1")
    target = f"{to}?{query}" if query else to
    return Response(status=308, headers={"Location": target, "Cache-Control": SHORT})
