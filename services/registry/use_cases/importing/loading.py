"""The set-based import: COPY the file into its raw table, check every row, merge, emit events.

One database transaction per file: a crash leaves nothing half-imported, and the events of the
import (one ``household_registered`` per new household, ``household_merged`` per matched one,
``import_completed``) are written to the outbox in that same transaction.

Matching, in order: a row whose NIK is known is that person (one NIK is one person); a group of
rows (a No. KK, or P3KE's family id) joins the known household most of its members belong to,
else the household with its No. KK, else it is a new household. A known person's differing
value is kept as a conflict for a person to resolve; a value the registry lacked is filled, with
its provenance; a person who turns up under another household moves, with dated KK history.

Runs outside the eventlet hub (COPY cannot run on a green connection): the CLI, or a subprocess.

Speed (a million rows in ~17 s on two cores, issue 2): the checks run in parallel workers over
unlogged work tables (``_work_table``), and a first import into an empty registry builds the
indexes after the rows (``_bulk_load``). ``SIPMAS_PROFILE=1`` logs each statement's time.
A re-import into a full registry costs what its file costs: the registry's rows are reached by
index for a file small beside it (``_small_file``), the differences are joined per household
rather than looked up per row, and households and people with nothing new are not rewritten.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import psycopg2
import psycopg2.errors
from psycopg2.extras import execute_values

from services.registry.domain import places, row_checks, vocabulary
from services.registry.domain.import_summary import Summary
from services.registry.domain.sources import (
    ASSET_FIELDS,
    ENTRY_FORMATS,
    FIELDS,
    FORMATS,
    HOUSING_FIELDS,
    PROGRAMME_FIELDS,
    SourceFormat,
)
from services.registry.use_cases.importing import files
from sipmas import events, nik

log = logging.getLogger(__name__)
EXCHANGE = "registry.events"
PROFILE = os.environ.get("SIPMAS_PROFILE", "")  # "1": statement times; "explain": plans
BULK_LOAD_ROWS = 50_000  # rows from which an empty table is loaded first and indexed after
BY_INDEX_SHARE = 0.03  # a file below this share of the registry's people probes its NIK index
# what person_diff compares of a known person, read once with the NIK lookup
KNOWN_VALUES = (
    "p.nama, p.jenis_kelamin, p.tanggal_lahir, p.hubungan, p.status_kawin, p.no_kk, p.pmks, "
    "p.kk_since, p.provenance, p.batch_id AS person_batch, p.row_no AS person_row"
)
Progress = Callable[[str], None]


class Tracking(Protocol):
    """Who follows a run (``runs.Tracker``): each step as it begins, the rows read so far."""

    def stage(self, name: str) -> None: ...

    def rows_read(self, count: int) -> None: ...


class Importer:
    """One import run on one psycopg2 connection (autocommit off). ``batch_id``: the id its
    batch takes (a background run's, reserved before it started); ``tracker``: who follows."""

    def __init__(
        self,
        connection,
        progress: Progress | None = None,
        tracker: Tracking | None = None,
        batch_id: int | None = None,
    ):
        self.conn = connection
        self.cur = connection.cursor()
        self.progress = progress or (lambda _message: None)
        self.tracker = tracker
        self.batch_id = batch_id
        self.timings: dict[str, float] = {}
        self._work: dict[str, str] = {}  # the work tables of the import: name → table
        self._small: bool | None = None  # the file is small beside the registry: _small_file
        self._tune_session()

    def _tune_session(self) -> None:
        """Memory for a million-row import: without it every hash join and the checked rows
        spill to disk (defaults: work_mem 4 MB, temp_buffers 8 MB). The commit need not wait
        for its WAL to reach the disk: a crash in that instant loses the whole import, which
        is then simply run again (nothing is half-imported, and nothing was published)."""
        self.cur.execute(
            "SET LOCAL work_mem = %s", (os.environ.get("SIPMAS_IMPORT_WORK_MEM", "256MB"),)
        )
        self.cur.execute("SET LOCAL synchronous_commit = off")
        self.cur.execute("SET LOCAL maintenance_work_mem = '256MB'")  # index builds in memory
        try:
            self.cur.execute("SAVEPOINT tune; SET temp_buffers = '1GB'; RELEASE SAVEPOINT tune")
        except psycopg2.Error:  # the session already used temp tables: keep what it has
            self.cur.execute("ROLLBACK TO SAVEPOINT tune")

    # -- the run -------------------------------------------------------------------------------

    def import_file(self, source: str, path: Path, actor: str, filename: str | None = None):
        fmt = FORMATS[source]
        shape = files.inspect(path, fmt)
        name = filename or Path(path).name
        previous = self._completed_batch(source, shape.sha256)
        if previous is not None:
            return self._record_duplicate(source, name, shape.sha256, actor, previous)
        batch_id = self._open_batch(source, name, shape.sha256, actor)
        with self._step("copy"):
            broken = self._load_raw(batch_id, shape)
        summary = self._process(batch_id, fmt, name, shape, broken)
        summary.file_warnings += [
            {"code": "column_unknown", "column": h} for h in shape.unknown_headers
        ]
        self._close_batch(summary)
        self.conn.commit()
        return summary

    def import_rows(
        self,
        source: str,
        rows: list[dict[str, str | None]],
        actor: str,
        label: str,
        commit: bool = True,
    ) -> Summary:
        """Import rows given as ``{canonical field: text}`` (Pemda entries) through the same
        checks and matching as a file; row numbers count from 1. Commits only when asked."""
        fmt = ENTRY_FORMATS[source]
        present = sorted({f for row in rows for f in row if f in FIELDS})
        batch_id = self._open_batch(source, label, None, actor)
        table = f"raw_rows.b{batch_id}"
        self._exec(
            f"CREATE TABLE {table} (row_no int, " + ", ".join(f'"{f}" text' for f in present) + ")"
        )
        execute_values(
            self.cur,
            f"INSERT INTO {table} (row_no, {', '.join(present)}) VALUES %s",
            [(n, *(_text(row.get(f)) for f in present)) for n, row in enumerate(rows, start=1)],
        )
        shape = files.FileShape(Path(label), "utf-8", ",", present, present, 0, "")
        summary = self._process(batch_id, fmt, label, shape, [])
        self._close_batch(summary)
        if commit:
            self.conn.commit()
        return summary

    def problems(self, batch_id: int) -> list[tuple[int, str, str, str]]:
        """(row, column, code, severity) of a batch, in the open transaction."""
        self.cur.execute(
            "SELECT row_no, column_name, code, severity FROM import_problems "
            "WHERE batch_id = %s ORDER BY row_no, column_name",
            (batch_id,),
        )
        return self.cur.fetchall()

    def _process(self, batch_id: int, fmt: SourceFormat, name: str, shape, broken) -> Summary:
        present = {c for c in shape.fields if c in FIELDS}
        headers = dict(zip(shape.fields, shape.header, strict=True))
        self._temp_view("raw", f"raw_rows.b{batch_id}")
        self._work, self._small = {}, None
        with self._step("lookups"), self._parallel():
            self._analyze_raw(batch_id, present)
            self._place_lookup(batch_id, present)
            self._pmks_lookup(batch_id)
            if "tanggal_lahir" in present:
                self._work_table(batch_id, "birth_dates", "AS " + row_checks.birth_dates_sql())
            self._exec("ANALYZE " + ", ".join(self._work.values()))
        with self._step("check"):
            checked = row_checks.checked_sql(present, fmt.code, fmt.required)
            with self._parallel():
                self._work_table(batch_id, "checked", "AS " + checked)
            # the statistics the plans rest on, not more
            self._exec(f"ANALYZE {self._work['checked']} (row_no, nik, hh_key, errors, warnings)")
            self._mark_duplicates()
        summary = Summary(batch_id=batch_id, source=fmt.code, filename=name, status="completed")
        with self._step("report"):
            self._record_problems(batch_id, broken, headers)
            summary.file_warnings = self._file_warnings(batch_id)
        with self._step("households"):
            with self._parallel():
                self._group(batch_id, present)
            self._mark_new_sources(fmt.code)
            households, people = self._new_rows()
            with self._bulk_load("households", households):
                self._insert_households(batch_id, fmt)
        with self._step("people"), self._bulk_load("people", people):
            self._insert_people(batch_id)
        with self._step("merge"):
            self._merge_people(batch_id)
            self._merge_households(batch_id, fmt.code)
        with self._step("events"), self._bulk_load("outbox", households):
            self._emit_household_events(batch_id, fmt.code, present)
        with self._step("count"):
            self._count(summary, broken)
        self._exec("DROP VIEW " + ", ".join(f"pg_temp.{v}" for v in ("raw", *self._work)))
        self._exec("DROP TABLE " + ", ".join(self._work.values()))
        return summary

    def _work_table(self, batch_id: int, name: str, definition: str) -> str:
        """A table of this import, seen as ``name`` in its queries and dropped at its end.

        Unlogged, not temp: parallel workers cannot read temp tables, and the checks and the
        joins over the checked rows are shared with them. (Unlogged costs no WAL either; a
        crash takes it away with the rest of the uncommitted import.)"""
        table = f"raw_rows.b{batch_id}_{name}"
        self._exec(f"CREATE UNLOGGED TABLE {table} {definition}")
        self._temp_view(name, table)
        self._work[name] = table
        return table

    def _temp_view(self, name: str, table: str) -> None:
        """``name`` for ``table`` in this session's queries (temp views outlive a transaction)."""
        self._exec(f"DROP VIEW IF EXISTS pg_temp.{name}")
        self._exec(f"CREATE TEMP VIEW {name} AS SELECT * FROM {table}")

    @contextmanager
    def _parallel(self) -> Iterator[None]:
        """Let the planner share the checks of the raw rows with parallel workers (~2.5 s less
        per million rows on two cores). Its default costs think shipping a million rows to
        the leader too dear for any parallel plan."""
        self._exec("SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0.001")
        yield
        self._exec("RESET parallel_setup_cost; RESET parallel_tuple_cost")

    def _small_file(self) -> bool:
        """Whether the file is small beside the registry (a district's monthly re-import into
        a province's registry): then its known rows are found by one index probe each, so
        the import costs what the file costs. The planner would rather read and hash every
        person or household (its costs price a random page at four sequential ones), which
        costs what the registry costs; for a file as large as the registry that is right."""
        if self._small is not None:
            return self._small
        self.cur.execute(
            "SELECT (SELECT count(*) FROM checked), (SELECT CASE WHEN reltuples >= 0 "
            "THEN reltuples::bigint ELSE (SELECT count(*) FROM people) END "
            "FROM pg_class WHERE oid = 'people'::regclass)"
        )
        rows, people = self.cur.fetchone()
        self._small = rows < BY_INDEX_SHARE * people
        return self._small

    def _people_by_nik(self) -> str:
        """SQL: checked rows ``c`` joined to the registry's ``people p`` by NIK (``OFFSET 0``
        keeps the probing subquery from being flattened into a hash join)."""
        if self._small_file():
            return "CROSS JOIN LATERAL (SELECT * FROM people p WHERE p.nik = c.nik OFFSET 0) p"
        return "JOIN people p ON p.nik = c.nik"

    def _households_by_id(self, key: str) -> str:
        """SQL: the join to the registry's ``households h`` whose id is ``key`` (probed by
        primary key for a small file: see ``_small_file``)."""
        if self._small_file():
            return f"CROSS JOIN LATERAL (SELECT * FROM households h WHERE h.id = {key} OFFSET 0) h"
        return f"JOIN households h ON h.id = {key}"

    # -- loading -------------------------------------------------------------------------------

    def _load_raw(self, batch_id: int, shape: files.FileShape) -> list[int]:
        """COPY the file into ``raw_rows.b<batch>``; returns the row numbers of broken rows.

        The rows are numbered by a sequence that hands this one session 10,000 numbers at a
        time: still consecutive, without a sequence update per row."""
        table = f"raw_rows.b{batch_id}"
        cols = ", ".join(f'"{c}" text' for c in shape.fields)
        self._exec(
            f"CREATE TABLE {table} (row_no int GENERATED BY DEFAULT AS IDENTITY "
            f"(START WITH 2 CACHE 10000), {cols})"
        )
        names = ", ".join(f'"{c}"' for c in shape.fields)
        options = f"FORMAT csv, DELIMITER {row_checks.lit(shape.delimiter)}"
        self._exec("SAVEPOINT copy")
        try:
            with files.data_stream(shape) as stream:
                self.cur.copy_expert(
                    f"COPY {table} ({names}) FROM STDIN WITH ({options}, "
                    f"ENCODING '{shape.pg_encoding}')",
                    _Counting(stream, self.tracker.rows_read) if self.tracker else stream,
                    size=(1 << 18) if self.tracker else (1 << 20),  # followed: report often
                )
            self._exec("RELEASE SAVEPOINT copy")
            return []
        except (psycopg2.errors.BadCopyFileFormat, psycopg2.DataError) as error:
            log.info("fast COPY refused (%s); re-reading row by row", type(error).__name__)
            self._exec("ROLLBACK TO SAVEPOINT copy")
            return self._load_sanitised(table, names, options, shape)

    def _load_sanitised(self, table: str, names: str, options: str, shape) -> list[int]:
        broken: list[int] = []
        buffer = _RowStream(files.sanitised_rows(shape), shape.delimiter, broken)
        self.cur.copy_expert(
            f"COPY {table} (row_no, {names}) FROM STDIN WITH ({options}, ENCODING 'UTF8')",
            buffer,
            size=1 << 20,
        )
        return broken

    def _analyze_raw(self, batch_id: int, present: set[str]) -> None:
        """Statistics of the columns the lookups group by, else the planner sorts, not hashes
        (only those: the other columns' statistics cost ~0.4 s per million rows for nothing)."""
        grouped = [f for f in (*row_checks.REGION_COLUMNS, "tanggal_lahir") if f in present]
        self._exec(f"ANALYZE raw_rows.b{batch_id} ({', '.join(['row_no', *grouped])})")

    # -- lookups resolved in Python on distinct values -----------------------------------------

    def _place_lookup(self, batch_id: int, present: set[str]) -> None:
        """The distinct places of the file, resolved in Python."""
        region = [f for f in row_checks.REGION_COLUMNS if f in present]
        table = self._work_table(
            batch_id,
            "place",
            "(kode_kecamatan text, kode_desa text, nama_kecamatan text, nama_desa text, "
            "desa_code text, kecamatan_code text, problem text, warning text)",
        )
        cols = ", ".join(f"coalesce({f}, '')" for f in region) or "''"  # none: one "nowhere"
        self.cur.execute(f"SELECT DISTINCT {cols} FROM raw")
        rows = []
        for values in self.cur.fetchall():
            given = dict(zip(region, values[: len(region)], strict=True))
            found = places.resolve(*(given.get(f) or None for f in row_checks.REGION_COLUMNS))
            rows.append(
                (
                    *(given.get(f, "") for f in row_checks.REGION_COLUMNS),
                    found.desa_code,
                    found.kecamatan_code,
                    found.problem,
                    found.warning,
                )
            )
        execute_values(self.cur, f"INSERT INTO {table} VALUES %s", rows)

    def _pmks_lookup(self, batch_id: int) -> None:
        table = self._work_table(batch_id, "pmks_lookup", "(written text PRIMARY KEY, code text)")
        execute_values(
            self.cur, f"INSERT INTO {table} VALUES %s", list(vocabulary.pmks_readings().items())
        )

    # -- checks and the row report -------------------------------------------------------------

    def _mark_duplicates(self) -> None:
        """A NIK that repeats in the file: the first row stands, the later ones are rejected."""
        self._exec(
            "UPDATE checked c SET errors = c.errors || 'nik:nik_duplicate'::text "
            "FROM (SELECT nik, min(row_no) AS first_row FROM checked WHERE nik IS NOT NULL "
            "GROUP BY nik HAVING count(*) > 1) d WHERE c.nik = d.nik AND c.row_no > d.first_row"
        )

    def _record_problems(self, batch_id: int, broken: list[int], headers: dict) -> None:
        """The row report: every error and warning with the column as the file names it."""
        as_written = " ".join(
            f"WHEN {row_checks.lit(f)} THEN {row_checks.lit(h)}" for f, h in headers.items()
        )
        self._exec(
            f"""
            INSERT INTO import_problems (batch_id, row_no, column_name, code, severity, value)
            SELECT {batch_id}, c.row_no,
                   CASE split_part(p.item, ':', 1) {as_written}
                        ELSE split_part(p.item, ':', 1) END,
                   split_part(p.item, ':', 2),
                   p.severity,
                   CASE WHEN split_part(p.item, ':', 1) IN ('nik', 'no_kk')
                        THEN {nik.mask_sql("v.value")}
                        ELSE left(v.value, 200) END
            FROM checked c
            CROSS JOIN LATERAL (
              SELECT e, 'error' FROM unnest(c.errors) e
              UNION ALL SELECT w, 'warning' FROM unnest(c.warnings) w
            ) p(item, severity)
            JOIN raw r ON r.row_no = c.row_no
            CROSS JOIN LATERAL (SELECT to_jsonb(r) ->> split_part(p.item, ':', 1)) v(value)
            WHERE c.errors <> '{{}}' OR c.warnings <> '{{}}'
            """
        )
        if broken:
            execute_values(
                self.cur,
                "INSERT INTO import_problems (batch_id, row_no, code, severity) VALUES %s",
                [(batch_id, row, "row_columns", "error") for row in broken],
            )

    def _file_warnings(self, batch_id: int) -> list[dict]:
        self.cur.execute(
            "SELECT count(*), bool_and(right(nik_t, 1) = '0') FROM checked "
            f"WHERE length(nik_t) = 16 AND {row_checks.only_digits('nik_t')}"
        )
        valid, all_zero = self.cur.fetchone()
        if valid >= 5 and all_zero:
            self._exec(
                "INSERT INTO import_problems (batch_id, row_no, column_name, code, severity) "
                f"VALUES ({batch_id}, 1, 'nik', 'nik_column_zeroed', 'warning')"
            )
            return [{"code": "nik_column_zeroed", "column": "nik"}]
        return []

    # -- households and people -----------------------------------------------------------------

    def _group(self, batch_id: int, present: set[str]) -> None:
        """One group per household key, its head row, and the known household it matches."""
        self._exec(
            f"""
            CREATE TEMP TABLE grp ON COMMIT DROP AS
            SELECT hh_key, coalesce(min(row_no) FILTER (WHERE hubungan = 'kepala'), min(row_no))
                     AS head_row,
                   count(*) FILTER (WHERE hubungan = 'kepala') AS heads, count(*) AS members,
                   CASE WHEN {row_checks.only_digits("hh_key")} THEN hh_key::bigint END AS kk
            FROM checked WHERE errors = '{{}}' GROUP BY hh_key
            """
        )
        self._exec(
            f"""
            CREATE TEMP TABLE known ON COMMIT DROP AS
            SELECT c.row_no, c.hh_key, p.nik, p.household_id, {KNOWN_VALUES}
            FROM checked c {self._people_by_nik()} WHERE c.errors = '{{}}'
            """
        )
        self._exec("ANALYZE known (row_no, hh_key, nik, household_id)")
        self._work_table(
            batch_id,
            "hh",
            """
            AS SELECT g.*, coalesce(o.household_id, k.id, nextval('households_id_seq'))
                     AS household_id, gen_random_uuid() AS correlation_id,
                   false AS new_source,  -- set by _mark_new_sources
                   CASE WHEN o.household_id IS NOT NULL THEN 'nik'
                        WHEN k.id IS NOT NULL THEN 'no_kk' END AS matched_by
            FROM grp g
            LEFT JOIN (
              SELECT DISTINCT ON (hh_key) hh_key, household_id
              FROM (SELECT hh_key, household_id, count(*) AS n FROM known GROUP BY 1, 2) x
              ORDER BY hh_key, n DESC, household_id
            ) o ON o.hh_key = g.hh_key
            LEFT JOIN LATERAL (  -- one index probe per unmatched group, not every household
              SELECT id FROM households WHERE no_kk = g.kk AND o.household_id IS NULL
              ORDER BY id LIMIT 1
            ) k ON true
            """,
        )
        self._exec(f"ANALYZE {self._work['hh']}")
        self._exec(
            "CREATE TEMP TABLE heads ON COMMIT DROP AS "
            f"SELECT {row_checks.head_sql(present)} FROM hh "
            "JOIN checked c ON c.row_no = hh.head_row JOIN raw r ON r.row_no = c.row_no"
        )

    def _mark_new_sources(self, source: str) -> None:
        """Which matched households hear of this source for the first time (a merge)."""
        if self._small_file():  # a probe of the primary key per matched household
            self._exec(  # a scalar subquery: an EXISTS may be hashed over every household
                f"UPDATE hh SET new_source = NOT (SELECT {row_checks.lit(source)} = ANY(h.sources) "
                "FROM households h WHERE h.id = hh.household_id) "
                "WHERE hh.matched_by IS NOT NULL"
            )
            return
        self._exec(
            f"UPDATE hh SET new_source = NOT ({row_checks.lit(source)} = ANY(h.sources)) "
            "FROM households h WHERE h.id = hh.household_id AND hh.matched_by IS NOT NULL"
        )

    def _new_rows(self) -> tuple[int, int]:
        """How many households and people (at most) this import adds."""
        self.cur.execute(
            "SELECT count(*), coalesce(sum(members), 0) FROM hh WHERE matched_by IS NULL"
        )
        households, people = self.cur.fetchone()
        return households, people

    @contextmanager
    def _bulk_load(self, table: str, rows: int) -> Iterator[None]:
        """Fill ``table`` without its indexes and build them after, when it is empty and the
        load large: one sort per index instead of a random index insertion per row (~1.5 s
        per million people here). The indexes' absence is never seen: dropping them takes the
        table's ACCESS EXCLUSIVE lock until the commit, a lock that then hides no data. The
        lock is only taken if free at once (never waiting, so never deadlocking): else the
        rows go in with the indexes in place."""
        if rows < BULK_LOAD_ROWS or not self._empty(table) or not self._lock_now(table):
            yield
            return
        rebuild = self._drop_indexes(table)
        yield
        for sql in rebuild:
            self._exec(sql)

    def _lock_now(self, table: str) -> bool:
        """ACCESS EXCLUSIVE lock on ``table`` if no one else holds a lock on it, and it is
        still empty; False, and no lock, otherwise."""
        self._exec("SAVEPOINT bulk_lock")
        try:
            self._exec(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE NOWAIT")
        except psycopg2.errors.LockNotAvailable:
            self._exec("ROLLBACK TO SAVEPOINT bulk_lock")
            return False
        self._exec("RELEASE SAVEPOINT bulk_lock")
        return self._empty(table)  # a commit may have filled it since the first look

    def _empty(self, table: str) -> bool:
        self.cur.execute(f"SELECT NOT EXISTS (SELECT FROM {table})")
        return self.cur.fetchone()[0]

    def _drop_indexes(self, table: str) -> list[str]:
        """Drop ``table``'s indexes (and the constraints they back); return the SQL that
        re-creates them as they were."""
        self.cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), "
            "quote_ident(c.conname), pg_get_constraintdef(c.oid) "
            "FROM pg_index i LEFT JOIN pg_constraint c "
            "ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
            "WHERE i.indrelid = %s::regclass",
            (table,),
        )
        rebuild = []
        for index, index_sql, constraint, constraint_sql in self.cur.fetchall():
            if constraint:
                self._exec(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
                rebuild.append(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {constraint_sql}")
            else:
                self._exec(f"DROP INDEX {index}")
                rebuild.append(index_sql)
        return rebuild

    def _insert_households(self, batch_id: int, fmt: SourceFormat) -> None:
        head = "c.nik" if fmt.code != "pmks" else "CASE WHEN c.hubungan = 'kepala' THEN c.nik END"
        self._exec(
            f"""
            INSERT INTO households (id, correlation_id, no_kk, head_nik, kecamatan_code,
                desa_code, alamat, rt, rw, dusun, desil, indicators, sources, status, batch_id,
                row_no, provenance, created_at, updated_at)
            SELECT hh.household_id, hh.correlation_id, c.no_kk, {head}, c.kecamatan_code,
                   c.desa_code, c.alamat, c.rt, c.rw, c.dusun, c.desil, {indicators("c")},
                   ARRAY[{row_checks.lit(fmt.code)}], 'registered', {batch_id}, c.row_no,
                   '{{}}'::jsonb, now(), now()
            FROM hh JOIN heads c ON c.row_no = hh.head_row
            WHERE hh.matched_by IS NULL
            """
        )

    def _insert_people(self, batch_id: int) -> None:
        self._exec(
            f"""
            INSERT INTO people (nik, household_id, nama, jenis_kelamin, tanggal_lahir, hubungan,
                status_kawin, attributes, pmks, no_kk, kk_since, batch_id, row_no, provenance,
                created_at, updated_at)
            SELECT c.nik, hh.household_id, c.nama, c.jenis_kelamin, c.tanggal_lahir, c.hubungan,
                   c.status_kawin, {attributes("c")}, coalesce(c.pmks, '{{}}'), c.no_kk,
                   CASE WHEN c.no_kk IS NOT NULL THEN current_date END, {batch_id}, c.row_no,
                   '{{}}'::jsonb, now(), now()
            FROM checked c JOIN hh ON hh.hh_key = c.hh_key
            LEFT JOIN known k ON k.row_no = c.row_no
            WHERE c.errors = '{{}}' AND k.row_no IS NULL
            """
        )

    def _merge_people(self, batch_id: int) -> None:
        """Known people: conflicts for differing values, fills for missing ones, moves."""
        self._exec(
            """
            CREATE TEMP TABLE person_diff ON COMMIT DROP AS
            SELECT c.row_no, p.nik, hh.household_id AS new_household,
                   p.household_id AS old_household, f.field, f.old_value, f.new_value,
                   coalesce((p.provenance -> f.field ->> 'batch')::int, p.person_batch)
                     AS old_batch,
                   coalesce((p.provenance -> f.field ->> 'row')::int, p.person_row) AS old_row
            FROM known p  -- the known person's values, as the NIK lookup read them
            JOIN checked c ON c.row_no = p.row_no
            JOIN hh ON hh.hh_key = c.hh_key
            CROSS JOIN LATERAL (VALUES
              ('nama', p.nama, c.nama),
              ('jenis_kelamin', p.jenis_kelamin, c.jenis_kelamin),
              ('tanggal_lahir', p.tanggal_lahir::text, c.tanggal_lahir::text),
              ('hubungan', p.hubungan, c.hubungan),
              ('status_kawin', p.status_kawin, c.status_kawin),
              ('no_kk', p.no_kk::text, c.no_kk::text),
              ('pmks', array_to_string(p.pmks, '|'),
                       CASE WHEN NOT coalesce(c.pmks, '{}') <@ p.pmks
                            THEN array_to_string(c.pmks, '|') END)
            ) f(field, old_value, new_value)
            WHERE f.new_value IS NOT NULL
              AND upper(f.new_value) IS DISTINCT FROM upper(f.old_value)
              -- most people come again as they are: skip them before comparing field by field
              AND NOT ((c.nama, c.jenis_kelamin, c.tanggal_lahir, c.hubungan, c.status_kawin,
                        c.no_kk) IS NOT DISTINCT FROM (p.nama, p.jenis_kelamin,
                        p.tanggal_lahir, p.hubungan, p.status_kawin, p.no_kk)
                       AND coalesce(c.pmks, '{}') <@ p.pmks)
            """
        )
        self._exec("ANALYZE person_diff")
        self._exec(
            f"""
            INSERT INTO conflicts (household_id, nik, field, kept_value, kept_batch, kept_row,
                                   other_value, other_batch, other_row)
            SELECT d.new_household, d.nik, d.field, d.old_value, d.old_batch, d.old_row,
                   d.new_value, {batch_id}, d.row_no
            FROM person_diff d
            WHERE d.old_value IS NOT NULL AND d.field NOT IN ('no_kk', 'pmks')
              AND NOT EXISTS (SELECT 1 FROM conflicts x WHERE x.nik = d.nik
                              AND x.field = d.field AND x.other_value = d.new_value)
            """
        )
        self._exec(
            f"""
            INSERT INTO kk_history (nik, no_kk, household_id, valid_from, valid_to, batch_id)
            SELECT p.nik, p.no_kk, p.household_id, p.kk_since, current_date, {batch_id}
            FROM people p JOIN (SELECT DISTINCT nik FROM person_diff
                                WHERE field = 'no_kk' OR new_household <> old_household) m
              ON m.nik = p.nik
            """
        )
        self._exec(
            f"""
            UPDATE people p SET
              nama = coalesce(p.nama, c.nama),
              jenis_kelamin = coalesce(p.jenis_kelamin, c.jenis_kelamin),
              tanggal_lahir = coalesce(p.tanggal_lahir, c.tanggal_lahir),
              hubungan = CASE WHEN moved THEN c.hubungan ELSE coalesce(p.hubungan, c.hubungan) END,
              status_kawin = coalesce(p.status_kawin, c.status_kawin),
              pmks = ARRAY(SELECT DISTINCT x FROM unnest(p.pmks || coalesce(c.pmks, '{{}}')) x
                           ORDER BY x),
              no_kk = coalesce(c.no_kk, p.no_kk),
              kk_since = CASE WHEN c.no_kk IS DISTINCT FROM p.no_kk AND c.no_kk IS NOT NULL
                              THEN current_date ELSE p.kk_since END,
              household_id = d.new_household,
              provenance = p.provenance || coalesce(d.filled, '{{}}'),
              updated_at = now()
            FROM (
              SELECT nik, row_no, new_household, bool_or(new_household <> old_household) AS moved,
                     jsonb_object_agg(field, jsonb_build_object('batch', {batch_id}, 'row', row_no))
                       FILTER (WHERE old_value IS NULL OR field IN ('no_kk', 'pmks')) AS filled
              FROM person_diff GROUP BY nik, row_no, new_household
              -- a person whose differences are all conflicts keeps every value: not rewritten
              HAVING bool_or(old_value IS NULL OR field IN ('no_kk', 'pmks')
                             OR new_household <> old_household)
            ) d JOIN checked c ON c.row_no = d.row_no
            WHERE p.nik = d.nik
            """
        )

    def _merge_households(self, batch_id: int, source: str) -> None:
        """Matched households: desil and desa conflicts, missing values filled, source added."""
        self._exec(
            """
            CREATE TEMP TABLE household_diff ON COMMIT DROP AS
            SELECT hh.household_id, c.row_no, f.field, f.old_value, f.new_value,
                   coalesce((h.provenance -> f.field ->> 'batch')::int, h.batch_id)
                     AS old_batch,
                   coalesce((h.provenance -> f.field ->> 'row')::int, h.row_no) AS old_row
            FROM hh JOIN heads c ON c.row_no = hh.head_row
            JOIN households h ON h.id = hh.household_id
            CROSS JOIN LATERAL (VALUES
              ('desil', h.desil::text, c.desil::text),
              ('desa_code', h.desa_code, c.desa_code),
              ('alamat', h.alamat, c.alamat)
            ) f(field, old_value, new_value)
            WHERE hh.matched_by IS NOT NULL AND f.new_value IS NOT NULL
              AND upper(f.new_value) IS DISTINCT FROM upper(f.old_value)
            """
        )
        self._exec("ANALYZE household_diff")
        self._exec(
            f"""
            INSERT INTO conflicts (household_id, field, kept_value, kept_batch, kept_row,
                                   other_value, other_batch, other_row)
            SELECT d.household_id, d.field, d.old_value, d.old_batch, d.old_row, d.new_value,
                   {batch_id}, d.row_no
            FROM household_diff d
            WHERE d.old_value IS NOT NULL AND d.field <> 'alamat'
              AND NOT EXISTS (SELECT 1 FROM conflicts x WHERE x.household_id = d.household_id
                              AND x.nik IS NULL AND x.field = d.field
                              AND x.other_value = d.new_value)
            """
        )
        self._update_households(batch_id, source)

    def _update_households(self, batch_id: int, source: str) -> None:
        """The matched households' filled values, No. KK, indicators and sources; only those
        it changes are written (a monthly file repeats most households as they are)."""
        self._exec(
            f"""
            UPDATE households h SET desil = n.desil, desa_code = n.desa_code,
              kecamatan_code = n.kecamatan_code, alamat = n.alamat, no_kk = n.no_kk,
              indicators = n.indicators, sources = n.sources, provenance = n.provenance,
              updated_at = now()
            FROM (
              SELECT h.id,
                coalesce(h.desil, c.desil) AS desil,
                coalesce(h.desa_code, c.desa_code) AS desa_code,
                coalesce(h.kecamatan_code, c.kecamatan_code) AS kecamatan_code,
                coalesce(h.alamat, c.alamat) AS alamat,
                CASE WHEN c.hubungan = 'kepala' AND c.no_kk IS NOT NULL THEN c.no_kk
                     ELSE h.no_kk END AS no_kk,
                {indicators("c")} || h.indicators AS indicators,
                CASE WHEN {row_checks.lit(source)} = ANY(h.sources) THEN h.sources
                     ELSE h.sources || {row_checks.lit(source)}::text END AS sources,
                h.provenance || coalesce(f.filled, '{{}}') AS provenance
              FROM hh JOIN heads c ON c.row_no = hh.head_row
              JOIN households h ON h.id = hh.household_id
              LEFT JOIN (
                SELECT household_id, jsonb_object_agg(field, jsonb_build_object(
                         'batch', {batch_id}, 'row', row_no)) AS filled
                FROM household_diff WHERE old_value IS NULL GROUP BY household_id
              ) f ON f.household_id = hh.household_id
              WHERE hh.matched_by IS NOT NULL
            ) n
            WHERE h.id = n.id
              AND (h.desil, h.desa_code, h.kecamatan_code, h.alamat, h.no_kk, h.indicators,
                   h.sources, h.provenance)
                IS DISTINCT FROM (n.desil, n.desa_code, n.kecamatan_code, n.alamat, n.no_kk,
                                  n.indicators, n.sources, n.provenance)
            """
        )

    # -- events --------------------------------------------------------------------------------

    def _emit_household_events(self, batch_id: int, source: str, present: set[str]) -> None:
        self._exec("CREATE TEMP TABLE household_pmks (hh_key text, pmks jsonb) ON COMMIT DROP")
        if "pmks" in present:  # else a scan of every checked row for nothing
            self._exec(
                "INSERT INTO household_pmks "
                "SELECT hh_key, jsonb_agg(DISTINCT x) FROM checked, unnest(pmks) x "
                "WHERE errors = '{}' AND pmks IS NOT NULL GROUP BY hh_key"
            )
        envelope = _envelope_sql("household_registered")
        registered = json_object(
            {
                "household_id": "hh.household_id",
                "source": f"{row_checks.lit(source)}::text",
                "batch_id": str(batch_id),
                **{f: f"c.{f}" for f in ("kecamatan_code", "desa_code", "rt", "rw", "alamat")},
                "head_name": "c.nama",
                "member_count": "hh.members",
                "desil": "c.desil",
                "pmks": "coalesce(hp.pmks, '[]'::jsonb)",
            }
        )
        self._exec(
            f"""
            INSERT INTO outbox (event_id, exchange, routing_key, body)
            SELECT e.id, '{EXCHANGE}', 'household_registered', {envelope}
            FROM (
              SELECT gen_random_uuid() AS id, hh.correlation_id, {registered} AS data
              FROM hh JOIN heads c ON c.row_no = hh.head_row
              LEFT JOIN household_pmks hp ON hp.hh_key = hh.hh_key
              WHERE hh.matched_by IS NULL
            ) e
            """
        )
        self._emit_merged(batch_id, source)

    def _emit_merged(self, batch_id: int, source: str) -> None:
        """One ``household_merged`` per matched household that gained members or changed.

        The differences are gathered per household once, then joined: a lookup per household
        into the differences made this quadratic in the file's changes."""
        merged = _envelope_sql("household_merged")
        sql = f"""
            INSERT INTO outbox (event_id, exchange, routing_key, body)
            SELECT e.id, '{EXCHANGE}', 'household_merged', {merged}
            FROM (SELECT gen_random_uuid() AS id, h.correlation_id, jsonb_build_object(
                'household_id', h.id, 'source', {row_checks.lit(source)}, 'batch_id', {batch_id},
                'matched_by', m.matched_by, 'new_members', m.new_members,
                'conflicts', coalesce(d.conflicts, '[]')) AS data
            FROM (
              SELECT hh.household_id, hh.matched_by, hh.new_source, count(c.row_no) FILTER (
                       WHERE k.row_no IS NULL AND c.errors = '{{}}') AS new_members
              FROM hh JOIN checked c ON c.hh_key = hh.hh_key
              LEFT JOIN known k ON k.row_no = c.row_no
              WHERE hh.matched_by IS NOT NULL
              GROUP BY hh.household_id, hh.matched_by, hh.hh_key, hh.new_source
            ) m
            LEFT JOIN (
              SELECT household_id, jsonb_agg(DISTINCT field) FILTER (WHERE conflict) AS conflicts
              FROM (SELECT new_household, field,
                           old_value IS NOT NULL AND field NOT IN ('no_kk', 'pmks')
                    FROM person_diff
                    UNION ALL SELECT household_id, field,
                                     old_value IS NOT NULL AND field <> 'alamat'
                    FROM household_diff) x(household_id, field, conflict)
              GROUP BY household_id
            ) d ON d.household_id = m.household_id
            {self._households_by_id("m.household_id")}
            WHERE m.new_members > 0 OR m.new_source OR d.household_id IS NOT NULL) e
            """
        self._exec(sql)

    # -- counting and the batch row --------------------------------------------------------------

    def _count(self, summary: Summary, broken: list[int]) -> None:
        self.cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE errors <> '{}'), "
            "count(*) FILTER (WHERE warnings <> '{}') FROM checked"
        )
        total, rejected, warned = self.cur.fetchone()
        # the known people's rows (all without errors); a row is merged when it changed its
        # person, or it is the head row of a household it changed (joined, not looked up per
        # row: that was quadratic in the file's changes)
        self.cur.execute(
            """
            SELECT count(*),
                   count(*) FILTER (WHERE pd.row_no IS NOT NULL OR (c.row_no = hh.head_row
                                    AND (hh.new_source OR hd.row_no IS NOT NULL)))
            FROM known k JOIN checked c ON c.row_no = k.row_no
            LEFT JOIN hh ON hh.hh_key = c.hh_key
            LEFT JOIN (SELECT DISTINCT row_no FROM person_diff) pd ON pd.row_no = c.row_no
            LEFT JOIN (SELECT DISTINCT row_no FROM household_diff) hd ON hd.row_no = c.row_no
            """
        )
        known, merged = self.cur.fetchone()
        imported = total - rejected - known
        self.cur.execute(
            "SELECT count(*) FILTER (WHERE matched_by IS NULL), "
            "count(*) FILTER (WHERE matched_by IS NOT NULL) FROM hh"
        )
        registered, matched = self.cur.fetchone()
        summary.rows_read = total + len(broken)
        summary.rejected = rejected + len(broken)
        summary.imported = imported
        summary.merged = merged
        summary.unchanged = total - rejected - imported - merged
        summary.warnings = warned
        summary.households_registered = registered
        summary.households_merged = matched
        summary.timings = self.timings

    def _open_batch(self, source: str, name: str, sha: str, actor: str) -> int:
        self.cur.execute(
            "INSERT INTO import_batches (id, source, filename, file_sha256, status, actor, "
            "started_at, file_warnings) "
            "VALUES (coalesce(%s, nextval(pg_get_serial_sequence('import_batches', 'id'))), "
            "%s, %s, %s, 'running', %s, now(), '[]') RETURNING id",
            (self.batch_id, source, name, sha, actor),
        )
        return self.cur.fetchone()[0]

    def _completed_batch(self, source: str, sha: str) -> int | None:
        self.cur.execute(
            "SELECT id FROM import_batches WHERE source = %s AND file_sha256 = %s "
            "AND status = 'completed' ORDER BY id LIMIT 1",
            (source, sha),
        )
        row = self.cur.fetchone()
        return row[0] if row else None

    def _record_duplicate(self, source, name, sha, actor, previous: int) -> Summary:
        self.cur.execute(
            "INSERT INTO import_batches (id, source, filename, file_sha256, status, actor, "
            "started_at, finished_at, duplicate_of, file_warnings) "
            "VALUES (coalesce(%s, nextval(pg_get_serial_sequence('import_batches', 'id'))), "
            "%s, %s, %s, 'duplicate', %s, now(), now(), %s, '[]') RETURNING id",
            (self.batch_id, source, name, sha, actor, previous),
        )
        batch_id = self.cur.fetchone()[0]
        self.conn.commit()
        return Summary(batch_id, source, name, "duplicate", duplicate_of=previous)

    def _close_batch(self, s: Summary) -> None:
        self.cur.execute(
            "UPDATE import_batches SET status = 'completed', finished_at = now(), rows_read = %s, "
            "imported = %s, merged = %s, unchanged = %s, rejected = %s, "
            "households_registered = %s, households_merged = %s, file_warnings = %s "
            "WHERE id = %s",
            (
                s.rows_read,
                s.imported,
                s.merged,
                s.unchanged,
                s.rejected,
                s.households_registered,
                s.households_merged,
                json.dumps(s.file_warnings),
                s.batch_id,
            ),
        )
        data = {
            "batch_id": s.batch_id,
            "source": s.source,
            "filename": s.filename,
            "rows_read": s.rows_read,
            "imported": s.imported,
            "merged": s.merged,
            "unchanged": s.unchanged,
            "rejected": s.rejected,
            "households_registered": s.households_registered,
        }
        body = events.envelope("import_completed", data)
        self.cur.execute(
            "INSERT INTO outbox (event_id, exchange, routing_key, body) VALUES (%s, %s, %s, %s)",
            (body["event_id"], EXCHANGE, "import_completed", json.dumps(body)),
        )

    # -- plumbing --------------------------------------------------------------------------------

    def _exec(self, sql: str) -> None:
        started = time.perf_counter()
        head = sql.lstrip()[:70]
        if PROFILE == "explain" and (
            head.startswith("INSERT") or (head.startswith("CREATE TEMP TABLE") and " AS " in head)
        ):
            self.cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in self.cur.fetchall())
            if time.perf_counter() - started > 1:
                log.warning("plan:\n%s", plan)
        else:
            self.cur.execute(sql)
        if PROFILE:
            label = " ".join(sql.split())[:70]
            log.warning("%6.2fs %s", time.perf_counter() - started, label)

    @contextmanager
    def _step(self, name: str) -> Iterator[None]:
        self.progress(name)
        if self.tracker is not None:
            self.tracker.stage(name)
        started = time.perf_counter()
        yield
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started


class _Counting:
    """The file's bytes as COPY reads them, telling how many rows have passed."""

    def __init__(self, stream: io.BufferedReader, rows_read: Callable[[int], None]) -> None:
        self.stream = stream
        self.rows_read = rows_read
        self.rows = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.rows += data.count(b"\n")
        self.rows_read(self.rows)
        return data


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def json_object(members: dict[str, str], strip_nulls: bool = True) -> str:
    """SQL: the JSON object ``{key: SQL expression}``, without its null members if asked.

    ``to_jsonb`` of a row costs half of ``jsonb_build_object`` and ``jsonb_strip_nulls`` of it
    (0.9 s against 2.0 s per million four-key objects here): these objects are built once per
    person, household and event of an import."""
    columns = ", ".join(f"{expression} AS {key}" for key, expression in members.items())
    row = "jsonb_strip_nulls(to_jsonb(o))" if strip_nulls else "to_jsonb(o)"
    return f"(SELECT {row} FROM (SELECT {columns}) o)"


def indicators(alias: str) -> str:
    """SQL: the household's housing, asset and programme indicators as one JSON object."""
    fields = (*HOUSING_FIELDS, *ASSET_FIELDS, *PROGRAMME_FIELDS)
    return json_object({f: f"{alias}.{f}" for f in fields})


def attributes(alias: str) -> str:
    return json_object({f: f"{alias}.{f}" for f in row_checks.PERSON_TEXT})


def _envelope_sql(event_type: str) -> str:
    """SQL: the events envelope around ``e.data``, ids ``e.id`` and ``e.correlation_id``."""
    producer, version, _ = events.SCHEMAS[event_type]
    occurred = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
    return json_object(
        {
            "event_id": "e.id",
            "event_type": f"'{event_type}'::text",
            "schema_version": str(version),
            "occurred_at": f"(SELECT {occurred})",
            "producer": f"'{producer}'::text",
            "correlation_id": "e.correlation_id",
            "data": "e.data",
        },
        strip_nulls=False,
    )


class _RowStream(io.RawIOBase):
    """The sanitised rows as a CSV byte stream for COPY, with the row number first."""

    def __init__(self, rows: Iterator[tuple[int, list[str] | None]], delimiter: str, broken):
        self.rows = rows
        self.delimiter = delimiter
        self.broken = broken
        self.pending = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.pending) < size:
            chunk = self._next_chunk()
            if not chunk:
                break
            self.pending += chunk
        if size < 0:
            size = len(self.pending)
        out, self.pending = self.pending[:size], self.pending[size:]
        return out

    def _next_chunk(self, rows: int = 2000) -> bytes:
        text = io.StringIO()
        writer = csv.writer(text, delimiter=self.delimiter, lineterminator="\n")
        for _ in range(rows):
            item = next(self.rows, None)
            if item is None:
                break
            row_no, fields = item
            if fields is None:
                self.broken.append(row_no)
            else:
                writer.writerow([row_no, *fields])
        return text.getvalue().encode("utf-8")
