"""The outbox's and consumers' pure rules: confirm bookkeeping, backoff, what errors may say."""

from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError

from sipmas import events
from sipmas.messaging.connection import Cork
from sipmas.messaging.consumer import Consumes, retry_delay_ms
from sipmas.messaging.headers import (
    ATTEMPTS,
    ERROR_MESSAGE,
    ERROR_TYPE,
    carried_headers,
    error_headers,
)
from sipmas.messaging.scrub import MAX_ERROR_MESSAGE, scrub
from sipmas.outbox import writing
from sipmas.outbox.publisher import ConfirmWindow
from sipmas.outbox.relay import MAX_BACKOFF, backoff, describe
from sipmas_cli import topology


def test_a_multiple_ack_settles_every_tag_up_to_it_and_no_further():
    window = ConfirmWindow()
    for row_id in (10, 11, 12, 13, 14):
        window.sent(row_id)  # tags 1..5
    acked: list[int] = []
    window.settle(3, multiple=True, into=acked)
    assert acked == [10, 11, 12]
    window.settle(5, multiple=False, into=acked)
    assert acked == [10, 11, 12, 14]
    assert len(window) == 1
    window.settle(5, multiple=True, into=acked)
    assert acked == [10, 11, 12, 14, 13]
    assert len(window) == 0


def test_an_ack_for_an_unknown_tag_changes_nothing():
    window = ConfirmWindow()
    window.sent(1)
    acked: list[int] = []
    window.settle(7, multiple=False, into=acked)
    assert acked == []
    assert len(window) == 1


def test_relay_backoff_doubles_and_is_capped():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert backoff(50) == MAX_BACKOFF


def test_describe_keeps_an_error_short_and_on_one_line():
    error = RuntimeError("(psycopg2.OperationalError) server closed\n[SQL: UPDATE outbox ...]")
    assert describe(error) == "RuntimeError: (psycopg2.OperationalError) server closed"
    assert len(describe(RuntimeError("x" * 1000))) < 230


def test_an_outbox_row_goes_to_the_producers_exchange_under_the_event_type():
    envelope = events.envelope("case_opened", {"household_id": 1, "case_id": 2})
    row = writing._row(envelope)
    assert row["exchange"] == "referral.events"
    assert row["routing_key"] == "case_opened"
    assert row["event_id"] == envelope["event_id"]
    assert json.loads(row["body"]) == envelope


def test_scrub_masks_nik_shaped_numbers_only():
    text = "NIK 6408041205900003 of household 12345678901234567 (kk 640804120590000)"
    assert scrub(text) == (
        "NIK 6408********0003 of household 12345678901234567 (kk 640804120590000)"
    )


def test_scrub_leaves_hex_ids_whole():
    request_id = "8381c0e9d4141234567890123a8c4318"  # sixteen digits inside a hex id
    assert scrub(f"request {request_id} nik={6408041205900003}") == (
        f"request {request_id} nik=6408********0003"
    )


def test_error_headers_carry_class_and_scrubbed_bounded_message():
    headers = error_headers(ValueError("NIK 6408041205900003 " + "x" * 2000))
    assert headers[ERROR_TYPE] == "builtins.ValueError"
    assert headers[ERROR_MESSAGE].startswith("NIK 6408********0003 ")
    assert len(headers[ERROR_MESSAGE]) == MAX_ERROR_MESSAGE


def test_error_headers_of_a_validation_error_name_the_fields():
    with pytest.raises(ValidationError) as caught:
        events.validate_event({"event_type": "case_opened"})
    message = error_headers(caught.value)[ERROR_MESSAGE]
    assert "event_id" in json.loads(message)


def test_retry_delays_grow_exponentially_up_to_the_cap(monkeypatch):
    monkeypatch.setenv("SIPMAS_CONSUMER_RETRY_BASE_MS", "100")
    monkeypatch.setenv("SIPMAS_CONSUMER_RETRY_MAX_MS", "500")
    assert [retry_delay_ms(n) for n in (1, 2, 3, 4, 5)] == [100, 200, 400, 500, 500]


def test_carried_headers_drop_the_brokers_dead_lettering_history():
    headers = {
        "event_type": "case_opened",
        "x-death": [{"count": 1}],
        "x-first-death-queue": "q",
        "x-last-death-reason": "expired",
        ATTEMPTS: 2,
    }
    assert carried_headers(headers) == {
        "event_type": "case_opened",
        ATTEMPTS: 2,
    }


def test_queue_names_follow_nameko_and_sit_side_by_side():
    queue = topology.consumer_queue("referral", "case_opened", "registry", "on_case_opened")
    assert queue == "evt-referral-case_opened--registry.on_case_opened"
    assert topology.retry_queue(queue) == f"{queue}.retry"
    assert topology.dead_queue(queue) == f"{queue}.dead"


def test_every_registered_consumer_consumes_a_known_event_of_its_producer():
    for producer, event_type, _service, method in topology.CONSUMERS:
        assert events.SCHEMAS[event_type][0] == producer
        assert method == f"on_{event_type}"


def test_consumes_fixes_the_delivery_guarantees():
    with pytest.raises(TypeError):
        Consumes("verification", "household_verified", requeue_on_error=True)
    handler = Consumes("verification", "household_verified")
    assert handler.reliable_delivery is True
    assert handler.requeue_on_error is False


class Wire:
    """A transport that records each write (the socket's side of a Cork)."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data) -> None:
        self.writes.append(bytes(data))


def test_a_cork_sends_gathered_frames_in_one_write_and_copies_them():
    wire = Wire()
    cork = Cork(wire)
    frame = bytearray(b"frame-1")
    with cork.corked_writes():
        cork.write(memoryview(frame))
        frame[:] = b"frame-2"  # py-amqp reuses its buffer for the next frame
        cork.write(memoryview(frame))
        assert wire.writes == []
    assert wire.writes == [b"frame-1frame-2"]
    cork.write(b"uncorked")
    assert wire.writes[-1] == b"uncorked"


def test_a_full_cork_flushes_before_the_end():
    wire = Wire()
    cork = Cork(wire)
    with cork.corked_writes():
        for _ in range(3):
            cork.write(b"x" * (Cork.LIMIT // 2))
        assert len(wire.writes) == 1
    assert sum(len(w) for w in wire.writes) == 3 * (Cork.LIMIT // 2)
