"""What the field app's tests and benchmark share: the system with a gateway that can be killed
and started again on its port, the phone's network (``proxy.Proxy``) between Chromium and the
gateway, camera photos with EXIF, a phone (a persistent Chromium profile, 412 × 915 with touch,
GPS granted) and what a verifier does with it, and what the server kept.
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFilter, TiffImagePlugin
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from services.gateway.use_cases import identity
from services.verification.domain.questionnaire import form as questionnaire_form
from sipmas import db, reference
from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    ROOT,
    WEB_DIST,
    heading,
)
from tests.gateway.support_http import (
    DEFAULT_GATEWAY_ENV,
    DESA_A,
    DESA_B,
    DESA_C,
    KEC_A,
    Client,
    _staff_known,
    free_port,
    wait_until,
)
from tests.support import services
from tests.verification.conftest import poor_answers

SHOTS = ROOT / "var" / "screenshots"  # the docs keep a few of them (docs/screenshots/)
PASSWORD = "Lapangan-Kutim-2026"
TIMEOUT_MS = 20_000
HOME = reference.desa_points()[DESA_C]  # households of desa C without GPS are judged here
NEAR = {"latitude": HOME.lat + 0.004, "longitude": HOME.lon - 0.003, "accuracy": 8}
PHOTO_KINDS = ("rumah", "lantai", "atap", "dapur", "sanitasi")  # REQUIRED_PHOTO_KINDS
ACCESS = re.compile(r"\b[0-9a-f]{32} (GET|HEAD|POST|PUT|DELETE|PATCH) (\S+) (\d{3}|-)\b")
NIK_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{16}(?![0-9A-Za-z])")

expect.set_options(timeout=TIMEOUT_MS)


# --- the system -----------------------------------------------------------------------------


class Gateway:
    """The gateway as its container runs it, on a port of its own that stays when it is
    killed (SIGKILL, mid-request) and started again; one log for all its lives."""

    def __init__(self, amqp_uri: str, log: Path, **env: str) -> None:
        self.amqp_uri, self.log, self.env = amqp_uri, log, env
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "nameko", "run", "--config", "config.yaml"]
                + ["services.gateway.service"],
                cwd=ROOT,
                env={
                    **os.environ,
                    "AMQP_URI": self.amqp_uri,
                    **services.FAST_RETRIES,
                    "WEB_SERVER_ADDRESS": f"127.0.0.1:{self.port}",
                    **self.env,
                },
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._answers, timeout=30)

    def _answers(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.tail()
        try:
            return requests.get(f"{self.url}/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def kill(self) -> None:
        """Dead at once, as when the server loses power: no graceful stop."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            services.stop(self.process, 10)

    def text(self, since: int = 0) -> str:
        with open(self.log, "rb") as log:
            log.seek(since)
            return log.read().decode(errors="replace")

    def size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def requests_since(self, since: int) -> list[tuple[str, str, str]]:
        """The access lines (method, path, status) the gateway wrote after byte ``since``."""
        return ACCESS.findall(self.text(since))

    def tail(self, chars: int = 3000) -> str:
        return self.text()[-chars:] if self.log.exists() else ""


@dataclass
class FieldSystem:
    gateway: Gateway
    proxy: Any  # proxy.Proxy
    logs: Path
    evidence_root: Path

    @property
    def url(self) -> str:
        """Where the phone goes: through its network."""
        return self.proxy.url

    @property
    def direct(self) -> str:
        """Where the tests' own API calls go: straight to the gateway."""
        return self.gateway.url


@contextmanager
def field_system(amqp_uri: str, logs: Path, **gateway_env: str) -> Iterator[FieldSystem]:
    """Every service as its container runs it, the gateway serving web/dist on a fixed port,
    and the phone's network in front of it."""
    from tests.field_app.proxy import Proxy

    quiet = {
        "SIPMAS_TIMER_VERIFICATION_SWEEP_SECONDS": "3600",
        "SIPMAS_TIMER_REFERRAL_ESCALATION_SECONDS": "3600",
        "SIPMAS_TIMER_NOTIFICATIONS_DIGEST_SECONDS": "3600",
        "SIPMAS_SMTP_PORT": str(free_port()),
        "SIPMAS_SMS_GATEWAY_URL": f"http://127.0.0.1:{free_port()}/sms",
    }
    names = ("registry", "verification", "referral", "notifications")
    with ExitStack() as stack:
        processes = {
            name: stack.enter_context(
                services.started(name, amqp_uri, logs / f"{name}.log", **quiet)
            )
            for name in names
        }
        for name, process in processes.items():
            services.wait_ready(name, amqp_uri, process, logs / f"{name}.log")
        gateway = Gateway(
            amqp_uri,
            logs / "gateway.log",
            **DEFAULT_GATEWAY_ENV,
            SIPMAS_WEB_ROOT=str(WEB_DIST),
            **gateway_env,
        )
        gateway.start()
        stack.callback(gateway.stop)
        stack.callback(services.stop_together, list(processes.values()))
        proxy = Proxy(gateway.port)
        stack.callback(proxy.close)
        yield FieldSystem(gateway, proxy, logs, Path(os.environ["SIPMAS_EVIDENCE_ROOT"]))


# --- people ---------------------------------------------------------------------------------


@dataclass
class Crew:
    """The field tests' people: verifiers with passwords (one in desa C, where only they work;
    one in desa A), a supervisor of the kecamatan and an admin with tokens, a viewer."""

    url: str
    prefix: str
    tokens: dict[str, str] = field(default_factory=dict)

    def username(self, role: str) -> str:
        return f"{self.prefix}{role}"

    def client(self, role: str) -> Client:
        return Client(self.url, self.tokens[role])


CREW = {
    "ani": {"role": "verifier", "desa_codes": [DESA_C], "name": "Ani Lestari"},
    "budi": {"role": "verifier", "desa_codes": [DESA_A], "name": "Budi Verifikator"},
    "spv": {"role": "supervisor", "kecamatan_codes": [KEC_A], "name": "Sri Wahyuni"},
    "admin": {"role": "admin", "name": "Rahmawati Admin"},
    "viewer": {"role": "viewer", "kecamatan_codes": [KEC_A], "name": "Kepala Dinsos"},
    # a new verifier whose temporary password must be changed first (desa B: no tasks here)
    "baru": {"role": "verifier", "desa_codes": [DESA_B], "name": "Verifikator Baru"},
}
TEMPORARY = {"baru"}


def make_crew(url: str, prefix: str = "f-") -> Crew:
    crew = Crew(url, prefix)
    with db.session_scope("gateway") as session:
        for name, fields in CREW.items():
            identity.create_user(session, {"username": f"{prefix}{name}", **fields}, "test")
        session.flush()
        for name in CREW:
            identity.set_password(session, f"{prefix}{name}", PASSWORD, "test", name in TEMPORARY)
            crew.tokens[name] = identity.issue_token(session, f"{prefix}{name}", "test").token
    staff = [f"{prefix}{n}" for n, f in CREW.items() if f["role"] in ("verifier", "supervisor")]
    wait_until(lambda: _staff_known(staff + [f"{prefix}admin"]))
    return crew


_serials = iter(range(1, 10**6))


def family(desa: str = DESA_C, head: str | None = None) -> list[dict[str, Any]]:
    """Members as ``POST /households`` takes them, NIKs of the desa's kecamatan (born 1977,
    1981, 2011: nobody else's in this session)."""
    from datetime import date

    from sipmas import nik

    serial = next(_serials) + 500
    area = {DESA_A: "640804", DESA_C: "640804"}[desa]
    kk = f"{area}{8_000_000_000 + serial}"
    head = head or f"KEPALA {serial:04d} LAPANGAN"
    rows = []
    people = [(head, "Kepala Keluarga", False, 1977), (f"ISTRI {head}", "Istri", True, 1981)]
    people.append((f"ANAK {head}", "Anak", False, 2011))
    for index, (name, relation, female, year) in enumerate(people):
        born = date(year, 1 + serial % 12, 1 + index)
        rows.append(
            {
                "nik": nik.make(area, born, female, (serial * 7 + index) % 9999 + 1),
                "nama": name,
                "no_kk": kk,
                "jenis_kelamin": "P" if female else "L",
                "tanggal_lahir": born.strftime("%d-%m-%Y"),
                "hubungan": relation,
                "kode_desa": desa,
                "alamat": f"Jl. Poros Teluk Lingga No. {serial % 90 + 1}",
                "rt": "005",
                "rw": "002",
            }
        )
    return rows


@dataclass
class Household:
    household_id: int
    head: str
    niks: list[str]
    task_id: int


def registered(crew: Crew, verifier: str = "ani", desa: str = DESA_C) -> Household:
    """A household registered by the admin; its task, once it is the verifier's."""
    members = family(desa)
    answer = crew.client("admin").ok("POST", "/api/v1/households", json={"members": members})
    household = answer["household_ids"][0]
    me = crew.client(verifier)

    def task() -> int | None:
        tasks = me.ok("GET", "/api/v1/tasks", params={"state": "assigned"})["tasks"]
        found = [t for t in tasks if t["household"]["household_id"] == household]
        return found[0]["task_id"] if found else None

    return Household(
        household, members[0]["nama"], [m["nik"] for m in members], wait_until(task, 30)
    )


# --- what the server kept --------------------------------------------------------------------


def visits_of(task_ids: list[int]) -> list[dict[str, Any]]:
    with db.engine("verification").connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT id, task_id, client_key, late, late_reason FROM visits "
                "WHERE task_id = ANY(:ids) ORDER BY id"
            ),
            {"ids": task_ids},
        ).mappings()
        return [dict(r) for r in rows]


def stored_photo(system: FieldSystem, sha256: str) -> bytes | None:
    path = system.evidence_root / sha256[:2] / sha256
    return path.read_bytes() if path.exists() else None


# --- camera photos ---------------------------------------------------------------------------


def _rational(value: float) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(round(value * 10_000), 10_000)


def _dms(value: float) -> tuple:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return (_rational(degrees), _rational(minutes), _rational(seconds))


def camera_photo(
    seed: int,
    taken: datetime,
    where: tuple[float, float] | None,
    size: tuple[int, int] = (1600, 1200),
    quality: int = 90,
) -> bytes:
    """A phone camera's JPEG: a scene with texture (sky, a house on stilts, ground, grain, so
    that compression is honest), and EXIF: DateTimeOriginal with its offset, GPS."""
    rng = random.Random(seed)
    width, height = size
    small = (max(64, width // 8), max(48, height // 8))
    scene = Image.new("RGB", small)
    draw = ImageDraw.Draw(scene)
    horizon = int(small[1] * rng.uniform(0.35, 0.55))
    sky = (rng.randint(90, 150), rng.randint(140, 190), rng.randint(190, 240))
    for y in range(horizon):  # a sky that fades
        shade = y / max(1, horizon)
        draw.line([(0, y), (small[0], y)], fill=tuple(int(c * (1 - 0.3 * shade)) for c in sky))
    ground = (rng.randint(80, 130), rng.randint(70, 110), rng.randint(40, 70))
    draw.rectangle([0, horizon, small[0], small[1]], fill=ground)
    for _ in range(40):  # trees, planks, shadows
        x, y = rng.randrange(small[0]), rng.randrange(small[1])
        r = rng.randint(2, small[0] // 10)
        colour = tuple(rng.randint(20, 200) for _ in range(3))
        draw.ellipse([x - r, y - r, x + r, y + r // 2], fill=colour)
    left, top = rng.randint(5, small[0] // 3), horizon - rng.randint(small[1] // 6, small[1] // 3)
    right, bottom = left + small[0] // 2, horizon + small[1] // 8
    wall = tuple(rng.randint(100, 180) for _ in range(3))
    draw.rectangle([left, top, right, bottom], fill=wall)
    draw.polygon(
        [(left - 6, top), (right + 6, top), ((left + right) // 2, top - 20)], fill=(90, 60, 50)
    )
    for x in range(left, right, 3):  # board walls
        draw.line([(x, top), (x, bottom)], fill=tuple(max(0, c - 40) for c in wall))
    photo = scene.resize(size, Image.BICUBIC).filter(ImageFilter.GaussianBlur(1.2))
    grain = Image.effect_noise(size, rng.uniform(18, 28)).convert("RGB")
    photo = Image.blend(photo, grain, 0.16)
    detail = Image.effect_noise((width // 2, height // 2), 40).resize(size).convert("RGB")
    photo = Image.blend(photo, detail, 0.08)

    exif = Image.Exif()
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
    offset = taken.strftime("%z")
    exif[0x010F] = "SIPMAS test camera"
    exif[0x0132] = stamp
    inner = exif.get_ifd(0x8769)
    inner[0x9003] = stamp
    inner[0x9011] = f"{offset[:3]}:{offset[3:]}"
    if where is not None:
        gps = exif.get_ifd(0x8825)
        gps[1] = "N" if where[0] >= 0 else "S"
        gps[2] = _dms(where[0])
        gps[3] = "E" if where[1] >= 0 else "W"
        gps[4] = _dms(where[1])
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


WITA = timedelta(hours=8)


def now_wita() -> datetime:
    from datetime import timezone

    return datetime.now(UTC).astimezone(timezone(WITA))


def photo_files(folder: Path, prefix: str, taken: datetime, where, size=(1600, 1200)) -> dict:
    """One camera photo per required kind, as files (the file chooser takes paths)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for n, kind in enumerate(PHOTO_KINDS):
        path = folder / f"{prefix}-{kind}.jpg"
        seed = hash((prefix, kind)) & 0xFFFFFF
        path.write_bytes(camera_photo(seed, taken + timedelta(minutes=n), where, size))
        files[kind] = path
    return files


# --- the phone ---------------------------------------------------------------------------------


CLOCK_SHIFT = """(() => {
  const shift = %d;
  const Real = Date;
  class Shifted extends Real {
    constructor(...args) { if (args.length === 0) super(Real.now() + shift); else super(...args); }
    static now() { return Real.now() + shift; }
  }
  globalThis.Date = Shifted;
})();"""


class Phone:
    """A verifier's phone: a Chromium profile that outlives the browser (closed and launched
    again, as a phone restarts), on the phone's network (the proxy), GPS granted."""

    def __init__(
        self,
        playwright: Playwright,
        system: FieldSystem,
        profile: Path,
        position: dict[str, float] = NEAR,
        clock_shift: timedelta | None = None,
    ) -> None:
        self.playwright, self.system, self.profile = playwright, system, profile
        self.position = position
        self.clock_shift = clock_shift
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self.errors: list[str] = []

    def launch(self, offline: bool = False) -> Page:
        self.context = self.playwright.chromium.launch_persistent_context(
            str(self.profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            base_url=self.system.url,
            viewport=PHONE,
            screen=PHONE,
            device_scale_factor=1,
            is_mobile=True,
            has_touch=True,
            locale="id-ID",
            timezone_id="Asia/Makassar",
            permissions=["geolocation"],
            geolocation=self.position,
            offline=offline,
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        if self.clock_shift is not None:
            self.context.add_init_script(CLOCK_SHIFT % int(self.clock_shift.total_seconds() * 1000))
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda d: d.accept())
        return self.page

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
        self.context = self.page = None

    def offline(self) -> None:
        """No signal: the proxy closes every connection, and the browser knows it."""
        self.system.proxy.offline()
        if self.context:
            self.context.set_offline(True)

    def online(self) -> None:
        self.system.proxy.online()
        if self.context:
            self.context.set_offline(False)

    def move(self, position: dict[str, float]) -> None:
        self.position = position
        if self.context:
            self.context.set_geolocation(position)

    def open(self, path: str = "/field/") -> Page:
        assert self.page is not None
        self.page.goto(path)
        expect(self.page.locator("main h1")).to_be_visible()
        return self.page

    def worker_ready(self) -> None:
        """The service worker controls the page and keeps the app's shell."""
        assert self.page is not None
        self.page.wait_for_function(
            "navigator.serviceWorker && navigator.serviceWorker.controller !== null",
            timeout=TIMEOUT_MS,
        )
        self.page.wait_for_function(
            "caches.keys().then(k => k.some(n => n.startsWith('sipmas-field-shell-')))",
            timeout=TIMEOUT_MS,
        )


# --- what the verifier does ------------------------------------------------------------------


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    heading(page, "Masuk ke SIPMAS Lapangan")
    page.get_by_label(re.compile(r"^Nama pengguna")).fill(username)
    page.get_by_label(re.compile(r"^Kata sandi")).fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()


def go(page: Page, menu: str) -> None:
    """A tap on the menu: Tugas, Kotak keluar, Akun."""
    page.get_by_role("navigation", name="Menu aplikasi lapangan").get_by_role(
        "link", name=re.compile(f"^{menu}")
    ).click()


def task_card(page: Page, head: str):
    return page.locator(".task-card").filter(has=page.get_by_role("heading", name=head))


def start_visit(page: Page, head: str) -> None:
    task_card(page, head).get_by_role("link", name=re.compile("Mulai kunjungan|Lanjutkan")).click()
    heading(page, f"Kunjungan: {head}")
    start = page.get_by_role("button", name="Mulai kunjungan")
    if start.count():
        start.click()
    expect(page.locator("#visit-outcome")).to_be_visible()


FORM = questionnaire_form()


def _label(items: list[dict], code: str) -> str:
    return next(i["label_id"] for i in items if i["code"] == code)


def answer_questionnaire(page: Page, answers: dict[str, Any] | None = None) -> None:
    """Every question of the form, as a verifier answers it on the phone."""
    answers = answers or poor_answers()
    for q in FORM["fields"]:
        value = answers.get(q["name"])
        box = page.locator(f"#q-{q['name']}")
        if q["type"] == "bool":
            box.get_by_label("Ya" if value else "Tidak", exact=True).check()
        elif q["type"] == "multi":
            for code in value or []:
                box.get_by_label(_label(q["choices"], code), exact=True).check()
        elif q["type"] == "choice":
            if len(q["choices"]) <= 4:
                box.get_by_label(_label(q["choices"], value), exact=True).check()
            else:
                box.select_option(value)
        elif value is not None:
            text = str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")
            box.fill(text)


def take_photo(page: Page, kind: str, path: Path) -> None:
    """The camera, as the file chooser a test can answer."""
    with page.expect_file_chooser() as chooser:
        page.locator(f"label[for='photo-{kind}']").click()  # the camera button
    chooser.value.set_files(str(path))
    expect(page.locator(f"#photo-{kind}-slot figure img")).to_be_visible()


def do_visit(
    page: Page,
    head: str,
    photos: dict[str, Path],
    nik: str | None = None,
    answers: dict[str, Any] | None = None,
    save: bool = True,
    allow_missing: bool = False,
) -> None:
    start_visit(page, head)
    page.locator("#visit-outcome").get_by_label("Ditemukan di alamat").check()
    expect(page.locator(".gps-fix")).to_be_visible()
    if nik is not None:
        page.get_by_label("NIK yang tertulis di kartu").fill(nik)
        expect(page.locator(".nik-recorded")).to_be_visible()
    answer_questionnaire(page, answers)
    for kind, path in photos.items():
        take_photo(page, kind, path)
    if allow_missing:  # fewer photos than the kinds asked: said so, the supervisor sees a flag
        page.locator("#allow-missing").check()
    if save:
        page.get_by_role("button", name="Simpan ke kotak keluar").click()
        heading(page, "Tugas saya")


def waiting_count(page: Page):
    """What the home screen says waits to be sent."""
    return page.locator(".waiting-count")


# --- the device's own storage ------------------------------------------------------------------

DUMP = """async () => {
  const b64 = async (blob) => {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let raw = ''; for (const b of bytes) raw += String.fromCharCode(b);
    return btoa(raw);
  };
  const plain = async (value) => {
    if (value instanceof Blob) return { blob: await b64(value), type: value.type };
    if (value instanceof ArrayBuffer) return { buffer: await b64(new Blob([value])) };
    if (Array.isArray(value)) return Promise.all(value.map(plain));
    if (value && typeof value === 'object') {
      const out = {};
      for (const [k, v] of Object.entries(value)) out[k] = await plain(v);
      return out;
    }
    return value;
  };
  const out = { indexeddb: {}, caches: {}, localStorage: {} };
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((ok, no) => {
      const r = indexedDB.open(info.name);
      r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
    });
    const stores = {};
    for (const name of db.objectStoreNames) {
      const rows = await new Promise((ok, no) => {
        const r = db.transaction(name).objectStore(name).getAll();
        r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
      });
      stores[name] = await plain(rows);
    }
    out.indexeddb[info.name] = stores;
    db.close();
  }
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    const entries = {};
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      entries[request.url] = await b64(await response.blob());
    }
    out.caches[name] = entries;
  }
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i); out.localStorage[key] = localStorage.getItem(key);
  }
  return out;
}"""


def dump_device(page: Page) -> dict[str, Any]:
    """Everything the app's origin keeps on the phone: IndexedDB (every store, blobs as
    base64), Cache Storage (every entry's body, base64) and localStorage."""
    return page.evaluate(DUMP)


def decoded_texts(dump: dict[str, Any]) -> str:
    """The dump as one text: its JSON, and every base64 body decoded (as Latin-1)."""
    parts = [json.dumps(dump)]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("blob", "buffer") and isinstance(item, str):
                    parts.append(base64.b64decode(item).decode("latin-1"))
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(dump["indexeddb"])
    for entries in dump["caches"].values():
        parts += [base64.b64decode(body).decode("latin-1") for body in entries.values()]
    return "\n".join(parts)


def store(dump: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return dump["indexeddb"].get("sipmas-field", {}).get(name, [])


# --- accessibility, screenshots -----------------------------------------------------------


def screenshot(page: Page, name: str, full_page: bool = False) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"field-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def wait_for(probe, timeout: float = 60.0, every: float = 0.25):
    return wait_until(probe, timeout=timeout, every=every)


def monotonic() -> float:
    return time.monotonic()
