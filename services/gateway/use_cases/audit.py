"""The audit trail: every access to a person's data, append-only and hash-chained.

Each entry's ``hash`` is SHA-256 over the previous entry's hash followed by the canonical JSON of
the entry (its ``seq``, time, actor, role, action, subject, households, outcome, request id and
``prev_hash``). Changing an entry breaks its own hash; deleting one leaves a gap in ``seq`` (or a
link to nothing); moving one puts a hash where another was expected. A trigger refuses UPDATE,
DELETE and TRUNCATE; the chain catches what a superuser does anyway.

Entries are numbered without gaps under a transaction-scoped advisory lock, so concurrent
requests (several gateway replicas) append one after the other. Call :func:`record` last in a
short transaction: the lock is held until it commits.

What the chain cannot see on its own is the newest entries cut off together; ``verify`` returns
the head hash, which an operator can note (or publish) to compare with later.

A NIK never enters the log: any 15-16 digit number in ``action`` or ``subject`` is masked
(``nik=6408********0003``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from services.gateway.domain.users import Principal
from services.gateway.models import AuditEntry
from sipmas import nik

GENESIS = "0" * 64  # the prev_hash of entry 1
LOCK_KEY = 0x5349504D4153  # "SIPMAS": pg_advisory_xact_lock key of the audit log
PAGE = 5000  # entries read per query by verify
FIELDS = (
    "seq",
    "at",
    "actor",
    "role",
    "action",
    "subject",
    "household_ids",
    "outcome",
    "request_id",
    "prev_hash",
)
_NIK_LIKE = re.compile(r"(?<!\d)\d{15,16}(?!\d)")

_table = AuditEntry.__table__
# The lock, then the head read in a statement of its own (under READ COMMITTED each statement
# sees what was committed before it started: after the lock, the true head), sent together in
# one round trip: every search is audited, and a round trip is a good part of an append.
_LOCKED_HEAD = (
    "SELECT pg_advisory_xact_lock(%(key)s); "
    "SELECT clock_timestamp() AS at, "
    "(SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1) AS seq, "
    "(SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS hash"
)
_INSERT = (  # straight to the driver: no statement to build and compile per request
    f"INSERT INTO audit_log ({', '.join(FIELDS)}, hash) "
    f"VALUES ({', '.join(f'%({name})s' for name in FIELDS)}, %(hash)s)"
)


def scrub(text: str | None) -> str | None:
    """Mask anything that looks like a NIK (or a NIK that lost a digit)."""
    return None if text is None else _NIK_LIKE.sub(lambda m: nik.mask(m.group()), text)


def canonical(entry: Any) -> bytes:
    """The canonical JSON of an entry (a row or anything with :data:`FIELDS` as attributes)."""
    at = entry.at.astimezone(UTC).isoformat(timespec="microseconds")
    body = {name: getattr(entry, name) for name in FIELDS} | {
        "at": at,
        "household_ids": [int(h) for h in entry.household_ids or ()],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: Any) -> str:
    return hashlib.sha256(entry.prev_hash.encode() + canonical(entry)).hexdigest()


@dataclass(frozen=True)
class _Entry:
    seq: int
    at: datetime
    actor: str
    role: str | None
    action: str
    subject: str | None
    household_ids: list[int]
    outcome: int | None
    request_id: str | None
    prev_hash: str


def record(
    session: Any,
    principal: Principal | None,
    action: str,
    *,
    household_ids: Sequence[int],
    subject: str,
    outcome: int,
    request_id: str,
) -> int:
    """Append one entry in the caller's transaction; returns its ``seq``.

    ``principal`` None: a request that named no valid user (``actor`` is then ``anonymous``).
    """
    connection = session.connection()
    head = connection.exec_driver_sql(_LOCKED_HEAD, {"key": LOCK_KEY}).one()
    entry = _Entry(
        seq=(head.seq or 0) + 1,
        at=head.at,
        actor=principal.username if principal else "anonymous",
        role=principal.role if principal else None,
        action=scrub(action) or "",
        subject=scrub(subject),
        household_ids=sorted({int(h) for h in household_ids}),
        outcome=outcome,
        request_id=request_id,
        prev_hash=head.hash or GENESIS,
    )
    values = {name: getattr(entry, name) for name in FIELDS}
    connection.exec_driver_sql(_INSERT, {**values, "hash": entry_hash(entry)})
    return entry.seq


# --- verifying the chain ------------------------------------------------------------------------

CHANGED, DELETED, REORDERED = "changed", "deleted", "reordered"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int  # entries found intact (all of them when ok)
    first_bad_seq: int | None = None
    problem: str | None = None  # changed | deleted | reordered
    detail: str = ""
    head: str | None = None  # when ok, the newest hash: note it to detect a cut-off tail later

    def text(self) -> str:
        if self.ok:
            return f"OK, {self.checked} entries (head {self.head})"
        return (
            f"BROKEN at entry {self.first_bad_seq}: {self.problem} — {self.detail} "
            f"(the {self.checked} before it intact)"
        )


def verify(session: Any) -> Verdict:
    """Walk the chain in ``seq`` order; the first entry that does not hold says what happened:

    - **deleted**: a number is missing, or an entry links to an entry that is not there;
    - **reordered**: an intact entry sits at another number than the one it was written with,
      or links to an entry that is elsewhere in the log;
    - **changed**: an entry's content no longer matches its hash, or it is not the entry its
      successor was chained to (changed, and its hash recomputed).
    """
    expected, prev_hash, checked = 1, GENESIS, 0
    for row in _entries(session):
        if row.seq != expected:
            missing = (
                f"entry {expected} is"
                if row.seq == expected + 1
                else f"entries {expected}-{row.seq - 1} are"
            )
            return _bad(checked, expected, DELETED, f"{missing} missing")
        if entry_hash(row) != row.hash:
            return _misplaced_or_changed(session, row, checked)
        if row.prev_hash != prev_hash:
            return _broken_link(session, row, checked)
        expected, prev_hash, checked = expected + 1, row.hash, checked + 1
    return Verdict(True, checked, head=prev_hash)


def _bad(checked: int, seq: int, problem: str, detail: str) -> Verdict:
    return Verdict(False, checked, seq, problem, detail)


def _entries(session: Any) -> Iterator[Row]:
    """Every entry in ``seq`` order, a page at a time (the log grows without bound)."""
    last = 0
    while True:
        page = session.execute(
            sa.select(_table).where(_table.c.seq > last).order_by(_table.c.seq).limit(PAGE)
        ).all()
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1].seq


def _by(session: Any, column: str, value: str) -> Row | None:
    return session.execute(
        sa.select(_table).where(_table.c[column] == value).order_by(_table.c.seq).limit(1)
    ).first()


def _last_seq(session: Any) -> int:
    return session.scalar(sa.select(sa.func.coalesce(sa.func.max(_table.c.seq), 0)))


def _written_at(session: Any, row: Row) -> int | None:
    """The number an entry whose hash fails at its place was written with, if it is intact."""
    predecessor = _by(session, "hash", row.prev_hash)
    successor = _by(session, "prev_hash", row.hash)
    candidates = [
        1 if row.prev_hash == GENESIS else None,
        predecessor.seq + 1 if predecessor is not None else None,
        successor.seq - 1 if successor is not None else None,
    ]
    # both neighbours may have moved too: then try every number the log could have held
    for seq in [c for c in candidates if c] + list(range(1, _last_seq(session) + 2)):
        moved = _Entry(**({name: row._mapping[name] for name in FIELDS} | {"seq": seq}))
        if seq != row.seq and entry_hash(moved) == row.hash:
            return seq
    return None


def _links_to_known(session: Any, row: Row) -> Row | None:
    if row.prev_hash == GENESIS:
        return row  # the first entry ever written: it links to nothing, legitimately
    return _by(session, "hash", row.prev_hash)


def _misplaced_or_changed(session: Any, row: Row, checked: int) -> Verdict:
    written_at = _written_at(session, row)
    if written_at is None:
        return _bad(checked, row.seq, CHANGED, f"entry {row.seq} does not match its hash")
    if _links_to_known(session, row) is None:
        detail = (
            f"entry {row.seq} was written as entry {written_at}; the entry before it is gone "
            "and the rest renumbered"
        )
        return _bad(checked, row.seq, DELETED, detail)
    detail = f"entry {row.seq} holds what was written as entry {written_at}"
    return _bad(checked, row.seq, REORDERED, detail)


def _broken_link(session: Any, row: Row, checked: int) -> Verdict:
    """An intact entry at its own number whose link does not match the entry before it."""
    linked = _links_to_known(session, row)
    if linked is not None:
        at = "the start" if row.prev_hash == GENESIS else f"entry {linked.seq}"
        detail = f"entry {row.seq} was chained after {at}, not after entry {row.seq - 1}"
        return _bad(checked, row.seq, REORDERED, detail)
    if row.seq == 1:
        detail = "entry 1 links to an entry that is not there: the first entries are gone"
        return _bad(checked, 1, DELETED, detail)
    detail = (
        f"entry {row.seq - 1} is not the entry that entry {row.seq} was chained to: "
        "changed and its hash recomputed"
    )
    return _bad(checked - 1, row.seq - 1, CHANGED, detail)
