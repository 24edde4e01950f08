"""The registry enforces the caller's area itself, whatever the gateway did: a household outside
it answers exactly like one that does not exist, a search never returns one (not even asked by
a member's NIK), and nothing outside can be changed or registered."""

from __future__ import annotations

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.registry import errors
from services.registry.domain import scope as area
from services.registry.use_cases import conflicts, households, registration, search
from services.registry.use_cases.importing import batches
from sipmas import db, reference
from sipmas.refusals import Refused
from sipmas_cli import synthetic
from tests.registry.conftest import query, scalar

MISSING = 999_999


@pytest.fixture
def two_areas(registry, tmp_path):
    """A registry of 80 households; ``inside`` is the desa with the most of them, ``outside``
    a household of another kecamatan (the operator's NIK search target)."""
    path = tmp_path / "dtsen.csv"
    synthetic.write_file("dtsen", 80, path, seed=31)
    batches.import_file("dtsen", path, actor="test")
    desa, kecamatan = query(
        registry,
        "SELECT desa_code, kecamatan_code FROM households GROUP BY 1, 2 "
        "ORDER BY count(*) DESC, 1 LIMIT 1",
    )[0]
    inside = scalar(registry, "SELECT min(id) FROM households WHERE desa_code = :d", d=desa)
    outside = scalar(
        registry, "SELECT max(id) FROM households WHERE kecamatan_code <> :k", k=kecamatan
    )
    return {
        "desa": desa,
        "kecamatan": kecamatan,
        "inside": inside,
        "outside": outside,
        "operator": {"desa_codes": [desa]},
        "outside_nik": str(
            scalar(registry, "SELECT min(nik) FROM people WHERE household_id = :h", h=outside)
        ),
    }


def _session():
    return db.session_scope("registry")


def _outcome(call):
    """What a use case answers, as the service turns it into an RPC answer."""
    from services.registry.service import _errors

    try:
        return call()
    except (errors.NotFound, errors.Invalid, Refused) as error:
        return _errors(error)


def test_out_of_scope_answers_exactly_like_a_missing_household_over_rpc(
    registry, two_areas, registry_service, amqp_uri
):
    operator, outside = two_areas["operator"], two_areas["outside"]
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as rpc:
        own = rpc.registry.get_household(two_areas["inside"], scope=operator)
        hidden = rpc.registry.get_household(outside, scope=operator)
        missing = rpc.registry.get_household(MISSING, scope=operator)
        hidden_timeline = rpc.registry.household_timeline(outside, scope=operator)
        missing_timeline = rpc.registry.household_timeline(MISSING, scope=operator)
        hidden_update = rpc.registry.update_household(
            outside, {"alamat": "JL. BARU"}, "op", scope=operator
        )
        missing_update = rpc.registry.update_household(
            MISSING, {"alamat": "JL. BARU"}, "op", scope=operator
        )
        move = {"action": "close", "reason": "pindah", "actor": "op"}
        hidden_move = rpc.registry.transition_household(outside, move, scope=operator)
        missing_move = rpc.registry.transition_household(MISSING, move, scope=operator)
        by_nik = rpc.registry.search_households({"nik": two_areas["outside_nik"]}, scope=operator)
        unscoped = rpc.registry.get_household(outside)  # other callers keep working

    assert own["household"]["address"]["desa_code"] == two_areas["desa"]
    assert hidden == missing == {"error": "not_found"}
    assert hidden_timeline == missing_timeline == {"error": "not_found"}
    assert hidden_update == missing_update == {"error": "not_found"}
    assert hidden_move == missing_move == {"error": "not_found"}
    assert by_nik == {"households": []}
    assert unscoped["household"]["id"] == outside
    assert (
        scalar(registry, "SELECT status FROM households WHERE id = :h", h=outside) == "registered"
    )
    assert scalar(registry, "SELECT alamat FROM households WHERE id = :h", h=outside) != "JL. BARU"


def test_search_never_returns_a_household_outside_even_asked_by_nik_or_kk(registry, two_areas):
    operator = area.parse(two_areas["operator"])
    outside = two_areas["outside"]
    kk = str(scalar(registry, "SELECT no_kk FROM households WHERE id = :h", h=outside))
    name = scalar(
        registry,
        "SELECT p.nama FROM households h JOIN people p ON p.nik = h.head_nik WHERE h.id = :h",
        h=outside,
    )

    with _session() as session:
        by_nik = search.search(session, {"nik": two_areas["outside_nik"]}, operator)
        by_kk = search.search(session, {"no_kk": kk}, operator)
        by_name = search.search(session, {"name": name}, operator)
        everything = search.search(session, {"limit": 100}, operator)
        unscoped = search.search(session, {"nik": two_areas["outside_nik"]})

    assert by_nik == by_kk == []
    assert outside not in {h["id"] for h in by_name}
    assert {h["desa_code"] for h in everything} == {two_areas["desa"]}
    assert len(everything) == scalar(
        registry, "SELECT count(*) FROM households WHERE desa_code = :d", d=two_areas["desa"]
    )
    assert [h["id"] for h in unscoped] == [outside]


def test_the_scope_filters_before_the_limit(registry, two_areas):
    """A page of one is the caller's first household, not the district's first, filtered away."""
    operator = area.parse(two_areas["operator"])
    first_in_district = scalar(registry, "SELECT min(id) FROM households")
    assert first_in_district != two_areas["inside"]  # else this test proves nothing

    with _session() as session:
        page = search.search(session, {"limit": 1}, operator)

    assert [h["id"] for h in page] == [two_areas["inside"]]


def test_a_kecamatan_scope_sees_its_desa_and_an_empty_scope_sees_nothing(registry, two_areas):
    kecamatan = area.parse({"kecamatan_codes": [two_areas["kecamatan"]]})
    nothing = area.parse({})

    with _session() as session:
        found = search.search(session, {"limit": 100}, kecamatan)
        assert households.get(session, two_areas["inside"], kecamatan)["id"] == two_areas["inside"]
        assert search.search(session, {"limit": 100}, nothing) == []
        with pytest.raises(errors.NotFound):
            households.get(session, two_areas["inside"], nothing)

    assert {h["kecamatan_code"] for h in found} == {two_areas["kecamatan"]}
    assert len(found) == scalar(
        registry,
        "SELECT count(*) FROM households WHERE kecamatan_code = :k",
        k=two_areas["kecamatan"],
    )


def test_a_malformed_scope_is_refused_not_read_as_the_whole_district(
    registry, two_areas, registry_service, amqp_uri
):
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as rpc:
        answer = rpc.registry.get_household(two_areas["outside"], scope="everything")
        typo = rpc.registry.search_households({}, scope={"desa": [two_areas["desa"]]})

    assert answer["error"] == "invalid" and "scope" in answer["fields"]
    assert typo["error"] == "invalid" and "scope" in typo["fields"]


def _member(desa: str, serial: int = 1) -> dict[str, str]:
    return {
        "nik": f"640804200190{serial:04d}",
        "nama": "ANDI",
        "no_kk": f"640804010120{serial:04d}",
        "jenis_kelamin": "L",
        "tanggal_lahir": "20-01-1990",
        "hubungan": "Kepala Keluarga",
        "kode_desa": desa,
    }


def _register(members, scope):
    def register():
        with db.session_scope("registry") as session:  # rolled back when refused
            return registration.register(session, members, "op", scope)

    return _outcome(register)


def test_registering_outside_the_area_is_refused_naming_kode_desa(registry, two_areas):
    operator = area.parse(two_areas["operator"])
    elsewhere = next(
        d for d in reference.desa() if d.kecamatan_code != two_areas["kecamatan"] and d.bps_code
    )
    before = scalar(registry, "SELECT count(*) FROM households")

    by_code = _register([_member(elsewhere.code)], operator)
    by_bps = _register(  # another code for it: the check follows the desa the import resolved
        [{**_member(elsewhere.bps_code, serial=2)}], operator
    )
    inside = _register([_member(two_areas["desa"])], operator)

    assert by_code["error"] == "refused" and by_code["code"] == "out_of_scope"
    assert by_code["fields"] == {"members[0]": {"kode_desa": [errors.OUTSIDE]}}
    assert "outside your area" in by_code["message"]
    assert by_bps["code"] == "out_of_scope"
    assert len(inside["household_ids"]) == 1
    assert scalar(registry, "SELECT count(*) FROM households") == before + 1
    assert (
        scalar(
            registry, "SELECT desa_code FROM households WHERE id = :h", h=inside["household_ids"][0]
        )
        == two_areas["desa"]
    )


def test_a_new_member_cannot_join_a_household_outside_the_area(registry, two_areas):
    """Joining by the No. KK of a household elsewhere would change a household the caller may
    not see: refused like a desa outside."""
    operator = area.parse(two_areas["operator"])
    outside = two_areas["outside"]
    kk = str(scalar(registry, "SELECT no_kk FROM households WHERE id = :h", h=outside))
    members_before = scalar(
        registry, "SELECT count(*) FROM people WHERE household_id = :h", h=outside
    )
    newcomer = {**_member(two_areas["desa"], serial=7), "no_kk": kk, "hubungan": "Anak"}

    refused = _register([newcomer], operator)

    assert refused["error"] == "refused" and refused["code"] == "out_of_scope"
    assert (
        scalar(registry, "SELECT count(*) FROM people WHERE household_id = :h", h=outside)
        == members_before
    )


def test_a_conflict_of_a_household_outside_is_not_found(registry, two_areas):
    operator = area.parse(two_areas["operator"])
    with registry.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO conflicts (household_id, field, kept_value, other_value) "
            f"VALUES ({two_areas['outside']}, 'desil', '1', '2')"
        )
    conflict = scalar(registry, "SELECT id FROM conflicts")

    with _session() as session:
        with pytest.raises(errors.NotFound):
            conflicts.resolve_conflict(session, conflict, "2", "op", operator)
        resolved = conflicts.resolve_conflict(session, conflict, "2", "admin")

    assert resolved["value"] == "2"


def test_a_member_without_a_desa_is_refused_naming_the_field(registry, two_areas):
    """No place column at all (the gateway's schemathesis run found it crashing the pipeline)."""
    member = {k: v for k, v in _member(two_areas["desa"], serial=7).items() if k != "kode_desa"}
    before = scalar(registry, "SELECT count(*) FROM households")

    refused = _register([member], None)

    assert refused["error"] == "invalid"
    assert "desa/kelurahan is blank" in str(refused["fields"]["members[0]"])
    assert scalar(registry, "SELECT count(*) FROM households") == before
