"""The sender as the pipeline runs it: everything due goes in one call, a batch at a time, over
one SMTP connection and kept-alive HTTP connections, and a sent message is not announced unless
asked (``notification_sent`` has no consumer); a failure always is."""

from __future__ import annotations

import smtplib

from services.notifications import channels
from services.notifications.use_cases import contacts, delivery
from tests.notifications.conftest import (
    event,
    outbox_events,
    plan,
    referral_created,
    with_webhook,
)


def test_one_call_drains_every_batch_over_reused_connections(
    notifications, session, smtp, http, monkeypatch
):
    monkeypatch.setenv("SIPMAS_NOTIFY_SEND_BATCH", "3")
    connects = []
    connect = smtplib.SMTP.connect
    monkeypatch.setattr(
        smtplib.SMTP, "connect", lambda self, *a, **k: connects.append(1) or connect(self, *a, **k)
    )
    with_webhook(session, http)
    for referral_id in range(1, 8):
        assert plan(session, referral_created(referral_id=referral_id)) == 2

    done = delivery.send_due(session, channels.from_settings())
    session.commit()

    assert done == {"sent": 14}  # 7 emails and 7 webhooks, in batches of 3, in one call
    assert len(smtp.messages) == 7 and len(http.to("/webhook/perkim")) == 7
    assert len(connects) == 1, "one SMTP connection for every email"
    assert outbox_events(notifications, "notification_sent") == []


def test_a_dead_delivery_is_still_announced(notifications, session, http):
    with_webhook(session, http)
    http.script["/webhook/perkim"] = [404]
    plan(session, referral_created())

    delivery.send_due(session, channels.from_settings())
    session.commit()

    [failed] = outbox_events(notifications, "notification_failed")
    assert failed["data"]["channel"] == "webhook"


def test_sms_go_one_per_commit_while_emails_go_in_batches(
    notifications, session, smtp, http, monkeypatch
):
    """A crash between handing messages over and committing them resends them: a mail server
    drops the copy by its Message-ID, a family's phone cannot, so an SMS is committed alone."""
    monkeypatch.setenv("SIPMAS_NOTIFY_SEND_BATCH", "3")
    claimed = []
    claim_many = delivery.claim_many
    monkeypatch.setattr(
        delivery,
        "claim_many",
        lambda s, name, at, size: claimed.append((name, size)) or claim_many(s, name, at, size),
    )
    for household_id in range(1301, 1305):
        phone = f"0812-3456-{household_id}"
        contacts.register_household(
            session, {"household_id": household_id, "phone": phone, "sms_consent": True}
        )
        plan(session, event("case_resolved", household_id=household_id, case_id=household_id))
    with_webhook(session, http)
    for referral_id in range(1, 5):
        plan(session, referral_created(referral_id=referral_id))

    delivery.send_due(session, channels.from_settings())
    session.commit()

    assert len(http.to("/sms")) == 4 and len(smtp.messages) == 4
    assert {size for name, size in claimed if name == "sms"} == {1}
    assert {size for name, size in claimed if name == "email"} == {3}
