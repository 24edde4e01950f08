"""The digest's content: overdue first, counted; its id stable per agency and day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.notifications.models import KnownReferral
from services.notifications.use_cases import digest

NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)


def _referral(referral_id: int, days_open: int, overdue_by: int | None) -> KnownReferral:
    return KnownReferral(
        referral_id=referral_id, case_id=1, opd_code="perkim", need="rumah", programme="rtlh",
        state="sent", opened_at=NOW - timedelta(days=days_open),
        due_at=None if overdue_by is None else NOW - timedelta(days=overdue_by),
    )  # fmt: skip


def test_overdue_first_then_the_oldest():
    rows = [_referral(1, 2, None), _referral(2, 9, 1), _referral(3, 5, None), _referral(4, 4, -1)]
    summary = digest.summary("perkim", date(2026, 12, 5), rows, NOW)
    assert [r["referral_id"] for r in summary["referrals"]] == [2, 3, 4, 1]
    assert (summary["open_count"], summary["overdue_count"]) == (4, 1)


def test_one_digest_id_per_agency_per_day():
    day = date(2026, 12, 5)
    assert digest.digest_id("perkim", day) == digest.digest_id("perkim", day)
    assert digest.digest_id("perkim", day) != digest.digest_id("dinkes", day)
    assert digest.digest_id("perkim", day) != digest.digest_id("perkim", date(2026, 12, 6))
    assert digest.local_day(datetime(2026, 12, 4, 16, 30, tzinfo=UTC)) == (day, 0)  # WITA
