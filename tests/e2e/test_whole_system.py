"""From an imported file to a resolved case, through the gateway only, with an agency that is not
nameko: the services run as their containers run them (``conftest``), people are made as an
administrator makes them (``sipmas users create/token``), and an agency answers over AMQP with
``docs/examples/agency_subscriber.py`` — what each person notices is checked at every step.

The story: a district supervisor uploads a P3KE export; its households appear in the search and
their visits on the verifier's list; the verifier finds a house falling apart and records it with
photos; the supervisor approves; a case opens with an RTLH referral to Perkim, which Perkim's own
system receives on its queue and answers received -> in progress -> completed; the case resolves,
the household goes back to await its re-check, and the supervisor is emailed that it is closed.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from services.verification.domain.questionnaire import sample_answers
from sipmas_cli import synthetic
from sipmas_cli.demo import imports
from tests.e2e.conftest import WholeSystem
from tests.gateway import support_http
from tests.gateway.support_http import PHOTO_KINDS, Client, visit_form, wait_until
from tests.support.services import ROOT

OPD = "perkim"
SUPERVISOR_EMAIL = "sri@dinsos.example.id"
VERIFIER_EMAIL = "ani@dinsos.example.id"
DEADLINE = 90.0  # seconds for any one step of the pipeline


def agency_subscriber() -> ModuleType:
    """``docs/examples/agency_subscriber.py``, imported as a partner would use it."""
    path = ROOT / "docs" / "examples" / "agency_subscriber.py"
    spec = importlib.util.spec_from_file_location("agency_subscriber", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


subscriber = agency_subscriber()


def a_house_falling_apart(members: int) -> dict[str, Any]:
    """What the verifier records: a household otherwise getting by, whose house is in ruins
    (the rules then find one need, ``rumah``, which the routing table gives Perkim)."""
    return sample_answers(
        member_count=members,
        floor_area_m2=float(6 * members),
        floor="tanah",
        wall="anyaman_bambu",
        wall_condition="rusak_berat",
        roof="daun_rumbia",
        roof_condition="rusak_berat",
        school_age_children=min(2, members - 1),
        household_income=2_000_000 * members,
    )


def until(probe: Callable[[], Any], what: str) -> Any:
    """``probe()``'s first truthy answer within the deadline, else the test fails naming it."""
    try:
        return wait_until(probe, timeout=DEADLINE, every=0.5)
    except AssertionError:
        pytest.fail(f"gave up after {DEADLINE}s waiting for: {what}")


@dataclass
class Agency:
    """Perkim's own system: its queue, a channel for its answers, what it has heard."""

    connection: Any
    heard: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.inbox = self.connection.channel()
        self.queue = subscriber.subscribe(self.inbox, OPD)
        self.answers = self.connection.channel()

    def listen(self) -> list[dict]:
        self.heard += subscriber.fetch(self.inbox, self.queue, expect=10, timeout=0.2)
        return self.heard

    def of_type(self, suffix: str) -> list[dict]:
        return [m for m in self.heard if m["event_type"].endswith(suffix)]

    def answer(self, referral_id: int, status: str, **details: str) -> None:
        subscriber.send_status(self.answers, OPD, referral_id, status, user=f"opd-{OPD}", **details)

    def said(self) -> list[str]:
        return [subscriber.describe(m["event_type"], m) for m in self.heard]


@dataclass
class Story:
    system: WholeSystem
    supervisor: Client
    verifier: Client
    perkim: Client
    kecamatan: set[str]

    def search(self) -> list[dict]:
        """The supervisor's search, kecamatan by kecamatan of the file."""
        return [
            h
            for code in sorted(self.kecamatan)
            for h in self.supervisor.ok(
                "GET", "/api/v1/households", params={"kecamatan_code": code, "limit": 100}
            )["households"]
        ]

    def status(self, household: int) -> str:
        return self.supervisor.ok("GET", f"/api/v1/households/{household}")["status"]

    def open_referral(self, household: int) -> dict | None:
        """The household's open referral on the supervisor's list of Perkim's (closed ones
        leave the list)."""
        listed = self.supervisor.ok("GET", "/api/v1/referrals", params={"opd_code": OPD})
        return next((r for r in listed["referrals"] if _household_of(r) == household), None)


def cast(system: WholeSystem, kecamatan: set[str]) -> Story:
    """A district supervisor, a verifier for the file's kecamatan and Perkim's desk, made and
    given tokens with ``sipmas users``; returns once verification knows its staff."""
    tag = uuid.uuid4().hex[:6]
    areas = [word for code in sorted(kecamatan) for word in ("--kecamatan", code)]
    made = {
        "supervisor": ["--role", "supervisor", "--email", SUPERVISOR_EMAIL],
        "verifier": ["--role", "verifier", *areas, "--email", VERIFIER_EMAIL],
        "perkim": ["--role", "opd", "--opd", OPD],
    }
    clients = {}
    for role, options in made.items():
        username = f"{role}-{tag}"
        assert system.sipmas("users", "create", username, *options).startswith("created")
        token = system.sipmas("users", "token", username).strip().splitlines()[-1]
        clients[role] = Client(system.url, token)
    wait_until(lambda: system.staff_known([f"supervisor-{tag}", f"verifier-{tag}"]), DEADLINE)
    return Story(system, kecamatan=kecamatan, **clients)


# --- the steps ----------------------------------------------------------------------------------


def upload(story: Story, export: Path) -> dict:
    """The supervisor uploads the export; the answer says what was imported, the list has it."""
    with open(export, "rb") as file:
        response = story.supervisor.request(
            "POST",
            "/api/v1/imports",
            data={"source": "p3ke"},
            files={"file": ("P3KE Kutim.csv", file, "text/csv")},
        )
    imported = support_http.imported(story.supervisor, response)  # 202, then followed
    assert imported["imported"] > 0 and imported["rejected"] == 0, imported
    listed = story.supervisor.ok("GET", "/api/v1/imports")["imports"]
    assert imported["batch_id"] in {b["id"] for b in listed}
    return imported


def households_appear(story: Story, expected: int) -> set[int]:
    """The households are in the search at once, and then await their visits."""
    found = story.search()
    assert len(found) == expected, found
    assert {h["status"] for h in found} <= {"registered", "awaiting_verification"}
    until(
        lambda: {h["status"] for h in story.search()} == {"awaiting_verification"},
        "every imported household awaiting its visit",
    )
    return {h["id"] for h in found}


def visit(story: Story, households: set[int]) -> int:
    """The visits are on the verifier's list (and in their mailbox); the verifier records the
    first with its five photos. Returns the household visited."""

    def my_tasks() -> list[dict]:
        tasks = story.verifier.ok("GET", "/api/v1/tasks", params={"state": "assigned"})["tasks"]
        return [t for t in tasks if t["household"]["household_id"] in households]

    tasks = until(lambda: len(my_tasks()) == len(households) and my_tasks(), "the visits")
    told = until(
        lambda: story.system.sinks.emails_to(VERIFIER_EMAIL), "the verifier's email of a visit"
    )
    assert any(f"Tugas verifikasi baru no. {tasks[0]['task_id']}" in m["Subject"] for m in told)
    task = tasks[0]
    household = task["household"]["household_id"]
    answers = a_house_falling_apart(task["household"].get("member_count") or 3)
    data, files = visit_form(answers, desa_code=task["household"]["desa_code"])
    visited = story.verifier.ok(
        "POST", f"/api/v1/tasks/{task['task_id']}/visits", data=data, files=files
    )
    assert visited["household_id"] == household
    assert {p["kind"] for p in visited["photos"]} == set(PHOTO_KINDS)
    assert all(len(p["sha256"]) == 64 for p in visited["photos"])
    approved = story.supervisor.ok(
        "POST", f"/api/v1/tasks/{task['task_id']}/approve", json={"flags_reviewed": True}
    )
    assert approved["outcome"] == "approved"
    return household


def referred(story: Story, agency: Agency, household: int) -> dict:
    """A case with a referral to Perkim: on the supervisor's list, on Perkim's desk, and on
    Perkim's queue; the household is ``referred``."""
    sent = until(lambda: story.open_referral(household), "the case's referral to Perkim")
    assert sent["need"] == "rumah" and sent["state"] == "sent"
    until(lambda: story.status(household) == "referred", "the household's status: referred")
    created = until(
        lambda: [
            m
            for m in agency.listen()
            if m["event_type"].endswith("referral_created")
            and m["data"]["referral_id"] == sent["referral_id"]
        ],
        "referral.perkim.created on Perkim's queue",
    )
    assert created[0]["data"]["household"]["household_id"] == household
    desk = story.perkim.ok("GET", "/api/v1/referrals")["referrals"]
    assert sent["referral_id"] in {r["referral_id"] for r in desk}
    return sent


def perkim_answers(story: Story, agency: Agency, sent: dict) -> None:
    """Perkim answers over sipmas.opd.inbound: received, in progress, completed. Each answer
    shows on the supervisor's list (a closed referral leaves it) and comes back to Perkim as
    applied (``referral.perkim.updated``), never refused."""
    evidence = {"evidence_ref": f"BAST/PERKIM/{sent['referral_id']:06d}", "note": "rumah direhab"}
    household = _household_of(sent)
    for status, state, details in (
        ("accepted", "received", {}),
        ("in_progress", "in_progress", {}),
        ("completed", "closed", evidence),
    ):
        agency.answer(sent["referral_id"], status, **details)

        def applied(state: str = state) -> bool:
            agency.listen()
            told = [m["data"]["status"] for m in agency.of_type("referral_updated")]
            shown = (story.open_referral(household) or {}).get("state", "closed")
            return bool(told) and told[-1] == state == shown

        try:
            wait_until(applied, timeout=DEADLINE, every=0.5)
        except AssertionError:
            pytest.fail(f"{status!r} never showed as {state!r}; Perkim heard: {agency.said()}")
    assert not agency.of_type("refused"), agency.said()
    desk = story.perkim.ok("GET", "/api/v1/referrals")["referrals"]
    assert sent["referral_id"] not in {r["referral_id"] for r in desk}


def resolved(story: Story, sent: dict) -> None:
    """The case resolves: the household's timeline says so and it awaits its re-check; the
    supervisor is emailed, and the delivery log shows the email sent."""
    household = _household_of(sent)

    def resolution() -> dict | None:
        timeline = story.supervisor.ok("GET", f"/api/v1/households/{household}/timeline")
        return next((e for e in timeline["timeline"] if e["action"] == "resolve_case"), None)

    entry = until(resolution, "the case resolved on the household's timeline")
    assert entry["to_status"] == "awaiting_verification"
    assert story.status(household) == "awaiting_verification"
    subject = f"[SIPMAS] Kasus no. {sent['case_id']} selesai ditangani"

    def case_mail() -> list:
        told = story.system.sinks.emails_to(SUPERVISOR_EMAIL)
        return [m for m in told if m["Subject"] == subject]

    mail = until(case_mail, "the supervisor's email that the case is closed")[0]
    text = mail.get_body(("plain",)).get_content()
    assert str(household) in text and "kasus ditutup" in text

    def delivered() -> bool:
        log = story.supervisor.ok(
            "GET", "/api/v1/notifications/deliveries", params={"household_id": household}
        )["deliveries"]
        return any(
            (d["event_type"], d["channel"], d["state"]) == ("case_resolved", "email", "sent")
            for d in log
        )

    until(delivered, "the case_resolved email in the delivery log")


def test_from_an_imported_file_to_a_resolved_case(whole_system: WholeSystem, tmp_path):
    export = tmp_path / "p3ke-kutim.csv"
    manifest = synthetic.write_file("p3ke", 4, export, seed=7077)
    story = cast(whole_system, imports.covered("p3ke", export, manifest))
    agency = Agency(subscriber.connect(whole_system.agency_url(OPD)))  # connected before a referral
    try:
        upload(story, export)
        households = households_appear(story, manifest.valid_households)
        household = visit(story, households)
        sent = referred(story, agency, household)
        perkim_answers(story, agency, sent)
    finally:
        agency.connection.close()
    resolved(story, sent)


def _household_of(referral: dict) -> int | None:
    return referral.get("household_id") or (referral.get("household") or {}).get("household_id")
