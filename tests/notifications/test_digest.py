"""The daily digest from the read model of referral events: once per agency per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifications.use_cases import digest
from tests.notifications.conftest import event, plan, referral_created, rows, send_all


def _escalated(referral_id: int, due: datetime, opd_code: str = "perkim") -> dict:
    return event("referral_escalated", household_id=1201, referral_id=referral_id, case_id=41,
                 opd_code=opd_code, stage="receive", due_at=due.isoformat(),
                 escalated_to=[opd_code, "dinsos"])  # fmt: skip


def test_each_agency_gets_one_digest_a_day_of_its_open_and_overdue_referrals(
    notifications, session, smtp
):
    now = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 09.00 WITA
    plan(session, referral_created(referral_id=7))
    plan(session, referral_created(referral_id=8))
    plan(session, _escalated(7, now - timedelta(days=2)))
    plan(session, referral_created(referral_id=9, opd_code="dinkes"))
    plan(session, event("referral_status_changed", household_id=1201, referral_id=9,
                        opd_code="dinkes", from_status="in_progress",
                        to_status="completed"))  # fmt: skip
    session.execute(__import__("sqlalchemy").text("DELETE FROM deliveries"))
    session.commit()

    assert digest.run(session, now - timedelta(hours=3)) == 0  # 06.00: not yet
    assert digest.run(session, now) == 1  # Perkim; Dinkes has nothing open
    assert digest.run(session, now + timedelta(hours=3)) == 0  # same day
    session.commit()
    send_all(session)

    [mail] = smtp.messages
    assert mail["To"] == "perkim@opd.sipmas.example"
    assert mail["Subject"].strip() == (  # a long subject is folded; a reader unfolds it
        "[SIPMAS] Ringkasan harian 5 Desember 2026: 2 rujukan terbuka, 1 terlambat"
    )
    text = mail.get_body(("plain",)).get_content()
    assert text.index("Rujukan no. 7") < text.index("Rujukan no. 8")  # overdue first
    assert "TERLAMBAT" in text and "{{" not in text

    assert digest.run(session, now + timedelta(days=1)) == 1  # the next day


def test_the_read_model_keeps_the_latest_state_whatever_the_arrival_order(notifications, session):
    created = referral_created(referral_id=7)
    moved = event("referral_status_changed", household_id=1201, referral_id=7, opd_code="perkim",
                  from_status="sent", to_status="in_progress")  # fmt: skip
    plan(session, moved)
    plan(session, created)  # older, arrives later

    assert rows(notifications, "SELECT state, opd_code, need FROM referrals") == [
        ("in_progress", "perkim", "rumah")
    ]
