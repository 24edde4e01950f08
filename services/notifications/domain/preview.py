"""``sipmas notifications preview EVENT_TYPE``: every template of an event rendered from a sample
event, to read the Indonesian before it reaches anyone. Samples are invented; no real person."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.notifications.domain import audiences, templates
from services.notifications.domain.audiences import Recipient, kind_of
from sipmas import events

SAMPLE_DATA: dict[str, dict[str, Any]] = {
    "verification_task_created": {
        "household_id": 1201, "task_id": 88, "reason": "registered",
        "desa_code": "64.08.04.2001", "kecamatan_code": "64.08.04", "assignee": "ani",
        "due_at": "2026-12-14T02:00:00+00:00",
    },
    "verification_flagged": {
        "household_id": 1201, "task_id": 88, "visit_id": 301, "verifier": "ani",
        "flags": ["visit_too_short", "photos_reused"],
        "desa_code": "64.08.04.2001", "kecamatan_code": "64.08.04",
    },
    "household_verified": {
        "household_id": 1201, "welfare_class": "sangat_miskin", "rule_set_version": "2026.1",
        "needs": [{"code": "rumah", "reasons": ["lantai_tanah"]}],
    },
    "referral_created": {
        "household_id": 1201, "case_id": 41, "referral_id": 77, "opd_code": "perkim",
        "need": "rumah", "programme": "rtlh", "rule_id": "rumah-perkim", "routing_version": 1,
    },
    "referral_escalated": {
        "household_id": 1201, "referral_id": 77, "case_id": 41, "opd_code": "perkim",
        "stage": "receive", "due_at": "2026-12-03T01:00:00+00:00",
        "escalated_to": ["perkim", "dinsos"],
    },
    "referral_status_changed": {
        "household_id": 1201, "referral_id": 77, "case_id": 41, "opd_code": "perkim",
        "from_status": "received", "to_status": "rejected", "actor": "perkim-system",
        "reason": "Lahan bukan milik sendiri",
    },
    "case_resolved": {
        "household_id": 1201, "case_id": 41, "outcomes": {"77": "completed", "78": "rejected"},
    },
}  # fmt: skip

SAMPLE_RECIPIENTS = {
    "agency": Recipient("agency", "perkim", "Dinas Perumahan dan Kawasan Permukiman"),
    "staff": Recipient("staff", "sri", "Sri Wahyuni"),
    "household": Recipient("household", "1201"),
}


def sample_event(event_type: str) -> dict[str, Any]:
    """A validated sample event of ``event_type``, as a consumer receives it."""
    if event_type == audiences.DIGEST:
        return sample_digest()
    body = events.envelope(event_type, SAMPLE_DATA[event_type], uuid.uuid4())
    return events.validate_event(body)


def sample_digest() -> dict[str, Any]:
    at = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
    referral = {"case_id": 41, "need": "rumah", "programme": "rtlh", "state": "sent"}
    return {
        "event_id": uuid.uuid4(),
        "event_type": audiences.DIGEST,
        "correlation_id": None,
        "data": {
            "opd_code": "perkim",
            "day": "2026-12-05",
            "open_count": 2,
            "overdue_count": 1,
            "referrals": [
                referral | {"referral_id": 77, "opened_at": (at - timedelta(days=9)).isoformat(),
                            "due_at": (at - timedelta(days=2)).isoformat(), "overdue": True},
                referral | {"referral_id": 79, "opened_at": (at - timedelta(days=1)).isoformat(),
                            "due_at": None, "overdue": False},
            ],
        },
    }  # fmt: skip


def recipient_kinds(event_type: str) -> list[str]:
    """The recipient kinds the rules name for ``event_type`` (the digest goes to agencies)."""
    if event_type == audiences.DIGEST:
        return ["agency"]
    return sorted({kind_of(rule.audience) for rule in audiences.RULES[event_type]})


def render_all(event_type: str) -> list[tuple[str, str, dict[str, str]]]:
    """(recipient kind, channel, parts) for every template of ``event_type``."""
    if event_type not in audiences.RULES and event_type != audiences.DIGEST:
        raise KeyError(event_type)
    event = sample_event(event_type)
    rendered = []
    for kind in recipient_kinds(event_type):
        recipient = SAMPLE_RECIPIENTS[kind]
        channels = _channels(event_type, kind)
        for channel in channels:
            if channel == "webhook":
                rendered.append((kind, channel, {"body": templates.webhook_body(event)}))
                continue
            context = (
                {"event": event, "data": event["data"], "recipient": recipient.card()}
                if event_type == audiences.DIGEST
                else templates.context(event, recipient.card())
            )
            rendered.append((kind, channel, templates.render(event_type, channel, context)))
    return rendered


def _channels(event_type: str, kind: str) -> list[str]:
    if event_type == audiences.DIGEST:
        return ["email"]
    names = []
    for rule in audiences.RULES[event_type]:
        if kind_of(rule.audience) == kind:
            names += [send.channel for send in rule.sends if send.channel not in names]
    return names


def text(event_type: str) -> str:
    """The preview as one readable text."""
    blocks = []
    for kind, channel, parts in render_all(event_type):
        blocks.append(f"===== {event_type} → {kind} · {channel} =====")
        blocks += [f"--- {name} ---\n{value}" for name, value in parts.items()]
    return "\n\n".join(blocks) + "\n"


def event_types() -> list[str]:
    """What can be previewed: every event the rules name, and the digest."""
    return [*audiences.event_types(), audiences.DIGEST]
