"""``/metrics`` scraped over HTTP from the process running both observed services: events
handled and failed, dead-letter depth, outbox, and the referrals each agency is late with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from sipmas_cli import topology
from tests.integration import support_amqp as mq
from tests.observability import probe_service as probe
from tests.observability.conftest import send_rejected

QUEUE = topology.consumer_queue(*probe.CONSUMERS[0])
DEAD = topology.dead_queue(QUEUE)


def handled(samples) -> float:
    key = (("event_type", "household_rejected"), ("service", "obstest"))
    return samples.get(("sipmas_events_handled_total", key), 0.0)


def failed(samples, outcome: str) -> float:
    key = (("event_type", "household_rejected"), ("outcome", outcome), ("service", "obstest"))
    return samples.get(("sipmas_events_failed_total", key), 0.0)


def test_a_handled_and_a_dead_lettered_event_are_counted(system, amqp_uri):
    before = system.scrape()
    dead_before = mq.depth(amqp_uri, DEAD)[0]

    send_rejected(amqp_uri, 501, ["tidak ditemukan"])
    send_rejected(amqp_uri, 502, ["refuse"])  # fails twice (2 attempts here): dead-lettered
    mq.wait_for(lambda: mq.depth(amqp_uri, DEAD)[0] == dead_before + 1, timeout=15)
    mq.wait_for(lambda: handled(system.scrape()) == handled(before) + 1)

    after = system.scrape()
    assert failed(after, "retry") == failed(before, "retry") + 1
    assert failed(after, "dead") == failed(before, "dead") + 1
    assert after[("sipmas_dead_letters", (("queue", DEAD),))] == dead_before + 1


def test_one_endpoint_serves_every_service_of_the_process(system):
    samples = system.scrape()
    for service in ("obstest", "referral"):
        for check in ("database", "outbox", "broker"):
            assert samples[("sipmas_health_ok", (("check", check), ("service", service)))] == 1
        assert ("sipmas_outbox_unpublished", (("service", service),)) in samples
    referral_dead = topology.dead_queue(
        topology.consumer_queue(
            "verification", "household_verified", "referral", "on_household_verified"
        )
    )
    assert samples[("sipmas_dead_letters", (("queue", referral_dead),))] == 0


def test_referrals_overdue_are_counted_by_agency(system, referral_db):
    now = datetime.now(UTC)
    late, soon = now - timedelta(days=2), now + timedelta(days=5)
    with referral_db.begin() as conn:
        conn.execute(sa.text("TRUNCATE referrals, cases, households, routing_tables CASCADE"))
        version = conn.execute(
            sa.text(
                "INSERT INTO routing_tables (csv, sha256, loaded_by) "
                "VALUES ('', '', 'test') RETURNING version"
            )
        ).scalar()
        conn.execute(
            sa.text("INSERT INTO households (id, correlation_id) VALUES (7, gen_random_uuid())")
        )
        case = conn.execute(
            sa.text("INSERT INTO cases (household_id, state) VALUES (7, 'open') RETURNING id")
        ).scalar()
        for opd, state, receive_by, complete_by in [
            ("perkim", "sent", late, soon),  # not received in time: overdue
            ("perkim", "in_progress", late, late),  # not completed in time: overdue
            ("perkim", "completed", late, late),  # done: not overdue, however late
            ("dinkes", "received", late, soon),  # received (late, but received): on time
            ("disdikbud", "created", soon, soon),  # not due yet
        ]:
            conn.execute(
                sa.text(
                    "INSERT INTO referrals (case_id, household_id, need, opd_code, programme, "
                    "rule_id, routing_version, state, carries_nik, household, receive_by, "
                    "complete_by) VALUES (:case, 7, 'need', :opd, 'p', 'r', :version, :state, "
                    "false, '{}', :receive_by, :complete_by)"
                ),
                {
                    "case": case,
                    "version": version,
                    "opd": opd,
                    "state": state,
                    "receive_by": receive_by,
                    "complete_by": complete_by,
                },
            )

    samples = system.scrape()
    overdue = {
        labels[0][1]: value
        for (name, labels), value in samples.items()
        if name == "sipmas_referrals_overdue"
    }
    assert overdue["perkim"] == 2
    assert overdue["dinkes"] == 0 and overdue["disdikbud"] == 0
    assert set(overdue) >= {"dinsos", "disdukcapil", "dpppa"}  # every agency, 0 when none late
