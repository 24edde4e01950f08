"""Dinsos staff's referral list with each household by its head and address.

The referral service's staff view names a household by id only; staff read the list to follow
families, not numbers. The gateway asks the registry's search for those households (within the
caller's area, as every household read) and sets beside each referral what the agency's own view
carries (``household``): head's name, address, RT/RW, desa, kecamatan, member count — no NIK.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

IDS_LIMIT = 1000  # what the registry's search takes at once (its SearchCriteria.ids)


def household_ids(referrals: Sequence[Mapping[str, Any]]) -> list[int]:
    """The households a list of referrals concerns (for the audit and the registry), in order."""
    found = (
        r.get("household_id") or (r.get("household") or {}).get("household_id") for r in referrals
    )
    return list(dict.fromkeys(h for h in found if h))


def batches(ids: list[int]) -> Iterator[list[int]]:
    """The ids in pieces the registry's search takes at once."""
    for start in range(0, len(ids), IDS_LIMIT):
        yield ids[start : start + IDS_LIMIT]


def with_households(
    referrals: Sequence[Mapping[str, Any]], found: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Each referral with ``household`` from the registry's search answer (``None`` for a
    household the registry did not give: outside the caller's area, or gone)."""
    by_id = {h["id"]: _household(h) for h in found}
    return [{**r, "household": by_id.get(r.get("household_id"))} for r in referrals]


def _household(found: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "household_id": found["id"],
        "head_name": found.get("head_name"),
        "alamat": found.get("alamat"),
        "rt": found.get("rt"),
        "rw": found.get("rw"),
        "desa_code": found.get("desa_code"),
        "kecamatan_code": found.get("kecamatan_code"),
        "member_count": found.get("members"),
    }
