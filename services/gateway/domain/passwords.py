"""What makes a password acceptable, and the temporary passwords an admin hands out.

- **The policy** (:func:`problems`): at least :data:`MIN_LENGTH` characters, at most
  :data:`MAX_LENGTH` (hashing a megabyte is work an attacker should not get for free), not the
  username (nor containing it), and not the password it replaces. Each problem is a message in
  both languages (``{"id": ..., "en": ...}``): the browser shows the one of its language.
- **Temporary passwords** (:func:`temporary`): 16 random characters from an alphabet without
  look-alikes (no ``0/O``, ``1/l/I``), in groups of four, read out over the phone to a desa
  office; the user must change it at the first sign-in.

Hashing (argon2id) is not a rule: it lives in ``services/gateway/credentials.py``.
"""

from __future__ import annotations

import secrets

MIN_LENGTH = 10
MAX_LENGTH = 256
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TEMPORARY_GROUPS = 4


def message(id_text: str, en_text: str) -> dict[str, str]:
    return {"id": id_text, "en": en_text}


TOO_SHORT = message(
    f"Kata sandi paling sedikit {MIN_LENGTH} karakter",
    f"A password has at least {MIN_LENGTH} characters",
)
TOO_LONG = message(
    f"Kata sandi paling banyak {MAX_LENGTH} karakter",
    f"A password has at most {MAX_LENGTH} characters",
)
IS_USERNAME = message(
    "Kata sandi tidak boleh memuat nama pengguna",
    "A password may not contain the username",
)
UNCHANGED = message(
    "Kata sandi baru harus berbeda dari yang sekarang",
    "The new password must differ from the current one",
)
REQUIRED = message("Wajib diisi", "Required")
WRONG_CURRENT = message("Kata sandi sekarang salah", "The current password is wrong")


def problems(password: str, username: str, current: str | None = None) -> list[dict[str, str]]:
    """Every reason ``password`` is refused for ``username`` (empty: acceptable)."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append(TOO_SHORT)
    if len(password) > MAX_LENGTH:
        found.append(TOO_LONG)
    name = username.strip().lower()
    if name and name in password.lower():
        found.append(IS_USERNAME)
    if current is not None and password == current:
        found.append(UNCHANGED)
    return found


def temporary() -> str:
    """``xxxx-xxxx-xxxx-xxxx``: about 92 bits, easy to read out and type."""
    groups = (
        "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4))
        for _ in range(TEMPORARY_GROUPS)
    )
    return "-".join(groups)
