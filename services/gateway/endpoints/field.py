"""The supervisor's desk beyond approving: one task with its visits in full beside what the
registry held, placing tasks on verifiers' desks, and the field's workload by verifier and
kecamatan."""

from __future__ import annotations

from typing import Any

from services.gateway import schemas
from services.gateway.domain import policy
from services.gateway.domain.errors import unwrap
from services.gateway.http import Call, endpoint

API = "/api/v1"


class FieldEndpoints:
    @endpoint("GET", f"{API}/tasks/<int:task_id>", "tasks.get")
    def get_task(self, call: Call, task_id: int) -> dict[str, Any]:
        task = self._task(call, task_id)
        household_id = task["household"]["household_id"]
        detail = unwrap(self.verification.task_detail(task_id))
        held = self.registry.get_household(household_id, scope=policy.area(call.user))
        call.audit([household_id], subject=f"task {task_id}")
        return {**detail, "registry": held.get("household")}

    @endpoint("POST", f"{API}/tasks/<int:task_id>/assign", "tasks.assign")
    def assign_task(self, call: Call, task_id: int) -> dict[str, Any]:
        verifier = call.json(schemas.ChooseVerifier())["verifier"]
        task = self._task(call, task_id)
        call.audit([task["household"]["household_id"]], subject=f"assign task {task_id}")
        return unwrap(self.verification.assign_task(task_id, verifier, call.user.username))

    @endpoint("POST", f"{API}/tasks/<int:task_id>/second-verifier", "tasks.second_verifier")
    def second_verifier(self, call: Call, task_id: int) -> dict[str, Any]:
        verifier = call.json(schemas.ChooseVerifier())["verifier"]
        task = self._task(call, task_id)
        call.audit([task["household"]["household_id"]], subject=f"second verifier task {task_id}")
        answer = self.verification.assign_second_verifier(task_id, verifier, call.user.username)
        return unwrap(answer)

    @endpoint("GET", f"{API}/verifiers", "verifiers.list")
    def list_verifiers(self, call: Call) -> dict[str, Any]:
        return unwrap(self.verification.verifiers(policy.area(call.user)))

    @endpoint("GET", f"{API}/reports/tasks", "reports.tasks")
    def task_report(self, call: Call) -> dict[str, Any]:
        group_by = call.query(schemas.TaskReportQuery())["group_by"]
        return unwrap(self.verification.task_counts(policy.area(call.user), group_by))

    @endpoint("GET", f"{API}/reports/verification", "reports.verification")
    def verification_report(self, call: Call) -> dict[str, Any]:
        answer = unwrap(self.verification.task_counts(policy.area(call.user), "kecamatan"))
        return {
            "rows": [
                {"kecamatan_code": row["key"], "state": state, "count": count}
                for row in answer["rows"]
                for state, count in sorted(row["states"].items())
            ]
        }
