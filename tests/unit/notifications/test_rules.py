"""The rules table, as a table of cases: who hears of what, by which channels."""

from __future__ import annotations

import pytest

from services.notifications.domain import audiences, templates
from sipmas import events
from sipmas_cli import topology


def _who(event_type: str, **data) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (rule.audience, tuple(s.channel for s in rule.sends))
        for rule in audiences.applicable(event_type, data)
    ]


@pytest.mark.parametrize(
    ("event_type", "data", "expected"),
    [
        ("verification_task_created", {"assignee": "ani"}, [("assignee", ("sms", "email"))]),
        ("verification_task_created", {"assignee": None}, []),
        ("verification_flagged", {}, [("area_supervisors", ("email",))]),
        ("household_verified", {}, [("household", ("sms",))]),
        ("referral_created", {}, [("agency", ("email", "webhook"))]),
        (
            "referral_escalated",
            {},
            [("agency", ("email", "webhook")), ("dinsos_supervisors", ("email",))],
        ),
        (
            "referral_status_changed",
            {"to_status": "rejected"},
            [("dinsos_supervisors", ("email",))],
        ),
        ("referral_status_changed", {"to_status": "completed"}, []),
        ("case_resolved", {}, [("household", ("sms",)), ("dinsos_supervisors", ("email",))]),
        ("household_registered", {}, []),
    ],
)
def test_who_is_told_of_what(event_type, data, expected):
    assert _who(event_type, **data) == expected


def test_a_household_is_only_ever_sent_an_optional_sms():
    for rule_list in audiences.RULES.values():
        for rule in rule_list:
            if rule.audience == audiences.HOUSEHOLD:
                assert rule.sends == (audiences.Send("sms", required=False),)


def test_every_rule_has_its_templates_its_event_schema_and_its_queue():
    consumed = {(p, t) for p, t, service, _ in topology.CONSUMERS if service == "notifications"}
    for event_type, rule_list in audiences.RULES.items():
        producer = events.SCHEMAS[event_type][0]
        assert (producer, event_type) in consumed
        for rule in rule_list:
            for send in rule.sends:
                if send.channel != "webhook":
                    assert send.channel in templates.channels_of(event_type), (event_type, send)
                else:
                    assert event_type in templates.WEBHOOK_FIELDS
