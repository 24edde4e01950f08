"""People in a browser: how long a session lives, when sign-in is refused, what a cookie request
must carry. The rules only; ``use_cases/sessions.py`` keeps sessions and failures in the
database, ``http.py`` reads the cookie and the headers.

- **Lifetime**: a session ends after ``SIPMAS_SESSION_IDLE_MINUTES`` (30) without a request and
  ``SIPMAS_SESSION_HOURS`` (12) after sign-in at the latest (:func:`ended`).
- **Failures and lockout**: failures are counted per username (known or not: the answer must not
  tell which usernames exist); ``SIPMAS_SIGNIN_MAX_FAILURES`` (5) in a row lock the username for
  ``SIPMAS_SIGNIN_LOCK_MINUTES`` (15), doubled for each further lock (:func:`lock_minutes`) up to
  a day. A lock is forgotten a day after it ended.
- **CSRF**: a request made with the cookie that changes something (POST, PATCH, PUT, DELETE)
  carries ``X-CSRF-Token`` equal to its session's token (compared in constant time) and, if the
  browser sent ``Origin``, comes from this site (:func:`csrf_problem`). ``SameSite=Strict`` is
  the first fence, this the second.
- **Gates**: while a person must change their password, or must set up TOTP (their role is in
  ``SIPMAS_TOTP_REQUIRED_ROLES``), only the session endpoints answer (:func:`gate`).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from services.gateway.domain.errors import ApiError
from sipmas import settings

COOKIE = "sipmas_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
MAX_LOCK_MINUTES = 24 * 60
FORGET_AFTER = timedelta(days=1)  # failures and locks older than this are forgotten
TOTP_ISSUER = "SIPMAS Kutim"


# --- settings ----------------------------------------------------------------------------------


def idle_minutes() -> float:
    return float(settings.env("SIPMAS_SESSION_IDLE_MINUTES", "30"))


def absolute_hours() -> float:
    return float(settings.env("SIPMAS_SESSION_HOURS", "12"))


def max_failures() -> int:
    return max(1, int(settings.env("SIPMAS_SIGNIN_MAX_FAILURES", "5")))


def base_lock_minutes() -> float:
    return float(settings.env("SIPMAS_SIGNIN_LOCK_MINUTES", "15"))


def totp_required_roles() -> frozenset[str]:
    raw = settings.env("SIPMAS_TOTP_REQUIRED_ROLES", "")
    return frozenset(part.strip().lower() for part in raw.split(",") if part.strip())


def trust_proxy() -> bool:
    """Whether ``X-Forwarded-Proto``/``-Host`` come from our own TLS front (and are believed)."""
    return settings.env("SIPMAS_TRUST_PROXY", "0") == "1"


def cookie_always_secure() -> bool:
    return settings.env("SIPMAS_COOKIE_SECURE", "0") == "1"


# --- lifetime ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lifetime:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def configured(cls) -> Lifetime:
        return cls(timedelta(minutes=idle_minutes()), timedelta(hours=absolute_hours()))

    def touch_every(self) -> timedelta:
        """How stale ``last_seen_at`` may grow before a request writes it again: a tenth of the
        idle time, at most a minute (a session ends at most that much early)."""
        return min(timedelta(minutes=1), self.idle / 10)


def ended(
    now: datetime, last_seen_at: datetime, expires_at: datetime, lifetime: Lifetime
) -> str | None:
    """``"idle"``, ``"absolute"`` or None (the session is alive)."""
    if now >= expires_at:
        return "absolute"
    if now - last_seen_at >= lifetime.idle:
        return "idle"
    return None


# --- failures and lockout ----------------------------------------------------------------------


def lock_minutes(locks: int, base: float | None = None) -> float:
    """The length of the ``locks``-th lock in a row (1, 2, ...): the base, doubled each time."""
    base = base_lock_minutes() if base is None else base
    return min(MAX_LOCK_MINUTES, base * 2 ** max(0, locks - 1))


def retry_after(now: datetime, locked_until: datetime) -> int:
    """Whole seconds until a lock ends (at least 1)."""
    return max(1, int((locked_until - now).total_seconds() + 0.999))


# --- CSRF --------------------------------------------------------------------------------------


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def csrf_problem(
    method: str, token: str | None, expected: str, origin: str | None, site: str
) -> str | None:
    """Why a cookie request is refused as a possible forgery (None: it is not).

    ``site`` is this site's origin as the browser sees it (``https://sipmas.dinsos.local``).
    """
    if method.upper() not in UNSAFE_METHODS:
        return None
    if not same_token(token, expected):
        return "token"
    if origin is not None and origin.rstrip("/").lower() != site.lower():
        return "origin"
    return None


def origin_of(scheme: str, host: str) -> str:
    """``https://host[:port]`` with the port left out where it is the scheme's own."""
    parts = urlsplit(f"{scheme}://{host}")
    default = {"http": 80, "https": 443}.get(scheme)
    try:
        port = parts.port
    except ValueError:
        port = None
    hostname = (parts.hostname or "").lower()
    if ":" in hostname:  # IPv6
        hostname = f"[{hostname}]"
    return f"{scheme}://{hostname}" + ("" if port in (None, default) else f":{port}")


# --- gates -------------------------------------------------------------------------------------


def totp_setup_required(
    role: str, totp_enabled: bool, required: Iterable[str] | None = None
) -> bool:
    roles = totp_required_roles() if required is None else frozenset(required)
    return role in roles and not totp_enabled


def gate(must_change_password: bool, totp_setup_required: bool) -> ApiError | None:
    """The refusal of every endpoint but the session's while something must be done first."""
    if must_change_password:
        return ApiError(
            "password_change_required",
            message=(
                "Ganti kata sandi Anda terlebih dahulu",
                "Change your password first",
            ),
            status=403,
        )
    if totp_setup_required:
        return ApiError(
            "totp_setup_required",
            message=(
                "Aktifkan verifikasi dua langkah (TOTP) terlebih dahulu",
                "Turn on two-step sign-in (TOTP) first",
            ),
            status=403,
        )
    return None


# --- the refusals of this part of the API ------------------------------------------------------


def invalid_credentials() -> ApiError:
    return ApiError(
        "invalid_credentials",
        message=("Nama pengguna atau kata sandi salah", "Wrong username or password"),
        status=401,
    )


def totp_required() -> ApiError:
    return ApiError(
        "totp_required",
        message=(
            "Masukkan kode 6 angka dari aplikasi autentikator",
            "Enter the 6-digit code of your authenticator app",
        ),
        status=401,
    )


def locked(seconds: int) -> ApiError:
    minutes = max(1, (seconds + 59) // 60)
    return ApiError(
        "locked",
        message=(
            f"Terlalu banyak percobaan gagal; akun dikunci sekitar {minutes} menit",
            f"Too many failed attempts; the account is locked for about {minutes} minutes",
        ),
        headers={"Retry-After": str(seconds)},
        status=429,
    )


def session_expired() -> ApiError:
    return ApiError(
        "session_expired",
        message=("Sesi berakhir; silakan masuk lagi", "The session ended; please sign in again"),
        status=401,
    )


def not_signed_in() -> ApiError:
    return ApiError(
        "unauthenticated",
        message=("Anda belum masuk", "You are not signed in"),
        status=401,
    )


def csrf_refused() -> ApiError:
    return ApiError(
        "csrf",
        message=(
            "Permintaan ditolak: token CSRF tidak ada atau salah; muat ulang halaman",
            "Request refused: missing or wrong CSRF token; reload the page",
        ),
        status=403,
    )
