"""What a channel's answer means for a retry, and the addresses it accepts."""

from __future__ import annotations

import pytest

from services.notifications.channels import Message, email, http, sms, webhook


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, "ok"), (204, "ok"), (400, "permanent"), (401, "permanent"), (404, "permanent"),
     (408, "temporary"), (429, "temporary"), (500, "temporary"), (503, "temporary")],
)  # fmt: skip
def test_http_status_classification(status, outcome):
    assert http.classify(status) == outcome


@pytest.mark.parametrize(("code", "outcome"), [(421, "temporary"), (451, "temporary"),
                                               (550, "permanent"), (554, "permanent")])  # fmt: skip
def test_smtp_codes(code, outcome):
    assert email.smtp_outcome(code, "x").status == outcome


@pytest.mark.parametrize(
    ("raw", "phone"),
    [("0812-3456-7890", "+6281234567890"), ("+62 812 3456 7890", "+6281234567890"),
     ("6281234567890", "+6281234567890"), ("021-555-1234", None), ("12", None), ("", None)],
)  # fmt: skip
def test_indonesian_mobile_numbers(raw, phone):
    assert sms.normalise_phone(raw) == phone


def _message(channel: str, address: str) -> Message:
    return Message(1, "e", channel, address, {"text": "x", "subject": "y", "body": "{}"}, "k" * 16)


def test_invalid_addresses_fail_permanently_without_a_connection():
    unreachable = email.Email("127.0.0.1", 1, "a@b.example", 1)
    assert unreachable.send(_message("email", "not-an-address")).detail == "invalid address"
    gateway = sms.Sms("http://127.0.0.1:1/", "", '{"to": $to, "text": $text}', "x", 1)
    assert gateway.send(_message("sms", "021-555")).status == "permanent"
    assert webhook.Webhook().send(_message("webhook", "ftp://x")).status == "permanent"


def test_no_server_is_a_temporary_failure():
    unreachable = email.Email("127.0.0.1", 1, "a@b.example", 1)
    assert unreachable.send(_message("email", "a@dinsos.example.id")).status == "temporary"
    gateway = sms.Sms("http://127.0.0.1:1/", "", '{"to": $to, "text": $text}', "x", 1)
    assert gateway.send(_message("sms", "081234567890")).status == "temporary"


def test_the_sms_body_template_escapes_the_text():
    gateway = sms.Sms("u", "Authorization: Bearer t", '{"to": $to, "text": $text}', "x", 1)
    assert gateway.body("+62812", 'Kata "kutip"\nbaris') == (
        b'{"to": "+62812", "text": "Kata \\"kutip\\"\\nbaris"}'
    )
    assert sms.auth_header("Authorization: Bearer t") == {"Authorization": "Bearer t"}
