"""What an agency (and Dinsos) reads of referrals beyond the inbox: one referral with its
history, the evidence an agency sent, the referrals counted per agency and state, and the
routing table that decides which agency owns which need."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from services.gateway import schemas
from services.gateway.domain import policy
from services.gateway.domain.errors import not_found, unwrap
from services.gateway.http import Call, endpoint
from services.gateway.use_cases import photos

API = "/api/v1"


class AgencyEndpoints:
    @endpoint("GET", f"{API}/referrals/<int:referral_id>", "referrals.get")
    def get_referral(self, call: Call, referral_id: int) -> dict[str, Any]:
        referral = self._referral(call, referral_id)
        if call.user.role == policy.OPD:  # and what it answered itself: its evidence, its reason
            record = self._referral(call, referral_id, view="staff")
            referral = {**referral, **policy.opd_own_answer(record)}
        call.audit(_household_of(referral), subject=f"referral {referral_id}")
        return referral

    @endpoint("GET", f"{API}/referrals/<int:referral_id>/evidence/<sha256>", "referrals.evidence")
    def referral_evidence(self, call: Call, referral_id: int, sha256: str) -> Response:
        referral = self._referral(call, referral_id, view="staff")  # the record names its file
        if referral.get("evidence_ref") != sha256:
            raise not_found()
        data, media_type = photos.stored(sha256)
        call.audit(_household_of(referral), subject=f"evidence of referral {referral_id}")
        return Response(data, mimetype=media_type, headers={"Cache-Control": "private"})

    def _referral(self, call: Call, referral_id: int, view: str = "shown") -> dict[str, Any]:
        """The referral as the caller may see it: an agency its own (in the agency's view, or
        the record itself for the gateway's own checks: ``view="staff"``), Dinsos staff those
        of their area; else 404 as for one that does not exist."""
        user = call.user
        if user.role == policy.OPD:
            seen = "staff" if view == "staff" else "opd"
            answer = unwrap(self.referral.referral(referral_id, seen, user.opd_code))
            return answer if view == "staff" else policy.opd_referral(answer)
        area = policy.referral_area(user)
        return unwrap(self.referral.referral(referral_id, "staff", None, area))

    @endpoint("GET", f"{API}/reports/referrals", "reports.referrals")
    def referral_report(self, call: Call) -> dict[str, Any]:
        return unwrap(self.referral.referral_counts(policy.referral_area(call.user)))

    @endpoint("GET", f"{API}/routing-table", "routing.get")
    def routing_table(self, call: Call) -> dict[str, Any]:
        return unwrap(self.referral.routing_table())

    @endpoint("POST", f"{API}/routing-table", "routing.propose")
    def propose_routing_table(self, call: Call) -> tuple[int, dict[str, Any]]:
        body = call.json(schemas.RoutingTableProposal())
        request = {**body, "actor": call.user.username}
        answer = unwrap(self.referral.set_routing_table(request))
        call.audit(subject=f"routing table version {answer.get('version')}")
        return 201, answer


def _household_of(referral: dict[str, Any]) -> list[int]:
    """The household a referral concerns, for the audit entry."""
    found = referral.get("household_id") or (referral.get("household") or {}).get("household_id")
    return [found] if found else []
