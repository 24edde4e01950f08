"""Bulk import benchmark (not a test): 1,000,000 DTSEN person rows into an empty registry,
beside a plain COPY of the same file into an unindexed table, in the same run.

    python -m benchmarks.registry_import [--rows 1000000] [--keep]

Goal (issue 2): at least 50,000 rows/s and no more than 3x the plain COPY.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from sipmas import db, settings

os.environ.setdefault(
    "SIPMAS_DATABASE_URL_TEMPLATE", "postgresql://postgres@127.0.0.1:5432/sipmas_bench_{service}"
)
CACHE = Path(os.environ.get("SIPMAS_BENCH_DIR", "var/bench"))


def bench_file(rows: int, seed: int = 2026) -> Path:
    """A DTSEN export of exactly ``rows`` person rows, generated once and cached."""
    from services.registry import synthetic

    path = CACHE / f"dtsen_{rows}_{seed}.csv"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    full = CACHE / f"dtsen_full_{seed}.csv"
    print(f"generating {rows:,} DTSEN rows (once) …", flush=True)
    synthetic.write_file("dtsen", int(rows / 3.4) + 1000, full, seed=seed)
    with open(full, "rb") as source, open(path, "wb") as out:
        out.write(source.readline())
        for _ in range(rows):
            line = source.readline()
            if not line:
                break
            out.write(line)
    full.unlink()
    return path


def plain_copy_seconds(path: Path) -> float:
    """COPY the file into an unindexed table of text columns: the floor of any import."""
    from services.registry.importing import files
    from services.registry.sources import FORMATS

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
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    from services.registry.importing import run

    path = bench_file(args.rows)
    url = settings.database_url("registry")
    db.drop_database(url)
    db.migrate("registry")
    size_mb = path.stat().st_size / 1e6

    copy_s = plain_copy_seconds(path)
    started = time.perf_counter()
    summary = run.import_file("dtsen", path, actor="bench")
    import_s = time.perf_counter() - started

    print(f"\nregistry bulk import — {machine()}")
    print(f"file: {path} ({size_mb:.0f} MB, {summary.rows_read:,} person rows, DTSEN)")
    print(
        f"{'plain COPY into an unindexed table':<44} {copy_s:7.2f} s "
        f"{summary.rows_read / copy_s:>10,.0f} rows/s"
    )
    print(
        f"{'sipmas import (checked, merged, events)':<44} {import_s:7.2f} s "
        f"{summary.rows_read / import_s:>10,.0f} rows/s"
    )
    print(f"ratio import / plain COPY: {import_s / copy_s:.2f}x   (goal: <= 3x, >= 50,000 rows/s)")
    print(
        f"households registered: {summary.households_registered:,}; "
        f"people imported: {summary.imported:,}; rejected: {summary.rejected:,}"
    )
    print("where the time goes: " + ", ".join(f"{k} {v:.2f}s" for k, v in summary.timings.items()))
    if not args.keep:
        db.drop_database(url)


if __name__ == "__main__":
    main()
