"""Service-level targets of a referral and who hears when one is missed.

Both targets count calendar days from the moment the referral was sent (the routing rule's
``receive_days`` and ``complete_days``): the household waits the same whether the agency
acknowledged late or early, and Indonesian working-day calendars differ by agency and year.
A target is missed strictly after its moment: a referral received at ``receive_by`` is on time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

STAGES = ("receive", "complete")
SUPERVISOR = "dinsos"  # Dinsos owns SIPMAS and answers for every referral
TKPKD_SECRETARIAT = "bappeda"  # who supervises Dinsos's own referrals
AWAITING_RECEIPT = frozenset({"created", "sent"})
# Where the agency still owes the work. ``completed`` and ``rejected`` wait only on Dinsos's own
# next move (close, reroute), which follows at once: no agency is late there.
AWAITING_COMPLETION = AWAITING_RECEIPT | {"received", "in_progress"}


class Targets(Protocol):
    """A routing :class:`~services.referral.domain.routing.Route` or
    :class:`~services.referral.domain.routing.Rule`."""

    receive_days: int
    complete_days: int


def due_dates(sent_at: datetime, route_or_rule: Targets) -> tuple[datetime, datetime]:
    """(receive_by, complete_by) of a referral sent at ``sent_at``."""
    return (
        sent_at + timedelta(days=route_or_rule.receive_days),
        sent_at + timedelta(days=route_or_rule.complete_days),
    )


def overdue_stage(
    *, state: str, receive_by: datetime, complete_by: datetime, now: datetime
) -> str | None:
    """The most serious target missed: ``"complete"`` once the work is late (even if never
    received — escalation is once per stage, so the later stage must not hide behind the
    earlier), ``"receive"`` when only the acknowledgement is; None when nothing is late."""
    if state in AWAITING_COMPLETION and now > complete_by:
        return "complete"
    if state in AWAITING_RECEIPT and now > receive_by:
        return "receive"
    return None


def escalation_recipients(opd_code: str, stage: str) -> tuple[str, ...]:
    """The late agency and its supervisor: Dinsos for every agency; for Dinsos's own referrals
    Bappeda, the secretariat of the district poverty team (TKPKD), so nobody supervises itself.
    Both stages reach the same people; the stage says how late."""
    if stage not in STAGES:
        raise ValueError(f"unknown escalation stage {stage!r} / tahap eskalasi tidak dikenal")
    supervisor = TKPKD_SECRETARIAT if opd_code == SUPERVISOR else SUPERVISOR
    return (opd_code, supervisor)


def is_overdue(state: str, receive_by: datetime, complete_by: datetime, now: datetime) -> bool:
    """Past a target it still waits for: what the inbox marks, the gauge counts, escalation
    answers (:func:`overdue_stage`)."""
    return (
        overdue_stage(state=state, receive_by=receive_by, complete_by=complete_by, now=now)
        is not None
    )


# An agency's inbox, by tab: the states each shows (``overdue``: any live one past a target).
INBOX_TABS: dict[str, frozenset[str]] = {
    "new": AWAITING_RECEIPT,
    "accepted": frozenset({"received"}),
    "in_progress": frozenset({"in_progress"}),
    "overdue": AWAITING_COMPLETION,
    "closed": frozenset({"completed", "closed", "rejected", "rerouted", "cancelled"}),
}
