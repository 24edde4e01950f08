"""The figures Dinsos reports, counted by the registry on the real database: every grouping adds
up, ``at`` a date counts the registry as it stood then, and the extreme poor per desa change as
verification finds them."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.registry import schemas
from services.registry.use_cases import figures, households, lifecycle_events
from services.registry.use_cases.importing import batches
from sipmas import db, events, reference, settings
from sipmas_cli import synthetic
from tests.registry.conftest import query, scalar


@pytest.fixture
def district(registry, tmp_path):
    """Households of every source: DTSEN with its desil, P3KE, PMKS with categories."""
    for source, count, seed in (("dtsen", 120, 41), ("p3ke", 40, 42), ("pmks", 40, 43)):
        path = tmp_path / f"{source}.csv"
        synthetic.write_file(source, count, path, seed=seed)
        batches.import_file(source, path, actor="test")
    return registry


def counts(**request):
    with db.session_scope("registry") as session:
        return figures.counts(session, schemas.CountsRequest().load(request))


def by(result, *keys) -> dict:
    return {
        tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r["count"]
        for r in result["rows"]
    }


def today():
    return datetime.now(ZoneInfo(settings.local_timezone())).date()


def verdict(household_id: int, welfare_class: str | None, *, rejected: bool = False) -> None:
    """Verification's events as the registry consumes them: a task, then the verdict."""
    task = events.envelope(
        "verification_task_created", {"household_id": household_id, "task_id": household_id}
    )
    if rejected:
        decided = events.envelope(
            "household_rejected", {"household_id": household_id, "reasons": ["mengaku miskin"]}
        )
    else:
        decided = events.envelope(
            "household_verified",
            {
                "household_id": household_id,
                "welfare_class": welfare_class,
                "rule_set_version": "v1",
            },
        )
    with db.session_scope("registry") as session:
        for event in (task, decided):
            lifecycle_events.apply_event(session, "registry.test", event)


def test_every_grouping_adds_up_to_the_total(district):
    total = scalar(district, "SELECT count(*) FROM households")

    for group in ("kecamatan", "desa", "status", "welfare_class"):
        result = counts(group_by=[group])
        assert result["total"] == total
        assert sum(r["count"] for r in result["rows"]) == total, group
    both = counts(group_by=["kecamatan", "desa"])
    assert sum(r["count"] for r in both["rows"]) == total
    desa = reference.desa_by_code()
    assert all(r["desa_name"] == desa[r["desa"]].name for r in both["rows"])
    assert all(r["kecamatan"] == desa[r["desa"]].kecamatan_code for r in both["rows"])
    per_desa = Counter(r.desa_code for r in query(district, "SELECT desa_code FROM households"))
    assert by(counts(group_by=["desa"]), "desa") == per_desa


def test_pmks_and_source_count_a_household_once_per_category_and_source(district):
    categories: dict[int, set[str]] = {}
    for household, pmks in query(district, "SELECT household_id, pmks FROM people"):
        categories.setdefault(household, set()).update(pmks)
    expected_pmks = Counter(c for cats in categories.values() for c in cats)
    expected_pmks[None] = sum(1 for cats in categories.values() if not cats)
    sources = Counter(
        s for (row,) in query(district, "SELECT sources FROM households") for s in row
    )

    assert expected_pmks[None] and len(expected_pmks) > 2  # the data has both kinds
    assert by(counts(group_by=["pmks"]), "pmks") == expected_pmks
    assert by(counts(group_by=["source"]), "source") == sources
    assert set(sources) == {"dtsen", "p3ke", "pmks"}


def test_at_a_day_before_the_import_counts_nothing_and_the_day_of_it_everything(district):
    total = scalar(district, "SELECT count(*) FROM households")

    before = counts(group_by=["desa"], at=(today() - timedelta(days=1)).isoformat())
    after = counts(group_by=["desa"], at=today().isoformat())

    assert before["total"] == 0 and before["rows"] == []
    assert after["total"] == total
    assert after["rows"] == counts(group_by=["desa"])["rows"]


def test_extreme_poor_per_desa_before_and_after_verification(district):
    with district.begin() as conn:  # the files came in ten days ago
        conn.exec_driver_sql("UPDATE households SET created_at = created_at - interval '10 days'")
    desil = {r.id: (r.desil, r.desa_code) for r in query(district, "SELECT * FROM households")}
    poorest = sorted(h for h, (d, _) in desil.items() if d == 1)
    third = sorted(h for h, (d, _) in desil.items() if d == 3)
    assert len(poorest) >= 3 and third
    confirmed, found_miskin, false_claim = poorest[:3]
    newly_found = third[0]

    before = counts(group_by=["desa"], filter={"extreme_poor": True})
    verdict(confirmed, "sangat_miskin")
    verdict(found_miskin, "miskin")
    verdict(false_claim, None, rejected=True)
    verdict(newly_found, "sangat_miskin")
    week_ago = counts(
        group_by=["desa"],
        filter={"extreme_poor": True},
        at=(today() - timedelta(days=5)).isoformat(),
    )
    after = counts(group_by=["desa"], filter={"extreme_poor": True}, at=today().isoformat())

    expected_before = Counter(desa for d, desa in desil.values() if d == 1)
    expected_after = expected_before.copy()
    expected_after[desil[found_miskin][1]] -= 1
    expected_after[desil[false_claim][1]] -= 1
    expected_after[desil[newly_found][1]] += 1
    assert by(before, "desa") == by(week_ago, "desa") == expected_before
    assert by(after, "desa") == +expected_after  # a desa with none left is not listed
    assert after["total"] == before["total"] - 1
    assert counts(filter={"extreme_poor": True})["total"] == after["total"]
    classes = by(counts(group_by=["welfare_class"], filter={"verified": True}), "welfare_class")
    assert classes == {"sangat_miskin": 2, "miskin": 1, None: 1}  # the rejected claim: no class


def test_the_class_and_status_counted_at_a_date_are_those_known_then(district):
    household = scalar(district, "SELECT min(id) FROM households")
    verdict(household, "sangat_miskin")
    with district.begin() as conn:  # that visit was twenty days ago; the file came before it
        conn.exec_driver_sql("UPDATE households SET created_at = now() - interval '30 days'")
        conn.exec_driver_sql("UPDATE status_transitions SET at = at - interval '20 days'")
    with db.session_scope("registry") as session:  # helped, then visited again: now miskin
        for event_type, data in (
            ("case_opened", {"case_id": 1}),
            ("case_resolved", {"case_id": 1}),
            ("household_verified", {"welfare_class": "miskin", "rule_set_version": "v1"}),
        ):
            event = events.envelope(event_type, {"household_id": household, **data})
            lifecycle_events.apply_event(session, "registry.test", event)

    then = counts(
        group_by=["welfare_class", "status"], at=(today() - timedelta(days=10)).isoformat()
    )
    now = counts(group_by=["welfare_class", "status"])
    then_rows = by(then, "welfare_class", "status")
    now_rows = by(now, "welfare_class", "status")

    with db.session_scope("registry") as session:
        found = households.get(session, household)
    verdicts = [t["welfare_class"] for t in found["timeline"] if t["action"] == "verify_eligible"]
    assert found["welfare_class"] == "miskin" and verdicts == ["sangat_miskin", "miskin"]
    assert then_rows[("sangat_miskin", "verified_eligible")] == 1
    assert now_rows[("miskin", "verified_eligible")] == 1
    assert ("sangat_miskin", "verified_eligible") not in now_rows
    assert (
        counts(group_by=["welfare_class", "status"], at=today().isoformat())["rows"] == now["rows"]
    )


def test_a_scope_counts_only_its_area_and_zeros_list_every_desa_of_it(district):
    kecamatan, in_it = query(
        district,
        "SELECT kecamatan_code, count(*) FROM households GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
    )[0]
    seen = {r.desa_code for r in query(district, "SELECT DISTINCT desa_code FROM households")}
    empty = next(d.code for d in reference.desa() if d.code not in seen)
    area = {"kecamatan_codes": [kecamatan], "desa_codes": [empty]}
    desa_of_it = {d.code for d in reference.desa() if d.kecamatan_code == kecamatan} | {empty}

    scoped = counts(group_by=["desa"], scope=area)
    zeros = counts(group_by=["desa"], scope=area, zeros=True)
    nothing = counts(group_by=["desa"], scope={})

    assert scoped["total"] == in_it == sum(r["count"] for r in scoped["rows"])
    assert {r["desa"] for r in scoped["rows"]} <= desa_of_it - {empty}
    assert {r["desa"] for r in zeros["rows"]} == desa_of_it
    assert by(zeros, "desa")[empty] == 0
    assert sum(r["count"] for r in zeros["rows"]) == in_it
    assert nothing["total"] == 0 and nothing["rows"] == []


def test_filters_narrow_the_households_counted(district):
    p3ke = scalar(district, "SELECT count(*) FROM households WHERE 'p3ke' = ANY(sources)")
    category = query(district, "SELECT pmks[1] FROM people WHERE pmks <> '{}' LIMIT 1")[0][0]
    with_category = scalar(
        district,
        "SELECT count(DISTINCT household_id) FROM people WHERE :c = ANY(pmks)",
        c=category,
    )

    assert counts(filter={"source": ["p3ke"]})["total"] == p3ke
    assert counts(filter={"pmks": [category]})["total"] == with_category
    assert counts(filter={"status": ["referred"]})["total"] == 0


def test_household_counts_over_rpc_refuses_an_unknown_grouping_naming_it(
    district, registry_service, amqp_uri
):
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as rpc:
        answer = rpc.registry.household_counts(
            {"group_by": ["desa"], "filter": {"extreme_poor": True}, "at": today().isoformat()}
        )
        unknown = rpc.registry.household_counts({"group_by": ["village"]})
        twice = rpc.registry.household_counts({"group_by": ["desa", "desa"]})
        typo = rpc.registry.household_counts({"group_by": ["desa"], "filter": {"poor": True}})
        too_many = rpc.registry.household_counts(
            {"group_by": ["desa", "pmks", "status"], "zeros": True}
        )

    expected = scalar(district, "SELECT count(*) FROM households WHERE desil = 1")
    assert answer["total"] == expected == sum(r["count"] for r in answer["rows"])
    assert unknown["error"] == "invalid" and "group_by" in unknown["fields"]
    assert twice["error"] == "invalid" and "group_by" in twice["fields"]
    assert typo["error"] == "invalid" and "filter" in typo["fields"]
    assert too_many["error"] == "invalid" and "zeros" in too_many["fields"]
