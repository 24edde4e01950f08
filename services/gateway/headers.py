"""The security headers on every answer of the gateway, the API's and the app's alike.

- ``Content-Security-Policy``: everything from this site only; no inline script, no
  ``eval`` (the app is built for that: ``web/README.md``); inline styles allowed (Leaflet and
  the offline ``/docs`` page set some); images also from ``data:`` and ``blob:`` (photos
  taken on the phone before upload); no framing. Map tiles from another server
  (``SIPMAS_MAP_TILE_URL``) are added to ``img-src``.
- ``Strict-Transport-Security`` only over HTTPS (as the request came, or as the trusted TLS
  front says: ``SIPMAS_TRUST_PROXY``): a browser would otherwise refuse plain HTTP on a LAN.
- ``Permissions-Policy``: the camera and the location for this site (visits), nothing else asked.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.wrappers import Request

from services.gateway.domain import sessions as rules
from sipmas import settings

HSTS = "max-age=31536000"


def content_security_policy() -> str:
    images = "'self' data: blob:"
    tiles = settings.env("SIPMAS_MAP_TILE_URL", "")
    if tiles:
        parts = urlsplit(tiles.replace("{s}", "a"))
        if parts.scheme in ("http", "https") and parts.hostname:
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles else parts.netloc
            images += f" {parts.scheme}://{host}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    )


def security_headers() -> list[tuple[str, str]]:
    return [
        ("Content-Security-Policy", content_security_policy()),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(self), geolocation=(self)"),
    ]


def is_https(request: Request) -> bool:
    """Whether the browser's connection is HTTPS: the request's own scheme, or what our TLS
    front says (``X-Forwarded-Proto``, believed only with ``SIPMAS_TRUST_PROXY=1``)."""
    if request.scheme == "https":
        return True
    if rules.trust_proxy():
        forwarded = request.headers.get("X-Forwarded-Proto", "")
        return forwarded.split(",")[0].strip().lower() == "https"
    return False


def site_origin(request: Request) -> str:
    """This site's origin as the browser sees it (for the CSRF ``Origin`` check)."""
    host = request.host
    if rules.trust_proxy() and request.headers.get("X-Forwarded-Host"):
        host = request.headers["X-Forwarded-Host"].split(",")[0].strip()
    return rules.origin_of("https" if is_https(request) else "http", host)
