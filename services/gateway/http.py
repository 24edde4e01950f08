"""The HTTP door of the gateway: nameko's ``@http`` entrypoint, made to answer like an API.

- **One error shape** (``errors.ApiError``) for everything: an unknown route (404), a method
  the route does not take (405, with ``Allow``), a body too large (413), a refusal of a service,
  a bug (500, with the request id only).
- **Size limits** before a body is read: JSON 1 MB, an import ``SIPMAS_GATEWAY_MAX_IMPORT_MB``
  (50), photos and evidence 10 MB each (``uploads``).
- **Rate limit** per token (``ratelimit``), before any work: 429 with ``Retry-After``; for a
  person signed in with the browser, per user, once the session is known (a desa office shares
  one address).
- **Authentication** — ``Authorization: Bearer`` (``identity.authenticate``) or the session
  cookie ``sipmas_session`` (``use_cases/sessions.authenticate``), the same :class:`Principal`
  either way — and the **role check** (``policy``) in the worker, then the endpoint; every call
  of an endpoint that touches a person's data is written to the audit log with its outcome, the
  denied ones too. A cookie request that changes something needs ``X-CSRF-Token`` (and, if
  given, an ``Origin`` of this site); while its user must change their password or set up TOTP,
  only the session endpoints answer (``domain/sessions``). The field app's sync endpoints
  (``policy.DEVICE``) take a bearer token or the device's credential ``sipmas_sync``
  (``use_cases/sync_credentials``), never the browser session; a device request that changes
  something needs ``X-Sipmas-Device`` (``domain/sync``).
- **The browser application** (``static``): GET paths the API has no route for, outside
  ``/api/``, are the app's, answered from memory without a worker.
- **Security headers** (``headers``) on every response.
- **A request id** on every response (``X-Request-Id``) and in every error and log line.
- **No NIK and no stack trace** in any response or log line: responses pass ``policy.masked``;
  the gateway logs a failure as one masked line (:func:`one_line`) with its request id, never
  its traceback (the log formatter masks NIKs again, whatever writes a line).

Endpoints are written as ``@endpoint("GET", "/api/v1/...", "households.get")`` on a method
``(self, call: Call, **path_values)`` that returns data (JSON), ``(status, data)`` or a
``werkzeug`` Response.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eventlet import wsgi
from marshmallow import Schema, ValidationError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from services.gateway import headers as security
from services.gateway.domain import errors, policy
from services.gateway.domain import sessions as session_rules
from services.gateway.domain import sync as sync_rules
from services.gateway.domain.ratelimit import RateLimiter, per_minute
from services.gateway.domain.users import Principal
from services.gateway.static import Site
from services.gateway.use_cases import audit, identity, sessions, sync_credentials, uploads

log = logging.getLogger("services.gateway.http")
REQUEST_ID = "sipmas.request_id"
MAX_ID = 2**31 - 1  # an id in a path beyond this is unknown (404), never an overflow below
JSON = "application/json"
# werkzeug's own refusals, as this API names them
HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


# --- logging without NIKs or stack traces ------------------------------------------------------


def one_line(error: BaseException) -> str:
    """``KeyError: 'x' (at services/gateway/service.py:120 in get_household)`` — masked."""
    frames = traceback.extract_tb(error.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = (
            f" (at {last.filename.rsplit('/site-packages/', 1)[-1]}:{last.lineno} in {last.name})"
        )
    first = (str(error).strip().splitlines() or [""])[0][:300]  # not the SQL's parameters
    return policy.mask_text(f"{type(error).__name__}: {first}{where}")


# --- responses -----------------------------------------------------------------------------------


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None):
    body = json.dumps(policy.masked(data), ensure_ascii=False, default=str)
    return Response(body, status=status, headers=dict(headers or {}), mimetype=JSON)


def error_response(error: errors.ApiError, request_id: str) -> Response:
    headers = dict(error.headers)
    if error.status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="sipmas"')
    body = json.dumps(policy.masked(error.body(request_id)), ensure_ascii=False, default=str)
    return Response(body, status=error.status, headers=headers, mimetype=JSON)


def internal_error(exc: BaseException, request_id: str) -> Response:
    log.error("request %s failed: %s", request_id, one_line(exc))
    return error_response(errors.ApiError("internal"), request_id)


def from_http_exception(exc: HTTPException) -> errors.ApiError:
    code = HTTP_CODES.get(exc.code or 500, "bad_request")
    headers = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    if code == "too_large":
        return errors.ApiError("too_large")
    return errors.ApiError(
        code, headers=headers, status=exc.code if code == "bad_request" else None
    )


# --- the server: routing errors, request ids, the access log -----------------------------------


class GatewayApp(WsgiApp):
    """nameko's WSGI app, answering unknown routes and methods in the API's error shape, with
    a request id and the security headers on every response and one access line per request
    (path without its query); the browser application's paths from memory (``static``)."""

    def __init__(self, server: Any) -> None:
        super().__init__(server)
        self.site = Site()
        self.security_headers = security.security_headers()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request_id = uuid.uuid4().hex
        environ[REQUEST_ID] = request_id
        started = time.monotonic()
        status_seen: list[str] = []
        request = Request(environ, shallow=True)
        added = list(self.security_headers)
        if security.is_https(request):
            added.append(("Strict-Transport-Security", security.HSTS))
        ours = {name.lower() for name, _ in added} | {"x-request-id"}

        def respond(status: str, headers: list, exc_info: Any = None) -> Callable:
            status_seen.append(status)
            headers = [h for h in headers if h[0].lower() not in ours]
            headers += added
            headers.append(("X-Request-Id", request_id))
            return start_response(status, headers, exc_info)

        try:
            adapter = self.url_map.bind_to_environ(environ)
            provider, values = adapter.match()
            request.path_values = values
            response = provider.handle_request(request)
        except NotFound as exc:
            response = None
            if self.site.serves(request.method, request.path):
                response = self.site.respond(request)
            if response is None:
                response = error_response(from_http_exception(exc), request_id)
        except HTTPException as exc:
            redirect = exc.code is not None and 300 <= exc.code < 400  # ``//`` merged, say
            response = exc if redirect else error_response(from_http_exception(exc), request_id)
        except Exception as exc:  # a bug below: the caller gets the request id only
            response = internal_error(exc, request_id)
        try:
            return response(environ, respond)
        finally:
            log.info(
                "%s %s %s %s %.0fms",
                request_id,
                environ.get("REQUEST_METHOD"),
                policy.mask_text(environ.get("PATH_INFO", "")),
                (status_seen or ["-"])[0].split(" ")[0],
                (time.monotonic() - started) * 1000,
            )


class GatewayServer(WebServer):
    """nameko's web server with :class:`GatewayApp`, and eventlet's own access log off (it
    would write query strings: a search by NIK)."""

    def get_wsgi_app(self) -> GatewayApp:
        return GatewayApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=HttpOnlyProtocol, debug=False):
        return wsgi.Server(
            sock,
            sock.getsockname(),
            wsgi_app,
            protocol=protocol,
            debug=False,
            log_output=False,
        )


# --- the entrypoint: size limits and the rate limit before a worker starts ----------------------

_limiter: RateLimiter | None = None


def limiter() -> RateLimiter:
    global _limiter
    if _limiter is None:
        _limiter = RateLimiter(per_minute())
    return _limiter


def bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def caller_key(request: Request) -> str | None:
    """Whose bucket: the token's (hashed: the plaintext is kept nowhere); None for a session
    cookie (counted per user once the worker knows whose it is); else the address."""
    token = bearer(request)
    if token:
        return "t:" + hashlib.sha256(token.encode()).hexdigest()
    if request.cookies.get(session_rules.COOKIE) or request.cookies.get(sync_credentials.COOKIE):
        return None
    return "a:" + (request.remote_addr or "?")


# health, the OpenAPI and the docs: never limited (probes, and nothing to guess)
NOT_LIMITED = frozenset({"health", "openapi", "docs"})


class Endpoint(HttpRequestHandler):
    """``@http`` with a name (the policy table's key) and the kind of body it takes."""

    server = GatewayServer()

    def __init__(self, method: str, url: str, name: str, body: str | None = None, **kwargs):
        self.name = name
        self.body = body
        super().__init__(method, url, **kwargs)

    def handle_request(self, request: Request) -> Response:
        request_id = request.environ[REQUEST_ID]
        limit = uploads.request_max_bytes(self.body)
        request.max_content_length = limit
        request.max_form_memory_size = uploads.JSON_MAX_BYTES
        if request.content_length is not None and request.content_length > limit:
            return error_response(errors.too_large(limit), request_id)
        key = caller_key(request)
        if self.name in policy.SIGN_IN:  # whatever cookie it brings: guesses count per address
            key = "a:" + (request.remote_addr or "?")
        if self.name not in NOT_LIMITED and key is not None:
            wait = limiter().take(key)
            if wait is not None:
                return error_response(errors.rate_limited(wait), request_id)
        return super().handle_request(request)

    def response_from_exception(self, exc: Exception) -> Response:
        """Only reached when a worker could not run the endpoint at all: :class:`GatewayApp`
        answers it (500, with this request's id)."""
        raise exc


# --- the worker side: who calls, may they, what they touched ------------------------------------


@dataclass
class Call:
    """One request as an endpoint sees it."""

    request: Request
    endpoint: str
    request_id: str
    path_values: dict[str, Any]
    principal: Principal | None = None
    household_ids: list[int] = field(default_factory=list)
    subject: str | None = None
    session: sessions.SessionState | None = None  # the browser session, when by cookie

    @property
    def user(self) -> Principal:
        assert self.principal is not None
        return self.principal

    def audit(self, household_ids: Iterable[int] = (), subject: str | None = None) -> None:
        """Name the households (and a subject) this call touched, for its audit entry."""
        self.household_ids.extend(int(h) for h in household_ids if h is not None)
        if subject is not None:
            self.subject = subject

    def query(self, schema: Schema) -> dict[str, Any]:
        """The query string through ``schema`` (422 naming each bad parameter)."""
        raw = {k: v if len(v) > 1 else v[0] for k, v in self.request.args.lists()}
        return load(schema, raw)

    def json(self, schema: Schema, optional: bool = False) -> dict[str, Any]:
        """The JSON body through ``schema``: 415 for another content type, 400 when it is not
        JSON, 422 naming each bad field. ``optional``: no body at all reads as ``{}``."""
        if optional and not self.request.content_length:  # no body (eventlet names one
            return load(schema, {})  # text/plain when the request named no type)
        if not self.request.is_json:
            raise errors.unsupported("body", JSON)
        try:
            raw = json.loads(self.request.get_data(cache=True) or b"null")
        except (ValueError, UnicodeDecodeError):
            raise errors.ApiError("bad_request", {"body": ["not JSON / bukan JSON"]}) from None
        if not isinstance(raw, dict):
            raise errors.invalid({"body": ["a JSON object / harus objek JSON"]})
        return load(schema, raw)

    def is_multipart(self) -> bool:
        return self.request.mimetype == "multipart/form-data"

    def form(self) -> Mapping[str, str]:
        if not self.is_multipart():
            raise errors.unsupported("body", "multipart/form-data")
        return self.request.form

    def files(self) -> Mapping[str, FileStorage]:
        self.form()
        return self.request.files


def load(schema: Schema, raw: Mapping[str, Any]) -> dict[str, Any]:
    """``raw`` through ``schema``; 422 naming each bad field (a text no database can keep —
    a NUL, half a UTF-16 pair — is refused here, by name)."""
    unstorable = {name: ["unreadable text / teks tidak terbaca"] for name in _bad_texts(raw)}
    if unstorable:
        raise errors.invalid(unstorable)
    try:
        return schema.load(raw)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"body": error.messages}
        raise errors.invalid(messages) from None


def _bad_texts(value: Any, name: str = "body") -> list[str]:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [name]
        return [name] if "\x00" in value else []
    if isinstance(value, Mapping):
        return [bad for k, v in value.items() for bad in _bad_texts(v, str(k))]
    if isinstance(value, list | tuple):
        return [bad for v in value for bad in _bad_texts(v, name)]
    return []


def authenticate(
    service: Any, request: Request, cookie_only: bool = False
) -> tuple[Principal, sessions.SessionState | None]:
    """Who calls: a bearer token (machines), else the session cookie (people in a browser) —
    the same :class:`Principal` either way; with the cookie, also its session."""
    token = None if cookie_only else bearer(request)
    if token is not None:
        try:
            with service.db.get_session() as session:
                return identity.authenticate(session, token), None
        except identity.Unauthenticated as refusal:
            log.info(
                "request %s: token refused (%s)", request.environ.get(REQUEST_ID), refusal.reason
            )
            raise errors.ApiError("unauthenticated") from None
    cookie = request.cookies.get(session_rules.COOKIE)
    if not cookie:
        if cookie_only:
            raise session_rules.not_signed_in()
        raise errors.ApiError("unauthenticated")
    refusal = None
    with service.db.get_session() as session:  # commits an expired session's end
        try:
            state = sessions.authenticate(session, cookie)
        except sessions.Unauthenticated as refused:
            refusal = refused
    if refusal is not None:
        log.info("request %s: session refused (%s)", request.environ[REQUEST_ID], refusal.reason)
        if refusal.reason == "expired":
            raise session_rules.session_expired()
        raise session_rules.not_signed_in()
    return state.principal, state


def check_session_request(request: Request, state: sessions.SessionState) -> None:
    """What a cookie request must also pass: the per-user rate limit and, when it changes
    something, the CSRF token and the origin."""
    wait = limiter().take("u:" + state.principal.username)
    if wait is not None:
        raise errors.rate_limited(wait)
    problem = session_rules.csrf_problem(
        request.method,
        request.headers.get(session_rules.CSRF_HEADER),
        state.csrf_token,
        request.headers.get("Origin"),
        security.site_origin(request),
    )
    if problem is not None:
        log.info("request %s: refused as cross-site (%s)", request.environ[REQUEST_ID], problem)
        raise session_rules.csrf_refused()


def authenticate_device(service: Any, request: Request) -> Principal:
    """Who calls a sync endpoint: a bearer token, else the device's sync credential (which a day
    offline does not end, unlike the browser session); counted per user, and a request that
    changes something must come from the field app itself."""
    if bearer(request) is not None:
        return authenticate(service, request)[0]
    cookie = request.cookies.get(sync_credentials.COOKIE)
    if not cookie:
        raise sync_rules.device_signed_out()
    refusal = None
    with service.db.get_session() as session:  # commits the note of its use
        try:
            principal = sync_credentials.authenticate(session, cookie)
        except identity.Unauthenticated as refused:
            refusal = refused
    if refusal is not None:
        log.info("request %s: device refused (%s)", request.environ[REQUEST_ID], refusal.reason)
        raise sync_rules.device_signed_out()
    wait = limiter().take("u:" + principal.username)
    if wait is not None:
        raise errors.rate_limited(wait)
    if request.method.upper() in session_rules.UNSAFE_METHODS:
        origin = request.headers.get("Origin")
        foreign = (
            origin is not None
            and origin.rstrip("/").lower() != security.site_origin(request).lower()
        )
        if request.headers.get(sync_rules.DEVICE_HEADER) != "1" or foreign:
            log.info(
                "request %s: device request refused as cross-site", request.environ[REQUEST_ID]
            )
            raise sync_rules.not_from_the_app()
    return principal


def session_call(service: Any, call: Call, required: bool = True) -> None:
    """A session endpoint's caller (by cookie only; sign-out without one is no error)."""
    try:
        call.principal, call.session = authenticate(service, call.request, cookie_only=True)
    except errors.ApiError:
        if required:
            raise
        return
    assert call.session is not None
    check_session_request(call.request, call.session)


def serve(service: Any, method: Callable, name: str, request: Request, values: dict) -> Response:
    """Run one endpoint: authenticate, check the role, call, answer, audit."""
    request_id = request.environ[REQUEST_ID]
    call = Call(request, name, request_id, dict(values))
    try:
        if name in policy.SESSION:
            if name not in policy.SIGN_IN:
                session_call(service, call, required=name not in policy.SIGN_OUT)
        elif name in policy.DEVICE:
            call.principal = authenticate_device(service, request)
            policy.require(name, call.principal)
        elif name not in policy.PUBLIC:
            call.principal, call.session = authenticate(service, request)
            if call.session is not None:
                check_session_request(request, call.session)
                refusal = call.session.gate()
                if refusal is not None:
                    raise refusal
            policy.require(name, call.principal)
        if any(isinstance(v, int) and not 1 <= v <= MAX_ID for v in values.values()):
            raise errors.not_found()
        response = as_response(method(service, call, **values))
    except errors.ApiError as error:
        response = error_response(error, request_id)
    except HTTPException as exc:  # werkzeug refusing while reading a body (413, 400)
        response = error_response(from_http_exception(exc), request_id)
    except Exception as exc:
        response = internal_error(exc, request_id)
    audited = name in policy.ENDPOINTS and policy.rule(name).person_data
    if call.principal is not None and audited:
        try:
            write_audit(service, call, response.status_code)
        except Exception as exc:  # no unlogged access: the data does not leave
            response = internal_error(exc, request_id)
    return response


def set_session_cookie(response: Response, request: Request, cookie: str, max_age: int) -> None:
    """``sipmas_session``: HttpOnly, SameSite=Strict, Path=/, Secure over HTTPS (or always, with
    ``SIPMAS_COOKIE_SECURE=1``)."""
    response.set_cookie(session_rules.COOKIE, cookie, max_age, **_cookie(request, "/"))


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(session_rules.COOKIE, **_cookie(request, "/"))


def set_sync_cookie(response: Response, request: Request, cookie: str, max_age: int) -> None:
    """``sipmas_sync``: the device's credential, as the session's cookie but for Path=/api/v1
    (the app's scripts never hold it either)."""
    path = sync_credentials.COOKIE_PATH
    response.set_cookie(sync_credentials.COOKIE, cookie, max_age, **_cookie(request, path))


def clear_sync_cookie(response: Response, request: Request) -> None:
    path = sync_credentials.COOKIE_PATH
    response.delete_cookie(sync_credentials.COOKIE, **_cookie(request, path))


def _cookie(request: Request, path: str) -> dict[str, Any]:
    """How SIPMAS sets its cookies: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    secure = security.is_https(request) or session_rules.cookie_always_secure()
    return {"path": path, "secure": secure, "httponly": True, "samesite": "Strict"}


def as_response(result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        status, data = result
        return json_response(data, status)
    return json_response(result)


def write_audit(service: Any, call: Call, outcome: int) -> None:
    household_ids = list(call.household_ids)
    if not household_ids and "household_id" in call.path_values:
        household_ids = [call.path_values["household_id"]]
    household_ids = [h for h in household_ids if 1 <= h <= MAX_ID]  # an id that cannot be
    subject = call.subject or " ".join(f"{k}={v}" for k, v in sorted(call.path_values.items()))
    with service.db.get_session() as session:
        audit.record(
            session,
            call.principal,
            call.endpoint,
            household_ids=household_ids,
            subject=subject or call.endpoint,
            outcome=outcome,
            request_id=call.request_id,
        )


def endpoint(method: str, url: str, name: str, body: str | None = None) -> Callable:
    """Register ``fn(self, call, **path_values)`` as the endpoint ``name`` (``policy``)."""

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def entry(self: Any, request: Request, **values: Any) -> Response:
            return serve(self, fn, name, request, values)

        entry.endpoint_name = name  # type: ignore[attr-defined]
        return Endpoint.decorator(method, url, name, body=body)(entry)

    return decorate
