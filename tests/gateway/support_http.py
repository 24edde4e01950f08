"""The whole system behind the gateway, for the HTTP tests: every service as its container runs
it (``nameko run``), the gateway on a free port, users of every role made with ``identity``,
and small helpers that walk a household through the API (register, visit, decide).

Two areas: A = Sangatta Utara (kecamatan 64.08.04, desa 64.08.04.2001), where the scoped users
work, and B = Muara Ancalong (64.08.01, desa 64.08.01.2001), outside their scope.

The services start once for the whole package (``shared_system``, ~20 s): each module gets a
view of it (``system``: its logs from the module's start; a gateway of its own when the module
sets ``gateway_env``) and users of its own (``people``: usernames unique per module), so no
module depends on what another left behind.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from services.gateway.models import User
from services.gateway.use_cases import identity
from sipmas import db, nik, reference
from tests.support import services
from tests.verification.conftest import poor_answers

KEC_A, DESA_A = "64.08.04", "64.08.04.2001"  # Sangatta Utara
KEC_B, DESA_B = "64.08.01", "64.08.01.2001"  # Muara Ancalong
DESA_C = "64.08.04.1010"  # Teluk Lingga, in Sangatta Utara: the field app tests' own desa
NIK_AREA = {DESA_A: "640804", DESA_B: "640801", DESA_C: "640804"}
MISSING = 2_000_000_000  # an id nothing has
PHOTO_KINDS = ("rumah", "lantai", "atap", "dapur", "sanitasi")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
EMPTIED = {
    "registry": (
        "import_batches, import_problems, households, people, kk_history, conflicts, "
        "status_transitions, outbox, inbox"
    ),
    "verification": (
        "decisions, flags, photos, visits, task_transitions, tasks, staff, households, "
        "outbox, inbox"
    ),
    "referral": (
        "agency_updates, escalations, referral_transitions, referrals, cases, outbox, inbox"
    ),
    "notifications": (
        "delivery_attempts, deliveries, referrals, household_contacts, staff_contacts, "
        "outbox, inbox"
    ),
}
_serials = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(probe: Callable[[], Any], timeout: float = 30.0, every: float = 0.2) -> Any:
    """``probe()``'s first truthy answer; fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {timeout}s")
        time.sleep(every)


# --- the system ---------------------------------------------------------------------------------

DEFAULT_GATEWAY_ENV = {"SIPMAS_GATEWAY_RATE_PER_MINUTE": "100000"}
_gateways = itertools.count(1)


@dataclass
class System:
    """The running system as one module sees it: its gateway's URL and the services' logs from
    the module's start on (``since``: the byte offset of each log then)."""

    url: str
    logs: Path
    since: dict[str, int] = field(default_factory=dict)
    gateway_log: str = "gateway"  # the file stem of this view's gateway log

    def log(self, name: str) -> str:
        stem = self.gateway_log if name == "gateway" else name
        with open(self.logs / f"{stem}.log", "rb") as log:
            log.seek(self.since.get(stem, 0))
            return log.read().decode(errors="replace")

    def view(self, url: str | None = None, gateway_log: str | None = None) -> System:
        """This system from now on (another gateway's ``url`` and log if given)."""
        since = {path.stem: path.stat().st_size for path in self.logs.glob("*.log")}
        return System(url or self.url, self.logs, since, gateway_log or self.gateway_log)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` in this process's environment (the services started meanwhile inherit them)."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="package")
def shared_stores(tmp_path_factory) -> Iterator[dict[str, str]]:
    """Evidence and upload stores the tests and the shared services use."""
    stores = {
        "SIPMAS_EVIDENCE_ROOT": str(tmp_path_factory.mktemp("evidence")),
        "SIPMAS_UPLOAD_ROOT": str(tmp_path_factory.mktemp("uploads")),
    }
    with _environment(stores):
        yield stores


@pytest.fixture(scope="module")
def http_stores(shared_stores, gateway_env, tmp_path_factory) -> Iterator[dict[str, str]]:
    """The module's stores: the shared ones, but an upload store of its own for a module that
    runs its own gateway, so that what it finds there is what it uploaded."""
    if gateway_env == DEFAULT_GATEWAY_ENV:
        yield shared_stores
        return
    own = {**shared_stores, "SIPMAS_UPLOAD_ROOT": str(tmp_path_factory.mktemp("uploads"))}
    with _environment(own):
        yield own


def empty_databases(gateway_engine) -> None:
    """Every service's data gone (reference data and routing tables kept), as a fresh system."""
    for service, tables in EMPTIED.items():
        with db.engine(service).begin() as conn:
            if service == "registry":  # an import's raw rows, kept per batch number
                for (table,) in conn.execute(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'raw_rows'")
                ):
                    conn.execute(sa.text(f'DROP TABLE raw_rows."{table}"'))
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    from tests.gateway.conftest import TABLES, superuser

    with superuser(gateway_engine) as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))


def start_system(
    amqp_uri: str,
    logs: Path,
    stack: ExitStack,
    channels: dict[str, str] | None = None,
    **gateway_env: str,
) -> System:
    """Every service in its own process; the gateway last, on a free port. Notifications send
    to ``channels`` (``SIPMAS_SMTP_PORT``, ``SIPMAS_SMS_GATEWAY_URL``; by default an SMTP port
    nobody listens on, where deliveries just wait)."""
    quiet = {
        "SIPMAS_TIMER_VERIFICATION_SWEEP_SECONDS": "3600",
        "SIPMAS_TIMER_REFERRAL_ESCALATION_SECONDS": "3600",
        "SIPMAS_TIMER_NOTIFICATIONS_DIGEST_SECONDS": "3600",
        "SIPMAS_SMTP_PORT": str(free_port()),
        **(channels or {}),
    }
    names = ("registry", "verification", "referral", "notifications")
    processes = {
        name: stack.enter_context(services.started(name, amqp_uri, logs / f"{name}.log", **quiet))
        for name in names
    }
    for name, process in processes.items():  # they boot in parallel
        services.wait_ready(name, amqp_uri, process, logs / f"{name}.log")
    system = start_gateway(amqp_uri, logs, stack, **gateway_env)
    stack.callback(services.stop_together, list(processes.values()))  # first on exit
    return system


def start_gateway(
    amqp_uri: str, logs: Path, stack: ExitStack, log_name: str = "gateway", **env: str
) -> System:
    """A gateway process on a free port (another one beside a running system, if there is
    one), answering before this returns; its log is ``<logs>/<log_name>.log``."""
    port = free_port()
    stack.enter_context(
        services.running(
            "gateway",
            amqp_uri,
            logs / f"{log_name}.log",
            WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
            **env,
        )
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: _answers(url), timeout=20)
    return System(url, logs, gateway_log=log_name)


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def gateway_env() -> dict[str, str]:
    """The gateway's own settings for a test module (override the fixture to change them: the
    module then gets a gateway of its own beside the shared system)."""
    return dict(DEFAULT_GATEWAY_ENV)


@pytest.fixture(scope="package")
def shared_system(
    gateway_db,
    registry_db,
    verification_db,
    referral_db,
    notifications_db,
    amqp_uri,
    shared_stores,
    smtp_server,
    http_server,
    tmp_path_factory,
) -> Iterator[System]:
    """Empty databases and every service running, once for the package (torn down after its
    last module, before other packages start services of their own). Mail and SMS go to the
    session's servers, so a test that waits for one (``smtp``, ``http``) sees it."""
    empty_databases(gateway_db)
    logs = tmp_path_factory.mktemp("logs")
    channels = {
        "SIPMAS_SMTP_PORT": str(smtp_server[1]),
        "SIPMAS_SMS_GATEWAY_URL": f"http://127.0.0.1:{http_server[1]}/sms",
    }
    with ExitStack() as stack:
        yield start_system(amqp_uri, logs, stack, channels, **DEFAULT_GATEWAY_ENV)


@pytest.fixture(scope="module")
def system(shared_system: System, gateway_env, http_stores, amqp_uri) -> Iterator[System]:
    """The shared system as this module sees it; with a gateway of its own when the module's
    ``gateway_env`` differs from the default."""
    if gateway_env == DEFAULT_GATEWAY_ENV:
        yield shared_system.view()
        return
    with ExitStack() as stack:
        name = f"gateway-{next(_gateways)}"
        own = start_gateway(amqp_uri, shared_system.logs, stack, name, **http_stores, **gateway_env)
        yield shared_system.view(own.url, name)


# --- users and their clients --------------------------------------------------------------------


class Client:
    """``requests`` against the gateway with one user's token."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 120)
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        assert response.status_code in (200, 201), (response.status_code, response.text)
        return response.json()


USERS: dict[str, dict[str, Any]] = {
    "admin": {"role": "admin"},
    "supervisor": {"role": "supervisor", "kecamatan_codes": [KEC_A]},
    "verifier": {"role": "verifier", "desa_codes": [DESA_A]},
    "operator": {"role": "operator", "desa_codes": [DESA_A]},
    "opd": {"role": "opd", "opd_code": "perkim"},
    "viewer": {"role": "viewer", "kecamatan_codes": [KEC_A]},
    # outside the scoped users' area
    "verifier_b": {"role": "verifier", "desa_codes": [DESA_B]},
}


_modules = itertools.count(1)


@dataclass
class People:
    url: str
    tokens: dict[str, str]
    clients: dict[str, Client] = field(default_factory=dict)
    prefix: str = "u-"

    def __getitem__(self, name: str) -> Client:
        if name not in self.clients:
            self.clients[name] = Client(self.url, self.tokens[name])
        return self.clients[name]

    def username(self, name: str) -> str:
        return f"{self.prefix}{name}"


def make_people(
    system: System, users: dict[str, dict[str, Any]] = USERS, prefix: str = "u-"
) -> People:
    """Users of every role (``<prefix><name>``) with a token each; waits until verification
    knows its staff."""
    tokens = {}
    with db.session_scope("gateway") as session:
        for username, fields in users.items():
            identity.create_user(session, {"username": f"{prefix}{username}", **fields}, "test")
        session.flush()
        for username in users:
            tokens[username] = identity.issue_token(session, f"{prefix}{username}", "test").token
    staff = [
        f"{prefix}{u}" for u, f in users.items() if f["role"] in ("verifier", "supervisor", "admin")
    ]
    wait_until(lambda: _staff_known(staff))
    return People(system.url, tokens, prefix=prefix)


def _staff_known(staff: list[str]) -> bool:
    return _active_staff(staff) == len(staff)


def _active_staff(staff: list[str]) -> int:
    with db.engine("verification").connect() as conn:
        return conn.execute(
            sa.text("SELECT count(*) FROM staff WHERE id = ANY(:ids) AND active"), {"ids": staff}
        ).scalar()


def retire(people: People, users: dict[str, dict[str, Any]] = USERS) -> None:
    """Deactivate ``people`` and wait until verification no longer counts them as staff, so
    that the next module's visits go to its own verifiers, as on a fresh system (visits are
    balanced between the active verifiers of an area)."""
    names = [people.username(name) for name in users]
    with db.session_scope("gateway") as session:
        for name in names:
            if session.get(User, name) is not None:  # a module may have emptied the users
                identity.deactivate_user(session, name, "test")
    wait_until(lambda: _active_staff(names) == 0)


@pytest.fixture(scope="module")
def people(system: System) -> Iterator[People]:
    """The module's own users (``u<n>-<role>``), on the module's gateway; retired after it."""
    crew = make_people(system, prefix=f"u{next(_modules)}-")
    yield crew
    retire(crew)


# --- a household's way through the API ----------------------------------------------------------


def members(desa: str = DESA_A, count: int = 3) -> list[dict[str, Any]]:
    """A family with valid NIKs of the desa's kecamatan, never used before in this session."""
    serial = next(_serials)
    kk = f"{NIK_AREA[desa]}{serial:010d}"
    rows = []
    for index, (relation, female, year) in enumerate(
        [("Kepala Keluarga", False, 1980), ("Istri", True, 1984), ("Anak", True, 2012)][:count]
    ):
        born = date(year, 1 + serial % 12, 1 + index)
        rows.append(
            {
                "nik": nik.make(NIK_AREA[desa], born, female, (serial * 3 + index) % 9999 + 1),
                "nama": f"WARGA {serial} {index}",
                "no_kk": kk,
                "jenis_kelamin": "P" if female else "L",
                "tanggal_lahir": born.strftime("%d-%m-%Y"),
                "hubungan": relation,
                "kode_desa": desa,
                "alamat": f"Jl. Poros {serial}",
                "rt": "003",
                "rw": "001",
            }
        )
    return rows


def register(client: Client, desa: str = DESA_A) -> int:
    """A Pemda household registered through the API; its id."""
    answer = client.ok("POST", "/api/v1/households", json={"members": members(desa)})
    return answer["household_ids"][0]


def task_of(client: Client, household_id: int, state: str = "assigned") -> dict[str, Any]:
    """The household's task as ``client`` lists it, once it is in ``state``."""

    def found() -> dict[str, Any] | None:
        tasks = client.ok("GET", "/api/v1/tasks", params={"state": state})["tasks"]
        return next((t for t in tasks if t["household"]["household_id"] == household_id), None)

    return wait_until(found)


def visit_form(
    answers: dict[str, Any] | None = None,
    photos: dict[str, bytes] | None = None,
    desa_code: str = DESA_A,
) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
    """``data`` and ``files`` for ``requests``: the visit as JSON and one JPEG per kind, made at
    the centre of ``desa_code`` (where a household without GPS is looked for)."""
    start = datetime.now(UTC) - timedelta(minutes=50)
    desa = reference.desa_points()[desa_code]
    salt = uuid.uuid4().hex
    photos = photos or {kind: JPEG + f"{salt}:{kind}".encode() for kind in PHOTO_KINDS}
    visit = {
        "client_key": uuid.uuid4().hex,
        "outcome": "found",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=45)).isoformat(),
        "latitude": desa.lat,
        "longitude": desa.lon,
        "answers": answers or poor_answers(),
        "photos": [
            {
                "file": name,
                "kind": name if name in PHOTO_KINDS else "lainnya",
                "captured_at": (start + timedelta(minutes=10)).isoformat(),
                "latitude": desa.lat,
                "longitude": desa.lon,
            }
            for name in photos
        ],
    }
    files = {name: (f"{name}.jpg", data, "image/jpeg") for name, data in photos.items()}
    return {"visit": json.dumps(visit)}, files


def field_visit(
    task_id: int, desa_code: str = DESA_A, salt: str | None = None, **overrides: Any
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A visit as the field app sends it (``POST /sync/visits``) and its photos by SHA-256
    (each to be ``PUT /sync/uploads/<sha256>`` first), made at the centre of ``desa_code``."""
    start = datetime.now(UTC) - timedelta(minutes=50)
    desa = reference.desa_points()[desa_code]
    salt = salt or uuid.uuid4().hex
    photos = {
        hashlib.sha256(data).hexdigest(): data
        for data in (JPEG + f"{salt}:{kind}".encode() for kind in PHOTO_KINDS)
    }
    visit = {
        "visit_id": uuid.uuid4().hex,
        "task_id": task_id,
        "outcome": "found",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=45)).isoformat(),
        "latitude": desa.lat,
        "longitude": desa.lon,
        "answers": poor_answers(),
        "device_clock": datetime.now(UTC).isoformat(),
        "photos": [
            {
                "sha256": sha,
                "kind": kind,
                "captured_at": (start + timedelta(minutes=10)).isoformat(),
                "latitude": desa.lat,
                "longitude": desa.lon,
            }
            for sha, kind in zip(photos, PHOTO_KINDS, strict=True)
        ],
        **overrides,
    }
    return visit, photos


def submitted_task(people: People, desa: str = DESA_A) -> dict[str, Any]:
    """A household registered, its task assigned and visited: ready for a supervisor."""
    verifier = people["verifier" if desa == DESA_A else "verifier_b"]
    household_id = register(people["admin"], desa)
    task = task_of(verifier, household_id)
    data, files = visit_form()
    verifier.ok("POST", f"/api/v1/tasks/{task['task_id']}/visits", data=data, files=files)
    return task


def verified_household(people: People, desa: str = DESA_A) -> dict[str, Any]:
    """A household visited (poor) and approved: its referrals follow."""
    task = submitted_task(people, desa)
    people["admin"].ok(
        "POST", f"/api/v1/tasks/{task['task_id']}/approve", json={"flags_reviewed": True}
    )
    return task


def imported(client: Client, response) -> dict[str, Any]:
    """An upload accepted (202) followed until its import has finished: the upload, the
    final status and its summary's counts in one dict."""
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["status"] == "running"

    def finished() -> dict[str, Any] | None:
        found = client.ok("GET", f"/api/v1/imports/{started['batch_id']}")
        return None if found["status"] == "running" else found

    final = wait_until(finished)
    return {**started, **final, **(final.get("summary") or {})}
