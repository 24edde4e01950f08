"""Messages in Bahasa Indonesia from versioned Jinja2 templates, rendered from an event's data.

Files: ``templates/<event_type>/<channel>.<ext>`` — ``email.subject``, ``email.txt`` and
``email.html`` (the two parts of one email), ``sms.txt``. A webhook has no template: its body is
the event's envelope (``webhook_body``). Rendering is strict: an unknown name fails
(``StrictUndefined``) instead of leaving a gap, and nothing that looks like a NIK survives.
The template version kept on each delivery is a hash of the files it was rendered from.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from sipmas import events, reference, settings
from sipmas.nik import scrub

PARTS: dict[str, tuple[str, ...]] = {
    "email": ("email.subject", "email.txt", "email.html"),
    "sms": ("sms.txt",),
}
PART_KEYS = {
    "email.subject": "subject",
    "email.txt": "text",
    "email.html": "html",
    "sms.txt": "text",
}
BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
REFERRAL_STATES = {
    "created": "dibuat",
    "sent": "dikirim",
    "received": "diterima",
    "in_progress": "sedang ditangani",
    "completed": "selesai",
    "rejected": "ditolak",
    "rerouted": "dialihkan",
    "closed": "ditutup",
    "cancelled": "dibatalkan",
}
NEEDS = {
    "rumah": "rumah tidak layak huni, air dan sanitasi",
    "pendidikan": "pendidikan anak",
    "kesehatan": "kesehatan dan jaminan kesehatan",
    "pangan": "kemiskinan pangan (gizi)",
    "adminduk": "dokumen kependudukan",
    "ekonomi": "pekerjaan dan pendapatan",
}
TASK_REASONS = {
    "registered": "rumah tangga baru terdaftar",
    "requested": "permintaan petugas",
    "reverification": "verifikasi ulang berkala",
    "after_case": "pemeriksaan setelah kasus selesai",
}
STAGES = {"receive": "penerimaan rujukan", "complete": "penyelesaian rujukan"}
# What a webhook carries of each referral event: the fields of ``events.OpdReferral`` that event
# has. Anything else a producer may add later stays out until it is named here.
WEBHOOK_FIELDS = {
    "referral_created": (
        "referral_id", "case_id", "household_id", "opd_code", "need", "programme", "rule_id",
    ),
    "referral_escalated": (
        "referral_id", "case_id", "household_id", "opd_code", "stage", "due_at",
    ),
}  # fmt: skip


class TemplateProblem(Exception):
    """A template that is missing, or rendered with something left over."""


def root() -> Path:
    return Path(str(resources.files("services.notifications").joinpath("templates")))


def tanggal(value: Any) -> str:
    """``12 Januari 2026 pukul 14.30 WITA`` (local time) from a datetime or ISO text."""
    if value in (None, ""):
        return "-"
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    local = moment.astimezone(ZoneInfo(settings.local_timezone()))
    return (
        f"{local.day} {BULAN[local.month - 1]} {local.year} pukul {local:%H.%M} "
        f"{local.tzname() or ''}"
    )


def hari(value: Any) -> str:
    """``12 Januari 2026`` from a date, datetime or ISO text."""
    text = str(value)[:10]
    year, month, day = (int(part) for part in text.split("-"))
    return f"{day} {BULAN[month - 1]} {year}"


def desa_name(code: str | None) -> str:
    desa = reference.desa_by_code().get(code or "")
    return f"{desa.jenis.title()} {desa.name}" if desa else (code or "-")


def kecamatan_name(code: str | None) -> str:
    kecamatan = reference.kecamatan_by_code().get(code or "")
    return f"Kecamatan {kecamatan.name}" if kecamatan else (code or "-")


@cache
def _opd_by_code() -> dict[str, Any]:
    return {opd.code: opd for opd in reference.opd()}


def opd_name(code: str | None) -> str:
    found = _opd_by_code().get(code or "")
    return found.name if found else (code or "-")


def opd_short(code: str | None) -> str:
    found = _opd_by_code().get(code or "")
    return found.abbreviation.split(" / ")[-1] if found else (code or "-")


def label(value: Any, table: dict[str, str]) -> str:
    return table.get(str(value), str(value).replace("_", " "))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root())),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # no stat of every file at each render: templates are read once
    )
    env.filters.update(
        tanggal=tanggal,
        hari=hari,
        desa=desa_name,
        kecamatan=kecamatan_name,
        opd=opd_name,
        opd_singkat=opd_short,
        status=lambda v: label(v, REFERRAL_STATES),
        kebutuhan=lambda v: label(v, NEEDS),
        alasan_tugas=lambda v: label(v, TASK_REASONS),
        tahap=lambda v: label(v, STAGES),
    )
    return env


@cache
def channels_of(event_type: str) -> list[str]:
    """The channels that have templates for ``event_type`` (read once per process, like the
    templates themselves: restart the service after changing them)."""
    folder = root() / event_type
    return [ch for ch, parts in PARTS.items() if all((folder / p).is_file() for p in parts)]


@cache
def version(event_type: str, channel: str) -> str:
    """A short hash of the template files (and the layout) a message is rendered from; hashed
    once per process, not per delivery."""
    digest = hashlib.sha256()
    for part in (*PARTS[channel], "../_layout.html"):
        path = root() / event_type / part
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def render(event_type: str, channel: str, context: dict[str, Any]) -> dict[str, str]:
    """The message parts of ``channel`` (``subject``/``text``/``html`` or ``text``)."""
    if channel not in PARTS or channel not in channels_of(event_type):
        raise TemplateProblem(f"no {channel} template for {event_type}")
    content = {}
    for part in PARTS[channel]:
        text = environment().get_template(f"{event_type}/{part}").render(**context).strip()
        if "{{" in text or "{%" in text:
            raise TemplateProblem(f"{event_type}/{part} left a template tag in its output")
        content[PART_KEYS[part]] = scrub(text)
    if "subject" in content:
        content["subject"] = " ".join(content["subject"].split())  # one header line
    return content


def jsonable(event: dict[str, Any]) -> dict[str, Any]:
    """A validated (loaded) event back to JSON-safe values, as it travelled."""
    _, _, schema = events.SCHEMAS[event["event_type"]]
    plain = events.instance(events.Envelope).dump({**event, "data": {}})
    plain["data"] = events.instance(schema).dump(event["data"])
    return plain


def context(event: dict[str, Any], recipient: dict[str, Any]) -> dict[str, Any]:
    """What a template sees: the event (JSON-safe), its data, and the recipient's kind, id and
    name — nothing else, so a household's SMS can only say what its own event says."""
    plain = jsonable(event)
    return {"event": plain, "data": plain["data"], "recipient": recipient}


def webhook_body(event: dict[str, Any]) -> str:
    """The agency's webhook body: the event's envelope, its data cut to ``WEBHOOK_FIELDS``."""
    plain = jsonable(event)
    keep = WEBHOOK_FIELDS.get(plain["event_type"], ())
    plain["data"] = {key: plain["data"].get(key) for key in keep if key in plain["data"]}
    return json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
