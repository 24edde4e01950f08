"""Moving a household's lifecycle (``domain/lifecycle.py``): by a person, or as another service's
event says (once per event: the inbox), kept on the timeline and told as
``household_status_changed``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry.domain import lifecycle
from services.registry.domain import scope as area
from services.registry.errors import NotFound
from services.registry.use_cases.households import _household
from sipmas import events, outbox
from sipmas.messaging import inbox


def move(
    session: Session,
    household_id: int,
    action: str,
    actor: str,
    reason: str | None = None,
    cause_event_id: str | None = None,
    welfare_class: str | None = None,
    scope: area.Scope | None = None,
) -> dict[str, Any]:
    """Apply a lifecycle action, keep it on the timeline, publish ``household_status_changed``.

    A verification verdict (``lifecycle.VERDICT_ACTIONS``) also keeps the welfare class it found
    (none for a rejected claim) on the household and on its timeline row: the class known at
    any moment is then the one of the latest verdict before it (``reports``)."""
    row = _household(session, household_id, scope, lock=True)
    target = lifecycle.next_status(row["status"], action)
    verdict = action in lifecycle.VERDICT_ACTIONS
    session.execute(
        sa.text(
            "UPDATE households SET status = :s, updated_at = now()"
            + (", welfare_class = :w, verified_at = now()" if verdict else "")
            + " WHERE id = :id"
        ),
        {"s": target, "w": welfare_class, "id": household_id},
    )
    session.execute(
        sa.text(
            "INSERT INTO status_transitions (household_id, from_status, to_status, action, "
            "reason, actor, cause_event_id, welfare_class) "
            "VALUES (:h, :f, :t, :a, :r, :actor, :c, :w)"
        ),
        {
            "h": household_id,
            "f": row["status"],
            "t": target,
            "a": action,
            "r": reason,
            "actor": actor,
            "c": cause_event_id,
            "w": welfare_class if verdict else None,
        },
    )
    outbox.add(
        session,
        events.envelope(
            "household_status_changed",
            {
                "household_id": household_id,
                "from_status": row["status"],
                "to_status": target,
                "action": action,
                "reason": reason,
                "actor": actor,
                "cause_event_id": cause_event_id,
            },
            correlation_id=row["correlation_id"],
        ),
    )
    return {"household_id": household_id, "from_status": row["status"], "to_status": target}


def apply_event(session: Session, consumer: str, event: dict[str, Any]) -> dict | None:
    """Move a household as another service's event says, once per event (inbox)."""
    if not inbox.first_delivery(session, consumer, event["event_id"]):
        return None
    return _apply(session, event)


def apply_events(session: Session, consumer: str, events: list[dict[str, Any]]) -> None:
    """:func:`apply_event` for events that arrived together, in one transaction: one inbox
    statement for all of them, then each first-seen event in household order (a stable sort:
    one household's events keep their order, and two batches lock households in the same
    order, so they cannot deadlock)."""
    fresh = inbox.first_deliveries(session, consumer, [e["event_id"] for e in events])
    for event in sorted(events, key=lambda e: e["data"]["household_id"]):
        if str(event["event_id"]) in fresh:
            fresh.discard(str(event["event_id"]))  # the same event twice in one batch: once
            _apply(session, event)


def _apply(session: Session, event: dict[str, Any]) -> dict | None:
    data = event["data"]
    row = session.execute(  # locked: two events of one household apply one after another
        sa.text("SELECT status, welfare_class FROM households WHERE id = :id FOR UPDATE"),
        {"id": data["household_id"]},
    ).first()
    if row is None:
        raise NotFound(data["household_id"])
    action = lifecycle.action_for_event(event["event_type"], data, row.status)
    if action is None:
        return None
    return move(
        session,
        data["household_id"],
        action,
        actor=event["producer"],
        reason=lifecycle.reason_for_event(event["event_type"], data, row.welfare_class),
        cause_event_id=str(event["event_id"]),
        welfare_class=data.get("welfare_class"),  # household_verified carries it
    )
