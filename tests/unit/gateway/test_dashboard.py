"""The dashboard's figures of a day, from the registry's two counts; past days kept a while."""

from __future__ import annotations

from services.gateway.domain import dashboard

SU, SK = "64.08.04.2001", "64.08.05.2001"


def _row(desa: str, count: int, welfare_class: str | None = None) -> dict:
    return {
        "kecamatan": desa[:8],
        "kecamatan_name": "K",
        "desa": desa,
        "desa_name": "D",
        "welfare_class": welfare_class,
        "count": count,
    }


def test_a_day_per_desa_and_in_total():
    by_class = {
        "total": 10,
        "rows": [
            _row(SU, 3, "sangat_miskin"),
            _row(SU, 2, "miskin"),
            _row(SU, 1, "tidak_miskin"),
            _row(SU, 2, None),  # not verified yet
            _row(SK, 2, "rentan_miskin"),
        ],
    }
    extreme = {"total": 4, "rows": [_row(SU, 4), _row(SK, 0), _row("64.08.01.2001", 0)]}
    day = dashboard.snapshot("2026-12-06", by_class, extreme)
    assert (day["at"], day["total"], day["poor"], day["extreme"]) == ("2026-12-06", 10, 5, 4)
    rows = {r["desa"]: (r["total"], r["poor"], r["extreme"]) for r in day["rows"]}
    assert rows == {SU: (8, 5, 4), SK: (2, 0, 0), "64.08.01.2001": (0, 0, 0)}


def test_today_is_the_registry_as_it_stands():
    by_class, extreme = dashboard.counts_requests(None, {"desa_codes": [SU]})
    assert by_class["at"] is None and extreme["filter"] == {"extreme_poor": True}
    assert extreme["zeros"] and not by_class["zeros"]
    assert by_class["scope"] == extreme["scope"] == {"desa_codes": [SU]}


def test_a_past_day_is_kept_a_while_per_area():
    now = [1000.0]
    kept = dashboard.PastDays(lambda: now[0], seconds=600)
    area = {"kecamatan_codes": ["64.08.04"], "desa_codes": []}
    kept.put(area, "2025-12-06", {"total": 1})
    assert kept.get({"kecamatan_codes": ["64.08.04"]}, "2025-12-06") == {"total": 1}
    assert kept.get(None, "2025-12-06") is None  # the district is another area
    assert kept.get(area, "2025-12-07") is None
    now[0] += 601
    assert kept.get(area, "2025-12-06") is None


def test_only_so_many_days_are_kept():
    now = [0.0]
    kept = dashboard.PastDays(lambda: now[0])
    for n in range(dashboard.MAX_KEPT + 5):
        now[0] += 1
        kept.put(None, f"day-{n}", {"n": n})
    assert kept.get(None, "day-0") is None
    assert kept.get(None, f"day-{dashboard.MAX_KEPT + 4}") == {"n": dashboard.MAX_KEPT + 4}
