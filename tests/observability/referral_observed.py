"""The referral service as it runs, with its own gauges (``Observe(gauges=[OVERDUE])`` in its
``service.py``): ``nameko run tests.observability.referral_observed``.

The module imports the class under one name only, so nameko finds one referral service here.
"""

from __future__ import annotations

from services.referral.service import ReferralService as ObservedReferralService

__all__ = ["ObservedReferralService"]
