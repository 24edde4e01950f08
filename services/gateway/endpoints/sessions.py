"""``/api/v1/session``: a person signs in with their password (and TOTP code), reads and ends
their session, changes their password, turns TOTP on and off (``docs/web-api.md``, "Session").

The use cases (``use_cases/sessions.py``) decide and audit; here a request becomes a call and
the outcome an answer, with the cookie set or cleared. Answers carrying the CSRF token or a
secret are ``Cache-Control: no-store``.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from services.gateway import schemas
from services.gateway.domain import sessions as session_rules
from services.gateway.http import (
    Call,
    clear_session_cookie,
    clear_sync_cookie,
    endpoint,
    json_response,
    set_session_cookie,
)
from services.gateway.use_cases import sessions, sync_credentials

API = "/api/v1"
NO_STORE = {"Cache-Control": "no-store"}


def _answer(outcome: sessions.Outcome, status: int = 200) -> Response:
    if outcome.error is not None:
        raise outcome.error
    if outcome.state is not None:
        return json_response(sessions.view(outcome.state), status, NO_STORE)
    return json_response(outcome.data, status, NO_STORE)


class SessionEndpoints:
    """People's sessions (the cookie ``sipmas_session``)."""

    @endpoint("POST", f"{API}/session", "session.create")
    def sign_in(self: Any, call: Call) -> Response:
        body = call.json(schemas.SignIn())
        with self.db.get_session() as session:
            outcome = sessions.sign_in(
                session,
                body["username"],
                body["password"],
                body.get("totp"),
                call.request_id,
                call.request.headers.get("User-Agent"),
            )
        response = _answer(outcome)
        assert outcome.cookie is not None
        lifetime = session_rules.Lifetime.configured().absolute
        set_session_cookie(response, call.request, outcome.cookie, int(lifetime.total_seconds()))
        return response

    @endpoint("GET", f"{API}/session", "session.get")
    def read_session(self: Any, call: Call) -> Response:
        assert call.session is not None
        return json_response(sessions.view(call.session), headers=NO_STORE)

    @endpoint("DELETE", f"{API}/session", "session.delete")
    def sign_out(self: Any, call: Call) -> Response:
        """Ends the session and this device's sync credential (the field app keeps what it has
        not sent until the verifier signs in again)."""
        device = call.request.cookies.get(sync_credentials.COOKIE)
        if call.session is not None or device:
            with self.db.get_session() as session:
                if call.session is not None:
                    sessions.sign_out(session, call.session, call.request_id)
                if device:  # even when the session ended long ago (a day offline)
                    sync_credentials.revoke(session, device, "signed out")
        response = Response(status=204)
        clear_session_cookie(response, call.request)
        if device:
            clear_sync_cookie(response, call.request)
        return response

    @endpoint("POST", f"{API}/session/password", "session.password")
    def change_password(self: Any, call: Call) -> Response:
        assert call.session is not None
        body = call.json(schemas.ChangePassword())
        with self.db.get_session() as session:
            outcome = sessions.change_password(
                session,
                call.session,
                body["current_password"],
                body["new_password"],
                call.request_id,
            )
        if outcome.error is not None and outcome.error.code == "locked":
            response = json_response(outcome.error.body(call.request_id), 429)
            response.headers.update(outcome.error.headers)
            clear_session_cookie(response, call.request)
            return response
        return _answer(outcome)

    @endpoint("POST", f"{API}/session/totp", "session.totp_begin")
    def begin_totp(self: Any, call: Call) -> Response:
        assert call.session is not None
        call.json(schemas.TotpBegin(), optional=True)
        with self.db.get_session() as session:
            outcome = sessions.begin_totp(session, call.session, call.request_id)
        return _answer(outcome)

    @endpoint("POST", f"{API}/session/totp/confirm", "session.totp_confirm")
    def confirm_totp(self: Any, call: Call) -> Response:
        assert call.session is not None
        body = call.json(schemas.TotpCode())
        with self.db.get_session() as session:
            outcome = sessions.confirm_totp(session, call.session, body["code"], call.request_id)
        return _answer(outcome)

    @endpoint("DELETE", f"{API}/session/totp", "session.totp_disable")
    def disable_totp(self: Any, call: Call) -> Response:
        assert call.session is not None
        body = call.json(schemas.TotpCode())
        with self.db.get_session() as session:
            outcome = sessions.disable_totp(session, call.session, body["code"], call.request_id)
        return _answer(outcome)
