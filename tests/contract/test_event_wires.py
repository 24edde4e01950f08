"""Every event contract crossed as the services cross it, on the real databases.

What a producer writes to its outbox is read back as the relay publishes it (the row's JSON
body), validated as the consumer's ``@consumes`` validates it, and handed to the consumer's
service method — the real service class with real database sessions (no broker: the broker's
part is proven by the messaging and end-to-end tests). An RPC between services (referral asks
the registry for a household's facts) is answered by the registry service's own method.

The stories are chosen so that every (producer, event, consumer) the services declare is
crossed at least once; the last test holds them to that, so a new consumer without a story here
fails. Among them the family the first version never referred: classed not poor, but with a
neglected elder — verification must tell it as ``household_verified`` with that need, referral
must open a case for it alone, and the registry must show it in care while classed not poor.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from unittest import mock

import pytest
import sqlalchemy as sa
from nameko.testing.services import worker_factory
from nameko_sqlalchemy.database import Session as NamekoSession
from sqlalchemy.orm import sessionmaker

from services.gateway.use_cases import identity
from services.notifications.service import NotificationsService
from services.referral.service import ReferralService
from services.registry.service import RegistryService
from services.verification.domain.questionnaire import sample_answers
from services.verification.service import VerificationService
from sipmas import db, events, evidence, nik
from sipmas.messaging.batch import ConsumesBatch
from sipmas.outbox import writing
from sipmas_cli import topology
from sipmas_cli.system import migrate
from tests.notifications.conftest import (  # noqa: F401  # noqa: F401
    fast,
    http,
    http_server,
    notifications,
    notifications_db,
    smtp,
    smtp_server,
)
from tests.referral.conftest import referral, referral_db  # noqa: F401
from tests.registry.conftest import registry, registry_db  # noqa: F401
from tests.verification.conftest import (  # noqa: F401
    evidence_root,
    poor_answers,
    verification,
    verification_db,
    visit_payload,
)

DESA, KECAMATAN = "64.08.04.2001", "64.08.04"
CROSSED: set[tuple[str, str, str]] = set()  # (producer, event type, consumer) seen in this module


class Db:
    """What a service method sees as ``self.db``: sessions that commit on leaving their block,
    made as the service's ``sipmas.db.Database`` makes them (the outbox's hooks installed)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._sessions = writing.install(sessionmaker(bind=engine, class_=NamekoSession))

    def get_session(self) -> NamekoSession:
        return self._sessions()


class Registry:
    """The referral service's ``self.registry`` (an RpcProxy): the registry service answers."""

    def __init__(self, service: Any) -> None:
        self.service = service

    def households_facts(self, household_ids: list[int]) -> dict[str, Any]:
        return json.loads(json.dumps(self.service.households_facts(household_ids), default=str))


class System:
    """The services, their databases, and the wire between them."""

    def __init__(self, engines: dict[str, sa.Engine]) -> None:
        self.engines = engines
        answering = worker_factory(RegistryService, db=Db(engines["registry"]))
        self.services: dict[str, Any] = {
            "registry": answering,
            "verification": worker_factory(VerificationService, db=Db(engines["verification"])),
            "referral": worker_factory(
                ReferralService, db=Db(engines["referral"]), registry=Registry(answering)
            ),
            "notifications": worker_factory(
                NotificationsService, db=Db(engines["notifications"]), sender=mock.Mock()
            ),
        }
        self.marks = dict.fromkeys(engines, 0)

    def __getattr__(self, name: str) -> Any:
        return self.services[name]

    def deliver(self, *producers: str) -> list[dict[str, Any]]:
        """Hand every event the producers wrote since the last delivery to each consumer the
        services declare for it; returns the events, as the consumers received them."""
        delivered = []
        for producer in producers:
            for event in self._published(producer):
                delivered.append(event)
                for consumer in topology.CONSUMERS:
                    if (consumer.producer, consumer.event_type) == (producer, event["event_type"]):
                        self._consume(consumer, event)
        return delivered

    def _published(self, producer: str) -> list[dict[str, Any]]:
        """The producer's new outbox rows on its own exchange, each body as published."""
        with self.engines[producer].connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT id, body::text AS body FROM outbox "
                    "WHERE id > :mark AND exchange = :exchange ORDER BY id"
                ),
                {"mark": self.marks[producer], "exchange": events.exchange_of(producer)},
            ).all()
        if rows:
            self.marks[producer] = rows[-1].id
        return [events.validate_event(json.loads(row.body)) for row in rows]

    def _consume(self, consumer: topology.Consumer, event: dict[str, Any]) -> None:
        method = getattr(self.services[consumer.service], consumer.method)
        declared = getattr(type(self.services[consumer.service]), consumer.method)
        batch = any(isinstance(e, ConsumesBatch) for e in declared.nameko_entrypoints)
        method([event] if batch else event)
        CROSSED.add(tuple(consumer[:3]))

    def scalar(self, service: str, sql: str, **params: Any) -> Any:
        with self.engines[service].connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()


@pytest.fixture
def gateway_db():
    migrate("gateway")
    engine = db.engine("gateway")
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE tokens, users, outbox, inbox RESTART IDENTITY CASCADE"))
    return engine


@pytest.fixture
def system(registry, verification, referral, notifications, gateway_db) -> System:  # noqa: F811
    engines = {
        "registry": registry,
        "verification": verification,
        "referral": referral,
        "notifications": notifications,
        "gateway": gateway_db,
    }
    wire = System(engines)
    for name in engines:  # events of earlier tests are not this one's
        wire.marks[name] = wire.scalar(name, "SELECT coalesce(max(id), 0) FROM outbox")
    with db.session_scope("gateway") as session:  # the staff, as an admin makes them
        for username, role, desa in (("ani", "verifier", [DESA]), ("sri", "supervisor", [])):
            data = {"username": username, "role": role, "desa_codes": desa, "name": username}
            identity.create_user(session, {**data, "email": f"{username}@dinsos.test"}, "admin")
    wire.deliver("gateway")  # user_registered: verification's staff, notifications' contacts
    return wire


def register(system: System, nik_serial: int) -> int:
    """A Pemda household entered by an operator; the registry tells verification of it."""
    member = {
        "nik": nik.make("640804", date(1948, 3, 12), True, nik_serial),
        "nama": "Siti Aminah",
        "no_kk": f"64080401012{nik_serial:05d}",
        "jenis_kelamin": "P",
        "tanggal_lahir": "12-03-1948",
        "hubungan": "Kepala Keluarga",
        "kode_desa": DESA,
    }
    answer = system.registry.register_household({"members": [member], "actor": "op"})
    assert "household_ids" in answer, answer
    [household_id] = answer["household_ids"]
    system.deliver("registry")  # household_registered → a verification task
    return household_id


def visit_and_approve(system: System, household_id: int, answers: dict) -> dict[str, Any]:
    """The verifier's visit and the supervisor's approval, through the verification service."""
    task_id = system.scalar(
        "verification", "SELECT id FROM tasks WHERE household_id = :h", h=household_id
    )
    system.verification.submit_visit(visit_payload(task_id, "ani", answers))
    flagged = system.scalar("verification", "SELECT count(*) FROM flags")
    system.verification.approve(task_id, {"actor": "sri", "flags_reviewed": bool(flagged)})
    return {"task_id": task_id}


def statuses(system: System, household_id: int) -> list[str]:
    rows = system.registry.household_timeline(household_id)["timeline"]
    return [row["to_status"] for row in rows]


def referrals_of(system: System, household_id: int) -> list[tuple[str, str, str]]:
    with system.engines["referral"].connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                sa.text(
                    "SELECT r.need, r.opd_code, c.welfare_class FROM referrals r "
                    "JOIN cases c ON c.id = r.case_id WHERE c.household_id = :h ORDER BY r.id"
                ),
                {"h": household_id},
            )
        ]


# --- the stories ---------------------------------------------------------------------------------


def test_a_poor_household_is_verified_referred_helped_and_resolved_across_every_service(system):
    household_id = register(system, 1)
    assert statuses(system, household_id) == ["registered"]
    system.deliver("verification")  # verification_task_created → registry, notifications
    assert statuses(system, household_id)[-1] == "awaiting_verification"

    visit_and_approve(system, household_id, poor_answers(has_car=True))  # flagged, then reviewed
    crossed = system.deliver("verification")  # flagged; household_verified → 3 consumers
    assert {e["event_type"] for e in crossed} >= {"verification_flagged", "household_verified"}
    assert statuses(system, household_id)[-1] == "verified_eligible"
    referred = referrals_of(system, household_id)
    assert {"perkim", "dinkes"} <= {opd for _, opd, _ in referred}

    system.deliver("referral")  # case_opened, referral_created → registry, notifications
    assert statuses(system, household_id)[-1] == "referred"
    planned = system.scalar("notifications", "SELECT count(*) FROM deliveries")
    assert planned > 0

    with system.engines["referral"].begin() as conn:  # an agency late to receive its referral
        conn.execute(sa.text("UPDATE referrals SET receive_by = now() - interval '1 day'"))
    system.referral.escalate_overdue()
    for referral_id, opd in _referrals(system, household_id):
        for status in ("accepted", "in_progress", "completed"):
            request = {"status": status, "actor": f"{opd}-1", "opd_code": opd}
            if status == "completed":
                request["evidence_ref"] = evidence.put(b"%PDF-1.4 berita acara " + opd.encode())
            answer = system.referral.update_referral_status(referral_id, request)
            assert "error" not in answer, answer
    escalated_and_more = system.deliver("referral")
    kinds = {e["event_type"] for e in escalated_and_more}
    assert {"referral_escalated", "referral_status_changed", "case_resolved"} <= kinds
    history = statuses(system, household_id)
    assert "in_intervention" in history and history[-1] == "awaiting_verification"
    reverify = system.scalar(
        "verification", "SELECT reverify_at FROM households WHERE id = :h", h=household_id
    )
    assert reverify is not None  # the case resolved: a re-verification is on the calendar


def _referrals(system: System, household_id: int) -> list[tuple[int, str]]:
    with system.engines["referral"].connect() as conn:
        return [
            (row.id, row.opd_code)
            for row in conn.execute(
                sa.text(
                    "SELECT r.id, r.opd_code FROM referrals r JOIN cases c ON c.id = r.case_id "
                    "WHERE c.household_id = :h ORDER BY r.id"
                ),
                {"h": household_id},
            )
        ]


def test_a_family_classed_not_poor_with_a_neglected_elder_is_referred_for_that_need_alone(system):
    household_id = register(system, 2)
    system.deliver("verification")

    visit_and_approve(system, household_id, sample_answers(pmks=["lansia_telantar"]))
    [verified] = [
        e for e in system.deliver("verification") if e["event_type"] == "household_verified"
    ]

    assert verified["data"]["welfare_class"] == "tidak_miskin"
    assert [n["code"] for n in verified["data"]["needs"]] == ["pmks.lansia_telantar"]
    assert referrals_of(system, household_id) == [
        ("pmks.lansia_telantar", "dinsos", "tidak_miskin")
    ]
    system.deliver("referral")  # case_opened: the registry refers it while classed not poor
    household = system.registry.get_household(household_id)["household"]
    assert (household["status"], household["welfare_class"]) == ("referred", "tidak_miskin")
    assert household["in_care_while_not_poor"] is True
    last = system.registry.household_timeline(household_id)["timeline"][-1]
    assert last["reason"] == (
        "case_opened: in care for pmks.lansia_telantar while classed tidak_miskin"
    )


def test_a_family_classed_not_poor_with_nothing_else_is_rejected_and_never_referred(system):
    household_id = register(system, 3)
    system.deliver("verification")

    visit_and_approve(system, household_id, sample_answers())
    told = {e["event_type"] for e in system.deliver("verification")}

    assert "household_rejected" in told and "household_verified" not in told
    assert statuses(system, household_id)[-1] == "not_eligible"
    assert referrals_of(system, household_id) == []


def test_every_declared_consumer_is_crossed_by_a_story():
    """Runs last in this module (pytest keeps the file's order): the stories above crossed every
    (producer, event, consumer) the services declare."""
    declared = {tuple(consumer[:3]) for consumer in topology.CONSUMERS}
    assert declared - CROSSED == set(), "an event contract no story crosses"
