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


# --- a visit that arrives after the task moved on (the field app's offline days) -------------

ON_TIME, SECOND, NOT_YOURS = "on_time", "second", "not_yours"
VISITING_STATES = frozenset({"assigned", "visited", "returned"})

# why a visit is kept as late: the phone was offline while the task moved on without it
LATE_REASONS: dict[str, dict[str, str]] = {
    "reassigned": {
        "id": "Tugas sudah dialihkan ke verifikator lain sebelum kunjungan ini terkirim",
        "en": "The task was given to another verifier before this visit arrived",
    },
    "cancelled": {
        "id": "Tugas sudah dibatalkan sebelum kunjungan ini terkirim",
        "en": "The task was cancelled before this visit arrived",
    },
    "expired": {
        "id": "Tugas sudah kedaluwarsa sebelum kunjungan ini terkirim",
        "en": "The task expired before this visit arrived",
    },
    "decided": {
        "id": "Tugas sudah diputuskan supervisor sebelum kunjungan ini terkirim",
        "en": "The task was decided before this visit arrived",
    },
    "already_submitted": {
        "id": "Kunjungan lain untuk tugas ini sudah terkirim lebih dulu",
        "en": "Another visit of this task arrived first",
    },
}


def visit_standing(
    *,
    state: str,
    assignee: str | None,
    second_assignee: str | None,
    verifier: str,
    ever_assigned: bool,
) -> str:
    """How a verifier's visit stands against the task as the server has it now.

    ``on_time`` (it moves the task), ``second`` (a second verifier's visit of a submitted task),
    a ``LATE_REASONS`` code (kept for the supervisor beside the other, the task does not move:
    the phone was offline while the task was reassigned, cancelled or decided), or ``not_yours``
    for a verifier who never held the task (refused: nobody sends visits for others' tasks).
    """
    if state == "submitted" and second_assignee == verifier:
        return SECOND
    if assignee == verifier and state in VISITING_STATES:
        return ON_TIME
    if not ever_assigned:
        return NOT_YOURS
    if state in ("cancelled", "expired"):
        return state
    if state in ("approved", "rejected"):
        return "decided"
    if assignee != verifier:
        return "reassigned"
    return "already_submitted"
