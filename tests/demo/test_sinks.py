"""``sipmas sinks`` receives what the notifications service's own channels send — an email over
SMTP, an SMS through the HTTP gateway, a signed webhook — keeps one file per message and one index
line each, and answers the demo's questions about them."""

from __future__ import annotations

import json

import pytest

from services.notifications.channels import Message, email, sms, webhook
from services.notifications.domain import webhooks
from sipmas_cli.demo import sinks
from tests.demo.ports import free_port


@pytest.fixture
def running(tmp_path, monkeypatch):
    monkeypatch.setenv("SIPMAS_SMTP_PORT", str(free_port()))
    monkeypatch.setenv("SIPMAS_SMS_GATEWAY_URL", f"http://127.0.0.1:{free_port()}/sms")
    with sinks.running(tmp_path / "sinks") as where:
        yield where


def _message(delivery_id: int, channel: str, address: str, content: dict, secret=None):
    return Message(delivery_id, f"event-{delivery_id}", channel, address, content, secret)


def test_what_the_channels_send_is_kept_and_indexed(running, tmp_path):
    secret = "perkim-webhook-secret-0123456789"
    mail = email.from_settings().send(
        _message(42, "email", "perkim@opd.sipmas.example", {"subject": "Rujukan", "text": "Isi"})
    )
    text = sms.from_settings().send(_message(43, "sms", "0813 0000 0001", {"text": "Halo"}))
    hook = webhook.Webhook().send(
        _message(44, "webhook", f"{running['http']}/webhook/perkim", {"body": '{"a": 1}'}, secret)
    )
    assert (mail.status, text.status, hook.status) == ("ok", "ok", "ok")

    index = sinks.received_since(0)
    assert [(m["n"], m["channel"]) for m in index] == [(1, "email"), (2, "sms"), (3, "webhook")]
    assert index[0]["delivery_id"] == 42 and index[0]["event_id"] == "event-42"
    assert index[0]["to"] == ["perkim@opd.sipmas.example"]
    assert index[1]["to"] == "+6281300000001"
    assert (index[2]["opd_code"], index[2]["event_id"]) == ("perkim", "event-44")
    assert sinks.received_since(2) == index[2:]

    kept = json.loads(sinks.kept(3))
    signed = webhooks.sign(secret, kept["headers"][webhooks.TIMESTAMP], kept["body"])
    assert signed == kept["headers"][webhooks.SIGNATURE] and kept["body"] == '{"a": 1}'
    assert b"Subject: Rujukan" in (tmp_path / "sinks" / index[0]["file"]).read_bytes()
    assert sinks.health()["received"] == {"email": 1, "sms": 1, "webhook": 1}


def test_numbering_goes_on_after_a_restart(tmp_path, monkeypatch):
    monkeypatch.setenv("SIPMAS_SMTP_PORT", str(free_port()))
    monkeypatch.setenv("SIPMAS_SMS_GATEWAY_URL", f"http://127.0.0.1:{free_port()}/sms")
    for expected in (1, 2):
        with sinks.running(tmp_path / "sinks"):
            sms.from_settings().send(_message(expected, "sms", "081300000001", {"text": "x"}))
            assert sinks.health()["last"] == expected
