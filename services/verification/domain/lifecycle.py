"""The verification task: one state machine in one table, and the maker-checker rule.

open → assigned → visited → submitted → approved | returned | rejected; a returned task goes
back to the verifier (visited again, or resubmitted as it is). A task nobody has visited yet may
be cancelled or expire; an overdue assigned task is reassigned or escalated back to ``open`` for
a supervisor to place (``assignment.overdue_action``). Anything else is refused with a reason.
"""

from __future__ import annotations

from collections.abc import Sequence

# (state, action) → the state it reaches
TRANSITIONS: dict[tuple[str, str], str] = {
    ("open", "assign"): "assigned",
    ("assigned", "reassign"): "assigned",
    ("assigned", "start_visit"): "visited",
    ("returned", "start_visit"): "visited",
    ("visited", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "approve"): "approved",
    ("submitted", "return"): "returned",
    ("submitted", "reject"): "rejected",
    ("open", "cancel"): "cancelled",
    ("assigned", "cancel"): "cancelled",
    ("visited", "cancel"): "cancelled",
    ("returned", "cancel"): "cancelled",
    ("open", "expire"): "expired",
    ("assigned", "expire"): "expired",
    ("assigned", "escalate"): "open",  # unassigned, for a supervisor to place
}
STATES = (
    "open",
    "assigned",
    "visited",
    "submitted",
    "approved",
    "returned",
    "rejected",
    "cancelled",
    "expired",
)
TERMINAL = frozenset({"approved", "rejected", "cancelled", "expired"})
APPROVER_ROLES = frozenset({"supervisor", "admin"})

REFUSALS: dict[str, dict[str, str]] = {
    "not_supervisor": {
        "id": "Hanya supervisor atau admin yang boleh menyetujui verifikasi",
        "en": "Only a supervisor or an admin may approve a verification",
    },
    "own_visit": {
        "id": "Tidak boleh menyetujui kunjungan sendiri",
        "en": "Nobody may approve their own visit",
    },
    "flags_unreviewed": {
        "id": (
            "Kunjungan bertanda perlu kunjungan verifikator kedua "
            "atau pemeriksaan tanda oleh supervisor"
        ),
        "en": (
            "A flagged visit needs a second verifier's visit "
            "or the supervisor's explicit review of its flags"
        ),
    },
}


class IllegalTransition(ValueError):
    """An action the task's current state does not allow."""

    def __init__(self, state: str, action: str):
        super().__init__(state, action)
        self.state = state
        self.action = action

    def __str__(self) -> str:
        return (
            f"task action '{self.action}' is not allowed in state '{self.state}' / "
            f"tindakan '{self.action}' tidak boleh pada status tugas '{self.state}'"
        )


def next_state(state: str, action: str) -> str:
    """The state ``action`` leads to from ``state``; raises :class:`IllegalTransition`."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise IllegalTransition(state, action) from None


def allowed_actions(state: str) -> tuple[str, ...]:
    """The actions ``state`` allows, in table order (none for a terminal state)."""
    return tuple(action for (source, action) in TRANSITIONS if source == state)


def approval_refusal(
    *,
    approver: str,
    approver_role: str,
    visitor: str,
    flags: Sequence[str],
    flags_reviewed: bool,
    second_visit_by: str | None,
) -> str | None:
    """Why ``approver`` may not approve this visit (a ``REFUSALS`` code), or None.

    Maker-checker: the one who visits never decides; a flagged visit is approved only when a
    second, different verifier visited too or the supervisor says they reviewed the flags.
    """
    if approver_role not in APPROVER_ROLES:
        return "not_supervisor"
    if approver in (visitor, second_visit_by):
        return "own_visit"
    second_opinion = second_visit_by is not None and second_visit_by != visitor
    if flags and not (flags_reviewed or second_opinion):
        return "flags_unreviewed"
    return None
