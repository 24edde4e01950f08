"""Per-channel rate limits: how many more messages a channel may send in this minute.

Counted from the delivery log (attempts in the last 60 s), so several replicas of the service
share one budget instead of each sending its own full rate.
"""

from __future__ import annotations

WINDOW_SECONDS = 60


def allowance(limit_per_minute: int, sent_last_minute: int) -> int:
    """What is left of the minute's budget (never negative; a limit of 0 stops the channel)."""
    return max(0, limit_per_minute - sent_last_minute)
