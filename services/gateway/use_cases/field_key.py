"""The key a phone encrypts a typed NIK with, so that the device never holds a readable one.

A NIK has too few unknown digits for a hash to hide it: the field app encrypts the NIK typed at
the door with this RSA public key (RSA-OAEP, SHA-256; Web Crypto's ``RSA-OAEP``) as soon as it
is typed, and keeps only the ciphertext in the pending visit. The private key never leaves the
gateway: a visit that arrives is decrypted here, compared by the registry and forgotten.

The key pair lives in ``SIPMAS_FIELD_KEY_DIR`` (``var/keys`` by default; one volume shared by the
gateway's replicas): ``field-nik.pem`` is the current key, made on first use; a retired key kept
there as ``field-nik.<anything>.pem`` still opens what phones encrypted before a rotation. A key
is named by the first 16 hex digits of the SHA-256 of its public key (SPKI DER).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sipmas import settings

KEY_BITS = 3072
CURRENT = "field-nik.pem"
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    spki: str  # base64 of the SubjectPublicKeyInfo DER, as Web Crypto's importKey("spki") takes
    algorithm: str = "RSA-OAEP-256"


def key_dir() -> Path:
    return Path(settings.env("SIPMAS_FIELD_KEY_DIR", "var/keys"))


def public_key() -> PublicKey:
    """The current key's public half (made on first use)."""
    key = _current()
    der = _spki(key)
    return PublicKey(key_id=_key_id(der), spki=base64.b64encode(der).decode())


def decrypt(key_id: str, ciphertext: str) -> str | None:
    """The NIK a phone encrypted, or None when no key of ours opens it (unknown key id, retired
    key removed, tampered ciphertext)."""
    key = _keys().get(key_id)
    if key is None:
        return None
    try:
        return key.decrypt(base64.b64decode(ciphertext, validate=True), OAEP).decode()
    except Exception:  # ValueError (bad padding, base64), UnicodeDecodeError: unreadable alike
        return None


def _key_id(spki_der: bytes) -> str:
    return hashlib.sha256(spki_der).hexdigest()[:16]


def _spki(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _current() -> rsa.RSAPrivateKey:
    path = key_dir() / CURRENT
    if not path.exists():
        _create(path)
    return _load(path, path.stat().st_mtime_ns)


def _keys() -> dict[str, rsa.RSAPrivateKey]:
    """Every key in the directory by its id: the current one and the retired ones."""
    _current()
    found = {}
    for path in sorted(key_dir().glob("field-nik*.pem")):
        key = _load(path, path.stat().st_mtime_ns)
        found[_key_id(_spki(key))] = key
    return found


@functools.lru_cache(maxsize=16)
def _load(path: Path, _mtime: int) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} holds no RSA private key")
    return key


def _create(path: Path) -> None:
    """A new key, written whole and readable by this user only; when two replicas make one at
    once, the first to land stays (``os.link`` refuses to replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(partial, path)
    except FileExistsError:
        pass
    finally:
        partial.unlink()
