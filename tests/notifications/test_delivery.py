"""Deliveries end to end in one process, over the real database, a real SMTP server and a real
HTTP server: what the rules name is sent once, retried when it may help, dead-lettered and
reported when it cannot."""

from __future__ import annotations

import json
import time

from services.notifications.domain import webhooks
from services.notifications.use_cases import contacts, delivery, views
from tests.notifications.conftest import (
    SECRET,
    event,
    outbox_events,
    plan,
    referral_created,
    rows,
    send_all,
    with_webhook,
)


def test_a_referral_for_perkim_sends_one_email_and_one_signed_webhook(
    notifications, session, smtp, http, monkeypatch
):
    monkeypatch.setenv("SIPMAS_NOTIFY_SENT_EVENTS", "1")  # announced when asked (off by default)
    with_webhook(session, http)
    evt = referral_created()

    assert plan(session, evt) == 2
    send_all(session)

    [mail] = smtp.messages
    assert mail["To"] == "perkim@opd.sipmas.example"
    assert mail["Subject"] == (
        "[SIPMAS] Rujukan baru no. 7 untuk Perkim: rumah tidak layak huni, air dan sanitasi"
    )
    assert [part.get_content_type() for part in mail.iter_parts()] == ["text/plain", "text/html"]
    assert "Nomor rujukan    : 7" in mail.get_body(("plain",)).get_content()
    [hook] = http.to("/webhook/perkim")
    assert hook.status == 200 and http.verified == [str(evt["event_id"])]
    body = json.loads(hook.body)
    assert body["event_type"] == "referral_created" and body["data"]["opd_code"] == "perkim"
    assert hook.headers[webhooks.EVENT_ID] == str(evt["event_id"])
    assert webhooks.verify(
        SECRET,
        hook.headers[webhooks.TIMESTAMP],
        hook.body,
        hook.headers[webhooks.SIGNATURE],
        now=time.time(),
    ) == str(evt["event_id"])
    sent = outbox_events(notifications, "notification_sent")
    assert sorted(e["data"]["channel"] for e in sent) == ["email", "webhook"]
    assert all("perkim@" not in json.dumps(e) for e in sent)  # ids, never an address


def test_a_receiver_failing_twice_gets_the_webhook_once_on_the_third_attempt(
    notifications, session, http
):
    with_webhook(session, http)
    http.script["/webhook/perkim"] = [500, 500]
    evt = referral_created()

    plan(session, evt)
    send_all(session)

    assert [r.status for r in http.to("/webhook/perkim")] == [500, 500, 200]
    assert http.verified == [str(evt["event_id"])]  # processed once
    [(state, attempts)] = rows(
        notifications, "SELECT state, attempts FROM deliveries WHERE channel = 'webhook'"
    )
    assert (state, attempts) == ("sent", 3)
    log = rows(
        notifications,
        "SELECT a.outcome, a.detail FROM delivery_attempts a JOIN deliveries d "
        "ON d.id = a.delivery_id WHERE d.channel = 'webhook' ORDER BY a.id",
    )
    assert log == [("temporary", "HTTP 500"), ("temporary", "HTTP 500"), ("ok", "HTTP 200")]


def test_a_receiver_that_always_fails_ends_dead_lettered_and_reported(notifications, session, http):
    with_webhook(session, http)
    http.script["/webhook/perkim"] = [503] * 10

    plan(session, referral_created())
    send_all(session)

    assert len(http.to("/webhook/perkim")) == 3  # SIPMAS_NOTIFY_MAX_ATTEMPTS
    [(state, reason)] = rows(
        notifications, "SELECT state, reason FROM deliveries WHERE channel = 'webhook'"
    )
    assert (state, reason) == ("dead", "temporary: HTTP 503")
    [failed] = outbox_events(notifications, "notification_failed")
    assert failed["data"] | {"delivery_id": 0, "source_event_id": "x"} == {
        "delivery_id": 0,
        "source_event_id": "x",
        "source_event_type": "referral_created",
        "channel": "webhook",
        "recipient_kind": "agency",
        "recipient_id": "perkim",
        "attempts": 3,
        "reason": "temporary: HTTP 503",
    }


def test_a_permanent_refusal_is_not_retried(notifications, session, http):
    with_webhook(session, http)
    http.script["/webhook/perkim"] = [410]

    plan(session, referral_created())
    send_all(session)

    assert len(http.to("/webhook/perkim")) == 1
    [(state, attempts, reason)] = rows(
        notifications, "SELECT state, attempts, reason FROM deliveries WHERE channel = 'webhook'"
    )
    assert (state, attempts, reason) == ("dead", 1, "permanent: HTTP 410")


def test_a_bad_signature_secret_is_refused_by_the_receiver(notifications, session, http):
    with_webhook(session, http)
    http.secret = "another-agency-secret-000000"

    plan(session, referral_created())
    send_all(session)

    assert [r.status for r in http.to("/webhook/perkim")] == [401]  # 4xx: permanent
    assert http.verified == []


def test_the_same_event_delivered_twice_sends_once(notifications, session, smtp, http):
    with_webhook(session, http)
    evt = referral_created()

    assert plan(session, evt) == 2
    assert plan(session, evt) == 0  # the inbox
    assert plan(session, evt, consumer="another-replica-name") == 0  # the deliveries' key
    send_all(session)
    send_all(session)

    assert len(smtp.messages) == 1 and len(http.to("/webhook/perkim")) == 1


def test_smtp_4xx_is_retried_and_5xx_is_not(notifications, session, smtp):
    smtp.replies[:] = ["451 4.3.0 try again later"]
    plan(session, referral_created(referral_id=1))
    send_all(session)
    assert len(smtp.messages) == 1

    smtp.replies[:] = ["550 5.1.1 mailbox unavailable"]
    plan(session, referral_created(referral_id=2))
    send_all(session)
    assert len(smtp.messages) == 1
    assert rows(
        notifications,
        "SELECT state, attempts, reason FROM deliveries WHERE channel = 'email' ORDER BY id",
    ) == [
        ("sent", 2, None),
        ("dead", 1, "permanent: SMTP 550 SMTPDataError"),
    ]


def test_an_agency_without_email_is_a_dead_letter_that_a_resend_delivers(
    notifications, session, smtp
):
    contacts.set_agency(session, "perkim", {"email": None})
    session.commit()

    plan(session, referral_created())
    assert rows(notifications, "SELECT channel, state, reason FROM deliveries ORDER BY id") == [
        ("email", "dead", "no_address"),
        ("webhook", "skipped", "no_address"),  # Perkim has no system of its own
    ]
    [(delivery_id,)] = rows(notifications, "SELECT id FROM deliveries WHERE state = 'dead'")
    assert len(outbox_events(notifications, "notification_failed")) == 1

    contacts.set_agency(session, "perkim", {"email": "rujukan@perkim.example.id"})
    assert delivery.resend(session, delivery_id, "operator-1")["state"] == "pending"
    session.commit()
    send_all(session)

    assert [m["To"] for m in smtp.messages] == ["rujukan@perkim.example.id"]
    [_, logged] = views.delivery_log(session, "agency", "perkim")
    assert [a["outcome"] for a in logged["log"]] == ["resend", "ok"]
    assert logged["address"] == "ru***@perkim.example.id"
    assert "message" not in logged


def test_an_sms_to_a_household_without_consent_is_not_sent(notifications, session, http):
    contacts.register_household(
        session, {"household_id": 1201, "phone": "0812-3456-7890", "sms_consent": False}
    )
    session.commit()

    plan(session, event("household_verified", household_id=1201, welfare_class="miskin",
                        rule_set_version="2026.1"))  # fmt: skip
    send_all(session)

    assert http.to("/sms") == []
    assert rows(notifications, "SELECT channel, state, reason FROM deliveries") == [
        ("sms", "skipped", "no_consent")
    ]


def test_an_sms_to_a_consenting_household_goes_through_the_gateway(notifications, session, http):
    contacts.register_household(
        session, {"household_id": 1201, "phone": "0812-3456-7890", "sms_consent": True}
    )
    session.commit()

    plan(
        session, event("case_resolved", household_id=1201, case_id=41, outcomes={"7": "completed"})
    )
    send_all(session)

    [sms] = http.to("/sms")
    body = json.loads(sms.body)
    assert body["to"] == "+6281234567890" and sms.headers["Authorization"] == "Bearer test-token"
    assert body["text"].startswith("Dinsos Kutim: Penanganan kasus Bapak/Ibu (no. 41)")


def test_quiet_hours_defer_an_sms_to_a_household(notifications, session, http, monkeypatch):
    contacts.register_household(
        session, {"household_id": 1201, "phone": "081234567890", "sms_consent": True}
    )
    session.commit()
    monkeypatch.setenv("SIPMAS_SMS_QUIET_HOURS", "00:00-23:59")  # now is always quiet

    plan(session, event("household_verified", household_id=1201, welfare_class="miskin",
                        rule_set_version="2026.1"))  # fmt: skip
    from services.notifications import channels

    delivery.send_due(session, channels.from_settings())
    session.commit()

    assert http.to("/sms") == []
    [(state, attempts, due)] = rows(
        notifications,
        "SELECT state, attempts, next_attempt_at > now() + interval '1 minute' FROM deliveries",
    )
    assert (state, attempts, due) == ("pending", 0, True)  # deferred, not dropped
    [(outcome,)] = rows(notifications, "SELECT outcome FROM delivery_attempts")
    assert outcome == "deferred"

    monkeypatch.setenv("SIPMAS_SMS_QUIET_HOURS", "")
    session.execute(__import__("sqlalchemy").text("UPDATE deliveries SET next_attempt_at = now()"))
    session.commit()
    send_all(session)
    assert len(http.to("/sms")) == 1
