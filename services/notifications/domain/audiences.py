"""Who hears of what, and how: ONE table from event types to audiences and channels.

An audience is resolved to people and systems from the notifications' own contacts
(``recipients.py``); this module only decides. A channel marked required must reach its recipient:
with no address for it the delivery is dead-lettered and reported (someone fixes the contact and
resends). An optional channel without an address (an agency with no system of its own, a verifier
without a phone) is recorded as skipped. A household is only ever sent an SMS, and only with its
consent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Audiences (resolved in ``recipients.py``)
ASSIGNEE = "assignee"  # the verifier a task is assigned to
AREA_SUPERVISORS = "area_supervisors"  # supervisors of the desa/kecamatan (else district-wide)
AGENCY = "agency"  # the referral's agency: its contact (email) and its system (webhook)
DINSOS_SUPERVISORS = "dinsos_supervisors"  # district-wide supervisors of Dinsos
HOUSEHOLD = "household"  # the household itself: SMS, only with its consent

Condition = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Send:
    channel: str  # email | sms | webhook
    required: bool = True


@dataclass(frozen=True)
class Rule:
    audience: str
    sends: tuple[Send, ...]
    when: Condition | None = None  # on the event's data; None: always
    why: str = ""

    def applies(self, data: Mapping[str, Any]) -> bool:
        return self.when is None or bool(self.when(data))


def _assigned(data: Mapping[str, Any]) -> bool:
    return bool(data.get("assignee"))


def _rejected(data: Mapping[str, Any]) -> bool:
    return data.get("to_status") == "rejected"


EMAIL = Send("email")
EMAIL_OPTIONAL = Send("email", required=False)
SMS_OPTIONAL = Send("sms", required=False)
WEBHOOK_OPTIONAL = Send("webhook", required=False)

RULES: dict[str, tuple[Rule, ...]] = {
    "verification_task_created": (
        Rule(ASSIGNEE, (SMS_OPTIONAL, EMAIL), _assigned, "a verifier hears of a new visit"),
    ),
    "verification_flagged": (
        Rule(AREA_SUPERVISORS, (EMAIL,), None, "a doubted visit needs a supervisor"),
    ),
    "household_verified": (
        Rule(HOUSEHOLD, (SMS_OPTIONAL,), None, "the household learns its data was checked"),
    ),
    "referral_created": (
        Rule(AGENCY, (EMAIL, WEBHOOK_OPTIONAL), None, "the agency receives its referral"),
    ),
    "referral_escalated": (
        Rule(AGENCY, (EMAIL, WEBHOOK_OPTIONAL), None, "the agency is reminded it is late"),
        Rule(DINSOS_SUPERVISORS, (EMAIL,), None, "Dinsos follows up a late agency"),
    ),
    "referral_status_changed": (
        Rule(DINSOS_SUPERVISORS, (EMAIL,), _rejected, "Dinsos looks at a refused referral"),
    ),
    "case_resolved": (
        Rule(HOUSEHOLD, (SMS_OPTIONAL,), None, "the household learns its case is closed"),
        Rule(DINSOS_SUPERVISORS, (EMAIL,), None, "Dinsos sees the case closed"),
    ),
}

DIGEST = "agency_digest"  # not an event: the daily summary to each agency (``digest.py``)


def applicable(event_type: str, data: Mapping[str, Any]) -> list[Rule]:
    """The rules of ``event_type`` whose condition holds for this event's data."""
    return [rule for rule in RULES.get(event_type, ()) if rule.applies(data)]


def event_types() -> list[str]:
    """Every event type the table names (the service consumes exactly these)."""
    return sorted(RULES)


# --- who the audiences are, once resolved (``use_cases/recipients.py``) ---------------------


@dataclass(frozen=True)
class Recipient:
    kind: str  # agency | staff | household
    id: str
    name: str | None = None
    addresses: Mapping[str, str | None] = field(default_factory=dict)  # channel -> address
    blocked: str | None = None  # why nothing may go to them (no_consent, no_contact)

    def card(self) -> dict[str, Any]:
        """What a template may know of its recipient."""
        return {"kind": self.kind, "id": self.id, "name": self.name}


def kind_of(audience: str) -> str:
    return {AGENCY: "agency", HOUSEHOLD: "household"}.get(audience, "staff")
