"""What a list page asks to narrow a list to, once the caller's scope has cut it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def task_matches(task: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """A task on the given verifier's desk, in the given kecamatan, overdue if asked."""
    household = task.get("household") or {}
    return (
        (not query.get("assignee") or task.get("assignee") == query["assignee"])
        and (
            not query.get("kecamatan_code")
            or household.get("kecamatan_code") == query["kecamatan_code"]
        )
        and (not query.get("overdue") or bool(task.get("overdue")))
    )
