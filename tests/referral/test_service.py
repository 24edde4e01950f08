"""Over the real broker, with the registry and referral services running as their containers
run them, the broker's access rules loaded from ``deploy/``, and agencies' systems written with
pika (not nameko, not kombu) as ``docs/examples/agency_subscriber.py`` shows a partner: a
verified household's housing and health needs reach Perkim and Dinkes and nobody else; their
answers resolve the case and the registry follows; forged updates are refused."""

from __future__ import annotations

import importlib.util

import pika
import pika.exceptions
import pytest

from services.registry.use_cases.importing import batches
from sipmas import broker_access, events, reference
from sipmas_cli import synthetic, topology
from tests.integration.support_amqp import depth, publish, wait_for
from tests.registry.conftest import scalar
from tests.support.services import ROOT

pytestmark = pytest.mark.usefixtures("registry_service", "referral_service")


def _example():
    """The partner's example client, imported from its file as a partner would copy it."""
    path = ROOT / "docs" / "examples" / "agency_subscriber.py"
    spec = importlib.util.spec_from_file_location("agency_subscriber", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def agencies(amqp_vhost):
    """The deploy/ definitions loaded into this session's vhost, with their development
    passwords (``<user>-dev``): the service checks the sender is ``opd-<code>`` exactly."""
    broker_access.load_definitions(broker_access.read_definitions(), vhost=amqp_vhost)


@pytest.fixture
def client(agencies, amqp_vhost):
    example = _example()
    opened = []

    def connect(opd_code: str):
        user = f"opd-{opd_code}"
        url = f"amqp://{user}:{user}-dev@127.0.0.1:5672/{amqp_vhost}"
        connection = example.connect(url)
        opened.append(connection)
        channel = connection.channel()
        queue = example.subscribe(channel, opd_code)
        channel.queue_purge(queue)  # what an earlier test left for this agency
        return channel, queue

    yield example, connect
    for connection in opened:
        if connection.is_open:
            connection.close()


def _verified_household(tmp_path, amqp_uri, needs: list[str]) -> int:
    path = tmp_path / "p3ke.csv"
    synthetic.write_file("p3ke", 1, path, seed=41)
    batches.import_file("p3ke", path, actor="test")
    household = scalar(_registry_engine(), "SELECT min(id) FROM households")
    event = events.envelope(
        "household_verified",
        {
            "household_id": household,
            "welfare_class": "miskin",
            "needs": [{"code": need, "reasons": [f"why_{need}"]} for need in needs],
            "rule_set_version": "2026.1",
            "decision_id": 1,
        },
    )
    publish(
        amqp_uri, "verification.events", "household_verified", event, message_id=event["event_id"]
    )
    return household


def _registry_engine():
    from sipmas import db

    return db.engine("registry")


def test_needs_reach_their_agencies_whose_answers_resolve_the_case(
    registry, referral, client, amqp_uri, tmp_path
):
    example, connect = client
    perkim, perkim_queue = connect("perkim")
    dinkes, dinkes_queue = connect("dinkes")
    with topology.connection(amqp_uri) as connection:  # what earlier tests left for anyone
        channel = connection.channel()
        for code in reference.opd_codes():
            channel.queue_purge(topology.opd_queue(code))
    household = _verified_household(tmp_path, amqp_uri, ["rumah", "kesehatan"])

    [to_perkim] = example.fetch(perkim, perkim_queue, expect=1, timeout=30)
    [to_dinkes] = example.fetch(dinkes, dinkes_queue, expect=1, timeout=30)
    assert to_perkim["event_type"] == "opd_referral_created"
    assert (to_perkim["data"]["opd_code"], to_perkim["data"]["need"]) == ("perkim", "rumah")
    assert (to_dinkes["data"]["opd_code"], to_dinkes["data"]["need"]) == ("dinkes", "kesehatan")
    others = [c for c in reference.opd_codes() if c not in ("perkim", "dinkes")]
    assert all(depth(amqp_uri, topology.opd_queue(code))[0] == 0 for code in others)

    for channel, opd, message in ((perkim, "perkim", to_perkim), (dinkes, "dinkes", to_dinkes)):
        referral_id = message["data"]["referral_id"]
        example.send_status(channel, opd, referral_id, "accepted", user=f"opd-{opd}")
        example.send_status(
            channel, opd, referral_id, "completed", user=f"opd-{opd}", evidence_ref=f"BAST-{opd}-1"
        )

    def status():
        return scalar(
            _registry_engine(), "SELECT status FROM households WHERE id = :h", h=household
        )

    wait_for(lambda: status() == "awaiting_verification", timeout=30)  # resolved: re-check next
    with _registry_engine().connect() as connection:
        actions = (
            connection.exec_driver_sql(
                "SELECT action FROM status_transitions WHERE household_id = %(h)s ORDER BY id",
                {"h": household},
            )
            .scalars()
            .all()
        )
    # The registry hears of the case's moves on separate queues: "start_intervention" is in the
    # timeline when the agency's "received" reached it before the case resolved, else skipped.
    assert actions[-1] == "resolve_case"
    assert [a for a in actions if a != "start_intervention"][-2:] == ["refer", "resolve_case"]


def test_an_agency_cannot_answer_for_another_or_read_its_referrals(
    registry, referral, client, amqp_uri, tmp_path
):
    example, connect = client
    perkim, perkim_queue = connect("perkim")
    dinkes, dinkes_queue = connect("dinkes")
    _verified_household(tmp_path, amqp_uri, ["kesehatan"])
    [to_dinkes] = example.fetch(dinkes, dinkes_queue, expect=1, timeout=30)

    # Perkim answers for Dinkes' referral on its own key: the service refuses and tells Perkim.
    example.send_status(
        perkim, "perkim", to_dinkes["data"]["referral_id"], "accepted", user="opd-perkim"
    )
    [refusal] = example.fetch(perkim, perkim_queue, expect=1, timeout=30)
    assert refusal["event_type"] == "opd_update_refused"
    assert refusal["data"]["code"] == "not_your_referral"
    # ...and the broker refuses Perkim both Dinkes' status key and Dinkes' referrals.
    with pytest.raises(pika.exceptions.ChannelClosedByBroker):
        example.send_status(
            perkim, "dinkes", to_dinkes["data"]["referral_id"], "accepted", user="opd-perkim"
        )
    spy = perkim.connection.channel() if perkim.is_open else connect("perkim")[0]
    with pytest.raises(pika.exceptions.ChannelClosedByBroker):
        spy.queue_bind(perkim_queue, events.OPD_EXCHANGE, "referral.dinkes.*")
