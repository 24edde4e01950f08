"""Who visits which household, and what happens when a visit is late.

A task goes to a verifier who knows the place: one whose desa covers the household, else one of
its kecamatan; among them the one with the fewest open tasks, ties broken by id so the same loads
always give the same answer (and tests and replicas agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Verifier:
    id: str
    desa_codes: frozenset[str]
    kecamatan_codes: frozenset[str]
    open_tasks: int
    active: bool = True


def choose_verifier(
    desa_code: str | None,
    kecamatan_code: str | None,
    verifiers: Sequence[Verifier],
    exclude: frozenset[str] = frozenset(),
) -> str | None:
    """The least-loaded active verifier of the desa, else of the kecamatan; None if nobody
    covers the area (the task stays ``open`` for a supervisor)."""
    available = [v for v in verifiers if v.active and v.id not in exclude]
    tiers = (
        [v for v in available if desa_code is not None and desa_code in v.desa_codes],
        [
            v
            for v in available
            if kecamatan_code is not None and kecamatan_code in v.kecamatan_codes
        ],
    )
    for tier in tiers:
        if tier:
            return min(tier, key=lambda v: (v.open_tasks, v.id)).id
    return None


def overdue_action(
    *,
    state: str,
    due_at: datetime,
    now: datetime,
    reassignments: int,
    max_reassignments: int = 1,
) -> str | None:
    """What to do with a task past its due date.

    - ``assigned``: give it to another verifier (``reassign``) up to ``max_reassignments``
      times, then ``escalate``: back to ``open``, for a supervisor to place by hand.
    - ``open``: nobody covers the area or nobody took it; only a supervisor can help, so
      ``escalate`` (for an open task that is a notice: the state does not change).
    - other states: None. A visited or returned task is in the verifier's hands with a visit
      under way; a submitted one waits for a supervisor; terminal ones are done.
    """
    if now <= due_at:
        return None
    if state == "assigned":
        return "reassign" if reassignments < max_reassignments else "escalate"
    if state == "open":
        return "escalate"
    return None


def due_date(created_at: datetime, days: int) -> datetime:
    """When a task must be visited: ``days`` calendar days after it was created or placed."""
    if days < 1:
        raise ValueError(f"a task needs at least one day, not {days}")
    return created_at + timedelta(days=days)


def next_reverification(verified_at: datetime, cycle_days: int) -> datetime:
    """When a verified household is visited again (welfare changes; DTSEN is updated yearly)."""
    if cycle_days < 1:
        raise ValueError(f"a re-verification cycle needs at least one day, not {cycle_days}")
    return verified_at + timedelta(days=cycle_days)
