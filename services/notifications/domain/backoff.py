"""How long a delivery waits after a temporary failure: exponential, capped, with jitter so that
a gateway that was down for everyone is not hit by every retry at the same second."""

from __future__ import annotations

import random

from sipmas import settings


def delay(
    attempt: int,
    base: float | None = None,
    cap: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds before attempt ``attempt + 1``: half of ``base·2^(attempt-1)`` (capped) for sure,
    the other half at random ("equal jitter": never zero, never in lockstep)."""
    base = settings.notify_retry_base_seconds() if base is None else base
    cap = settings.notify_retry_max_seconds() if cap is None else cap
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
