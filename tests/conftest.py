"""Fixtures over the real PostgreSQL and RabbitMQ.

Every test session gets its own RabbitMQ vhost and its own ``sipmas_test_<service>`` databases,
so a run never touches the databases ``make run`` uses.
"""

from __future__ import annotations

import os
import uuid

import pytest

os.environ.setdefault(
    "SIPMAS_DATABASE_URL_TEMPLATE", "postgresql://postgres@127.0.0.1:5432/sipmas_test_{service}"
)
os.environ.setdefault("SIPMAS_OUTBOX_POLL_SECONDS", "0.1")
os.environ.setdefault("SIPMAS_METRICS_PORT", "0")  # services under test serve no metrics port

from tests.support import broker  # noqa: E402


@pytest.fixture(scope="session")
def amqp_uri() -> str:
    """A fresh vhost on the real broker, set as ``AMQP_URI`` for this process and its children."""
    vhost = f"sipmas-test-{uuid.uuid4().hex[:8]}"
    broker.create_vhost(vhost)
    previous = os.environ.get("AMQP_URI")
    uri = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    os.environ["AMQP_URI"] = uri
    yield uri
    if previous is None:
        os.environ.pop("AMQP_URI", None)
    else:
        os.environ["AMQP_URI"] = previous
    broker.delete_vhost(vhost)


@pytest.fixture(scope="session")
def amqp_vhost(amqp_uri: str) -> str:
    return amqp_uri.rsplit("/", 1)[1]
