"""The dashboard's household figures of one day, as the web page draws them: per desa (with its
kecamatan) the households, the poor (classed ``miskin`` or ``sangat_miskin`` by their latest
verification) and the extreme poor (the registry's rule, ``figures.extreme_poor``), and the
district's totals; from two of the registry's counts (every household by class; the extreme poor
with every desa of the area listed, zeros included).

A past day's figures are kept a while (:class:`PastDays`): the registry counts a past day by the
status and class known at its end, so they change only when an address or desil does — and
each dashboard compares today with a past day, so the second half of every opening is then a
lookup instead of a count over every household.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

POOR_CLASSES = frozenset({"miskin", "sangat_miskin"})
KEEP_PAST_SECONDS = 600.0
MAX_KEPT = 256  # days and areas at once; the oldest go first


def counts_requests(day: str | None, area: dict | None) -> tuple[dict, dict]:
    """The registry's two ``household_counts`` requests for ``day`` (None: the registry as it
    stands now, cheaper than "the end of today")."""
    by_class = {
        "group_by": ["kecamatan", "desa", "welfare_class"],
        "filter": {},
        "at": day,
        "zeros": False,
        "scope": area,
    }
    extreme = {
        "group_by": ["kecamatan", "desa"],
        "filter": {"extreme_poor": True},
        "at": day,
        "zeros": True,
        "scope": area,
    }
    return by_class, extreme


def snapshot(day: str, by_class: Mapping[str, Any], extreme: Mapping[str, Any]) -> dict:
    """One day's figures per desa and in total, from the two counts."""
    desa: dict[str, dict[str, Any]] = {}

    def row(found: Mapping[str, Any]) -> dict[str, Any]:
        code = found["desa"]
        if code not in desa:
            desa[code] = {
                "kecamatan": found.get("kecamatan"),
                "kecamatan_name": found.get("kecamatan_name"),
                "desa": code,
                "desa_name": found.get("desa_name"),
                "total": 0,
                "poor": 0,
                "extreme": 0,
            }
        return desa[code]

    poor = 0
    for found in extreme["rows"]:
        if found.get("desa"):
            row(found)["extreme"] += found["count"]
    for found in by_class["rows"]:
        is_poor = found.get("welfare_class") in POOR_CLASSES
        poor += found["count"] if is_poor else 0
        if found.get("desa"):
            kept = row(found)
            kept["total"] += found["count"]
            kept["poor"] += found["count"] if is_poor else 0
    return {
        "at": day,
        "total": by_class["total"],
        "poor": poor,
        "extreme": extreme["total"],
        "rows": sorted(desa.values(), key=lambda r: r["desa"]),
    }


class PastDays:
    """Snapshots of past days per area, for ``KEEP_PAST_SECONDS`` (``clock``: seconds)."""

    def __init__(self, clock: Callable[[], float], seconds: float = KEEP_PAST_SECONDS) -> None:
        self.clock = clock
        self.seconds = seconds
        self._kept: dict[tuple[str, str], tuple[float, dict]] = {}

    @staticmethod
    def _key(area: dict | None, day: str) -> tuple[str, str]:
        if not area:
            return "district", day
        parts = sorted(area.get("kecamatan_codes") or ()) + sorted(area.get("desa_codes") or ())
        return ",".join(parts), day

    def get(self, area: dict | None, day: str) -> dict | None:
        found = self._kept.get(self._key(area, day))
        if found is None or found[0] <= self.clock():
            return None
        return found[1]

    def put(self, area: dict | None, day: str, figures: dict) -> None:
        now = self.clock()
        self._kept = {k: v for k, v in self._kept.items() if v[0] > now}
        while len(self._kept) >= MAX_KEPT:
            self._kept.pop(min(self._kept, key=lambda k: self._kept[k][0]))
        self._kept[self._key(area, day)] = (now + self.seconds, figures)
