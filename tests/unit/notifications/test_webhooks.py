"""HMAC signing and the receiver's check: a good request passes once; a forged, an old or a
replayed one is rejected, each with its reason."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from services.notifications.domain import webhooks

SECRET = "s3cret-of-perkim-0000"
BODY = json.dumps({"event_id": "0b5f0c4e-0000-4000-8000-000000000001", "data": {}}).encode()
NOW = 1_767_225_600


def _signed(now: int = NOW, body: bytes = BODY) -> dict[str, str]:
    return webhooks.headers(SECRET, body, "0b5f0c4e-0000-4000-8000-000000000001", now=now)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    headers = _signed()
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert headers[webhooks.SIGNATURE] == f"sha256={expected}"
    assert headers[webhooks.TIMESTAMP] == str(NOW)
    assert headers[webhooks.EVENT_ID] == "0b5f0c4e-0000-4000-8000-000000000001"


def _verify(headers, body=BODY, now=NOW, secret=SECRET, guard=None):
    return webhooks.verify(
        secret, headers[webhooks.TIMESTAMP], body, headers[webhooks.SIGNATURE], now, guard=guard
    )


def test_a_good_request_passes_and_names_its_event():
    assert _verify(_signed(), now=NOW + 299) == "0b5f0c4e-0000-4000-8000-000000000001"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"secret": "another-agency-secret"}, "bad_signature"),
        ({"body": BODY.replace(b"{}", b'{"x": 1}')}, "bad_signature"),
        ({"now": NOW + 301}, "stale_timestamp"),
        ({"now": NOW - 301}, "stale_timestamp"),
    ],
)
def test_a_forged_or_old_request_is_rejected(change, reason):
    with pytest.raises(webhooks.Rejected) as rejected:
        _verify(_signed(), **change)
    assert rejected.value.reason == reason


def test_an_old_timestamp_cannot_be_refreshed_without_the_secret():
    old = _signed(now=NOW - 3600)
    forged = {**old, webhooks.TIMESTAMP: str(NOW)}
    with pytest.raises(webhooks.Rejected, match="bad_signature"):
        _verify(forged)


def test_a_replay_within_the_tolerance_is_rejected_and_a_forgotten_id_accepted_again():
    guard = webhooks.ReplayGuard()
    _verify(_signed(), guard=guard)
    with pytest.raises(webhooks.Rejected, match="replay"):
        _verify(_signed(now=NOW + 5), now=NOW + 5, guard=guard)
    guard.forget("0b5f0c4e-0000-4000-8000-000000000001")  # the receiver answered 5xx
    assert _verify(_signed(now=NOW + 60), now=NOW + 60, guard=guard)


def test_a_malformed_timestamp_or_body_is_rejected():
    headers = {**_signed(), webhooks.TIMESTAMP: "yesterday"}
    with pytest.raises(webhooks.Rejected, match="malformed"):
        _verify(headers)
    with pytest.raises(webhooks.Rejected, match="malformed"):
        _verify(_signed(body=b"[]"), body=b"[]")
