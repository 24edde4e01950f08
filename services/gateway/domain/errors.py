"""The one error shape of the HTTP API, and how the other services' RPC refusals become it.

Every error, whatever raised it (a route that does not exist, a bad token, a refusal of the
registry, a bug), answers::

    {"error": {"code": "not_found", "message": {"id": "...", "en": "..."},
               "fields": {"nik": ["..."]}, "request_id": "..."}}

A 500 says only that something failed and the request id to quote; what failed goes to the
log (NIK-masked), never to the caller.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# code → (HTTP status, Indonesian, English)
MESSAGES: dict[str, tuple[int, str, str]] = {
    "bad_request": (400, "Permintaan tidak dapat dibaca", "The request cannot be read"),
    "unauthenticated": (
        401,
        "Token tidak ada, tidak dikenal, kedaluwarsa atau dicabut",
        "Missing, unknown, expired or revoked token",
    ),
    "forbidden": (403, "Peran Anda tidak boleh memakai ini", "Your role may not use this"),
    "not_found": (404, "Tidak ditemukan", "Not found"),
    "method_not_allowed": (405, "Metode tidak diizinkan di sini", "Method not allowed here"),
    "illegal_transition": (
        409,
        "Langkah ini tidak dapat dilakukan pada status sekarang",
        "This step is not possible in the current state",
    ),
    "refused": (409, "Ditolak oleh aturan", "Refused by a rule"),
    "too_large": (413, "Permintaan atau file terlalu besar", "Request or file too large"),
    "unsupported_media_type": (
        415,
        "Jenis isi tidak didukung",
        "Unsupported content type",
    ),
    "invalid": (422, "Isian tidak valid", "Invalid fields"),
    "rate_limited": (
        429,
        "Terlalu banyak permintaan; coba lagi nanti",
        "Too many requests; try again later",
    ),
    "internal": (
        500,
        "Terjadi kesalahan; sebutkan request_id kepada admin",
        "Something failed; quote the request_id to an admin",
    ),
    "unavailable": (
        503,
        "Layanan sedang tidak tersedia; coba lagi",
        "A service is unavailable; try again",
    ),
}

# Refusal codes of the other services whose meaning for an HTTP caller is not "conflict" (409):
# code → (status, the field a 422 names when the refusal names none)
REFUSAL_STATUS: dict[str, tuple[int, str]] = {
    # another agency's referral, or none: as unknown as anything that does not exist
    "not_your_referral": (404, ""),
    "unknown_referral": (404, ""),
    # a visit for a task the verifier never held (one they held and lost is kept as late)
    "not_your_task": (404, ""),
    # the caller's input, not the state of things
    "out_of_scope": (422, "kode_desa"),  # registering a household outside the caller's area
    "unreadable_file": (422, "file"),
    "evidence_required": (422, "evidence"),
    "reason_required": (422, "reason"),
    "invalid": (422, "body"),
}


class ApiError(Exception):
    """An answer other than success: raise it anywhere below an endpoint."""

    def __init__(
        self,
        code: str,
        fields: Mapping[str, Any] | None = None,
        *,
        message: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        default_status, message_id, message_en = MESSAGES.get(code, MESSAGES["refused"])
        self.status = status or default_status
        self.code = code
        self.message_id, self.message_en = message or (message_id, message_en)
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})
        super().__init__(code)

    def body(self, request_id: str) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": {"id": self.message_id, "en": self.message_en},
                "fields": self.fields,
                "request_id": request_id,
            }
        }

    def json(self, request_id: str) -> str:
        return json.dumps(self.body(request_id), ensure_ascii=False, default=str)


def not_found() -> ApiError:
    """Unknown, or outside the caller's scope: the same answer, byte for byte."""
    return ApiError("not_found")


def forbidden() -> ApiError:
    return ApiError("forbidden")


def invalid(fields: Mapping[str, Any]) -> ApiError:
    return ApiError("invalid", fields)


def too_large(limit_bytes: int, field: str | None = None) -> ApiError:
    mb = limit_bytes / (1 << 20)
    text = f"{mb:g} MB"
    return ApiError(
        "too_large",
        {field: [f"at most {text} / paling besar {text}"]} if field else None,
        message=(f"Terlalu besar (paling besar {text})", f"Too large (at most {text})"),
    )


def unsupported(field: str, expected: str) -> ApiError:
    return ApiError(
        "unsupported_media_type",
        {field: [f"expected {expected} / diharapkan {expected}"]},
    )


def rate_limited(retry_after: int) -> ApiError:
    return ApiError("rate_limited", headers={"Retry-After": str(retry_after)})


def from_refusal(answer: Mapping[str, Any]) -> ApiError:
    """The HTTP error for an RPC refusal (``sipmas.refusals.describe``'s shapes). A service's
    own message is kept (it is bilingual already, in its own order)."""
    kind = answer.get("error")
    text = str(answer.get("message") or "")
    if kind == "invalid":
        return invalid(answer.get("fields") or {})
    if kind == "not_found":
        return not_found()
    if kind == "illegal_transition":
        return ApiError("illegal_transition", message=(text, text) if text else None)
    if kind == "refused":
        code = str(answer.get("code") or "refused")
        status, field = REFUSAL_STATUS.get(code, (409, ""))
        if status == 404:
            return not_found()
        fields = answer.get("fields") or {}
        if status == 422:
            return invalid(fields or {field: [text or code]})
        return ApiError(code, fields, message=(text, text) if text else None, status=status)
    return ApiError("internal")


def unwrap(answer: Any) -> Any:
    """An RPC answer, or the :class:`ApiError` its refusal means."""
    if isinstance(answer, Mapping) and "error" in answer and isinstance(answer["error"], str):
        raise from_refusal(answer)
    return answer
