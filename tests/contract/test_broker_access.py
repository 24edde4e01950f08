"""The broker enforces the OPD contract: ``deploy/rabbitmq/definitions.json`` loaded into a
fresh vhost of the real RabbitMQ, agencies connected with pika (not nameko, not kombu).

Users are global in RabbitMQ, so this module loads them under a unique prefix
(``t<hex>-opd-perkim``) and deletes them and its vhost afterwards: the real ``opd-perkim`` and
other sessions' tests are never touched. Permission regexes name queues, exchanges and routing
keys, not users, so the prefixed users have exactly the rights of the real ones.
"""

from __future__ import annotations

import importlib.util
import json
import time
import uuid
from pathlib import Path

import pika
import pytest
from pika.exceptions import ChannelClosedByBroker

from sipmas import broker_access, events
from tests.support.broker import api as broker_api

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1:5672"


def _load_subscriber():
    spec = importlib.util.spec_from_file_location(
        "agency_subscriber", ROOT / "docs" / "examples" / "agency_subscriber.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


subscriber = _load_subscriber()


class Broker:
    def __init__(self, vhost: str, prefix: str, passwords: dict[str, str]) -> None:
        self.vhost, self.prefix, self.passwords = vhost, prefix, passwords
        self.connections: list[pika.BlockingConnection] = []

    def user(self, name: str) -> str:
        return self.prefix + name

    def url(self, name: str) -> str:
        return f"amqp://{self.user(name)}:{self.passwords[name]}@{HOST}/{self.vhost}"

    def connect(self, name: str) -> pika.BlockingConnection:
        connection = subscriber.connect(self.url(name))
        self.connections.append(connection)
        return connection


@pytest.fixture(scope="module")
def broker():
    definitions = broker_access.read_definitions()
    token = uuid.uuid4().hex[:8]
    vhost, prefix = f"sipmas-contract-{token}", f"t{token}-"
    passwords = {name: f"{name}-{token}" for name in ("svc-referral", "opd-perkim", "opd-dinkes")}
    broker_access.load_definitions(
        definitions, vhost=vhost, passwords=passwords, user_prefix=prefix
    )
    state = Broker(vhost, prefix, passwords)
    try:
        yield state
    finally:
        for connection in state.connections:
            if connection.is_open:
                connection.close()
        broker_access.unload_definitions(definitions, vhost=vhost, user_prefix=prefix)


@pytest.fixture(scope="module")
def service(broker):
    """svc-referral's channel, with confirms: it publishes the referrals, reads the answers."""
    channel = broker.connect("svc-referral").channel()
    channel.confirm_delivery()
    return channel


@pytest.fixture(scope="module")
def perkim(broker):
    return broker.connect("opd-perkim")


def referral_message(opd_code: str, referral_id: int) -> dict:
    return events.envelope(
        "opd_referral_created",
        {
            "referral_id": referral_id,
            "case_id": 7,
            "opd_code": opd_code,
            "status": "sent",
            "need": "rumah_tidak_layak_huni",
            "programme": "rtlh",
            "rule_id": "R-01",
            "household": {"household_id": 101, "desa_code": None, "kecamatan_code": None},
            "receive_by": "2025-07-03T00:00:00+08:00",
            "complete_by": "2025-09-01T00:00:00+08:00",
        },
    )


def publish_referral(service, opd_code: str, referral_id: int) -> dict:
    body = referral_message(opd_code, referral_id)
    service.basic_publish(
        events.OPD_EXCHANGE,
        events.opd_routing_key(opd_code, "created"),
        json.dumps(body).encode(),
        pika.BasicProperties(
            content_type="application/json",
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=body["event_id"],
        ),
        mandatory=True,
    )
    return body


def refused(connection, action) -> int:
    """Run ``action(channel)`` on a fresh channel; the broker's refusal closes that channel."""
    channel = connection.channel()
    with pytest.raises(ChannelClosedByBroker) as caught:
        action(channel)
    assert not channel.is_open
    return caught.value.reply_code


def test_each_agency_receives_its_own_referrals_only(broker, service, perkim):
    dinkes = broker.connect("opd-dinkes").channel()
    perkim_channel = perkim.channel()
    assert subscriber.subscribe(perkim_channel, "perkim") == "opd.perkim.referrals"
    assert subscriber.subscribe(dinkes, "dinkes") == "opd.dinkes.referrals"

    for_perkim = publish_referral(service, "perkim", 1)
    for_dinkes = publish_referral(service, "dinkes", 2)

    got = subscriber.fetch(perkim_channel, "opd.perkim.referrals", expect=2, timeout=0.5)
    assert [body["event_id"] for body in got] == [for_perkim["event_id"]]
    assert events.validate_event(got[0])["data"]["referral_id"] == 1
    got = subscriber.fetch(dinkes, "opd.dinkes.referrals", expect=2, timeout=0.5)
    assert [body["event_id"] for body in got] == [for_dinkes["event_id"]]


@pytest.mark.parametrize(
    "key", ["referral.perkim.*", "referral.perkim.#", "referral.perkim.created"]
)
def test_an_agency_binds_its_own_keys(service, perkim, key):
    channel = perkim.channel()
    queue = f"opd.perkim.bind-{uuid.uuid4().hex[:6]}"
    channel.queue_declare(queue, durable=False, auto_delete=True)
    channel.queue_bind(queue, events.OPD_EXCHANGE, routing_key=key)
    service.basic_publish(events.OPD_EXCHANGE, "referral.perkim.created", b'{"probe": 1}')
    got = None
    for _ in range(50):  # the broker routes it in a moment
        _, _, got = channel.basic_get(queue, auto_ack=True)
        if got is not None:
            break
        time.sleep(0.05)
    assert got == b'{"probe": 1}'  # bound: what SIPMAS publishes for Perkim reaches it
    channel.queue_delete(queue)
    channel.close()


@pytest.mark.parametrize(
    "key",
    ["referral.dinkes.*", "referral.#", "#", "referral.*.created", "*.perkim.*", "status.perkim"],
)
def test_an_agency_cannot_bind_to_other_keys(perkim, key):
    queue = f"opd.perkim.spy-{uuid.uuid4().hex[:6]}"
    perkim.channel().queue_declare(queue, auto_delete=True)

    def bind(channel):
        channel.queue_bind(queue, events.OPD_EXCHANGE, routing_key=key)

    assert refused(perkim, bind) == 403


def _bind_amq_topic(channel):
    channel.exchange_declare("opd.perkim.tap", "topic", auto_delete=True)  # its own name: allowed
    channel.exchange_bind("opd.perkim.tap", "amq.topic", "#")


def _bind_everything_to_own_exchange(channel):
    channel.exchange_declare("opd.perkim.tap", "topic", auto_delete=True)
    channel.exchange_bind("opd.perkim.tap", events.OPD_EXCHANGE, "#")  # topic read: refused


@pytest.mark.parametrize(
    "action",
    [
        pytest.param(lambda ch: ch.queue_declare("opd.dinkes.x"), id="declare-other-queue"),
        pytest.param(lambda ch: ch.queue_declare(""), id="declare-server-named-queue"),
        pytest.param(lambda ch: ch.queue_declare("referral.opd-inbound"), id="declare-svc-queue"),
        pytest.param(lambda ch: ch.basic_get("opd.dinkes.referrals"), id="read-other-queue"),
        pytest.param(lambda ch: ch.queue_purge("opd.dinkes.referrals"), id="purge-other-queue"),
        pytest.param(lambda ch: ch.queue_delete("opd.dinkes.referrals"), id="delete-other-queue"),
        pytest.param(
            lambda ch: ch.exchange_declare(events.OPD_EXCHANGE, "topic", durable=True),
            id="declare-opd-exchange",
        ),
        pytest.param(_bind_amq_topic, id="bind-amq-topic"),
        pytest.param(_bind_everything_to_own_exchange, id="exchange-bind-opd-#"),
        pytest.param(
            lambda ch: ch.queue_bind("opd.perkim.referrals", events.OPD_INBOUND_EXCHANGE, "#"),
            id="bind-inbound",
        ),
    ],
)
def test_an_agency_cannot_touch_what_is_not_its_own(broker, service, perkim, action):
    service.queue_declare("opd.dinkes.referrals", durable=True)
    subscriber.subscribe(perkim.channel(), "perkim")
    assert refused(perkim, action) == 403


def test_an_agency_answers_on_its_own_status_key(broker, service, perkim):
    inbound = f"referral.opd-inbound-{uuid.uuid4().hex[:6]}"
    service.queue_declare(inbound, auto_delete=True)
    service.queue_bind(inbound, events.OPD_INBOUND_EXCHANGE, routing_key="status.*")

    update_id = subscriber.send_status(
        perkim.channel(),
        "perkim",
        1,
        "completed",
        user=broker.user("opd-perkim"),
        evidence_ref="sha256:" + "ab" * 32,
    )

    method, properties, body = service.basic_get(inbound, auto_ack=True)
    assert method is not None and method.routing_key == "status.perkim"
    assert properties.user_id == broker.user("opd-perkim")
    assert properties.message_id == update_id
    assert properties.content_type == "application/json"
    assert properties.delivery_mode == 2
    update = events.OpdStatusUpdate().load(json.loads(body))
    assert (str(update["update_id"]), update["status"]) == (update_id, "completed")
    service.queue_delete(inbound)


@pytest.mark.parametrize(
    "exchange, key",
    [
        (events.OPD_INBOUND_EXCHANGE, "status.dinkes"),
        (events.OPD_INBOUND_EXCHANGE, "status.perkim.x"),
        (events.OPD_EXCHANGE, "referral.dinkes.created"),
        (events.OPD_EXCHANGE, "referral.perkim.created"),
        ("amq.topic", "status.perkim"),
        ("", "opd.perkim.referrals"),
    ],
)
def test_an_agency_cannot_publish_elsewhere(broker, perkim, exchange, key):
    def publish(channel):
        channel.confirm_delivery()  # the refusal closes the channel before any confirm
        channel.basic_publish(
            exchange,
            key,
            b"{}",
            pika.BasicProperties(user_id=broker.user("opd-perkim")),
        )

    assert refused(perkim, publish) == 403


def test_an_agency_cannot_publish_as_another_user(broker, perkim):
    def forge(channel):
        subscriber.send_status(channel, "perkim", 1, "accepted", user=broker.user("opd-dinkes"))

    assert refused(perkim, forge) == 406  # PRECONDITION_FAILED: user_id is not the connection's


def test_a_detour_through_its_own_exchange_still_names_the_agency(broker, service, perkim):
    """The limit of broker permissions: an agency may declare exchanges named ``opd.<code>.*``
    (queues and exchanges share one name space) and bind one to ``sipmas.opd.inbound`` (the same
    ``write`` that lets it publish there); routing-key permissions are checked only on the
    exchange published to. So ``status.dinkes`` can reach the inbound exchange this way — but the
    broker still stamps the publisher's true ``user_id``, and the referral service refuses an
    update whose ``user_id`` is not ``opd-<code of the routing key>`` (``sender_mismatch``)."""
    inbound = f"referral.opd-inbound-{uuid.uuid4().hex[:6]}"
    service.queue_declare(inbound, auto_delete=True)
    service.queue_bind(inbound, events.OPD_INBOUND_EXCHANGE, routing_key="status.*")
    channel = perkim.channel()
    channel.exchange_declare("opd.perkim.detour", "topic", auto_delete=True)
    channel.exchange_bind(events.OPD_INBOUND_EXCHANGE, "opd.perkim.detour", "#")
    channel.confirm_delivery()
    channel.basic_publish(
        "opd.perkim.detour",
        "status.dinkes",
        b"{}",
        pika.BasicProperties(user_id=broker.user("opd-perkim")),
    )

    method, properties, _ = service.basic_get(inbound, auto_ack=True)
    assert method.routing_key == "status.dinkes"
    assert properties.user_id == broker.user("opd-perkim")  # not opd-dinkes: refused by the service
    channel.exchange_delete("opd.perkim.detour")
    service.queue_delete(inbound)


def test_rabbitmq_imports_the_file_and_the_dev_passwords_work():
    """The file as ``POST /api/definitions`` (= ``rabbitmqctl import_definitions``) takes it, with
    its vhost and user names rewritten so that nothing global is touched; the stored
    ``password_hash`` lets ``opd-perkim`` log in with ``opd-perkim-dev``."""
    definitions = broker_access.read_definitions()
    token = uuid.uuid4().hex[:8]
    vhost, prefix = f"sipmas-import-{token}", f"i{token}-"

    def moved(item: dict, user_key: str | None) -> dict:
        item = {**item, "vhost": vhost} if "vhost" in item else dict(item)
        if user_key:
            item[user_key] = prefix + item[user_key]
        return item

    copy = {
        **definitions,
        "users": [moved(user, "name") for user in definitions["users"]],
        "vhosts": [{"name": vhost}],
        "permissions": [moved(grant, "user") for grant in definitions["permissions"]],
        "topic_permissions": [moved(grant, "user") for grant in definitions["topic_permissions"]],
        "exchanges": [moved(exchange, None) for exchange in definitions["exchanges"]],
    }
    try:
        broker_api("POST", "/definitions", copy)
        connection = pika.BlockingConnection(
            pika.URLParameters(f"amqp://{prefix}opd-perkim:opd-perkim-dev@{HOST}/{vhost}")
        )
        channel = connection.channel()
        channel.exchange_declare(events.OPD_EXCHANGE, "topic", durable=True, passive=True)
        connection.close()
        topic = broker_api("GET", f"/users/{prefix}opd-perkim/topic-permissions")
        assert {t["exchange"] for t in topic} == {events.OPD_EXCHANGE, events.OPD_INBOUND_EXCHANGE}
    finally:
        broker_access.unload_definitions(definitions, vhost=vhost, user_prefix=prefix)
