"""Every event the rules name reaches its recipients through a real channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.notifications.conftest import (
    DESA,
    KECAMATAN,
    add_staff,
    event,
    plan,
    referral_created,
    rows,
    send_all,
    with_webhook,
)


def test_a_new_task_reaches_its_verifier_by_sms_and_email(notifications, session, smtp, http):
    add_staff(session, "ani", role="verifier", desa=[DESA], phone="081299990001")

    plan(session, event("verification_task_created", household_id=1201, task_id=88,
                        reason="registered", desa_code=DESA, kecamatan_code=KECAMATAN,
                        assignee="ani", due_at="2026-12-14T02:00:00+00:00"))  # fmt: skip
    send_all(session)

    [mail] = smtp.to("ani@dinsos.example.id")
    assert mail["Subject"] == "[SIPMAS] Tugas verifikasi baru no. 88 di Desa Sangatta Utara"
    [sms] = http.to("/sms")
    assert b"+6281299990001" in sms.body and "14 Desember 2026" in sms.body.decode()


def test_an_unassigned_task_tells_nobody(notifications, session, smtp):
    plan(session, event("verification_task_created", household_id=1201, task_id=88,
                        desa_code=DESA, kecamatan_code=KECAMATAN))  # fmt: skip
    assert rows(notifications, "SELECT count(*) FROM deliveries") == [(0,)]


def test_a_flagged_visit_reaches_the_supervisors_of_its_area(notifications, session, smtp):
    add_staff(session, "sri", kecamatan=[KECAMATAN])
    add_staff(session, "budi", kecamatan=["64.08.01"])  # another kecamatan
    add_staff(session, "kadis")  # district-wide: only when the area has nobody

    plan(session, event("verification_flagged", household_id=1201, task_id=88, visit_id=3,
                        verifier="ani", flags=["visit_too_short"], desa_code=DESA,
                        kecamatan_code=KECAMATAN))  # fmt: skip
    send_all(session)

    assert [m["To"] for m in smtp.messages] == ["sri@dinsos.example.id"]


def test_escalations_rejections_and_resolutions_reach_dinsos(notifications, session, smtp, http):
    add_staff(session, "kadis")
    add_staff(session, "sri", kecamatan=[KECAMATAN])  # an area supervisor: not Dinsos-wide
    with_webhook(session, http)
    due = datetime.now(UTC) - timedelta(days=1)

    plan(session, event("referral_escalated", household_id=1201, referral_id=7, case_id=41,
                        opd_code="perkim", stage="receive", due_at=due.isoformat(),
                        escalated_to=["perkim", "dinsos"]))  # fmt: skip
    plan(session, event("referral_status_changed", household_id=1201, referral_id=7,
                        opd_code="perkim", from_status="received", to_status="rejected",
                        reason="Lahan bukan milik sendiri"))  # fmt: skip
    plan(session, event("referral_status_changed", household_id=1201, referral_id=8,
                        opd_code="dinkes", from_status="sent", to_status="received"))  # fmt: skip
    plan(session, event("case_resolved", household_id=1201, case_id=41,
                        outcomes={"7": "rejected"}))  # fmt: skip
    send_all(session)

    late = "[SIPMAS] Rujukan no. 7 melewati batas waktu penerimaan rujukan"
    assert sorted((m["To"], m["Subject"].strip()) for m in smtp.messages) == [
        ("kadis@dinsos.example.id", "[SIPMAS] Kasus no. 41 selesai ditangani"),
        ("kadis@dinsos.example.id", "[SIPMAS] Rujukan no. 7 ditolak oleh Perkim"),
        ("kadis@dinsos.example.id", late),
        ("perkim@opd.sipmas.example", late),
    ]
    assert len(http.verified) == 1  # the escalation, to Perkim's system


def test_no_supervisor_at_all_is_a_dead_letter_not_silence(notifications, session):
    plan(session, event("referral_status_changed", household_id=1201, referral_id=7,
                        opd_code="perkim", from_status="sent", to_status="rejected"))  # fmt: skip
    assert rows(notifications, "SELECT recipient_id, state, reason FROM deliveries") == [
        ("-", "dead", "no_recipient")
    ]


def test_a_webhook_carries_only_the_agencys_referral(notifications, session, http):
    with_webhook(session, http)
    plan(session, referral_created(referral_id=7, opd_code="perkim"))
    plan(session, referral_created(referral_id=8, opd_code="dinkes", rule_id="kesehatan-dinkes"))
    send_all(session)

    [hook] = http.to("/webhook/perkim")
    assert b'"referral_id":7' in hook.body and b"dinkes" not in hook.body
