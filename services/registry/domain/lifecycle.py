"""The household's lifecycle: one explicit state machine, owned by the registry.

registered → awaiting_verification → verified_eligible | not_eligible → referred →
in_intervention → (case resolved: awaiting re-verification) → graduated, or closed; with
re-verification from any settled state. A household classed not poor is referred too when
verification raised a need whatever its welfare (a PMKS condition, missing documents): it is then
in care for those needs while classed not poor (:func:`in_care_while_not_poor`). Other services
move it by events (``action_for_event``); operators by the actions in ``OPERATOR_ACTIONS``.
Anything else is refused with a reason.
"""

from __future__ import annotations

from typing import Any

from sipmas.events import LIFECYCLE_STATUSES

ALL = frozenset(LIFECYCLE_STATUSES)

# action: (the statuses it may leave, the status it reaches)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "request_verification": (
        frozenset(
            {
                "registered",
                "verified_eligible",
                "not_eligible",
                "referred",
                "in_intervention",
                "graduated",
            }
        ),
        "awaiting_verification",
    ),
    "verify_eligible": (frozenset({"registered", "awaiting_verification"}), "verified_eligible"),
    "verify_not_eligible": (frozenset({"registered", "awaiting_verification"}), "not_eligible"),
    "graduate": (
        frozenset({"awaiting_verification", "verified_eligible", "referred", "in_intervention"}),
        "graduated",
    ),
    # a household classed not poor (or graduated) is referred too, for the needs verification
    # raises whatever its welfare (a PMKS condition, missing documents): ``in_care_while_not_poor``
    "refer": (frozenset({"verified_eligible", "not_eligible", "graduated"}), "referred"),
    "start_intervention": (frozenset({"referred"}), "in_intervention"),
    "resolve_case": (frozenset({"referred", "in_intervention"}), "awaiting_verification"),
    "close": (ALL - {"closed"}, "closed"),
    "reopen": (frozenset({"closed", "not_eligible", "graduated"}), "registered"),
}

# What a person may do by hand (with a reason); the rest follows from other services' events.
OPERATOR_ACTIONS = frozenset({"request_verification", "close", "reopen"})
# The actions only a verification verdict causes: each one records the welfare class found.
VERDICT_ACTIONS = frozenset({"verify_eligible", "verify_not_eligible", "graduate"})
REFERRAL_STARTED = frozenset({"received", "in_progress"})


class IllegalTransition(Exception):
    """An action the household's current status does not allow."""

    def __init__(self, status: str, action: str):
        super().__init__(status, action)
        self.status = status
        self.action = action

    def __str__(self) -> str:
        return (
            f"'{self.action}' is not allowed from status '{self.status}' / "
            f"'{self.action}' tidak boleh dari status '{self.status}'"
        )


def next_status(current: str, action: str) -> str:
    """The status ``action`` leads to from ``current``; raises :class:`IllegalTransition`."""
    if action not in TRANSITIONS:
        raise IllegalTransition(current, action)
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise IllegalTransition(current, action)
    return target


IN_CARE = frozenset({"referred", "in_intervention"})
NOT_POOR = "tidak_miskin"


def in_care_while_not_poor(status: str, welfare_class: str | None) -> bool:
    """Referred to agencies for needs raised whatever the welfare, while classed not poor."""
    return status in IN_CARE and welfare_class == NOT_POOR


def reason_for_event(event_type: str, data: dict[str, Any], welfare_class: str | None) -> str:
    """What the timeline says of a move an event caused: the event's type, and for a case opened
    for a household classed not poor, the needs it is in care for while so classed."""
    if event_type == "case_opened" and welfare_class == NOT_POOR:
        needs = ", ".join(data.get("needs") or ())
        return f"case_opened: in care for {needs} while classed {NOT_POOR}"
    return event_type


def action_for_event(event_type: str, data: dict[str, Any], current: str) -> str | None:
    """The lifecycle action an event of another service means, or None when it means nothing
    for a household in ``current`` (e.g. a second task for a household already awaiting one)."""
    if event_type == "verification_task_created":
        return None if current == "awaiting_verification" else "request_verification"
    if event_type == "household_verified":
        if data["welfare_class"] != "tidak_miskin":
            return "verify_eligible"
        was_helped = data.get("graduated") or current in {"referred", "in_intervention"}
        return "graduate" if was_helped or current == "verified_eligible" else "verify_not_eligible"
    if event_type == "household_rejected":
        return "verify_not_eligible"
    if event_type == "case_opened":
        return "refer"
    if event_type == "referral_status_changed":
        started = data["to_status"] in REFERRAL_STARTED and current == "referred"
        return "start_intervention" if started else None
    if event_type == "case_resolved":
        return "resolve_case"
    return None
