"""Retry delays (exponential, capped, jittered) and the quiet hours of household SMS."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from services.notifications.domain import backoff, quiet_hours, rate_limits
from services.notifications.domain.quiet_hours import QuietHours


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 10), (2, 20), (3, 40), (4, 80), (9, 100)])
def test_backoff_doubles_up_to_the_cap_with_jitter_in_its_upper_half(attempt, ceiling):
    rng = random.Random(attempt)
    delays = [backoff.delay(attempt, base=10, cap=100, rng=rng) for _ in range(200)]
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len({round(d, 6) for d in delays}) > 150  # jittered: not in lockstep


def test_backoff_reads_its_base_and_cap_from_the_environment(monkeypatch):
    monkeypatch.setenv("SIPMAS_NOTIFY_RETRY_BASE_SECONDS", "0.1")
    monkeypatch.setenv("SIPMAS_NOTIFY_RETRY_MAX_SECONDS", "0.3")
    assert 0.15 <= backoff.delay(10) <= 0.3


NIGHT = QuietHours.parse("21:00-07:00", "Asia/Makassar")


@pytest.mark.parametrize(
    ("utc", "quiet"),
    [
        ("2026-12-05T12:59:00", False),  # 20.59 WITA
        ("2026-12-05T13:00:00", True),  # 21.00
        ("2026-12-05T18:00:00", True),  # 02.00
        ("2026-12-05T22:59:00", True),  # 06.59
        ("2026-12-05T23:00:00", False),  # 07.00
        ("2026-12-05T04:00:00", False),  # 12.00
    ],
)
def test_quiet_hours_cross_midnight_in_wita(utc, quiet):
    assert NIGHT.active(datetime.fromisoformat(utc).replace(tzinfo=UTC)) is quiet


def test_a_message_in_the_quiet_hours_waits_for_their_end():
    late = datetime(2026, 12, 5, 14, 30, tzinfo=UTC)  # 22.30 WITA
    early = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)  # 04.00 WITA next day
    assert NIGHT.ends(late) == datetime(2026, 12, 5, 23, 0, tzinfo=UTC)  # 07.00 WITA on the 6th
    assert NIGHT.ends(early) == datetime(2026, 12, 5, 23, 0, tzinfo=UTC)
    noon = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
    assert NIGHT.ends(noon) == noon


def test_a_daytime_window_and_no_window():
    lunch = QuietHours.parse("12:00-13:00", "Asia/Makassar")
    assert lunch.active(datetime(2026, 12, 5, 4, 30, tzinfo=UTC))
    assert not lunch.active(datetime(2026, 12, 5, 5, 0, tzinfo=UTC))
    never = QuietHours.parse("", "Asia/Makassar")
    assert not never.active(datetime(2026, 12, 5, 18, 0, tzinfo=UTC))


def test_only_household_sms_keeps_quiet_hours():
    assert quiet_hours.applies("sms", "household")
    assert not quiet_hours.applies("sms", "staff")
    assert not quiet_hours.applies("email", "household")
    assert not quiet_hours.applies("webhook", "agency")


def test_rate_limit_allowance():
    assert rate_limits.allowance(60, 10) == 50
    assert rate_limits.allowance(60, 75) == 0
    assert rate_limits.allowance(0, 0) == 0
