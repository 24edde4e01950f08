"""The search benchmark, tiny: it fills a registry by a real import, starts the registry and
the gateway, drives searches of every kind over HTTP and the raw baselines, and finishes with no
error and an intact audit chain, so the figures it prints can be believed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.services import ROOT

PEOPLE, SECONDS = 2000, 3
PHASES = ("raw_sql", "raw_http", "gateway", "gateway_at_10", "gateway_at_20")


def test_the_search_benchmark_runs_with_no_error(tmp_path):
    template = os.environ["SIPMAS_DATABASE_URL_TEMPLATE"]
    out = tmp_path / "figures.json"
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.search", "--people", str(PEOPLE)]
        + [
            "--seconds",
            str(SECONDS),
            "--baseline-seconds",
            "1",
            "--clients",
            "4",
            "--rates",
            "10,20",
        ]
        + ["--json", str(out)],
        cwd=ROOT,
        env={
            **os.environ,
            # its own databases: the benchmark drops and migrates them
            "SIPMAS_DATABASE_URL_TEMPLATE": template.replace("{service}", "search_{service}"),
            "SIPMAS_BENCH_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    figures = json.loads(out.read_text())

    assert 1000 < figures["people"] <= PEOPLE  # the generator's rows, less the rejected ones
    for phase in PHASES:
        overall = figures["phases"][phase]["overall"]
        assert overall["requests"] > 0 and overall["errors"] == 0, (phase, overall)
        assert overall["p99"] > 0
    gateway = figures["phases"]["gateway"]["kinds"]
    assert set(gateway) == {"name", "nik", "no_kk", "desa_status"}
    assert all(kind["requests"] > 0 and kind["errors"] == 0 for kind in gateway.values())
    for rate in (10, 20):  # every search sent at its time
        assert figures["phases"][f"gateway_at_{rate}"]["overall"]["requests"] == rate * SECONDS
    assert figures["audit"].startswith("OK, ")
    audited = int(figures["audit"].split()[1])
    assert audited >= figures["phases"]["gateway"]["overall"]["requests"]  # each search audited
    for text in ("gateway search", "raw SQL", "raw HTTP", "p99 ms", "goal: gateway search p99"):
        assert text in finished.stdout
