"""Every template renders in Indonesian from a sample event, with nothing left over, and what
goes to a household or an agency carries nothing that is not theirs."""

from __future__ import annotations

import json

import pytest

from services.notifications.domain import preview, templates
from sipmas_cli import main as cli

INDONESIAN = ("Dinsos", "rujukan", "Rujukan", "tugas", "Tugas", "Kasus", "kasus", "kunjungan")


@pytest.mark.parametrize("event_type", preview.event_types())
def test_every_template_renders_in_indonesian_with_nothing_left_over(event_type):
    rendered = preview.render_all(event_type)

    assert rendered
    for _kind, channel, parts in rendered:
        for name, text in parts.items():
            assert "{{" not in text and "{%" not in text and "}}" not in text, (channel, name)
            if channel != "webhook":
                assert any(word in text for word in INDONESIAN), (channel, name, text)
        if channel == "sms":
            assert len(parts["text"]) <= 320  # two SMS segments at most


def test_a_household_sms_says_nothing_but_its_own_case():
    for event_type in ("household_verified", "case_resolved"):
        [(kind, channel, parts)] = [r for r in preview.render_all(event_type) if r[1] == "sms"]
        assert kind == "household"
        for private in ("sangat_miskin", "miskin", "1201", "Siti", "perkim", "78"):
            assert private not in parts["text"], (event_type, private)


def test_a_webhook_body_is_the_envelope_cut_to_the_agencys_referral():
    event = preview.sample_event("referral_created")
    event["data"]["note_for_another_agency"] = "x"  # a field a future producer might add

    body = json.loads(templates.webhook_body(event))

    assert set(body) == {
        "event_id", "event_type", "schema_version", "occurred_at", "producer",
        "correlation_id", "data",
    }  # fmt: skip
    assert set(body["data"]) == set(templates.WEBHOOK_FIELDS["referral_created"])


def test_a_nik_never_survives_rendering():
    event = preview.sample_event("referral_status_changed")
    event["data"]["reason"] = "NIK 6408041203850003 tidak cocok"

    parts = templates.render(
        "referral_status_changed", "email", templates.context(event, {"kind": "staff",
                                                                      "id": "sri", "name": None})
    )  # fmt: skip

    assert "6408041203850003" not in parts["text"] and "6408********0003" in parts["text"]


def test_the_cli_previews_an_event(capsys):
    assert cli.main(["notifications", "preview", "referral_created"]) == 0
    out = capsys.readouterr().out
    assert "Rujukan baru no. 77 untuk Perkim" in out and "X-SIPMAS" not in out
    assert cli.main(["notifications", "preview", "no_such_event"]) == 2
