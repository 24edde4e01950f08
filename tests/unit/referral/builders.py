"""Households as the routing sees them, built briefly."""

from __future__ import annotations

from services.referral.domain.routing import HouseholdFacts, Member


def member(index: int, age: int | None, *pmks: str, relation: str = "anak") -> Member:
    return Member(index=index, age=age, sex="P", relation=relation, pmks=frozenset(pmks))


def household(*ages: int | None, welfare_class: str = "miskin", pmks=(), members=()):
    """A head of 45 and members of ``ages`` (or exactly ``members``)."""
    people = tuple(members) or (
        member(0, 45, relation="kepala"),
        *(member(i, age) for i, age in enumerate(ages, start=1)),
    )
    return HouseholdFacts(
        household_id=1, welfare_class=welfare_class, pmks=frozenset(pmks), members=people
    )
