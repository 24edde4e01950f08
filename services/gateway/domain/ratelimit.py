"""Requests per token: a token bucket per caller, refilled continuously.

Each token (a request without one: its client address) may make ``SIPMAS_GATEWAY_RATE_PER_MINUTE``
requests a minute (600 by default) with bursts up to that many; past it the answer is 429 with
``Retry-After``, in whole seconds, saying when the next request will pass. The buckets live in
the gateway process: with several replicas each allows its share (a shared store is the upgrade
when one caller must be held to one figure across replicas).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sipmas import settings

MAX_BUCKETS = 10_000  # above this, idle (full) buckets are forgotten


def per_minute() -> int:
    return int(settings.env("SIPMAS_GATEWAY_RATE_PER_MINUTE", "600"))


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """``take(key)`` → None when the request may pass, else the seconds to wait."""

    def __init__(self, rate_per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.capacity = float(max(rate_per_minute, 1))
        self.per_second = self.capacity / 60.0
        self.clock = clock
        self.buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> int | None:
        now = self.clock()
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= MAX_BUCKETS:
                self._forget_idle(now)
            bucket = self.buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.per_second)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / self.per_second))

    def _forget_idle(self, now: float) -> None:
        full = [
            key
            for key, bucket in self.buckets.items()
            if bucket.tokens + (now - bucket.at) * self.per_second >= self.capacity
        ]
        for key in full:
            del self.buckets[key]
