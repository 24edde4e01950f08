"""A household's page beyond its record: its whole story on one timeline, the photos of its
visits, and the conflicts of values a person must settle."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from services.gateway import schemas
from services.gateway.domain import policy, story
from services.gateway.domain.errors import not_found, unwrap
from services.gateway.http import Call, endpoint
from services.gateway.use_cases import photos

API = "/api/v1"


class HouseholdEndpoints:
    @endpoint("GET", f"{API}/households/<int:household_id>/story", "households.story")
    def household_story(self, call: Call, household_id: int) -> dict[str, Any]:
        self._check_household(call, household_id)
        within = policy.area(call.user)
        household = unwrap(self.registry.get_household(household_id, scope=within))["household"]
        moves = unwrap(self.registry.household_timeline(household_id, scope=within))["timeline"]
        verification = self._verification_of(household_id)
        cases = self.referral.household_cases(household_id)
        call.audit([household_id], subject=f"story of household {household_id}")
        entries = story.story(household, moves, verification, cases.get("cases", []))
        return {"household_id": household_id, "entries": entries}

    @endpoint("GET", f"{API}/households/<int:household_id>/photos/<sha256>", "households.photo")
    def household_photo(self, call: Call, household_id: int, sha256: str) -> Response:
        size = call.query(schemas.PhotoQuery())["size"]
        self._check_household(call, household_id)
        unwrap(self.registry.get_household(household_id, scope=policy.area(call.user)))
        if sha256 not in story.photos_of(self._verification_of(household_id)):
            raise not_found()
        data, media_type = photos.photo(sha256, size)
        call.audit([household_id], subject=f"photo {sha256[:12]} of household {household_id}")
        return Response(
            data, mimetype=media_type, headers={"Cache-Control": "private, max-age=3600"}
        )

    def _verification_of(self, household_id: int) -> dict[str, Any] | None:
        """Verification's record of the household, or None when it never went to the field."""
        answer = self.verification.household_history(household_id)
        return None if "error" in answer else answer

    @endpoint("GET", f"{API}/conflicts", "conflicts.list")
    def list_conflicts(self, call: Call) -> dict[str, Any]:
        query = call.query(schemas.ConflictQuery())
        answer = unwrap(self.registry.open_conflicts(policy.area(call.user), query["limit"]))
        found = answer["conflicts"]
        call.audit([c["household_id"] for c in found], subject="open conflicts")
        return {"conflicts": found}

    @endpoint("POST", f"{API}/conflicts/<int:conflict_id>/resolve", "conflicts.resolve")
    def resolve_conflict(self, call: Call, conflict_id: int) -> dict[str, Any]:
        value = call.json(schemas.ResolveConflict())["value"]
        answer = unwrap(
            self.registry.resolve_conflict(
                conflict_id, value, call.user.username, scope=policy.area(call.user)
            )
        )
        call.audit([answer["household_id"]], subject=f"resolve conflict {conflict_id}")
        return answer
