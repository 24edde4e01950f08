"""A district's monthly re-import into a registry that already holds its families (issue 2):
most households come again, some with changed values, some are new. Every known person is
matched by NIK, every change kept as a conflict once, one ``household_merged`` per household
that changed, and the same answers whether the registry's rows are probed by index (a file
small beside the registry) or read and hashed (a file as large as the registry)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.registry.use_cases.importing import batches, loading
from sipmas_cli import synthetic
from tests.registry.conftest import query, scalar

KK, DESIL, STATUS_KAWIN = 7, 8, 15  # DTSEN columns (services.registry.domain.sources.DTSEN)
REGISTERED, KNOWN, NEW = 400, 20, 10  # households: in the registry, sent again, new


def households(path: Path) -> tuple[bytes, list[list[bytes]]]:
    """The header and the file's rows grouped by household (consecutive rows, one No. KK)."""
    header, *lines = path.read_bytes().splitlines(keepends=True)
    groups: list[list[bytes]] = []
    for line in lines:
        if groups and line.split(b";")[KK] == groups[-1][0].split(b";")[KK]:
            groups[-1].append(line)
        else:
            groups.append([line])
    return header, groups


def changed(group: list[bytes]) -> list[bytes]:
    """The household with another desil, and its head's marital status changed."""
    rows = [line.split(b";") for line in group]
    desil = str(int(rows[0][DESIL]) % 10 + 1).encode()
    for row in rows:
        row[DESIL] = desil
    rows[0][STATUS_KAWIN] = b"2" if rows[0][STATUS_KAWIN] == b"1" else b"1"
    return [b";".join(row) for row in rows]


@pytest.fixture
def monthly(registry, tmp_path):
    """A registry of REGISTERED households and a later file: KNOWN of them (every other one
    changed), then NEW households; returns (file, changed household count, new people)."""
    first = tmp_path / "registry.csv"
    synthetic.write_file("dtsen", REGISTERED, first, seed=61)
    batches.import_file("dtsen", first, actor="test")
    later = tmp_path / "later.csv"
    synthetic.write_file("dtsen", REGISTERED + NEW, later, seed=61)  # the same families first
    header, groups = households(later)
    known = groups[: REGISTERED : REGISTERED // KNOWN][:KNOWN]
    new = groups[REGISTERED:]
    monthly = tmp_path / "monthly.csv"
    with open(monthly, "wb") as out:
        out.write(header)
        for number, group in enumerate(known):
            out.writelines(changed(group) if number % 2 == 0 else group)
        for group in new:
            out.writelines(group)
    return monthly, len(known[::2]), sum(len(g) for g in new)


@pytest.mark.parametrize("share", [1e9, 0.0], ids=["probe-by-index", "read-and-hash"])
def test_a_monthly_file_merges_known_families_and_registers_new_ones(
    registry, monthly, monkeypatch, share
):
    path, changes, new_people = monthly
    monkeypatch.setattr(loading, "BY_INDEX_SHARE", share)
    people_before = scalar(registry, "SELECT count(*) FROM people")
    outbox_before = scalar(registry, "SELECT max(id) FROM outbox")

    summary = batches.import_file("dtsen", path, actor="test")

    assert (summary.households_registered, summary.households_merged) == (NEW, KNOWN)
    assert summary.rejected == 0 and summary.imported == new_people
    assert summary.merged == changes  # the changed heads' rows; every other row is unchanged
    assert summary.unchanged == summary.rows_read - new_people - changes
    assert scalar(registry, "SELECT count(*) FROM households") == REGISTERED + NEW
    assert scalar(registry, "SELECT count(*) FROM people") == people_before + new_people
    conflicts = query(registry, "SELECT field, count(*) AS n FROM conflicts GROUP BY field")
    assert {c.field: c.n for c in conflicts} == {"desil": changes, "status_kawin": changes}
    events = [
        (r.routing_key, json.loads(r.body) if isinstance(r.body, str) else r.body)
        for r in query(
            registry,
            "SELECT routing_key, body FROM outbox WHERE id > :i ORDER BY id",
            i=outbox_before,
        )
    ]
    merged = [body["data"] for key, body in events if key == "household_merged"]
    assert len(merged) == changes  # the unchanged families say nothing
    assert all(m["conflicts"] == ["desil", "status_kawin"] for m in merged)
    assert all(m["matched_by"] == "nik" and m["new_members"] == 0 for m in merged)
    assert sum(key == "household_registered" for key, _ in events) == NEW


def test_the_same_changes_again_add_no_conflict_and_rewrite_nothing(registry, monthly, tmp_path):
    path, changes, _ = monthly
    batches.import_file("dtsen", path, actor="test")
    conflicts = scalar(registry, "SELECT count(*) FROM conflicts")
    touched = query(registry, "SELECT id, updated_at FROM households ORDER BY id")
    people = query(registry, "SELECT nik, updated_at, provenance FROM people ORDER BY nik")
    again = tmp_path / "again.csv"
    again.write_bytes(path.read_bytes() + b"\r\n")  # another file, the same rows

    summary = batches.import_file("dtsen", again, actor="test")

    assert summary.status == "completed" and summary.imported == 0
    assert summary.households_registered == 0 and summary.households_merged == KNOWN + NEW
    assert scalar(registry, "SELECT count(*) FROM conflicts") == conflicts == 2 * changes
    assert query(registry, "SELECT id, updated_at FROM households ORDER BY id") == touched
    # a person whose differences are all conflicts keeps every value and is not rewritten
    assert query(registry, "SELECT nik, updated_at, provenance FROM people ORDER BY nik") == people


def test_a_family_of_new_people_under_a_known_no_kk_joins_that_household(registry, tmp_path):
    first = tmp_path / "registry.csv"
    synthetic.write_file("dtsen", REGISTERED, first, seed=62)
    batches.import_file("dtsen", first, actor="test")
    later = tmp_path / "later.csv"
    synthetic.write_file("dtsen", REGISTERED + 1, later, seed=62)
    header, groups = households(later)
    kk = groups[REGISTERED // 2][0].split(b";")[KK]
    newcomers = [b";".join([*line.split(b";")[:KK], kk, *line.split(b";")[KK + 1 :]])
                 for line in groups[REGISTERED]]  # fmt: skip
    path = tmp_path / "newcomers.csv"
    path.write_bytes(header + b"".join(newcomers))
    household = scalar(registry, "SELECT id FROM households WHERE no_kk = :k", k=int(kk))

    summary = batches.import_file("dtsen", path, actor="test")

    assert (summary.households_registered, summary.households_merged) == (0, 1)
    assert summary.imported == len(newcomers)
    joined = scalar(
        registry, "SELECT count(*) FROM people WHERE batch_id = :b AND household_id = :h",
        b=summary.batch_id, h=household,
    )  # fmt: skip
    assert joined == len(newcomers)
    event = query(registry, "SELECT body FROM outbox WHERE routing_key = 'household_merged'")
    body = event[0].body if isinstance(event[0].body, dict) else json.loads(event[0].body)
    assert len(event) == 1 and body["data"]["matched_by"] == "no_kk"
    assert body["data"]["new_members"] == len(newcomers)
