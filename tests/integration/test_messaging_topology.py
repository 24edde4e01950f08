"""``sipmas.topology``: declared before any consumer runs, and compatible with nameko's own."""

from __future__ import annotations

import time

from kombu import Connection, Queue
from nameko.standalone.events import get_event_exchange

from sipmas_cli import topology
from tests.integration import support_amqp as mq
from tests.support import broker


def test_declare_is_idempotent_and_names_queues_as_nameko_does(amqp_uri):
    first = topology.declare(amqp_uri)
    assert topology.declare(amqp_uri) == first
    assert first[1] == "evt-verification-household_verified--registry.on_household_verified"
    assert len(first) == len(topology.CONSUMERS)


def test_nameko_declares_the_same_entities_without_conflict(amqp_uri):
    """Built exactly as nameko's EventHandler.setup and EventDispatcher build them."""
    topology.declare(amqp_uri)
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        for producer, event_type, service, method in topology.CONSUMERS:
            exchange = get_event_exchange(producer, {})
            exchange(channel).declare()
            queue = Queue(
                topology.consumer_queue(producer, event_type, service, method),
                exchange=exchange,
                routing_key=event_type,
                durable=True,
                auto_delete=False,
                exclusive=False,
            )
            queue(channel).declare()  # PRECONDITION_FAILED here if any flag differed


def test_flags_of_the_declared_entities(amqp_uri, amqp_vhost):
    [queue] = topology.declare(amqp_uri, [("referral", "case_resolved", "registry", "probe")])
    exchange = broker.api("GET", f"/exchanges/{broker.quote(amqp_vhost)}/referral.events")
    assert (exchange["type"], exchange["durable"], exchange["auto_delete"]) == (
        "topic",
        True,
        False,
    )
    main = broker.queue(amqp_vhost, queue)
    assert (main["durable"], main["auto_delete"], main["exclusive"]) == (True, False, False)
    assert main["arguments"] == {}
    retry = broker.queue(amqp_vhost, topology.retry_queue(queue))
    assert retry["durable"] is True
    assert retry["arguments"] == {
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue,
    }
    assert broker.queue(amqp_vhost, topology.dead_queue(queue))["durable"] is True


def test_an_event_published_before_its_consumer_ever_ran_is_kept(amqp_uri):
    [queue] = topology.declare(amqp_uri, [("referral", "case_opened", "registry", "kept")])
    mq.publish(amqp_uri, "referral.events", "case_opened", {"any": "event"}, "e-1")
    assert mq.depth(amqp_uri, queue) == (1, 0)
    assert len(mq.fetch_all(amqp_uri, queue, expect=1)) == 1


def test_a_message_in_the_retry_queue_expires_back_into_its_queue(amqp_uri):
    [queue] = topology.declare(amqp_uri, [("referral", "case_opened", "registry", "retry")])
    started = time.monotonic()
    mq.publish(amqp_uri, "", topology.retry_queue(queue), {"any": "event"}, "e-2", expiration="200")
    assert mq.depth(amqp_uri, queue)[0] == 0
    mq.wait_for(lambda: mq.depth(amqp_uri, queue)[0] == 1, timeout=5)
    assert 0.2 <= time.monotonic() - started < 3
    assert mq.depth(amqp_uri, topology.retry_queue(queue))[0] == 0
