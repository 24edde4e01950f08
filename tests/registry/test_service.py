"""The registry service over the real broker, run as its container runs it: other services'
events move the lifecycle once each, RPC reads and changes households with clear refusals."""

from __future__ import annotations

import json
import uuid

from nameko.standalone.rpc import ClusterRpcProxy

from services.registry.use_cases.importing import batches
from sipmas import events
from sipmas.messaging.dead_letters import dead_letters
from sipmas_cli import synthetic, topology
from tests.integration.support_amqp import bind_queue, fetch_all, publish, wait_for
from tests.registry.conftest import query, scalar


def _import(tmp_path, households=10):
    path = tmp_path / "dtsen.csv"
    synthetic.write_file("dtsen", households, path, seed=21)
    batches.import_file("dtsen", path, actor="test")


def _send(amqp_uri, event):
    publish(
        amqp_uri,
        events.exchange_of(event["producer"]),
        event["event_type"],
        event,
        message_id=event["event_id"],
    )


def test_the_same_event_delivered_twice_makes_one_transition(
    registry, registry_service, amqp_uri, tmp_path
):
    _import(tmp_path)
    household = scalar(registry, "SELECT min(id) FROM households")
    changed = bind_queue(amqp_uri, "registry.events", "household_status_changed")
    task = events.envelope(
        "verification_task_created", {"household_id": household, "task_id": 1, "reason": "new"}
    )

    _send(amqp_uri, task)
    _send(amqp_uri, task)  # a redelivery: the outbox and the broker are at-least-once

    wait_for(lambda: scalar(registry, "SELECT count(*) FROM inbox") == 1)
    messages = fetch_all(amqp_uri, changed, expect=1, timeout=10)
    assert (
        scalar(registry, "SELECT status FROM households WHERE id = :h", h=household)
        == "awaiting_verification"
    )
    assert scalar(registry, "SELECT count(*) FROM status_transitions") == 1
    assert len(messages) == 1
    body = json.loads(messages[0].body)
    assert body["data"]["cause_event_id"] == task["event_id"]
    assert fetch_all(amqp_uri, changed, timeout=1) == []  # and no second one follows


def test_a_household_is_verified_then_referred_and_its_timeline_says_who_and_why(
    registry, registry_service, amqp_uri, tmp_path
):
    _import(tmp_path)
    household = scalar(registry, "SELECT min(id) FROM households")
    for event_type, data in [
        ("verification_task_created", {"task_id": 1}),
        (
            "household_verified",
            {
                "welfare_class": "sangat_miskin",
                "rule_set_version": "v1",
                "needs": [{"code": "rumah", "reasons": ["lantai tanah"]}],
            },
        ),
        ("case_opened", {"case_id": 9}),
    ]:
        _send(amqp_uri, events.envelope(event_type, {"household_id": household, **data}))
        wait_for(
            lambda t=event_type: scalar(
                registry, "SELECT count(*) FROM status_transitions WHERE reason = :t", t=t
            )
        )

    with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as rpc:
        found = rpc.registry.get_household(household)["household"]
    assert found["status"] == "referred"
    assert [(t["action"], t["actor"]) for t in found["timeline"][1:]] == [
        ("request_verification", "verification"),
        ("verify_eligible", "verification"),
        ("refer", "referral"),
    ]
    assert found["members"] and all(
        m["provenance"]["nama"]["source"] == "dtsen" for m in found["members"]
    )


def test_an_event_that_breaks_the_lifecycle_is_dead_lettered_with_the_reason(
    registry, registry_service, amqp_uri, tmp_path
):
    _import(tmp_path)
    household = scalar(registry, "SELECT min(id) FROM households")
    resolved = events.envelope("case_resolved", {"household_id": household, "case_id": 1})

    _send(amqp_uri, resolved)  # no case was ever opened for a merely registered household

    queue = topology.dead_queue(
        topology.consumer_queue("referral", "case_resolved", "registry", "on_case_resolved")
    )
    letters = wait_for(lambda: dead_letters(amqp_uri, queue), timeout=20)
    assert letters[0]["event_id"] == resolved["event_id"]
    assert "not allowed from status 'registered'" in letters[0]["error_message"]
    assert (
        scalar(registry, "SELECT status FROM households WHERE id = :h", h=household) == "registered"
    )


def test_rpc_refuses_clearly_and_registers_pemda_households(registry, registry_service, amqp_uri):
    head = {
        "nik": "6408042001900001",
        "nama": "ANDI",
        "no_kk": "6408040101200001",
        "jenis_kelamin": "L",
        "tanggal_lahir": "20-01-1990",
        "hubungan": "Kepala Keluarga",
        "kode_desa": "64.08.04.2001",
    }
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as rpc:
        refused = rpc.registry.register_household(
            {
                "actor": "op",
                "members": [
                    head,
                    {"nik": "6.40804E+15", "nama": "SITI", "kode_desa": "64.08.04.2001"},
                ],
            }
        )
        created = rpc.registry.register_household({"actor": "op", "members": [head]})
        again = rpc.registry.register_household({"actor": "op", "members": [head]})
        illegal = rpc.registry.transition_household(
            created["household_ids"][0], {"action": "reopen", "reason": "coba", "actor": "op"}
        )
        missing = rpc.registry.get_household(999999)
        found = rpc.registry.search_households({"name": "ANDY"})
        imports = rpc.registry.list_imports(5)

    assert refused["error"] == "invalid"
    assert "notasi ilmiah" in json.dumps(refused["fields"]["members[1]"]["nik"])
    assert scalar(registry, "SELECT count(*) FROM people WHERE nama = 'SITI'") == 0
    assert created["imported"] == 1 and len(created["household_ids"]) == 1
    assert again["error"] == "invalid"  # already registered: update it instead
    assert illegal["error"] == "illegal_transition" and "tidak boleh" in illegal["message"]
    assert missing == {"error": "not_found"}
    assert [h["id"] for h in found["households"]] == created["household_ids"]
    assert found["households"][0]["head_nik"] == "6408********0001"
    assert query(registry, "SELECT sources FROM households")[0].sources == ["pemda"]
    assert imports[0]["source"] == "pemda" and imports[0]["imported"] == 1


def test_correlation_ids_follow_the_household(registry, amqp_uri, tmp_path):
    queue = bind_queue(amqp_uri, "registry.events", "household_registered")
    _import(tmp_path, households=3)
    from sipmas.outbox import Relay

    Relay("registry", amqp_uri).publish_pending()
    bodies = [json.loads(m.body) for m in fetch_all(amqp_uri, queue, expect=3)]
    by_household = {b["data"]["household_id"]: b["correlation_id"] for b in bodies}
    stored = {
        r.id: str(r.correlation_id)
        for r in query(registry, "SELECT id, correlation_id FROM households")
    }
    assert by_household == stored
    assert all(uuid.UUID(c) for c in stored.values())
