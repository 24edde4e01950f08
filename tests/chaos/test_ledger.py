"""The chaos ledger's counts on a small world built by hand: a clean world adds up, and each
kind of damage the chaos test hunts for is counted where it belongs."""

from __future__ import annotations

from types import SimpleNamespace as Row

import pytest

from sipmas_cli.demo.agencies import Ledger, Received
from tests.chaos import ledger
from tests.chaos.readers import READER, Read

KK1, KK2, NIK1, NIK2 = 6408010101010001, 6408010101010002, 6408011111110001, 6408012222220001
PHONE = "+6281300000001"


def _event(event_id, exchange, key, data):
    return Row(
        event_id=event_id, exchange=exchange, routing_key=key, body={"data": data}, published_at=1
    )


@pytest.fixture
def world() -> ledger.Facts:
    """Household 1 (poor, one need: rumah, rejected by Perkim and rerouted to Dinsos, closed) and
    household 2 (found not poor); everything where it should be."""
    agencies = Ledger()
    for event_id, opd, referral in (("o5", "perkim", 5), ("o6", "dinsos", 6)):
        agencies.add(
            Received(opd, f"referral.{opd}.created", "referral_created", event_id, referral, 1, {})
        )
    return ledger.Facts(
        reads=[Read(None, 200, "r1", (1, 2)), Read(1, 200, "r2", (1,)), Read(2, None, None)],
        families={KK1: NIK1, KK2: NIK2},
        outcomes={1: "approved", 2: "approved"},
        scenarios={1: "miskin", 2: "not_poor"},
        agencies=agencies,
        sinks=[{"channel": "sms", "to": PHONE, "text": "Data keluarga Anda sudah diperiksa"}],
        db={
            "registry": {
                "households": [
                    Row(id=1, no_kk=KK1, head_nik=NIK1, status="awaiting_verification"),
                    Row(id=2, no_kk=KK2, head_nik=NIK2, status="not_eligible"),
                ],
                "verdicts": [
                    Row(household_id=1, action="verify_eligible", cause="v1"),
                    Row(household_id=2, action="verify_not_eligible", cause="v2"),
                ],
                "outbox": [],
            },
            "verification": {
                "tasks": [
                    Row(id=10, household_id=1, state="approved"),
                    Row(id=11, household_id=2, state="approved"),
                ],
                "decisions": [
                    Row(
                        id=100,
                        household_id=1,
                        task_id=10,
                        outcome="approved",
                        welfare_class="miskin",
                        needs=[{"code": "rumah"}],
                    ),
                    Row(
                        id=101,
                        household_id=2,
                        task_id=11,
                        outcome="approved",
                        welfare_class="tidak_miskin",
                        needs=[],
                    ),
                ],
                "outbox": [
                    _event(
                        "v1",
                        "verification.events",
                        "household_verified",
                        {"decision_id": 100, "household_id": 1, "welfare_class": "miskin"},
                    ),
                    _event(
                        "v2",
                        "verification.events",
                        "household_rejected",
                        {"decision_id": 101, "household_id": 2},
                    ),
                ],
            },
            "referral": {
                "cases": [Row(id=1, household_id=1, state="resolved")],
                "referrals": [
                    Row(
                        id=5,
                        case_id=1,
                        household_id=1,
                        need="rumah",
                        opd_code="perkim",
                        state="rerouted",
                        rerouted_from=None,
                    ),
                    Row(
                        id=6,
                        case_id=1,
                        household_id=1,
                        need="rumah",
                        opd_code="dinsos",
                        state="closed",
                        rerouted_from=5,
                    ),
                ],
                "outbox": [
                    _event("o5", "sipmas.opd", "referral.perkim.created", {"referral_id": 5}),
                    _event("o6", "sipmas.opd", "referral.dinsos.created", {"referral_id": 6}),
                ],
            },
            "notifications": {
                "deliveries": [
                    Row(
                        id=1,
                        event_id="v1",
                        event_type="household_verified",
                        recipient_kind="household",
                        recipient_id="1",
                        channel="sms",
                        address=PHONE,
                        state="sent",
                        reason=None,
                        message={"text": "Data keluarga Anda sudah diperiksa"},
                    ),
                ],
                "outbox": [],
            },
            "gateway": {
                "audit": [
                    Row(
                        seq=1,
                        actor=READER,
                        action="households.search",
                        outcome=200,
                        request_id="r1",
                    ),
                    Row(seq=2, actor=READER, action="households.get", outcome=200, request_id="r2"),
                ],
                "outbox": [],
            },
        },
    )


def _table(facts: ledger.Facts) -> dict[str, tuple[int, ...]]:
    return {r.name: tuple(getattr(r, c) for c in ledger.COLUMNS) for r in ledger.rows(facts)}


def test_a_clean_world_adds_up(world):
    assert _table(world) == {
        "households": (2, 2, 0, 0, 0, 0),
        "verifications": (2, 2, 0, 0, 0, 0),
        "referrals": (1, 1, 0, 0, 0, 0),  # a rerouted need is one chain
        "agency messages": (2, 2, 0, 0, 0, 0),
        "notifications": (1, 1, 0, 0, 0, 0),
        "person reads": (2, 2, 0, 0, 0, 0),
    }
    assert ledger.stuck(world) == []


def test_each_kind_of_damage_is_counted_where_it_belongs(world):
    damaged = world  # a fresh world per test
    registry, referral = damaged.db["registry"], damaged.db["referral"]
    registry["households"].append(Row(id=3, no_kk=KK1, head_nik=NIK1, status="registered"))
    registry["verdicts"].append(Row(household_id=2, action="verify_not_eligible", cause="v2"))
    referral["referrals"][1].state = "received"  # the rerouted need never closed
    damaged.agencies.received = [m for m in damaged.agencies.received if m.event_id != "o6"]
    damaged.agencies.redelivered["o5"] = 2  # allowed: the agency deduped them
    damaged.sinks.append(dict(damaged.sinks[0]))  # sent again after a crash: allowed
    damaged.sinks.append({"channel": "email", "delivery_id": 99})  # planned by nobody
    damaged.db["notifications"]["outbox"].append(Row(published_at=None))
    damaged.queues = {"evt-referral-case_resolved--registry.on_case_resolved.dead": 1}

    table = _table(damaged)
    assert table["households"] == (2, 1, 0, 1, 0, 0)  # household 3 duplicates family 1
    assert table["verifications"][2:4] == (0, 1)
    assert table["referrals"] == (1, 0, 1, 0, 0, 0)
    assert table["agency messages"] == (2, 1, 1, 0, 0, 2)
    assert table["notifications"] == (1, 1, 0, 0, 1, 1)
    assert len(ledger.stuck(damaged)) == 2


def test_an_answer_without_its_audit_entry_is_a_lost_read(world):
    audit = world.db["gateway"]["audit"]
    world.reads.append(Read(2, 200, "r3", (2,)))  # answered, never audited: data left unlogged
    world.reads.append(Read(1, 200, "r4", (2,)))  # someone else's household came back
    audit.append(Row(seq=3, actor=READER, action="households.get", outcome=200, request_id="r2"))
    audit.append(Row(seq=4, actor="ghost", action="households.get", outcome=200, request_id="x"))
    audit.append(Row(seq=5, actor=READER, action="households.get", outcome=200, request_id="r9"))
    row = next(r for r in ledger.rows(world) if r.name == "person reads")
    assert (row.expected, row.ok, row.lost, row.duplicated, row.unexpected) == (4, 1, 1, 1, 2)
    assert any("r9" in p and "cut off" in p for p in row.problems)  # shown, not counted
