"""Referrals overdue, by agency: the referral service's gauge, measured when scraped.

Overdue means what escalation means (``services/referral/sla.py``, one rule): a referral still
waiting for its agency to receive it past ``receive_by``, or for the work past ``complete_by``.
Every agency of the reference is reported, at 0 when nothing of its is late, so a dashboard
tells "none late" from "not measured".
"""

from __future__ import annotations

import sqlalchemy as sa

from sipmas import reference
from sipmas.observability.health import Probe, bounded

_OVERDUE = sa.text(
    "SELECT opd_code, count(*) FROM referrals "
    "WHERE (state = ANY(:awaiting_completion) AND complete_by < clock_timestamp()) "
    "   OR (state = ANY(:awaiting_receipt) AND receive_by < clock_timestamp()) "
    "GROUP BY opd_code"
)


def by_agency(probe: Probe) -> dict[str, int]:
    """Overdue referrals per agency code, from the referral service's database."""
    from services.referral import sla  # the service's rule, read here, decided there

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
