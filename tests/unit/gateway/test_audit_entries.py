"""What an audit entry's hash covers, and that no NIK gets into the log."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.gateway.use_cases import audit

ENTRY = audit._Entry(
    seq=3,
    at=datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=UTC),
    actor="budi",
    role="operator",
    action="GET /api/v1/households/{id}",
    subject="household 17",
    household_ids=[17],
    outcome=200,
    request_id="req-1",
    prev_hash="ab" * 32,
)


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 4},
        {"at": ENTRY.at + timedelta(microseconds=1)},
        {"actor": "siti"},
        {"role": "admin"},
        {"action": "PATCH /api/v1/households/{id}"},
        {"subject": "household 18"},
        {"household_ids": [17, 18]},
        {"outcome": 404},
        {"request_id": "req-2"},
        {"prev_hash": "cd" * 32},
    ],
)
def test_every_field_is_covered_by_the_hash(change):
    assert audit.entry_hash(replace(ENTRY, **change)) != audit.entry_hash(ENTRY)


def test_the_same_instant_in_another_zone_hashes_alike():
    wita = timezone(timedelta(hours=8))
    assert audit.entry_hash(replace(ENTRY, at=ENTRY.at.astimezone(wita))) == audit.entry_hash(ENTRY)


def test_the_canonical_form_is_sorted_compact_json():
    text = audit.canonical(ENTRY).decode()
    assert text.startswith('{"action":"GET /api/v1/households/{id}","actor":"budi",')
    assert '"at":"2026-12-07T01:02:03.456789+00:00"' in text


def test_a_nik_or_a_nik_missing_a_digit_is_masked():
    assert audit.scrub("nik=6408041203850001") == "nik=6408********0001"
    assert audit.scrub("search 640804120385001 x") == "search 6408*******5001 x"
    assert audit.scrub("household 1234, rt 003") == "household 1234, rt 003"
    assert audit.scrub(None) is None


def test_a_verdict_says_what_broke_where():
    broken = audit.Verdict(False, 2, 3, "deleted", "entry 3 is missing")
    assert (
        broken.text() == "BROKEN at entry 3: deleted — entry 3 is missing (the 2 before it intact)"
    )
    assert audit.Verdict(True, 5, head="f" * 64).text().startswith("OK, 5 entries")
