"""What the browser tests share: the system and its people, Chromium contexts signed in as
someone (at a desk or on a phone), axe-core, screenshots, and the data a test sets up through
the API before a person takes over in the browser."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from services.gateway.use_cases import identity
from sipmas import db, nik
from tests.e2e.conftest import Sinks
from tests.gateway.support_http import (
    DESA_A,
    DESA_B,
    JPEG,
    NIK_AREA,
    PHOTO_KINDS,
    USERS,
    Client,
    People,
    System,
    make_people,
    register,
    task_of,
    visit_form,
    wait_until,
)

DESA_C = "64.08.04.1010"  # Teluk Lingga, in the supervisor's kecamatan
ROOT = Path(__file__).resolve().parents[2]
WEB_DIST = ROOT / "web" / "dist"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = os.environ.get("SIPMAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--lang=id-ID",  # date fields as Indonesians write them (06/12/2026)
]
PASSWORD = "Kutim-Sejahtera-2026"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 412, "height": 915}
SMALL_PHONE = {"width": 360, "height": 740}  # the verifier's form must work down to this
TIMEOUT_MS = 20_000  # what a person would wait for at most on a 2-core machine under load

expect.set_options(timeout=TIMEOUT_MS)

# The package's people: USERS of the HTTP tests, an agency that is not Perkim, and an operator
# of the other desa (area B).
CREW = {
    **USERS,
    "opd_b": {"role": "opd", "opd_code": "dinkes"},
    "operator_b": {"role": "operator", "desa_codes": [DESA_B]},
    # a verifier of another desa of the supervisor's kecamatan: the one a task is moved to
    "verifier_c": {"role": "verifier", "desa_codes": [DESA_C]},
    "kepala": {"role": "viewer"},  # the head of Dinsos: the whole district
}
NAMES = {
    "admin": "Rahmawati Admin",
    "supervisor": "Sri Wahyuni",
    "verifier": "Ani Lestari",
    "operator": "Budi Santoso",
    "opd": "Staf Perkim",
    "viewer": "Kepala Dinsos",
    "verifier_b": "Yohanes Lung",
    "opd_b": "Staf Dinkes",
    "operator_b": "Operator Senyiur",
    "verifier_c": "Dewi Kartika",
    "kepala": "Kepala Dinas Sosial",
}


@dataclass
class Web:
    system: System
    sinks: Sinks
    amqp_uri: str
    logs: Path

    @property
    def url(self) -> str:
        return self.system.url


@dataclass
class Crew:
    api: People  # bearer tokens, for setting data up through the API
    password: str = PASSWORD

    def username(self, role: str) -> str:
        return self.api.username(role)

    def client(self, role: str) -> Client:
        return self.api[role]


def make_crew(web: Web) -> Crew:
    """``CREW`` with names, passwords and tokens; waits until verification knows its staff."""
    users = {name: {**fields, "name": NAMES[name]} for name, fields in CREW.items()}
    people = make_people(web.system, users, prefix="b-")
    with db.session_scope("gateway") as session:
        for name in CREW:
            identity.set_password(session, people.username(name), PASSWORD, "test", False)
    return Crew(people)


def new_user(username: str, role: str, password: str | None = PASSWORD, **fields: Any) -> str:
    """A user of their own for a test (sign-in tests lock and change theirs)."""
    with db.session_scope("gateway") as session:
        identity.create_user(session, {"username": username, "role": role, **fields}, "test")
        session.flush()
        if password:
            identity.set_password(session, username, password, "test", False)
    return username


# --- Chromium ------------------------------------------------------------------------------------


@contextmanager
def launch() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watched:
    """What a page did that a person would not see in the page itself."""

    errors: list[str] = field(default_factory=list)  # uncaught exceptions
    dialogs: list[str] = field(default_factory=list)  # alert(), confirm() ... that opened


class Browsers:
    """The browser contexts of one test."""

    def __init__(self, chromium: Browser, web: Web, crew: Crew, test: str) -> None:
        self.chromium, self.web, self.crew, self.test = chromium, web, crew, test
        self.contexts: list[BrowserContext] = []
        self.watched: dict[int, Watched] = {}

    def context(self, size: dict[str, int] = DESKTOP, **options: Any) -> BrowserContext:
        context = self.chromium.new_context(
            base_url=self.web.url,
            viewport=size,
            locale="id-ID",
            timezone_id="Asia/Makassar",
            accept_downloads=True,
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        return context

    def page(self, context: BrowserContext) -> Page:
        page = context.new_page()
        watched = self.watched.setdefault(id(page), Watched())
        page.on("pageerror", lambda error: watched.errors.append(str(error)))

        def dialog(d) -> None:
            watched.dialogs.append(f"{d.type}: {d.message}")
            if d.type == "confirm":
                d.accept()  # a person who asked for it confirms
            else:
                d.dismiss()

        page.on("dialog", dialog)
        return page

    def as_person(
        self,
        role: str,
        path: str = "/",
        size: dict[str, int] = DESKTOP,
        username: str | None = None,
        password: str | None = None,
        **options: Any,
    ) -> Page:
        """A page signed in as ``role`` of the crew (or ``username``), opened at ``path``."""
        context = self.context(size, **options)
        page = self.page(context)
        name = username or self.crew.username(role)
        answer = context.request.post(
            "/api/v1/session", data={"username": name, "password": password or PASSWORD}
        )
        assert answer.ok, answer.text()
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        return page

    def signed_out(self, path: str = "/signin", size: dict[str, int] = DESKTOP, **options) -> Page:
        page = self.page(self.context(size, **options))
        page.goto(path)
        return page

    def dialogs(self, page: Page) -> list[str]:
        return self.watched[id(page)].dialogs

    def close(self, keep: bool, into: Path) -> None:
        errors = []
        for n, context in enumerate(self.contexts):
            for m, page in enumerate(context.pages):
                if keep:
                    into.mkdir(parents=True, exist_ok=True)
                    with suppress(Exception):  # a page that is gone has nothing to show
                        page.screenshot(path=str(into / f"{self.test}-{n}-{m}.png"), full_page=True)
                errors += self.watched.get(id(page), Watched()).errors
            context.close()
        assert not errors, f"uncaught errors in the pages: {errors}"


# --- what a person sees ------------------------------------------------------------------------


def heading(page: Page, text: str | re.Pattern) -> None:
    """The page shows this title (its h1)."""
    expect(page.locator("main h1")).to_have_text(text)


def field(page: Page | Any, label: str):
    """The form field labelled ``label`` (a required one says so after it: "(wajib)")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(wajib\))?$"))


def toast(page: Page):
    """The message the app shows (and reads out) after something was done."""
    return page.locator("div.live")


def axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it stands (injected by the
    DevTools protocol: the site's CSP allows no inline script, rightly)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, { resultTypes: ['violations'] });
            return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')) }));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Page, where: str) -> None:
    found = axe(page)
    assert not found, f"{where}: " + json.dumps(found, indent=1)


def picture(page: Page, name: str) -> Path:
    """Screenshots kept under var/screenshots/: the whole page, and what the first screen shows
    (``first-screen/``, small enough for the README)."""
    (SCREENSHOTS / "first-screen").mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.screenshot(path=str(SCREENSHOTS / "first-screen" / f"{name}.png"))
    return path


SANGATTA = {"latitude": 0.5121, "longitude": 117.5376, "accuracy": 12}  # a phone's fix


def fill_visit(page: Page, tag: str) -> None:
    """The visit form filled as a verifier does at a poor household: the questionnaire
    (``poor_answers``), a photo of each required kind from the camera."""
    from tests.verification.conftest import poor_answers

    form = page.locator("form.visit-form")
    for name, value in poor_answers().items():
        if value is None or value == []:
            continue
        control = form.locator(f"#q-{name}")
        kind = control.evaluate("e => e.tagName")
        if kind == "SELECT":
            control.select_option(str(value))
        elif kind == "FIELDSET":
            if isinstance(value, bool):
                control.get_by_label("Ya" if value else "Tidak", exact=True).check()
            else:
                for code in value if isinstance(value, list) else [value]:
                    control.locator(f"input[value='{code}']").check()
        else:
            control.fill(str(value).replace(".", ","))  # 18,0 as Indonesians write it
    for kind in ("rumah", "lantai", "atap", "dapur", "sanitasi"):
        page.locator(f"#photo-{kind}").set_input_files(
            {"name": f"{kind}.jpg", "mimeType": "image/jpeg", "buffer": jpeg(f"{tag} {kind}")}
        )
        taken = page.locator(".photo-input", has=page.locator(f"#photo-{kind}"))
        expect(taken.locator("figure.preview img")).to_be_visible()


# --- data set up through the API ---------------------------------------------------------------

_families = iter(range(1, 10**6))


def family(desa: str = DESA_A, head: str | None = None, count: int = 3) -> list[dict[str, Any]]:
    """A family (members as ``POST /households`` takes them) with a head's name of its own."""
    serial = next(_families)  # NIKs born 1979/1983/2013: none of the HTTP tests' families
    kk = f"{NIK_AREA[desa]}{9_000_000_000 + serial}"
    head = head or f"KEPALA {uuid.uuid4().hex[:6].upper()}"
    people = [(head, "Kepala Keluarga", False, 1979), (f"ISTRI {head}", "Istri", True, 1983)]
    people.append((f"ANAK {head}", "Anak", True, 2013))
    rows = []
    for index, (name, relation, female, year) in enumerate(people[:count]):
        born = date(year, 1 + serial % 12, 1 + index)
        rows.append(
            {
                "nik": nik.make(NIK_AREA[desa], born, female, (serial * 3 + index) % 9999 + 1),
                "nama": name,
                "no_kk": kk,
                "jenis_kelamin": "P" if female else "L",
                "tanggal_lahir": born.strftime("%d-%m-%Y"),
                "hubungan": relation,
                "kode_desa": desa,
                "alamat": f"Jl. Pendidikan No. {serial % 97}",
                "rt": "004",
                "rw": "002",
            }
        )
    return rows


def registered(crew: Crew, desa: str = DESA_A, head: str | None = None) -> tuple[int, str]:
    """A Pemda household registered by the admin: its id and its head's name."""
    members = family(desa, head)
    answer = crew.client("admin").ok("POST", "/api/v1/households", json={"members": members})
    return answer["household_ids"][0], members[0]["nama"]


def jpeg(seed: str, size: tuple[int, int] = (640, 480)) -> bytes:
    """A real photo (a JPEG a browser shows), different for every ``seed``."""
    from PIL import Image, ImageDraw

    digest = uuid.uuid5(uuid.NAMESPACE_URL, seed).bytes
    image = Image.new("RGB", size, tuple(digest[:3]))
    draw = ImageDraw.Draw(image)
    for n in range(12):
        x, y = digest[n] * size[0] // 256, digest[n + 1] * size[1] // 256
        draw.rectangle((x, y, x + 60, y + 40), fill=tuple(digest[n : n + 3]))
    draw.text((20, 20), seed[:40], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def visited(
    crew: Crew, household_id: int, desa: str = DESA_A, where: tuple[float, float] | None = None
) -> dict[str, Any]:
    """The household's task, visited (poor, five photos) by its verifier: submitted. ``where``
    puts the visit and its photos somewhere else than the desa (to raise a flag)."""
    verifier = crew.client("verifier" if desa == DESA_A else "verifier_b")
    task = task_of(verifier, household_id)
    salt = uuid.uuid4().hex
    photos = {kind: jpeg(f"{salt} {kind}") for kind in PHOTO_KINDS}
    data, files = visit_form(photos=photos, desa_code=desa)
    if where:
        visit = json.loads(data["visit"])
        visit["latitude"], visit["longitude"] = where
        for photo in visit["photos"]:
            photo["latitude"], photo["longitude"] = where
        data = {"visit": json.dumps(visit)}
    verifier.ok("POST", f"/api/v1/tasks/{task['task_id']}/visits", data=data, files=files)
    return task


def approved(crew: Crew, household_id: int, desa: str = DESA_A) -> dict[str, Any]:
    """Visited and approved: its case and referrals follow."""
    task = visited(crew, household_id, desa)
    crew.client("admin").ok(
        "POST", f"/api/v1/tasks/{task['task_id']}/approve", json={"flags_reviewed": True}
    )
    return task


def crew_task(crew: Crew, task_id: int) -> dict[str, Any]:
    """A task as the admin reads it now."""
    return crew.client("admin").ok("GET", f"/api/v1/tasks/{task_id}")


def referral_of(crew: Crew, household_id: int, opd: str = "opd") -> dict[str, Any]:
    """The household's referral to the agency of crew member ``opd``, once it is there."""

    def found() -> dict[str, Any] | None:
        answer = crew.client(opd).ok("GET", "/api/v1/referrals")
        return next(
            (r for r in answer["referrals"] if r["household"]["household_id"] == household_id),
            None,
        )

    return wait_until(found, timeout=30)


def completed_with_evidence(crew: Crew, referral_id: int, opd: str = "opd") -> str:
    """The agency accepted, then completed the referral with a PDF: the evidence's SHA-256."""
    client = crew.client(opd)
    client.ok("POST", f"/api/v1/referrals/{referral_id}/status", json={"status": "accepted"})
    pdf = b"%PDF-1.4\n% berita acara serah terima " + uuid.uuid4().hex.encode()
    answer = client.ok(
        "POST",
        f"/api/v1/referrals/{referral_id}/status",
        data={"status": "completed", "note": "Serah terima"},
        files={"evidence": ("berita-acara.pdf", pdf, "application/pdf")},
    )
    return answer["evidence_ref"]


def set_due(service: str, sql: str, **params: Any) -> None:
    """Move a date in a service's own database (a task or referral made overdue, as days would)."""
    with db.engine(service).begin() as conn:
        conn.execute(sa.text(sql), params)


def dtsen_file(rows: list[dict[str, str]]) -> bytes:
    """A small DTSEN export (semicolons, as the files come) of ``rows``."""
    columns = [
        "kode_kecamatan", "kecamatan", "kode_kelurahan_desa", "kelurahan_desa", "alamat", "rt",
        "rw", "nomor_kartu_keluarga", "desil_nasional_keluarga", "status_dtsen", "nik", "nama",
        "id_jenis_kelamin", "tanggal_lahir", "id_hub_kepala_keluarga",
    ]  # fmt: skip
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, delimiter=";", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def dtsen_person(
    name: str,
    kk: str,
    person_nik: str,
    born: date,
    head: bool,
    desil: int = 9,
    desa: str = DESA_A,
) -> dict[str, str]:
    """A row of a DTSEN export (desa A unless told)."""
    return {
        "kode_kecamatan": desa.rsplit(".", 1)[0].replace(".", ""),
        "kecamatan": "",
        "kode_kelurahan_desa": desa.replace(".", ""),
        "kelurahan_desa": "",
        "alamat": "JL. MASABA",
        "rt": "7",
        "rw": "3",
        "nomor_kartu_keluarga": kk,
        "desil_nasional_keluarga": str(desil),
        "status_dtsen": "DTSEN AKTIF",
        "nik": person_nik,
        "nama": name,
        "id_jenis_kelamin": "2" if not head else "1",
        "tanggal_lahir": born.strftime("%d-%m-%Y"),
        "id_hub_kepala_keluarga": "1" if head else "2",
    }


def now() -> datetime:
    return datetime.now(UTC)


DAY = timedelta(days=1)
__all__ = ["JPEG", "PHONE", "SMALL_PHONE", "DESKTOP", "register"]
