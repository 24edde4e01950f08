"""Probes of the web pages' own endpoints for ``test_authorisation_matrix.py``, kept beside it to
be merged there::

    from tests.gateway.matrix_probes_web import WEB_DENIED_PATHS, WEB_PROBES
    PROBES.update(WEB_PROBES)
    DENIED_PATHS.update(WEB_DENIED_PATHS)
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.gateway.support_http import DESA_A, DESA_B


def _probe(*args: Any, **kwargs: Any) -> Any:
    from tests.gateway.test_authorisation_matrix import Probe

    return Probe(*args, **kwargs)


def _days() -> dict[str, str]:
    today = date.today()
    return {"a": (today - timedelta(days=30)).isoformat(), "b": today.isoformat()}


def reports_dashboard(w, role: str, where: str):
    """Inside: the area's desa are there on both days; outside: another area's never are."""
    desa = DESA_B if where == "outside" else DESA_A

    def check(answer: dict) -> bool:
        shown = [{row["desa"] for row in answer[day]["rows"]} for day in ("a", "b")]
        return all((desa in s) != (where == "outside") for s in shown)

    return _probe("GET", "/api/v1/reports/dashboard", {"params": _days()}, check=check)


WEB_PROBES = {"reports.dashboard": reports_dashboard}
WEB_DENIED_PATHS = {
    "reports.dashboard": ("GET", "/api/v1/reports/dashboard?a=2026-01-01&b=2026-01-02")
}
