"""Cases and referrals on the real database: a verified household's needs reach exactly the
agencies that own them; the agencies' answers move each referral to its end and the case to
resolved; every refusal is recorded and told to the agency; overdue referrals are escalated once;
the routing table changes without code."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.referral.domain import routing
from services.referral.errors import Invalid
from services.referral.models import AgencyUpdate, Referral
from services.referral.use_cases import agency, escalation, routing_tables
from services.referral.use_cases.referrals import now
from sipmas import events
from tests.referral.conftest import open_case, outbox_rows, verified


def _referral(session, opd_code: str) -> Referral:
    return session.scalars(sa.select(Referral).where(Referral.opd_code == opd_code)).one()


def _answer(session, opd_code: str, referral_id: int, status: str, sender=None, **fields):
    body = {"update_id": str(uuid.uuid4()), "referral_id": referral_id, "status": status, **fields}
    facts = {
        "sender": sender or f"opd-{opd_code}",
        "routing_key": f"status.{opd_code}",
        "message_id": body["update_id"],
    }
    return agency.on_agency_message(session, body, facts)


def _agency_messages(session) -> list[tuple[str, dict]]:
    return outbox_rows(session, events.OPD_EXCHANGE)


def test_housing_and_health_needs_reach_perkim_and_dinkes_and_nobody_else(session):
    case = open_case(session, 1, ["rumah", "kesehatan"])

    keys = [key for key, _ in _agency_messages(session)]
    assert sorted(keys) == ["referral.dinkes.created", "referral.perkim.created"]
    bodies = {key.split(".")[1]: body for key, body in _agency_messages(session)}
    for opd, body in bodies.items():
        data = events.validate_event(body)["data"]
        assert data["opd_code"] == opd and data["case_id"] == case.id
        assert data["status"] == "sent"
    perkim, dinkes = bodies["perkim"]["data"], bodies["dinkes"]["data"]
    assert all(p.get("nik") is None for p in perkim["persons"])  # housing needs no NIK
    assert dinkes["persons"] and all(p["nik"] for p in dinkes["persons"])  # PBI-JK enrolment does
    assert "kesehatan" not in str(perkim) and "rumah" not in str(dinkes)
    internal = [key for key, _ in outbox_rows(session, "referral.events")]
    assert internal == ["case_opened", "referral_created", "referral_created"]
    assert {r.rule_id for r in session.scalars(sa.select(Referral))} == {
        _referral(session, "perkim").rule_id,
        _referral(session, "dinkes").rule_id,
    }


def test_the_same_verification_delivered_twice_opens_one_case(session):
    event = verified(2, ["rumah"])
    from services.referral.use_cases import opening
    from tests.referral.conftest import facts

    opening.on_household_verified(session, "referral.on_household_verified", event, facts(2))
    again = opening.on_household_verified(
        session, "referral.on_household_verified", event, facts(2)
    )

    assert again is None
    assert session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 1


def test_a_household_found_not_poor_or_graduated_gets_no_case(session):
    assert open_case(session, 3, ["rumah"], welfare_class="tidak_miskin") is None
    assert open_case(session, 4, ["rumah"], welfare_class="miskin", graduated=True) is None
    assert _agency_messages(session) == []


def test_the_agencys_answers_complete_the_referral_and_resolve_the_case(session):
    open_case(session, 5, ["rumah"])
    referral = _referral(session, "perkim")

    assert _answer(session, "perkim", referral.id, "accepted")["outcome"] == "applied"
    assert _answer(session, "perkim", referral.id, "in_progress")["outcome"] == "applied"
    assert _answer(session, "perkim", referral.id, "in_progress")["outcome"] == "no_change"
    refused = _answer(session, "perkim", referral.id, "completed")
    assert (refused["outcome"], refused["code"]) == ("refused", "evidence_required")
    done = _answer(session, "perkim", referral.id, "completed", evidence_ref="BAST-RTLH-2026-017")

    assert done == {"outcome": "applied", "referral_id": referral.id, "state": "closed"}
    assert referral.evidence_ref == "BAST-RTLH-2026-017"
    internal = [key for key, _ in outbox_rows(session, "referral.events")]
    assert internal[-1] == "case_resolved"
    assert ("referral.perkim.refused") in [key for key, _ in _agency_messages(session)]


@pytest.mark.parametrize(
    "who, status, fields, code",
    [
        ("dinkes", "accepted", {}, "not_your_referral"),  # Dinkes answering Perkim's referral
        ("perkim-impostor", "accepted", {}, "sender_mismatch"),
        ("perkim", "finished", {}, "invalid"),
        ("perkim", "rejected", {}, "reason_required"),
        ("perkim", "completed", {"evidence_ref": "x"}, "illegal_transition"),  # never received
    ],
)
def test_a_forged_or_wrong_update_is_refused_and_the_agency_is_told(
    session, who, status, fields, code
):
    open_case(session, 6, ["rumah"])
    referral = _referral(session, "perkim")
    opd, sender = ("perkim", "opd-perkim-impostor") if who == "perkim-impostor" else (who, None)
    if code == "illegal_transition":
        referral.state = "completed"  # as if already done

    result = _answer(session, opd, referral.id, status, sender=sender, **fields)

    assert (result["outcome"], result["code"]) == ("refused", code)
    assert referral.state in ("sent", "completed")
    refusal = _agency_messages(session)[-1]
    assert refusal[0] == f"referral.{opd}.refused"
    assert events.validate_event(refusal[1])["data"]["code"] == code
    recorded = session.scalars(sa.select(AgencyUpdate).where(AgencyUpdate.outcome == "refused"))
    assert [r.code for r in recorded] == [code]


def test_an_update_for_an_unknown_referral_is_refused(session):
    result = _answer(session, "perkim", 4242, "accepted")

    assert (result["outcome"], result["code"]) == ("refused", "unknown_referral")


def test_the_same_update_delivered_twice_is_applied_once(session):
    open_case(session, 7, ["rumah"])
    referral = _referral(session, "perkim")
    body = {"update_id": str(uuid.uuid4()), "referral_id": referral.id, "status": "accepted"}
    facts = {"sender": "opd-perkim", "routing_key": "status.perkim"}

    first = agency.on_agency_message(session, body, facts)
    again = agency.on_agency_message(session, body, facts)

    assert (first["outcome"], again.get("duplicate")) == ("applied", True)
    assert session.scalar(sa.select(sa.func.count()).select_from(AgencyUpdate)) == 1


def test_a_rejected_referral_is_rerouted_to_the_next_agency_for_that_need(session):
    open_case(session, 8, ["rumah"])
    chain = []
    referral = _referral(session, "perkim")
    while referral is not None:
        chain.append(referral.opd_code)
        _answer(session, referral.opd_code, referral.id, "rejected", reason="kuota habis")
        successor = session.scalars(
            sa.select(Referral).where(Referral.rerouted_from == referral.id)
        )
        referral = successor.one_or_none()

    # Perkim, then BAZNAS, then the fallback's Dinsos; then nobody is left and the need closes.
    assert chain == ["perkim", "baznas", "dinsos"]
    states = session.scalars(sa.select(Referral.state).order_by(Referral.id)).all()
    assert states == ["rerouted", "rerouted", "closed"]
    assert [key for key, _ in outbox_rows(session, "referral.events")][-1] == "case_resolved"


def test_an_overdue_referral_is_escalated_once_to_the_agency_and_dinsos(session):
    open_case(session, 9, ["rumah"])
    referral = _referral(session, "perkim")
    late = referral.receive_by + timedelta(hours=1)

    assert escalation.sweep(session, at=late) == 1
    assert escalation.sweep(session, at=late + timedelta(hours=1)) == 0

    escalated = [b for k, b in outbox_rows(session, "referral.events") if k == "referral_escalated"]
    assert len(escalated) == 1
    data = events.validate_event(escalated[0])["data"]
    assert data["stage"] == "receive" and {"perkim", "dinsos"} <= set(data["escalated_to"])
    assert [k for k, _ in _agency_messages(session)].count("referral.perkim.escalated") == 1


def test_the_routing_table_changes_without_code_and_bad_rows_are_named(session):
    current = routing_tables.table_in_force(session)
    text = routing.to_csv(current)
    bad = text.replace(",perkim,", ",nowhere,", 1)

    with pytest.raises(Invalid) as refused:
        routing_tables.install(session, bad, "admin-1")
    assert any(e["column"] == "opd_code" for e in refused.value.errors["rows"])

    moved = text.replace(",perkim,", ",dinsos,", 1)
    installed = routing_tables.install(session, moved, "admin-1", "Perkim quota exhausted")
    open_case(session, 10, ["rumah"])

    referral = session.scalars(sa.select(Referral)).one()
    assert installed["version"] == current.version + 1
    assert (referral.opd_code, referral.routing_version) == ("dinsos", installed["version"])
    assert now() < referral.receive_by
