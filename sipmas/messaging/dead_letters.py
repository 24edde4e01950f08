"""Operating dead letters: read what failed and why, and replay it once the cause is fixed."""

from __future__ import annotations

import json
import logging
from contextlib import suppress
from typing import Any

import amqp

from sipmas.messaging.connection import connection
from sipmas.messaging.headers import (
    ATTEMPTS,
    CONSUMER,
    ERROR_MESSAGE,
    ERROR_TYPE,
    FAILED_AT,
    FAILURE_HEADERS,
    ORIGINAL_ROUTING_KEY,
    QUEUE,
    carried_headers,
)
from sipmas.messaging.publisher import CONFIRM_TIMEOUT, Unroutable
from sipmas.messaging.topology import dead_queue

log = logging.getLogger("sipmas.messaging")  # one logger for the messaging kernel


def _consumer_queue(queue: str) -> str:
    suffix = ".dead"
    return queue[: -len(suffix)] if queue.endswith(suffix) else queue


def describe_dead_letter(message: amqp.Message) -> dict[str, Any]:
    """A dead letter as an operator reads it: what failed, where, how often, and the event."""
    headers = dict(message.headers or {})
    body = message.body.decode() if isinstance(message.body, bytes) else message.body
    with suppress(ValueError):  # else keep the text: an invalid body is what the operator needs
        body = json.loads(body)
    return {
        "event_id": message.properties.get("message_id"),
        "event_type": headers.get("event_type") or headers.get(ORIGINAL_ROUTING_KEY),
        "consumer": headers.get(CONSUMER),
        "queue": headers.get(QUEUE),
        "attempts": headers.get(ATTEMPTS),
        "error_type": headers.get(ERROR_TYPE),
        "error_message": headers.get(ERROR_MESSAGE),
        "failed_at": headers.get(FAILED_AT),
        "headers": headers,
        "body": body,
    }


def dead_letters(amqp_uri: str | None, queue: str, limit: int = 10_000) -> list[dict[str, Any]]:
    """Read (without removing) the dead letters of consumer queue ``queue`` (or ``<queue>.dead``).

    Messages are fetched unacked and return to the queue, in order, when the channel closes.
    """
    found: list[dict[str, Any]] = []
    with connection(amqp_uri) as conn:
        channel = conn.channel()
        while len(found) < limit:
            message = channel.basic_get(dead_queue(_consumer_queue(queue)))
            if message is None:
                break
            found.append(describe_dead_letter(message))
        channel.close()
    return found


def replay_dead_letters(amqp_uri: str | None, queue: str) -> int:
    """Move the dead letters of ``queue`` back into it with the attempt count reset.

    Each letter leaves the dead-letter queue only once its copy is confirmed in ``queue``; only
    the letters present when called are moved, so one that fails again cannot loop here.
    """
    target = _consumer_queue(queue)
    dead = dead_queue(target)
    moved = 0
    with connection(amqp_uri) as conn:
        channel = conn.channel()
        returned: list[str] = []
        channel.events["basic_return"].add(lambda exc, ex, key, msg: returned.append(key))
        _, waiting, _ = channel.queue_declare(dead, passive=True)
        while moved < waiting:
            message = channel.basic_get(dead)
            if message is None:
                break
            channel.basic_publish_confirm(
                _for_replay(message),
                exchange="",
                routing_key=target,
                mandatory=True,
                confirm_timeout=CONFIRM_TIMEOUT,
            )
            if returned:
                raise Unroutable(target)  # the letter stays (unacked, so requeued) in .dead
            channel.basic_ack(message.delivery_tag)
            moved += 1
    log.info("replayed %d dead letters into %s", moved, target)
    return moved


def _for_replay(message: amqp.Message) -> amqp.Message:
    carried = carried_headers(message.headers).items()
    headers = {key: value for key, value in carried if key not in FAILURE_HEADERS}
    properties = {
        key: message.properties[key]
        for key in ("content_type", "content_encoding", "message_id")
        if message.properties.get(key)
    }
    return amqp.Message(message.body, delivery_mode=2, application_headers=headers, **properties)
