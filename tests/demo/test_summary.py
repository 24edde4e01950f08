"""The summary's checks on a small day, without a broker: a day whose numbers add up passes, and
each way of not adding up is named (the household, the referral, the delivery)."""

from __future__ import annotations

import pytest

from sipmas_cli.demo import summary
from sipmas_cli.demo.agencies import Ledger, Received, Sent
from sipmas_cli.demo.field import Visited
from sipmas_cli.demo.imports import Household, Imported
from sipmas_cli.demo.summary import Facts

SANGATTA = "64.08.04"


def _delivery(n: int, event_type: str, channel: str, kind: str, who: str, state="sent", **more):
    return {
        "delivery_id": n,
        "event_id": f"e-{n}",
        "event_type": event_type,
        "recipient_kind": kind,
        "recipient_id": who,
        "channel": channel,
        "state": state,
        "reason": more.pop("reason", None),
        "log": more.pop("log", [{"outcome": "ok", "detail": "SMTP 250"}]),
    }


def _referral(referral_id: int, need: str, opd: str, state="closed", **more):
    return {
        "referral_id": referral_id,
        "need": need,
        "opd_code": opd,
        "state": state,
        "evidence_ref": more.get(
            "evidence_ref", f"BAST/{referral_id}" if state == "closed" else None
        ),
        "reason": more.get("reason"),
        "rerouted_from": more.get("rerouted_from"),
    }


@pytest.fixture
def day() -> Facts:
    """Three households: 1 very poor with two needs (one rerouted), 2 a rejected claim, 3 a
    DTSEN household above desil 5 that stays registered."""
    households = {
        1: Household(1, "p3ke", 1, SANGATTA, None, 4),
        2: Household(2, "pmks", None, SANGATTA, None, 2),
        3: Household(3, "dtsen", 8, SANGATTA, None, 3),
    }
    eligible = Visited(1, 11, "v", "sangat_miskin")
    eligible.decision = {
        "outcome": "approved",
        "welfare_class": "sangat_miskin",
        "needs": [{"code": "rumah"}, {"code": "kesehatan"}],
    }
    rejected = Visited(2, 12, "v", "not_poor")
    rejected.decision = {"outcome": "approved", "welfare_class": "tidak_miskin", "needs": []}
    referrals = [
        _referral(101, "rumah", "perkim", "rerouted", reason="kuota penuh", evidence_ref=None),
        _referral(102, "kesehatan", "dinkes"),
        _referral(103, "rumah", "baznas", rerouted_from=101),
    ]
    ledger = Ledger()
    for r in referrals:
        ledger.add(
            Received(
                r["opd_code"],
                f"referral.{r['opd_code']}.created",
                "x",
                f"m{r['referral_id']}",
                r["referral_id"],
                1,
                {},
            )
        )
        ledger.add(Sent(r["opd_code"], r["referral_id"], "accepted", f"u{r['referral_id']}"))
    deliveries = {
        1: [
            _delivery(1, "verification_task_created", "email", "staff", "v"),
            *(
                _delivery(10 + i, "referral_created", "email", "agency", r["opd_code"])
                for i, r in enumerate(referrals)
            ),
            _delivery(20, "referral_created", "webhook", "agency", "perkim"),
            _delivery(
                23,
                "household_verified",
                "sms",
                "household",
                "1",
                state="skipped",
                reason="no_consent",
            ),
            _delivery(24, "referral_status_changed", "email", "staff", "sup"),
            _delivery(21, "case_resolved", "email", "staff", "sup"),
            _delivery(22, "case_resolved", "sms", "household", "1"),
        ],
        2: [_delivery(2, "verification_task_created", "email", "staff", "v")],
        3: [],
    }
    emails = [d for found in deliveries.values() for d in found if d["channel"] == "email"]
    return Facts(
        seed=1,
        imported=[Imported("p3ke", 1, "completed", 9, 9, 0, 0, 3, None)],
        households=households,
        merged={},
        visited={1: eligible, 2: rejected},
        records={
            1: {"status": "awaiting_verification"},
            2: {"status": "not_eligible"},
            3: {"status": "registered"},
        },
        cases={1: [{"case_id": 5, "state": "resolved", "referrals": referrals}]},
        deliveries=deliveries,
        phones={("household", "1"): "+6281300000001"},
        ledger=ledger,
        sink_messages=[
            *(
                {"n": i, "channel": "email", "delivery_id": d["delivery_id"]}
                for i, d in enumerate(emails)
            ),
            {"n": 90, "channel": "webhook", "opd_code": "perkim", "event_id": "e-20"},
            {"n": 91, "channel": "sms", "to": "+6281300000001"},
        ],
        webhook_checks={90: True},
    )


def _failed(facts: Facts) -> dict[str, list[str]]:
    return {c.name: c.problems for c in summary.checks(facts) if not c.ok}


def test_a_day_that_adds_up_passes_every_check(day):
    assert _failed(day) == {}
    text = summary.render(day, summary.checks(day))
    assert "The numbers add up." in text
    assert "  perkim" in text and "rejected, rerouted" in text


def test_a_household_left_in_the_wrong_status_is_named(day):
    day.records[1]["status"] = "referred"
    [problems] = _failed(day).values()
    assert problems == ["household 1: referred, expected awaiting_verification"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda f: f.cases[1][0]["referrals"][1].update(state="in_progress"), "still in_progress"),
        (
            lambda f: f.cases[1][0]["referrals"].pop(),
            "rerouted, but no referral carries its need on",
        ),
        (lambda f: f.cases[1][0].update(state="open"), "case 5 open"),
    ],
)
def test_a_referral_not_accounted_for_is_named(day, change, expected):
    change(day)
    assert any(expected in p for problems in _failed(day).values() for p in problems)


def test_an_agency_message_that_matches_no_referral_fails(day):
    day.ledger.add(Received("dkp", "referral.dkp.created", "x", "m9", 999, 7, {}))
    problems = _failed(day)[
        "every agency message matches a referral, every referral reached its agency"
    ]
    assert (
        "dkp received x for referral 999, which the referral service does not give it" in problems
    )


def test_a_pending_notification_fails_unless_deferred_by_quiet_hours(day):
    day.deliveries[3] = [
        _delivery(30, "household_verified", "sms", "household", "3", state="pending", log=[])
    ]
    assert (
        "delivery 30 (household_verified, sms): still pending (no attempt yet)"
        in _failed(day)["every required notification sent or dead-lettered with a reason"]
    )
    day.deliveries[3][0]["log"] = [{"outcome": "deferred", "detail": "quiet hours until 07:00"}]
    assert _failed(day) == {}


def test_sent_but_not_received_or_badly_signed_fails(day):
    day.sink_messages = [m for m in day.sink_messages if m.get("delivery_id") != 1]
    day.webhook_checks = {90: False}
    problems = _failed(day)["the sinks received what was sent; webhooks verify"]
    assert problems == [
        "email delivery 1 sent, not in the SMTP sink",
        "webhook 90 to perkim: signature does not verify",
    ]
