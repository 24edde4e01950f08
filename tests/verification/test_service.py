"""Over the real broker, with the registry and verification running as their containers run
them: a household imported into the registry is visited, decided, approved and seen as verified
in the registry's timeline; RPC refusals come back naming the field."""

from __future__ import annotations

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.registry.use_cases.importing import batches
from sipmas_cli import synthetic
from tests.integration.support_amqp import wait_for
from tests.registry.conftest import scalar
from tests.verification.conftest import poor_answers, visit_payload

pytestmark = pytest.mark.usefixtures("verification_service", "registry_service")


@pytest.fixture
def rpc(amqp_uri):
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as proxy:
        yield proxy


def _staff(rpc, kecamatans):
    rpc.verification.register_staff(
        {"id": "ani", "name": "Ani", "role": "verifier", "kecamatan_codes": sorted(kecamatans)}
    )
    rpc.verification.register_staff({"id": "sri", "name": "Sri", "role": "supervisor"})


def _import_p3ke(tmp_path, households: int = 3) -> None:
    path = tmp_path / "p3ke.csv"
    synthetic.write_file("p3ke", households, path, seed=33)
    batches.import_file("p3ke", path, actor="test")


def test_an_imported_household_is_visited_approved_and_verified_in_the_registry(
    registry, verification, rpc, tmp_path
):
    from sipmas import reference

    _staff(rpc, {k.code for k in reference.kecamatan()})
    _import_p3ke(tmp_path)
    household = scalar(registry, "SELECT min(id) FROM households")

    def awaiting():
        return scalar(registry, "SELECT status FROM households WHERE id = :h", h=household)

    wait_for(lambda: awaiting() == "awaiting_verification", timeout=30)
    [task] = [
        t
        for t in rpc.verification.my_tasks("ani")["tasks"]
        if t["household"]["household_id"] == household
    ]

    desa = task["household"]["desa_code"]
    visit = visit_payload(task["task_id"], "ani", poor_answers(), desa_code=desa)
    submitted = rpc.verification.submit_visit(visit)
    assert (submitted["welfare_class"], submitted["flags"]) == ("sangat_miskin", [])
    visit = visit_payload(task["task_id"], "ani", poor_answers(), desa_code=desa)
    again = rpc.verification.submit_visit(visit)
    # the task is submitted: another visit of it (a second phone) is kept late, it decides nothing
    assert (again["status"], again["late_reason"]) == ("late", "already_submitted")
    approved = rpc.verification.approve(task["task_id"], {"actor": "sri"})
    assert approved["outcome"] == "approved"

    wait_for(lambda: awaiting() == "verified_eligible", timeout=30)
    timeline = rpc.registry.get_household(household)["household"]["timeline"]
    assert [(t["action"], t["actor"]) for t in timeline[1:]] == [
        ("request_verification", "verification"),
        ("verify_eligible", "verification"),
    ]
    history = rpc.verification.household_history(household)
    [decided] = history["tasks"]
    assert decided["visits"][0]["explanation"]  # every decision explained


def test_rpc_refusals_name_the_field(verification, rpc):
    _staff(rpc, {"64.08.04"})

    bad = rpc.verification.submit_visit(visit_payload(1, "ani", poor_answers(meals_per_day=-1)))
    unknown = rpc.verification.request_verification(424242, "operator-1")
    staff = rpc.verification.register_staff({"id": "x", "name": "X", "role": "king"})

    assert bad["error"] == "invalid" and "meals_per_day" in bad["fields"]["answers"]
    assert unknown["error"] == "not_found"
    assert staff == {
        "error": "invalid",
        "fields": {"role": ["Must be one of: verifier, supervisor, operator, admin."]},
    }
