"""A household's page beyond its record: its whole story on one timeline, the photos of its
visits, and the conflicts of values a person must settle; and the dashboard's household figures
of two days (what the district's households look like, then and now)."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Response

from services.gateway import schemas
from services.gateway.domain import dashboard, policy, story
from services.gateway.domain.errors import not_found, unwrap
from services.gateway.http import Call, endpoint
from services.gateway.use_cases import photos
from sipmas import settings

API = "/api/v1"
PAST_DAYS = dashboard.PastDays(time.monotonic)  # shared by the workers of this gateway


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

    @endpoint("GET", f"{API}/reports/dashboard", "reports.dashboard")
    def dashboard_figures(self, call: Call) -> dict[str, Any]:
        """Households, poor and extreme poor per desa on two days (``a`` before ``b``): the four
        counts asked of the registry at once; a past day's kept a while (``domain.dashboard``)."""
        query = call.query(schemas.DashboardQuery())
        area = policy.area(call.user)
        today = datetime.now(ZoneInfo(settings.local_timezone())).date()
        days: dict[str, dict[str, Any] | None] = {}
        asked = {}
        for key in ("a", "b"):
            day: date = query[key]
            text = day.isoformat()
            kept = PAST_DAYS.get(area, text) if day < today else None
            days[key] = kept
            if kept is None and text not in asked:
                by_class, extreme = dashboard.counts_requests(None if day >= today else text, area)
                asked[text] = (
                    self.registry.household_counts.call_async(by_class),
                    self.registry.household_counts.call_async(extreme),
                )
        made = {}
        for text, (by_class, extreme) in asked.items():
            made[text] = dashboard.snapshot(
                text, unwrap(by_class.result()), unwrap(extreme.result())
            )
            if date.fromisoformat(text) < today:
                PAST_DAYS.put(area, text, made[text])
        for key in ("a", "b"):
            days[key] = days[key] or made[query[key].isoformat()]
        return days
