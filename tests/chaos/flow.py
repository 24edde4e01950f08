"""Households flowing through SIPMAS while it is being broken: the demo's staff, field visits
and supervisor (``sipmas_cli.demo``), driven by a client that outlives crashes.

Every call is retried until the service answers, so every call the driver makes is idempotent:
staff and contacts are upserts, a visit carries its ``client_key`` (built once, sent again as it
was), and a decision refused because the task is already decided is a decision made.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nameko.standalone.rpc import ClusterRpcProxy

from services.verification.domain.lifecycle import STATES
from sipmas_cli.demo import day
from sipmas_cli.demo import field as demo_field
from sipmas_cli.demo.client import Refusal
from tests.support.services import ROOT

CALL_SECONDS = 8.0  # one attempt; a request to a killed service waits in its queue meanwhile
PATIENCE_SECONDS = 150.0  # all attempts of one call


class Rpc:
    """``sipmas_cli.demo.client.Cluster``'s ``call``/``ask``, for a client that outlives crashes: a
    call that fails (a timeout, a lost connection, a database error inside the service) is sent
    again on a new proxy — a new reply queue, as a broker restart deletes the old one."""

    def __init__(self, amqp_uri: str, timeout: float = CALL_SECONDS) -> None:
        self.amqp_uri = amqp_uri
        self.timeout = timeout
        self.retries = 0
        self._proxy: ClusterRpcProxy | None = None
        self._rpc: Any = None

    def ask(self, service: str, method: str, *args: Any) -> Any:
        deadline = time.monotonic() + PATIENCE_SECONDS
        while True:
            try:
                if self._rpc is None:
                    self._proxy = ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=self.timeout)
                    self._rpc = self._proxy.start()
                return getattr(getattr(self._rpc, service), method)(*args)
            except Exception:
                self.retries += 1
                self.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def call(self, service: str, method: str, *args: Any) -> Any:
        answer = self.ask(service, method, *args)
        if isinstance(answer, dict) and "error" in answer:
            raise Refusal(f"{service}.{method}", answer)
        return answer

    def close(self) -> None:
        proxy, self._proxy, self._rpc = self._proxy, None, None
        if proxy is not None:
            with suppress(Exception):  # the connection is gone already
                proxy.stop()


# --- before the households: people, agencies' webhooks, the file ----------------------------------


def import_file(env: dict[str, str], path: Path, logs: Path, attempts: int = 6) -> str:
    """``sipmas import`` as an operator runs it; run again when the database went away meanwhile
    (a file imported before is recognised by its SHA-256 and changes nothing)."""
    for attempt in range(1, attempts + 1):
        done = subprocess.run(
            [sys.executable, "-m", "sipmas_cli", "import", "--source", "p3ke", str(path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        with open(logs / "import.log", "a") as log:
            log.write(f"--- attempt {attempt}: exit {done.returncode}\n{done.stdout}{done.stderr}")
        if done.returncode == 0:
            return done.stdout
        time.sleep(2)
    raise RuntimeError(f"sipmas import failed {attempts} times: {done.stdout}{done.stderr}")


def agency_webhooks(rpc: Rpc, opd_codes: list[str], sinks_base: str) -> None:
    """Each agency's system receives its webhooks at the sinks, signed with its secret."""
    for code in opd_codes:
        rpc.call(
            "notifications",
            "set_agency_contact",
            code,
            {"webhook_url": f"{sinks_base}/webhook/{code}", "webhook_secret": day.secret(code)},
        )


def household_contacts(rpc: Rpc, household_ids: list[int], seed: int) -> dict[str, str]:
    """The families' phones, most with consent to SMS, as the demo's morning notes them;
    returns ``{household id: phone}``."""
    phones = {}
    for household_id in sorted(household_ids):
        draw = random.Random(f"{seed}:phone:{household_id}").random()
        if draw >= day.SMS_CONSENT + day.PHONE_ONLY:
            continue
        phone = f"+62813{household_id % 10**8:08d}"
        rpc.call(
            "notifications",
            "register_household_contact",
            {
                "household_id": household_id,
                "phone": phone,
                "sms_consent": draw < day.SMS_CONSENT,
                "consent_source": "formulir persetujuan saat pendataan",
            },
        )
        phones[str(household_id)] = phone
    return phones


# --- the field ---------------------------------------------------------------------------------


@dataclass
class Visit:
    """One household in the field: its plan, what was sent and what was decided."""

    household_id: int
    kecamatan: str | None
    scenario: str  # sipmas_cli.demo.field.plan: a welfare class or a scenario
    release_at: float  # seconds into the flow when its verifier goes
    payload: dict[str, Any] | None = None  # the visit as sent (resent as it is)
    second: dict[str, Any] | None = None  # the second verifier's visit
    flags: list[str] | None = None
    outcome: str | None = None  # approved | rejected: the task's end
    decision: dict[str, Any] = field(default_factory=dict)


class Field:
    """The verifiers and the district supervisor of the run. Households go to the field one by
    one over ``window`` seconds (so that the faults fall while they flow); each round looks at
    every task once and takes each household one step further."""

    def __init__(
        self,
        rpc: Rpc,
        team: demo_field.Team,
        households: dict[int, str | None],
        seed: int,
        window: float,
    ) -> None:
        self.rpc = rpc
        self.team = team
        self.seed = seed
        order = sorted(households)
        plan = demo_field.plan(order, random.Random(f"{seed}:plan"))
        random.Random(f"{seed}:order").shuffle(order)
        spacing = window / max(1, len(order))
        self.visits = {
            h: Visit(h, households[h], plan[h], round(i * spacing, 2)) for i, h in enumerate(order)
        }
        self.started = time.monotonic()

    @property
    def done(self) -> bool:
        return all(v.outcome for v in self.visits.values())

    def run(self, timeout: float) -> None:
        self.started = time.monotonic()
        deadline = self.started + timeout
        while not self.done:
            if time.monotonic() > deadline:
                missing = sorted(h for h, v in self.visits.items() if not v.outcome)
                raise TimeoutError(f"households not decided after {timeout:.0f} s: {missing}")
            self.round()
            time.sleep(0.3)

    def round(self) -> None:
        tasks = self.rpc.call("verification", "area_tasks", None, list(STATES), 1000)["tasks"]
        latest: dict[int, dict] = {}
        for task in tasks:
            household_id = task["household"]["household_id"]
            if task["task_id"] > latest.get(household_id, {}).get("task_id", 0):
                latest[household_id] = task
        elapsed = time.monotonic() - self.started
        for visit in self.visits.values():
            if visit.outcome or visit.release_at > elapsed:
                continue
            task = latest.get(visit.household_id)
            if task is not None:
                self.step(visit, task)

    def step(self, visit: Visit, task: dict[str, Any]) -> None:
        state = task["state"]
        if state in ("approved", "rejected"):
            visit.outcome = state
        elif state == "open":  # nobody of the area could take it: the supervisor places it
            verifier = self.team.verifier_of(visit.kecamatan)
            self.rpc.ask(
                "verification", "assign_task", task["task_id"], verifier, self.team.supervisor
            )
        elif state in ("assigned", "visited", "returned"):
            self.submit(visit, task)
        elif state == "submitted":
            if visit.flags is None:  # sent before a crash, answer lost: the resend says
                self.submit(visit, task)
            self.decide(visit, task)

    def submit(self, visit: Visit, task: dict[str, Any]) -> None:
        if visit.payload is None or visit.payload["task_id"] != task["task_id"]:
            rnd = random.Random(f"{self.seed}:visit:{visit.household_id}")
            visit.payload = demo_field.visit(task, task["assignee"], visit.scenario, rnd)
        answer = self.rpc.call("verification", "submit_visit", visit.payload)
        visit.flags = sorted({flag["code"] for flag in answer["flags"]})

    def decide(self, visit: Visit, task: dict[str, Any]) -> None:
        """As ``sipmas_cli.demo.field.decide_all`` decides, one household at a time."""
        actor, task_id = self.team.supervisor, task["task_id"]
        if visit.scenario == "false_claim":
            request = {
                "actor": actor,
                "reasons": demo_field.FALSE_CLAIM_REASONS,
                "note": "klaim palsu",
            }
            self.decided(visit, self.rpc.ask("verification", "reject", task_id, request))
            return
        if visit.scenario == "far_away" and visit.flags:
            second = self.team.another_than(visit.payload["verifier"])
            if task.get("second_assignee") != second:
                self.rpc.call("verification", "assign_second_verifier", task_id, second, actor)
            if visit.second is None:
                rnd = random.Random(f"{self.seed}:second:{visit.household_id}")
                visit.second = demo_field.visit(task, second, visit.scenario, rnd, second=True)
            self.rpc.call("verification", "submit_visit", visit.second)
            request = {"actor": actor, "note": "dikunjungi ulang"}
        else:
            request = {"actor": actor}
            if visit.flags:
                request |= {"flags_reviewed": True, "note": f"tanda diperiksa: {visit.flags}"}
        self.decided(visit, self.rpc.ask("verification", "approve", task_id, request))

    def decided(self, visit: Visit, answer: dict[str, Any]) -> None:
        if "error" not in answer:
            visit.decision, visit.outcome = answer, answer["outcome"]
        elif answer["error"] != "illegal_transition":  # already decided: the next round sees it
            raise Refusal(f"decision on household {visit.household_id}", answer)

    def expected_outcomes(self) -> dict[int, str]:
        """What the supervisor meant for each household: the false claims refused, the rest
        approved (their verdict then follows the visit's findings)."""
        return {
            h: "rejected" if v.scenario == "false_claim" else "approved"
            for h, v in self.visits.items()
        }
