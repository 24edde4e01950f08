"""The transactional outbox: events written with the change that causes them, published later.

- :mod:`.writing`: :func:`add` — THE one way to emit an event, from a use case, in its
  transaction (and :func:`add_routed` for a partners' exchange);
- :mod:`.tables`: the ``outbox`` table, its NOTIFY trigger and their migration steps;
- :mod:`.relay`: publishes unpublished rows with confirms, marks them; ``sipmas relay SERVICE``;
- :mod:`.publisher`: the relay's publisher, with a window of unconfirmed messages;
- :mod:`.dependency`: :class:`Outbox`, the nameko dependency that runs a service's relay.

Consumers apply each event once with the inbox (:mod:`sipmas.messaging.inbox`).
"""

from sipmas.outbox.dependency import Outbox
from sipmas.outbox.relay import Relay, run_relay
from sipmas.outbox.writing import add, add_routed, flush

__all__ = ["Outbox", "Relay", "add", "add_routed", "flush", "run_relay"]
