"""The field: a verifier per kecamatan visits the day's households, a district supervisor
decides — all over the verification service's RPC, as the field app and the supervisor's desk do.

What each visit finds is planned per household (``SCENARIOS``): most are poor (very poor, poor or
near-poor), some are not poor (their claim is rejected by the rules), one is not poor but cares
for a neglected elder (classed not poor, and referred to Dinsos for the elder all the same), some
were not found at their address; a few visits are flagged — one done far too fast, one
recorded outside Kutim (the verifier's phone still in Berau) — and a few are false claims whose
assets give them away. The supervisor approves what the rules found; reviews a hurried visit's
flags; sends a second verifier where the position is wrong; and refuses the false claims with
reasons.
"""

from __future__ import annotations

import random
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from services.verification.domain.welfare import ELIGIBLE_CLASSES
from sipmas import evidence, reference
from sipmas_cli.demo import households
from sipmas_cli.demo.client import Cluster, Refusal
from sipmas_cli.demo.imports import Household

# (scenario, share of the visits); what is left is found poor, in the classes of ``ELIGIBLE``.
SCENARIOS = (
    ("not_found", 0.03),
    ("not_poor", 0.12),
    ("not_poor_elder", 0.03),
    ("too_fast", 0.05),
    ("far_away", 0.05),
    ("false_claim", 0.05),
)
ELIGIBLE = (("sangat_miskin", 0.40), ("miskin", 0.35), ("rentan_miskin", 0.25))
REJECTED = frozenset({"not_found", "not_poor", "false_claim"})  # claims the day refuses
NEGLECTED_ELDER = "lansia_telantar"  # the PMKS condition of the ``not_poor_elder`` household
TANJUNG_REDEB = (2.153, 117.492)  # Berau: outside Kutai Timur
SANGATTA = (0.48607, 117.57368)  # the centroid of desa Sangatta Utara
REQUIRED_PHOTOS = ("rumah", "lantai", "atap", "dapur", "sanitasi")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
FALSE_CLAIM_REASONS = [
    "Mobil, emas dan 8 ekor sapi terlihat saat kunjungan / a car, gold and 8 cattle were seen",
    "Klaim miskin tidak sesuai kondisi rumah tangga / the claim does not match the household",
]


@dataclass
class Team:
    supervisor: str
    verifiers: dict[str, str]  # kecamatan code -> verifier id
    reserve: str | None = None  # a second verifier when only one kecamatan has households
    phones: dict[str, str] = field(default_factory=dict)  # verifier id -> phone

    def verifier_of(self, kecamatan: str | None) -> str:
        return self.verifiers.get(kecamatan or "") or next(iter(self.verifiers.values()))

    def another_than(self, verifier: str) -> str:
        others = sorted(v for v in [*self.verifiers.values(), self.reserve] if v and v != verifier)
        return others[0]

    @property
    def all_verifiers(self) -> list[str]:
        return sorted({*self.verifiers.values(), *([self.reserve] if self.reserve else [])})


def _slug(name: str) -> str:
    return "-".join(name.lower().replace("/", " ").split())


def register_team(cluster: Cluster, kecamatan_codes: set[str]) -> Team:
    """The district supervisor and one verifier per kecamatan, in verification (who may do what,
    where) and in notifications (where they are told). Registering again changes nothing."""
    names = reference.kecamatan_by_code()
    team = Team("demo-supervisor-dinsos", {})
    people = [(team.supervisor, "Supervisor Dinsos Kutim", "supervisor", [])]
    for code in sorted(kecamatan_codes):
        verifier = f"demo-verifikator-{_slug(names[code].name)}"
        team.verifiers[code] = verifier
        people.append((verifier, f"Verifikator {names[code].name}", "verifier", [code]))
    if len(team.verifiers) == 1:
        team.reserve = "demo-verifikator-cadangan"
        people.append((team.reserve, "Verifikator Cadangan Dinsos", "verifier", []))
    for staff_id, name, role, area in people:
        if role == "verifier":  # a phone of the kecamatan's own: the same from day to day
            team.phones[staff_id] = f"+62811{(area[0] if area else '00.00.00').replace('.', '')}1"
        cluster.call(
            "verification",
            "register_staff",
            {"id": staff_id, "name": name, "role": role, "kecamatan_codes": area},
        )
        cluster.call(
            "notifications",
            "register_staff_contact",
            {
                "id": staff_id,
                "name": name,
                "role": role,
                "email": f"{staff_id}@dinsos.sipmas.example",
                "phone": team.phones.get(staff_id),
                "kecamatan_codes": area,
            },
        )
    return team


def plan(household_ids: list[int], rnd: random.Random) -> dict[int, str]:
    """Each visited household's scenario, or the welfare class the visit will find."""
    order = sorted(household_ids)
    rnd.shuffle(order)
    planned: dict[int, str] = {}
    for scenario, share in SCENARIOS:
        wanted = max(1, round(len(order) * share)) if len(order) >= 10 else int(len(order) > 5)
        for household_id in order[len(planned) : len(planned) + wanted]:
            planned[household_id] = scenario
    rest = order[len(planned) :]
    classes = [c for c, _ in ELIGIBLE]
    for household_id in rest:
        planned[household_id] = rnd.choices(classes, [w for _, w in ELIGIBLE])[0]
    return planned


def desa_point(desa_code: str | None) -> tuple[float, float]:
    """Where a desa is, for the visits' GPS: the centroid of its boundary
    (``sipmas.reference.desa_points``; Sangatta when the desa is unknown)."""
    desa = reference.desa_points().get(desa_code or "")
    return (desa.lat, desa.lon) if desa else SANGATTA


def photos(
    tag: str, kinds: tuple[str, ...], at: datetime, where: tuple[float, float]
) -> list[dict]:
    """The visit's photos, stored in the evidence store and named by their SHA-256."""
    return [
        {
            "sha256": evidence.put(JPEG + f"{tag}:{kind}".encode() + b"\xff\xd9"),
            "kind": kind,
            "captured_at": (at + timedelta(minutes=2 + i)).isoformat(),
            "latitude": where[0],
            "longitude": where[1],
        }
        for i, kind in enumerate(kinds)
    ]


def visit(
    task: dict[str, Any], verifier: str, planned: str, rnd: random.Random, second: bool = False
) -> dict[str, Any]:
    """The visit as the field app submits it (``SubmitVisit``)."""
    home = task["household"]
    members = home.get("member_count") or 1
    minutes = 6 if planned == "too_fast" and not second else rnd.randint(25, 70)
    ended = datetime.now(UTC) - timedelta(minutes=rnd.randint(5, 240))
    started = ended - timedelta(minutes=minutes)
    lat, lon = desa_point(home.get("desa_code"))
    where = (lat + rnd.uniform(-0.003, 0.003), lon + rnd.uniform(-0.003, 0.003))
    if planned == "far_away" and not second:
        where = TANJUNG_REDEB
    if planned == "not_found":
        outcome, answers, kinds = "not_found", None, ("rumah",)
    else:
        outcome, kinds = "found", REQUIRED_PHOTOS
        if planned == "false_claim":
            answers = households.false_claim(members, rnd)
        elif planned == "not_poor":
            answers = households.answers_for("tidak_miskin", members, rnd)
        elif planned == "not_poor_elder":
            answers = {**households.answers_for("tidak_miskin", members, rnd)}
            answers["pmks"] = [NEGLECTED_ELDER]
        elif planned in ("too_fast", "far_away"):
            answers = households.answers_for("miskin", members, rnd)
        else:
            answers = households.answers_for(planned, members, rnd)
    tag = f"{task['task_id']}:{verifier}:{uuid.uuid4().hex}"
    return {
        "task_id": task["task_id"],
        "verifier": verifier,
        "client_key": uuid.uuid4().hex,
        "outcome": outcome,
        "started_at": started.isoformat(),
        "ended_at": ended.isoformat(),
        "latitude": where[0],
        "longitude": where[1],
        "answers": answers,
        "photos": photos(tag, kinds, started, where),
    }


@dataclass
class Visited:
    """One household's day in the field: what was planned, found and decided."""

    household_id: int
    task_id: int
    verifier: str
    planned: str
    flags: list[str] = field(default_factory=list)
    second_verifier: str | None = None
    decision: dict[str, Any] = field(default_factory=dict)  # the supervisor's (approve/reject)

    @property
    def welfare_class(self) -> str | None:
        return self.decision.get("welfare_class")

    @property
    def eligible(self) -> bool:
        approved = self.decision.get("outcome") == "approved"
        return approved and self.welfare_class in ELIGIBLE_CLASSES

    @property
    def needs(self) -> list[str]:
        """What the approved decision refers: every need of an eligible household; of one
        classed not poor, only the needs raised whatever the welfare (a PMKS condition)."""
        approved = self.decision.get("outcome") == "approved"
        return [n["code"] for n in self.decision.get("needs", [])] if approved else []

    @property
    def in_care_while_not_poor(self) -> bool:
        return not self.eligible and bool(self.needs)


def visit_all(
    cluster: Cluster, team: Team, tasks: dict[int, dict], planned: dict[int, str], seed: int
) -> dict[int, Visited]:
    """Each task's verifier visits and submits; the flags the service raises come back."""
    done: dict[int, Visited] = {}
    for household_id in sorted(tasks):
        task, scenario = tasks[household_id], planned[household_id]
        rnd = random.Random(f"{seed}:visit:{household_id}")
        verifier = task["assignee"]
        answer = cluster.call("verification", "submit_visit", visit(task, verifier, scenario, rnd))
        done[household_id] = Visited(
            household_id,
            task["task_id"],
            verifier,
            scenario,
            flags=sorted({f["code"] for f in answer["flags"]}),
        )
    return done


def decide_all(
    cluster: Cluster, team: Team, tasks: dict[int, dict], visited: dict[int, Visited], seed: int
) -> None:
    """The supervisor's desk: refuse false claims, send a second verifier where the position
    is wrong, review the flags of the rest, approve what the rules found."""
    for household_id in sorted(visited):
        done = visited[household_id]
        actor = team.supervisor
        if done.planned == "false_claim":
            done.decision = cluster.call(
                "verification",
                "reject",
                done.task_id,
                {"actor": actor, "reasons": FALSE_CLAIM_REASONS, "note": "klaim palsu"},
            )
            continue
        if done.planned == "far_away" and done.flags:
            second = team.another_than(done.verifier)
            cluster.call("verification", "assign_second_verifier", done.task_id, second, actor)
            rnd = random.Random(f"{seed}:second:{household_id}")
            cluster.call(
                "verification",
                "submit_visit",
                visit(tasks[household_id], second, done.planned, rnd, second=True),
            )
            done.second_verifier = second
            done.decision = cluster.call(
                "verification",
                "approve",
                done.task_id,
                {"actor": actor, "note": "dikunjungi ulang"},
            )
            continue
        request = {"actor": actor}
        if done.flags:
            request |= {"flags_reviewed": True, "note": f"tanda diperiksa: {', '.join(done.flags)}"}
        done.decision = cluster.call("verification", "approve", done.task_id, request)


def gather_tasks(cluster: Cluster, team: Team, day: dict[int, Household]) -> dict[int, dict]:
    """The day's tasks on the team's desks, by household."""
    found: dict[int, dict] = {}
    for verifier in team.all_verifiers:
        for task in cluster.call("verification", "my_tasks", verifier)["tasks"]:
            household_id = task["household"]["household_id"]
            if household_id in day and task["state"] in ("assigned", "returned"):
                found[household_id] = task
    return found


def place_missing(cluster: Cluster, team: Team, day: dict[int, Household], missing: set[int]):
    """The supervisor places the live tasks of ``missing`` households on the team's desks: a
    task the service gave someone else (another verifier of the area) or could not place."""
    for household_id in sorted(missing):
        history = cluster.ask("verification", "household_history", household_id)
        if "error" in history:
            continue  # verification has not heard of it yet
        live = [t for t in history["tasks"] if t["state"] in ("open", "assigned")]
        mine = team.verifier_of(day[household_id].kecamatan_code)
        for task in live:
            if task["assignee"] != mine:
                with suppress(Refusal):  # moved meanwhile: the next round looks again
                    cluster.call(
                        "verification", "assign_task", task["task_id"], mine, team.supervisor
                    )
