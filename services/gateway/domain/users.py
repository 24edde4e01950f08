"""Who a user may be: roles and their scopes, a user's fields checked, and the
:class:`Principal` a request acts as. The rules, without a database (the use cases of
``use_cases/identity.py`` keep users and tokens)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError
from marshmallow import validate as mm_validate

from sipmas import events, reference
from sipmas.refusals import Invalid

ROLES = events.USER_ROLES
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EDITABLE = ("name", "role", "kecamatan_codes", "desa_codes", "opd_code", "email", "phone", "active")


@dataclass(frozen=True)
class Principal:
    username: str
    role: str  # admin | supervisor | verifier | operator | opd | viewer
    kecamatan_codes: tuple[str, ...] = ()
    desa_codes: tuple[str, ...] = ()
    opd_code: str | None = None
    token_id: int | None = None
    via: str = "token"  # how the request was authenticated: token | session (a browser)
    session_id: int | None = None  # the browser session's id when via == "session"

    def area_scope(self) -> dict | None:
        """{"kecamatan_codes": [...], "desa_codes": [...]} or None = the whole district
        (admin; supervisor/viewer with no area).

        A household is in the scope when its desa is one of ``desa_codes`` or its kecamatan one
        of ``kecamatan_codes``. An ``opd`` user has no area: empty lists, so no household is in
        its scope by area (an agency sees households through its own referrals only).
        """
        if self.role != "opd" and not (self.kecamatan_codes or self.desa_codes):
            return None
        return {"kecamatan_codes": list(self.kecamatan_codes), "desa_codes": list(self.desa_codes)}

    def in_area(self, kecamatan_code: str | None, desa_code: str | None) -> bool:
        """Whether a place (a household's kecamatan and desa) lies in :meth:`area_scope`."""
        scope = self.area_scope()
        if scope is None:
            return True
        if desa_code and desa_code in self.desa_codes:
            return True
        desa = reference.desa_by_code().get(desa_code or "")
        kecamatan = kecamatan_code or (desa.kecamatan_code if desa else None)
        return bool(kecamatan) and kecamatan in self.kecamatan_codes


def text_of(value: Any) -> str:
    """A form value as stripped text (None: empty)."""
    return "" if value is None else str(value).strip()


def normalise_code(raw: str, kind: str) -> str:
    """``6408042001`` → ``64.08.04.2001`` (desa), ``640804`` → ``64.08.04`` (kecamatan)."""
    value = text_of(raw)
    if value.isdigit():
        if kind == "desa" and len(value) == 10:
            return f"{value[:2]}.{value[2:4]}.{value[4:6]}.{value[6:]}"
        if kind == "kecamatan" and len(value) == 6:
            return f"{value[:2]}.{value[2:4]}.{value[4:]}"
    return value


def normalise_phone(raw: str) -> str | None:
    """An Indonesian mobile number as ``+62…`` (the rule notifications sends SMS by); None when
    it cannot be one."""
    value = re.sub(r"[^\d+]", "", raw or "")
    value = value.removeprefix("+")
    if value.startswith("0"):
        value = "62" + value[1:]
    if not value.startswith("628") or not 10 <= len(value) <= 15 or not value.isdigit():
        return None
    return "+" + value


def _codes(values: Iterable[str] | None, kind: str, known: Mapping[str, Any]) -> tuple[list, list]:
    codes, unknown = set(), []
    for raw in values or ():
        for part in str(raw).split(","):
            if not part.strip():
                continue
            code = normalise_code(part, kind)
            if code in known:
                codes.add(code)
            else:
                unknown.append(code)
    return sorted(codes), unknown


def scope_problems(
    role: str, kecamatan_codes: list[str], desa_codes: list[str], opd_code: str | None
) -> dict[str, list[str]]:
    """What is wrong with a role's scope (codes already checked against the reference)."""
    area = bool(kecamatan_codes or desa_codes)
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if role == "opd":
        if not opd_code:
            add("opd_code", "an opd user needs an agency code / pengguna OPD perlu kode OPD")
        for name, codes in (("kecamatan_codes", kecamatan_codes), ("desa_codes", desa_codes)):
            if codes:
                add(name, "an opd user has no area / pengguna OPD tidak punya wilayah")
    elif opd_code:
        add("opd_code", "only an opd user has an agency code / hanya pengguna OPD punya kode OPD")
    if role == "admin":
        for name, codes in (("kecamatan_codes", kecamatan_codes), ("desa_codes", desa_codes)):
            if codes:
                add(name, "an admin has no area (the whole district) / admin tanpa wilayah")
    if role == "operator" and not desa_codes:
        add("desa_codes", "an operator needs at least one desa / operator perlu minimal satu desa")
    if role == "verifier" and not area:
        add(
            "desa_codes",
            "a verifier needs at least one desa or kecamatan / "
            "verifikator perlu minimal satu desa atau kecamatan",
        )
    return errors


def clean_user(data: Mapping[str, Any]) -> dict[str, Any]:
    """A user's fields checked and normalised; raises :class:`Invalid` naming each bad field.

    ``data`` holds every field of :data:`EDITABLE` (and ``username``); codes may be dotted or
    not, and a list item may hold several codes separated by commas.
    """
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if "username" in data:
        username = text_of(data["username"]).lower()
        if not USERNAME.match(username) or username.isdigit():
            errors["username"] = [
                "2-64 characters: lower-case letters, digits, '.', '_', '-', not only digits / "
                "2-64 karakter: huruf kecil, angka, '.', '_', '-', tidak hanya angka"
            ]
        clean["username"] = username
    role = text_of(data.get("role")).lower()
    if role not in ROLES:
        errors["role"] = [f"unknown role {role!r}; one of {', '.join(ROLES)} / peran tidak dikenal"]
    clean["role"] = role
    clean["name"] = text_of(data.get("name")) or clean.get("username") or ""
    if not clean["name"]:
        errors["name"] = ["a name is required / nama wajib diisi"]
    clean["kecamatan_codes"], unknown = _codes(
        data.get("kecamatan_codes"), "kecamatan", reference.kecamatan_by_code()
    )
    if unknown:
        errors["kecamatan_codes"] = [
            f"unknown kecamatan code {code!r} / kode kecamatan tidak dikenal" for code in unknown
        ]
    clean["desa_codes"], unknown = _codes(data.get("desa_codes"), "desa", reference.desa_by_code())
    if unknown:
        errors["desa_codes"] = [
            f"unknown desa code {code!r} / kode desa tidak dikenal" for code in unknown
        ]
    opd_code = text_of(data.get("opd_code")).lower() or None
    if opd_code and opd_code not in reference.opd_codes():
        errors["opd_code"] = [f"unknown agency code {opd_code!r} / kode OPD tidak dikenal"]
    clean["opd_code"] = opd_code
    clean["email"] = text_of(data.get("email")) or None
    if clean["email"]:
        try:
            mm_validate.Email()(clean["email"])
        except ValidationError:
            errors["email"] = ["not an email address / bukan alamat email"]
    phone = text_of(data.get("phone"))
    clean["phone"] = normalise_phone(phone) if phone else None
    if phone and clean["phone"] is None:
        errors["phone"] = ["not an Indonesian mobile number / bukan nomor HP Indonesia"]
    clean["active"] = bool(data.get("active", True))
    if "role" not in errors:
        scope = scope_problems(role, clean["kecamatan_codes"], clean["desa_codes"], opd_code)
        for name, messages in scope.items():
            errors.setdefault(name, messages)  # an unknown code says enough about its field
    if errors:
        raise Invalid(errors)
    return clean
