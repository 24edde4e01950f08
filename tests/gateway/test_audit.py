"""The audit log on the real database: appended under a lock, refused any change, and every
tampering — a changed, deleted or swapped entry — caught and named by ``sipmas audit verify``."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from services.gateway.domain.users import Principal
from services.gateway.use_cases import audit
from sipmas import db
from tests.gateway.conftest import DESA, rows, sipmas, superuser

OPERATOR = Principal("op1", "operator", desa_codes=(DESA,), token_id=1)
SUPERVISOR = Principal("sup1", "supervisor", token_id=2)


def write_log(count: int = 6) -> None:
    with db.session_scope("gateway") as session:
        for n in range(1, count + 1):
            audit.record(
                session,
                OPERATOR if n % 2 else SUPERVISOR,
                "GET /api/v1/households/{id}",
                household_ids=[100 + n],
                subject=f"household {100 + n}",
                outcome=200,
                request_id=f"req-{n}",
            )


def verify() -> audit.Verdict:
    with db.session_scope("gateway") as session:
        return audit.verify(session)


def test_entries_are_numbered_chained_and_verified(gateway):
    write_log(6)
    found = rows(gateway, "SELECT seq, actor, role, household_ids, prev_hash, hash FROM audit_log")
    assert [r.seq for r in found] == [1, 2, 3, 4, 5, 6]
    assert [r.actor for r in found[:2]] == ["op1", "sup1"]
    assert found[0].prev_hash == audit.GENESIS
    assert all(
        later.prev_hash == earlier.hash for earlier, later in zip(found, found[1:], strict=False)
    )
    verdict = verify()
    assert (verdict.ok, verdict.checked, verdict.head) == (True, 6, found[-1].hash)

    done = sipmas("audit", "verify")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK, 6 entries")


def test_an_empty_log_verifies(gateway):
    done = sipmas("audit", "verify")
    assert (done.returncode, done.stdout.split(" (")[0]) == (0, "OK, 0 entries")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'someone' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 2",
        "TRUNCATE audit_log",
    ],
)
def test_the_log_refuses_every_change(gateway, statement):
    write_log(3)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), gateway.begin() as conn:
        conn.execute(sa.text(statement))
    assert verify().checked == 3


def test_no_nik_is_written(gateway):
    with db.session_scope("gateway") as session:
        audit.record(
            session,
            OPERATOR,
            "search nik=6408041203850001",
            household_ids=[7],
            subject="nik=6408041203850001 name=SITI",
            outcome=200,
            request_id="r",
        )
    dump = " ".join(str(value) for value in rows(gateway, "SELECT * FROM audit_log")[0])
    assert "6408041203850001" not in dump
    assert "nik=6408********0001 name=SITI" in dump


def test_concurrent_requests_append_one_after_the_other(gateway):
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                with db.session_scope("gateway") as session:
                    principal = Principal(f"user{n}", "viewer")
                    audit.record(
                        session,
                        principal,
                        "GET /x",
                        household_ids=[],
                        subject="",
                        outcome=200,
                        request_id=f"{n}-{i}",
                    )
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    verdict = verify()
    assert (verdict.ok, verdict.checked) == (True, 60)


# --- tampering, as someone with the superuser password would do it ------------------------------

SWAP_2_AND_4 = (
    "UPDATE audit_log SET seq = 1000004 WHERE seq = 4",
    "UPDATE audit_log SET seq = 4 WHERE seq = 2",
    "UPDATE audit_log SET seq = 2 WHERE seq = 1000004",
)
SWAP_LAST_TWO = (
    "UPDATE audit_log SET seq = 1000006 WHERE seq = 6",
    "UPDATE audit_log SET seq = 6 WHERE seq = 5",
    "UPDATE audit_log SET seq = 5 WHERE seq = 1000006",
)


@pytest.mark.parametrize(
    ("tampering", "expected"),
    [
        (["UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3"], "entry 3: changed"),
        (["UPDATE audit_log SET household_ids = '{999}' WHERE seq = 1"], "entry 1: changed"),
        (["DELETE FROM audit_log WHERE seq = 3"], "entry 3: deleted"),
        (["DELETE FROM audit_log WHERE seq = 1"], "entry 1: deleted"),
        (
            [
                "DELETE FROM audit_log WHERE seq = 3",
                "UPDATE audit_log SET seq = seq - 1 WHERE seq > 3",
            ],
            "entry 3: deleted",
        ),
        (SWAP_2_AND_4, "entry 2: reordered"),
        (SWAP_LAST_TWO, "entry 5: reordered"),
    ],
    ids=[
        "changed",
        "first-changed",
        "deleted",
        "first-deleted",
        "deleted-and-renumbered",
        "swapped",
        "last-two-swapped",
    ],
)
def test_tampering_is_caught_and_named(gateway, tampering, expected):
    write_log(6)
    with superuser(gateway) as conn:
        for statement in tampering:
            conn.execute(sa.text(statement))

    done = sipmas("audit", "verify")
    assert done.returncode == 1
    assert f"BROKEN at {expected}" in done.stderr, done.stderr
    assert done.stdout == ""


def test_a_changed_entry_with_its_hash_recomputed_is_caught_by_its_successor(gateway):
    write_log(6)
    [row] = rows(gateway, "SELECT * FROM audit_log WHERE seq = 3")
    forged = audit._Entry(
        **({name: getattr(row, name) for name in audit.FIELDS} | {"outcome": 403})
    )
    with superuser(gateway) as conn:
        conn.execute(
            sa.text("UPDATE audit_log SET outcome = 403, hash = :h WHERE seq = 3"),
            {"h": audit.entry_hash(forged)},
        )
    verdict = verify()
    assert (verdict.ok, verdict.first_bad_seq, verdict.problem, verdict.checked) == (
        False,
        3,
        "changed",
        2,
    )
