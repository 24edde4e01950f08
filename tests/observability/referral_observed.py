"""The referral service as it runs once ``observe = Observe()`` is added to it (its
``service.py`` is not changed by these tests): ``nameko run tests.observability.referral_observed``.

The module is imported, not the class, so nameko finds one referral service here, not two.
"""

from __future__ import annotations

import services.referral.service as referral
from sipmas.observability import Observe


class ObservedReferralService(referral.ReferralService):
    observe = Observe()
