"""Referrals overdue, by agency: the referral service's own gauge, measured when scraped
(``Observe(gauges=[OVERDUE])`` on the service).

Overdue means what escalation means (``services/referral/sla.py``, one rule): a referral still
waiting for its agency to receive it past ``receive_by``, or for the work past ``complete_by``.
Every agency of the reference is reported, at 0 when nothing of its is late, so a dashboard
tells "none late" from "not measured".
"""

from __future__ import annotations

import sqlalchemy as sa

from services.referral.domain import sla
from sipmas import reference
from sipmas.observability.health import Probe, bounded
from sipmas.observability.metrics import ServiceGauge

_OVERDUE = sa.text(
    "SELECT opd_code, count(*) FROM referrals "
    "WHERE (state = ANY(:awaiting_completion) AND complete_by < clock_timestamp()) "
    "   OR (state = ANY(:awaiting_receipt) AND receive_by < clock_timestamp()) "
    "GROUP BY opd_code"
)


def by_agency(probe: Probe) -> dict[str, int]:
    """Overdue referrals per agency code, from the referral service's database."""
    counts = dict.fromkeys((opd.code for opd in reference.opd()), 0)
    with bounded(probe.timeout), probe.engine.connect() as conn:
        rows = conn.execute(
            _OVERDUE,
            {
                "awaiting_completion": sorted(sla.AWAITING_COMPLETION),
                "awaiting_receipt": sorted(sla.AWAITING_RECEIPT),
            },
        )
        counts.update({code: int(count) for code, count in rows})
    return counts


OVERDUE = ServiceGauge(
    "sipmas_referrals_overdue",
    "Live referrals past their receive or complete target, by agency",
    "opd_code",
    by_agency,
)
