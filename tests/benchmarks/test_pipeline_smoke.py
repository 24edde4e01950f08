"""The pipeline benchmark, tiny: it runs to the end against the real services and accounts for
every household — each one's two agency messages and four notifications arrived once, nothing
was lost, duplicated or unexpected — so the figures it prints can be believed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.services import ROOT

HOUSEHOLDS, RATE, SECONDS = 10, 5, 2


def test_every_household_is_accounted_for_end_to_end(tmp_path):
    template = os.environ["SIPMAS_DATABASE_URL_TEMPLATE"]
    out = tmp_path / "figures.json"
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.pipeline", "--households", str(HOUSEHOLDS)]
        + ["--rate", str(RATE), "--seconds", str(SECONDS), "--raw-messages", "200"]
        + ["--stall", "20", "--json", str(out)],
        cwd=ROOT,
        env={
            **os.environ,
            # its own databases: the benchmark drops and migrates them
            "SIPMAS_DATABASE_URL_TEMPLATE": template.replace("{service}", "pipeline_{service}"),
            "SIPMAS_BENCH_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    figures = json.loads(out.read_text())

    [run] = figures["runs"]
    phases = run["phases"]
    expected = {"throughput": HOUSEHOLDS, "latency": RATE * SECONDS}
    for name, households in expected.items():
        phase = phases[name]
        assert phase["households"] == households
        assert phase["done"] == households, phase
        assert (phase["lost"], phase["duplicated"], phase["unexpected"]) == ({}, {}, {})
        assert phase["agency_messages"] == 2 * households  # Perkim and Dinkes
        assert phase["notifications"] == 4 * households  # an email and a webhook each
        assert len(phase["latency"]["done end to end"]) == households
        assert phase["households_per_second"] > 0
    total = sum(expected.values())
    assert run["deliveries"] == {
        "household_verified sms skipped": total,  # no household consented to SMS
        "referral_created email sent": 2 * total,
        "referral_created webhook sent": 2 * total,
    }
    assert figures["raw"]["messages_per_second"] > 0
    assert len(figures["raw"]["latencies"]) == RATE * SECONDS
    assert "goals (one)" in finished.stdout
