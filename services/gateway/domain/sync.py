"""The field app's sync, as rules: how a device proves a request is its own, what a photo's name
must be, and the answers a device acts on.

A device's outbox sorts every answer into three: sent (2xx), to send again later (a network
failure, 5xx, 429, 401 ``device_signed_out`` after the verifier signs in again, 409
``photos_missing`` — verification's refusal of a visit naming photos the server does not have —
after uploading them), or refused for good with the reason in Indonesian
(any other 4xx: it stays visible on the device, never silently dropped).
"""

from __future__ import annotations

import re

from services.gateway.domain.errors import ApiError

# A request with the device's cookie that changes something must carry this header: a page of
# another site cannot send it without a CORS preflight, which the gateway never allows.
DEVICE_HEADER = "X-Sipmas-Device"
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def device_signed_out() -> ApiError:
    return ApiError(
        "device_signed_out",
        message=(
            "Perangkat ini perlu masuk lagi; kiriman yang menunggu tetap tersimpan",
            "This device must sign in again; what waits to be sent stays on it",
        ),
        status=401,
    )


def not_from_the_app() -> ApiError:
    return ApiError(
        "csrf",
        message=(
            "Permintaan ditolak: tidak dikirim oleh aplikasi lapangan",
            "Request refused: not sent by the field app",
        ),
        status=403,
    )


def hash_mismatch(sha256: str, actual: str) -> ApiError:
    """A photo's bytes do not hash to its name: cut short on the way, or another file."""
    return ApiError(
        "invalid",
        {"body": [f"SHA-256 is {actual}, not {sha256} / isi foto tidak utuh"]},
    )
