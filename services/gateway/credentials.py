"""The secrets people sign in with: password hashes (argon2id), TOTP secrets (sealed), codes.

- **Passwords** are hashed with argon2id (``argon2-cffi``'s defaults: RFC 9106's second
  recommended profile, 64 MiB, 3 passes). Hashing takes tens of milliseconds of CPU, so in the
  gateway (eventlet) it runs in eventlet's thread pool (:func:`off_hub`), not on the hub where
  it would stall every other request. A username that does not exist is checked against a dummy
  hash: the answer takes as long as for a real one.
- **TOTP secrets** are sealed with AES-256-GCM under a key derived from ``SIPMAS_SECRET_KEY``
  (HKDF-SHA256), the username as associated data: a copy of the ``users`` table alone gives no
  secret away, and a sealed secret copied onto another user does not open. Changing
  ``SIPMAS_SECRET_KEY`` makes every TOTP enrolment unreadable: those users sign in with their
  password and enrol again (an admin turns TOTP off for them: ``sipmas users totp-off``).
- **Codes**: RFC 6238, 6 digits, 30 s, one step of clock drift either way; a code (its time
  step) is accepted once per user (``totp_last_step``).
"""

from __future__ import annotations

import base64
import functools
import hmac
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sipmas import settings

T = TypeVar("T")
DEVELOPMENT_KEY = "sipmas-local-development-secret-key"
SEAL_PREFIX = "v1:"
TOTP_DIGITS = 6
TOTP_PERIOD = 30

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile


def off_hub(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in eventlet's thread pool when running under eventlet (the gateway), else
    here (the CLI, tests)."""
    try:
        from eventlet import patcher, tpool
    except ImportError:  # pragma: no cover - eventlet is a dependency
        return fn(*args)
    if patcher.is_monkey_patched("thread"):
        return tpool.execute(fn, *args)
    return fn(*args)


# --- passwords ---------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return off_hub(_hasher.hash, password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("sipmas dummy password, never anyone's")


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from; with no hash (an unknown user,
    a user without a password) a dummy is checked, so both take the same time."""
    return off_hub(_verify, stored, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


# --- TOTP secrets, sealed ----------------------------------------------------------------------


def secret_key() -> bytes:
    return settings.env("SIPMAS_SECRET_KEY", DEVELOPMENT_KEY).encode()


@functools.cache
def _aead(key: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"sipmas-gateway", info=b"totp-secret v1"
    ).derive(key)
    return AESGCM(derived)


def seal(plaintext: str, username: str) -> str:
    nonce = os.urandom(12)
    sealed = _aead(secret_key()).encrypt(nonce, plaintext.encode(), username.encode())
    return SEAL_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(sealed: str, username: str) -> str | None:
    """The secret, or None when it cannot be opened (another key, another user, tampered)."""
    if not sealed.startswith(SEAL_PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed[len(SEAL_PREFIX) :])
        plain = _aead(secret_key()).decrypt(raw[:12], raw[12:], username.encode())
    except Exception:  # InvalidTag, bad base64: unreadable either way
        return None
    return plain.decode()


# --- TOTP codes --------------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()  # 160 bits, base32 as authenticator apps take it


def otpauth_uri(secret: str, username: str, issuer: str) -> str:
    uri = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD).provisioning_uri(
        name=username, issuer_name=issuer
    )
    return uri if issuer in uri else f"{uri}&issuer={quote(issuer)}"


def totp_step(secret: str, code: str | None, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (this one or a neighbour), or None when it is wrong."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD)
    step = int((time.time() if now is None else now) // TOTP_PERIOD)
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None
