"""Health, structured logs and metrics, the same for every service.

- :mod:`.health`: is a service well? (database, broker, alive, outbox lag, dead letters), for
  ``sipmas health SERVICE``, container probes and the gateway's ``/health``;
- :mod:`.logs`: one JSON object per log line, with the correlation id and NIKs masked;
- :mod:`.metrics`: Prometheus counters of events handled and failed, and gauges measured when
  scraped (outbox lag, dead letters, referrals overdue);
- :class:`Observe` (:mod:`.dependency`): the one line a service class needs::

      class ReferralService:
          name = "referral"
          observe = Observe()

``Observe`` is imported lazily: :mod:`sipmas.messaging` imports :mod:`.metrics`, and the
dependency imports the messaging kernel.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Observe"]


def __getattr__(name: str) -> Any:
    if name == "Observe":
        from sipmas.observability.dependency import Observe

        return Observe
    raise AttributeError(name)
