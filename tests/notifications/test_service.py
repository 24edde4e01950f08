"""Over the real broker, with the notifications service running as its container runs it: a
``referral_created`` published on ``referral.events`` — twice — arrives as one email at the SMTP
server and one signed webhook; the RPC manages contacts and shows the delivery log."""

from __future__ import annotations

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from sipmas import events
from tests.integration.support_amqp import publish, wait_for
from tests.notifications.conftest import SECRET

pytestmark = pytest.mark.usefixtures("notifications_service")


@pytest.fixture
def rpc(amqp_uri):
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as proxy:
        yield proxy


def test_a_published_referral_reaches_perkim_once_by_email_and_webhook(amqp_uri, rpc, smtp, http):
    contact = rpc.notifications.set_agency_contact(
        "perkim", {"webhook_url": f"{http.base}/webhook/perkim", "webhook_secret": SECRET}
    )
    assert contact["webhook_secret_set"] and "webhook_secret" not in contact
    body = events.envelope(
        "referral_created",
        {
            "household_id": 1201, "case_id": 41, "referral_id": 7, "opd_code": "perkim",
            "need": "rumah", "programme": "rtlh", "rule_id": "rumah-perkim", "routing_version": 1,
        },
    )  # fmt: skip

    for _ in range(2):  # at-least-once: the relay may publish an event twice
        publish(amqp_uri, "referral.events", "referral_created", body, body["event_id"])

    wait_for(lambda: smtp.to("perkim@opd.sipmas.example") and http.verified, timeout=30)

    def settled():
        log = rpc.notifications.delivery_log("event", body["event_id"])["deliveries"]
        return log if {d["state"] for d in log} == {"sent"} else None

    log = wait_for(settled, timeout=30)
    assert sorted(d["channel"] for d in log) == ["email", "webhook"]
    assert len(smtp.messages) == 1 and http.verified == [body["event_id"]]
    assert "Rujukan baru no. 7" in smtp.messages[0]["Subject"]


def test_rpc_refusals_name_the_field(rpc):
    no_phone = rpc.notifications.register_household_contact(
        {"household_id": 1201, "phone": None, "sms_consent": True}
    )
    unknown = rpc.notifications.resend(424242, "operator-1")
    agency = rpc.notifications.set_agency_contact("nowhere", {"email": "x@y.example.id"})

    assert no_phone["error"] == "invalid" and "phone" in no_phone["fields"]
    assert unknown["error"] == "not_found"
    assert agency["error"] == "not_found"
    ok = rpc.notifications.register_household_contact(
        {"household_id": 1201, "phone": "0812 3456 7890", "sms_consent": True}
    )
    assert ok["sms_consent"] is True
    assert rpc.notifications.get_contact("household", 1201)["phone"] == "0812 3456 7890"
