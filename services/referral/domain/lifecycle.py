"""The referral state machine: one table, and the rules for an agency's status updates.

created → sent → received → in_progress → completed → closed. An agency may start work without
acknowledging first (sent → in_progress) and complete without reporting progress (received →
completed); it may reject a referral it holds (sent, received, in_progress), with a reason. A
rejected referral is rerouted (its successor, a new referral to the next agency, carries the need
on) or closed when no agency is left. Dinsos may cancel anything not final. Completing needs
evidence (a report or handover number, a document's SHA-256), rejecting needs a reason: those are
what a supervisor and the household can hold the agency to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sipmas.events import REFERRAL_STATES

STATES = REFERRAL_STATES
# (state, action) → the state it reaches
TRANSITIONS: dict[tuple[str, str], str] = {
    ("created", "send"): "sent",
    ("sent", "receive"): "received",
    ("sent", "start"): "in_progress",
    ("received", "start"): "in_progress",
    ("received", "complete"): "completed",
    ("in_progress", "complete"): "completed",
    ("sent", "reject"): "rejected",
    ("received", "reject"): "rejected",
    ("in_progress", "reject"): "rejected",
    ("completed", "close"): "closed",
    ("rejected", "close"): "closed",
    ("rejected", "reroute"): "rerouted",
    ("created", "cancel"): "cancelled",
    ("sent", "cancel"): "cancelled",
    ("received", "cancel"): "cancelled",
    ("in_progress", "cancel"): "cancelled",
    ("completed", "cancel"): "cancelled",
    ("rejected", "cancel"): "cancelled",
}
FINAL = frozenset({"closed", "rerouted", "cancelled"})
# What an action cannot do without: the update field that must be filled in.
REQUIRED: dict[str, str] = {"complete": "evidence_ref", "reject": "reason"}

# An agency's status (``sipmas.events.OPD_STATUSES``) → the action it asks for.
AGENCY_ACTIONS: dict[str, str] = {
    "accepted": "receive",
    "in_progress": "start",
    "completed": "complete",
    "rejected": "reject",
}
# Statuses that only report progress: repeating one changes nothing and is ignored. A repeated
# completion or rejection is refused instead: its evidence or reason would be silently dropped.
PROGRESS_STATUSES = frozenset({"accepted", "in_progress"})
NO_CHANGE = "no_change"

REFUSALS: dict[str, dict[str, str]] = {
    "unknown_referral": {
        "id": "Rujukan tidak ditemukan",
        "en": "No such referral",
    },
    "not_your_referral": {
        "id": "Rujukan ini ditujukan kepada OPD lain",
        "en": "This referral belongs to another agency",
    },
    "illegal_transition": {
        "id": "Status ini tidak dapat diterapkan pada status rujukan saat ini",
        "en": "This status cannot follow the referral's current state",
    },
    "evidence_required": {
        "id": "Status selesai wajib disertai bukti (evidence_ref)",
        "en": "A completed status needs evidence (evidence_ref)",
    },
    "reason_required": {
        "id": "Penolakan wajib disertai alasan (reason)",
        "en": "A rejection needs a reason",
    },
    "invalid": {
        "id": "Pesan tidak sesuai format yang disepakati",
        "en": "The message does not follow the agreed format",
    },
    "sender_mismatch": {
        "id": "Pengirim pesan bukan pengguna OPD yang dituju routing key",
        "en": "The sender (AMQP user_id) is not the agency named by the routing key",
    },
}


class IllegalTransition(ValueError):
    """An action the referral's current state does not allow."""

    def __init__(self, state: str, action: str):
        super().__init__(state, action)
        self.state = state
        self.action = action

    def __str__(self) -> str:
        return (
            f"referral action '{self.action}' is not allowed in state '{self.state}' / "
            f"tindakan '{self.action}' tidak boleh pada status rujukan '{self.state}'"
        )


def next_state(state: str, action: str) -> str:
    """The state ``action`` leads to from ``state``; raises :class:`IllegalTransition`."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise IllegalTransition(state, action) from None


def allowed_actions(state: str) -> tuple[str, ...]:
    """The actions ``state`` allows, in table order (none for a final state)."""
    return tuple(action for (source, action) in TRANSITIONS if source == state)


def update_refusal(current_state: str, update: Mapping) -> tuple[str, dict] | None:
    """Why an agency's update may not be applied — ``(code, field_errors)`` with a ``REFUSALS``
    code — or None when it may. ``("no_change", {})`` marks a repeated progress status (say
    ``in_progress`` twice, as an agency's system resends): the adapter records and ignores it."""
    status = update.get("status")
    action = AGENCY_ACTIONS.get(status) if isinstance(status, str) else None
    if action is None:
        return "invalid", {"status": [f"must be one of {', '.join(AGENCY_ACTIONS)}"]}
    if status in PROGRESS_STATUSES and current_state == target_of(action):
        return NO_CHANGE, {}
    if (current_state, action) not in TRANSITIONS:
        return "illegal_transition", {
            "status": [f"'{status}' cannot follow state '{current_state}'"]
        }
    missing = missing_field(action, update)
    if missing is not None:
        code = "evidence_required" if missing == "evidence_ref" else "reason_required"
        return code, {missing: [f"required when status is '{status}'"]}
    return None


def target_of(action: str) -> str:
    """The state ``action`` reaches: the same from every state that allows it."""
    return next(target for (_, a), target in TRANSITIONS.items() if a == action)


def missing_field(action: str, update: Mapping) -> str | None:
    """The field ``action`` needs that the update leaves blank, if any."""
    needed = REQUIRED.get(action)
    if needed is None:
        return None
    value = update.get(needed)
    return needed if not (isinstance(value, str) and value.strip()) else None


def case_settled(states: Iterable[str]) -> bool:
    """Every referral of the case is final, and it has at least one: the case can be resolved."""
    states = list(states)
    return bool(states) and all(state in FINAL for state in states)
