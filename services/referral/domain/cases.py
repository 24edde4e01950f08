"""Planning a case: which referrals a verified household's needs become. Pure: the adapter
(``opening.py``) opens the case and writes what is planned here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from services.referral.domain import routing

ELIGIBLE_CLASSES = frozenset({"sangat_miskin", "miskin", "rentan_miskin"})
# Needs verification raises whatever the household's welfare (``rules.unconditional_needs`` and
# every PMKS need): a missing KK or a neglected elder is a matter for an agency all the same.
UNCONDITIONAL_NEEDS = frozenset({"adminduk"})


@dataclass(frozen=True)
class PlannedReferral:
    need: str
    reasons: tuple[str, ...]
    route: routing.Route


def eligible_for_case(welfare_class: str, graduated: bool, needs: Iterable[str] = ()) -> bool:
    """A poor household that has not graduated gets a case. Given its ``needs``, a household
    that is not poor gets one too for a need verification raises unconditionally."""
    if eligible_for_programmes(welfare_class, graduated):
        return True
    return any(unconditional(need) for need in needs)


def eligible_for_programmes(welfare_class: str, graduated: bool) -> bool:
    """Classed poor and not graduated: every need of the household is referred."""
    return welfare_class in ELIGIBLE_CLASSES and not graduated


def unconditional(need: str) -> bool:
    """A need referred whatever the household's welfare (a missing KK, a PMKS condition)."""
    return need in UNCONDITIONAL_NEEDS or need.startswith(routing.PMKS_NEED_PREFIX)


def needs_to_refer(data: Mapping) -> list[Mapping]:
    """The needs of a ``household_verified`` event that become referrals: every need of a
    household eligible for the programmes; only the unconditional ones of a household classed
    not poor (or graduated), which is then in care for those while classed not poor; none when
    there is no case to open (:func:`eligible_for_case`)."""
    needs = list(data.get("needs") or ())
    if eligible_for_programmes(data["welfare_class"], data.get("graduated", False)):
        return needs
    return [need for need in needs if unconditional(need["code"])]


def gets_case(data: Mapping) -> bool:
    """Whether a ``household_verified`` event opens (or adds to) a case: it has a need to refer.
    Only then does the referral service ask the registry for the household's facts."""
    return bool(needs_to_refer(data))


def plan(
    needs: Sequence[Mapping],
    household: routing.HouseholdFacts,
    table: routing.RoutingTable,
    already_open: frozenset[tuple[str, str]] = frozenset(),
) -> list[PlannedReferral]:
    """One referral per need (``{"code", "reasons"}``; a code given twice is one need with both
    reasons), in a fixed order whatever order the needs came in. A need that already has an open
    referral in the case — ``already_open`` holds its (need, opd_code) pairs — is not referred
    again, whichever agency holds it: a rerouted need is carried on by its successor."""
    held = {need for need, _ in already_open}
    planned = []
    for need, reasons in _merged(needs):
        route = None if need in held else routing.route(need, household, table)
        if route is not None:
            planned.append(PlannedReferral(need, reasons, route))
    return planned


def _merged(needs: Sequence[Mapping]) -> list[tuple[str, tuple[str, ...]]]:
    reasons: dict[str, list[str]] = {}
    for need in needs:
        why = reasons.setdefault(need["code"], [])
        why += [r for r in need.get("reasons") or () if r not in why]
    return [(code, tuple(reasons[code])) for code in sorted(reasons, key=need_order)]


def need_order(code: str) -> tuple[int, str]:
    """Verification's order: the basic needs as listed, then PMKS and any other need by code."""
    basic = routing.BASIC_NEEDS
    return (basic.index(code), "") if code in basic else (len(basic), code)
