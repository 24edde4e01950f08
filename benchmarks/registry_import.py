"""Bulk import benchmark (not a test): 1,000,000 DTSEN person rows into an empty registry,
beside a plain COPY of the same file into an unindexed table, in the same run; then the common
case, a district's monthly re-import of 30,000 households (~100k rows: mostly families already
registered, some with changed values, some new) into the registry the first run filled.

    python -m benchmarks.registry_import [--rows 1000000] [--reimport-households 30000]
                                         [--no-reimport] [--keep]

Goal (issue 2): at least 50,000 rows/s and no more than 3x the plain COPY.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Iterator
from pathlib import Path

from sipmas import db, settings
from sipmas_cli import system

os.environ.setdefault(
    "SIPMAS_DATABASE_URL_TEMPLATE", "postgresql://postgres@127.0.0.1:5432/sipmas_bench_{service}"
)
CACHE = Path(os.environ.get("SIPMAS_BENCH_DIR", "var/bench"))


def bench_file(rows: int, seed: int = 2026) -> Path:
    """A DTSEN export of exactly ``rows`` person rows, generated once and cached."""
    path = CACHE / f"dtsen_{rows}_{seed}.csv"
    if path.exists():
        return path
    full = _full_file(rows, seed)
    with open(full, "rb") as source, open(path, "wb") as out:
        out.write(source.readline())
        for _ in range(rows):
            line = source.readline()
            if not line:
                break
            out.write(line)
    return path


def _full_file(rows: int, seed: int) -> Path:
    """The whole generated stream ``bench_file`` cuts its rows from (households past the cut
    are the ones a later file brings as new)."""
    from sipmas_cli import synthetic

    CACHE.mkdir(parents=True, exist_ok=True)
    full = CACHE / f"dtsen_full_{rows}_{seed}.csv"
    if full.exists():
        return full
    print(f"generating ~{rows:,} DTSEN rows (once) …", flush=True)
    synthetic.write_file("dtsen", int(rows / 3.4) + 1000, full, seed=seed)
    return full


KK, DESIL, STATUS_KAWIN = 7, 8, 15  # DTSEN columns a re-import changes (see sources.DTSEN)


def reimport_file(rows: int, households: int, seed: int = 2026, new_share: float = 0.1) -> Path:
    """A later DTSEN export of ``households`` households for the registry ``bench_file(rows)``
    filled: ``1 - new_share`` of them already registered (one in ten with a new desil and one
    member's marital status changed: conflicts to keep), the rest new families."""
    path = CACHE / f"dtsen_reimport_{rows}_{households}_{seed}.csv"
    if path.exists():
        return path
    full = _full_file(rows, seed)
    with open(full, "rb") as source:
        header = source.readline()
        groups = list(_households(source))
    full.unlink()
    known, new, seen = [], [], 0
    for group in groups:
        seen += len(group)
        (known if seen <= rows else new).append(group)
    wanted_new = min(int(households * new_share), len(new))
    step = max(len(known) // (households - wanted_new), 1)
    chosen = known[::step][: households - wanted_new]
    with open(path, "wb") as out:
        out.write(header)
        for number, group in enumerate(chosen):
            out.writelines(_changed(group) if number % 10 == 0 else group)
        for group in new[:wanted_new]:
            out.writelines(group)
    return path


def _households(source) -> Iterator[list[bytes]]:
    """The file's rows grouped by household (consecutive rows sharing a No. KK)."""
    group: list[bytes] = []
    for line in source:
        if group and line.split(b";")[KK] != group[0].split(b";")[KK]:
            yield group
            group = []
        group.append(line)
    if group:
        yield group


def _changed(group: list[bytes]) -> list[bytes]:
    """The household with another desil and its head's marital status changed."""
    rows = [line.split(b";") for line in group]
    desil = int(rows[0][DESIL] or b"0") % 10 + 1
    for row in rows:
        row[DESIL] = str(desil).encode()
    rows[0][STATUS_KAWIN] = b"1" if rows[0][STATUS_KAWIN] != b"1" else b"2"
    return [b";".join(row) for row in rows]


def plain_copy_seconds(path: Path) -> float:
    """COPY the file into an unindexed table of text columns: the floor of any import."""
    from services.registry.domain.sources import FORMATS
    from services.registry.use_cases.importing import files

    shape = files.inspect(path, FORMATS["dtsen"])
    connection = db.engine("registry").raw_connection()
    try:
        cur = connection.cursor()
        cols = ", ".join(f'"{c}" text' for c in shape.fields)
        cur.execute(f"DROP TABLE IF EXISTS plain_copy; CREATE TABLE plain_copy ({cols})")
        connection.commit()
        started = time.perf_counter()
        with files.data_stream(shape) as stream:
            cur.copy_expert(
                f"COPY plain_copy FROM STDIN WITH (FORMAT csv, DELIMITER '{shape.delimiter}')",
                stream,
                size=1 << 20,
            )
        connection.commit()
        elapsed = time.perf_counter() - started
        cur.execute("DROP TABLE plain_copy")
        connection.commit()
        return elapsed
    finally:
        connection.close()


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reimport-households", type=int, default=30_000)
    parser.add_argument("--no-reimport", action="store_true", help="only the empty registry")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    from services.registry.use_cases.importing import batches

    path = bench_file(args.rows)
    again = None if args.no_reimport else reimport_file(args.rows, args.reimport_households)
    url = settings.database_url("registry")
    db.drop_database(url)
    system.migrate("registry")

    copy_s = plain_copy_seconds(path)
    started = time.perf_counter()
    summary = batches.import_file("dtsen", path, actor="bench")
    import_s = time.perf_counter() - started

    print(f"\nregistry bulk import — {machine()}")
    report("into an empty registry", path, summary, copy_s, import_s)
    print("(goal: <= 3x the plain COPY, >= 50,000 rows/s)")
    if again is not None:
        copy_s = plain_copy_seconds(again)
        started = time.perf_counter()
        summary = batches.import_file("dtsen", again, actor="bench")
        import_s = time.perf_counter() - started
        print()
        report(
            f"re-import into the registry of {args.rows:,} rows", again, summary, copy_s, import_s
        )
        print(
            f"households matched: {summary.households_merged:,}; "
            f"people merged (changed): {summary.merged:,}; unchanged: {summary.unchanged:,}"
        )
    if not args.keep:
        db.drop_database(url)


def report(title: str, path: Path, summary, copy_s: float, import_s: float) -> None:
    """The run's figures beside the plain COPY of the same file."""
    size_mb = path.stat().st_size / 1e6
    print(f"{title}: {path} ({size_mb:.0f} MB, {summary.rows_read:,} person rows, DTSEN)")
    print(
        f"{'plain COPY into an unindexed table':<44} {copy_s:7.2f} s "
        f"{summary.rows_read / copy_s:>10,.0f} rows/s"
    )
    print(
        f"{'sipmas import (checked, merged, events)':<44} {import_s:7.2f} s "
        f"{summary.rows_read / import_s:>10,.0f} rows/s"
    )
    print(f"ratio import / plain COPY: {import_s / copy_s:.2f}x")
    print(
        f"households registered: {summary.households_registered:,}; "
        f"people imported: {summary.imported:,}; rejected: {summary.rejected:,}"
    )
    print("where the time goes: " + ", ".join(f"{k} {v:.2f}s" for k, v in summary.timings.items()))


if __name__ == "__main__":
    main()
