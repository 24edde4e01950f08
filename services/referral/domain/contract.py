"""What an agency sees of a referral (``sipmas.events.OpdReferral``): its own referral, the
household's address and the persons the referral concerns — nothing of the household's other
needs or agencies, and a NIK only where the agency's programme registers people by NIK.

A whole-household referral names its persons by what the programme does with them: one that
registers people (``carries_nik``: PBI-JK enrolment, Disdukcapil documents, a DTSEN proposal)
gets every member, since each is registered; any other gets the head only, the person the agency
contacts at the address — the other members' names and ages are not its business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.referral.domain.routing import Route

HEAD = "kepala"  # the registry's relation of the head of household
PERSON_FIELDS = ("name", "nik", "age", "sex", "relation")  # ``events.OpdPerson``
HOUSEHOLD_FIELDS = (  # ``events.OpdHousehold``: where to find the house, no NIK
    "household_id",
    "kecamatan_code",
    "desa_code",
    "rt",
    "rw",
    "alamat",
    "head_name",
    "member_count",
)
SEXES = ("L", "P")


def opd_persons(members: Sequence[Mapping], route: Route) -> list[dict[str, Any]]:
    """The persons ``route`` concerns (``members``: index, name, nik, age, sex, relation)."""
    if route.persons:
        chosen = [m for m in members if m.get("index") in route.persons]
    elif route.carries_nik:
        chosen = list(members)
    else:
        chosen = _head(members)
    return [opd_person(m, route.carries_nik) for m in chosen]


def _head(members: Sequence[Mapping]) -> list[Mapping]:
    """The head of household, else the first member listed (a family card names one first)."""
    head = next((m for m in members if m.get("relation") == HEAD), None)
    return [head] if head is not None else list(members[:1])


def opd_person(member: Mapping, carries_nik: bool) -> dict[str, Any]:
    """One person as ``OpdPerson`` has it: the key ``nik`` always present, None unless the
    programme needs it. The one place that decides whether a NIK leaves SIPMAS."""
    sex = str(member.get("sex") or "").upper()
    return {
        "name": member.get("name"),
        "nik": member.get("nik") if carries_nik else None,
        "age": member.get("age"),
        "sex": sex if sex in SEXES else None,
        "relation": member.get("relation"),
    }


def opd_referral_data(referral: Any, welfare_class: str | None) -> dict[str, Any]:
    """The data of ``referral.<opd>.*`` from a referral (``models.Referral`` or anything with
    its attributes) as it now stands. Persons pass through :func:`opd_person` again so that no
    caller can leak a NIK the referral does not carry; the household keeps its address only."""
    return {
        "referral_id": referral.id,
        "case_id": referral.case_id,
        "opd_code": referral.opd_code,
        "status": referral.state,
        "need": referral.need,
        "programme": referral.programme,
        "rule_id": referral.rule_id,
        "welfare_class": welfare_class,
        "reasons": list(referral.reasons or []),
        "household": {
            k: referral.household.get(k) for k in HOUSEHOLD_FIELDS if k in referral.household
        },
        "persons": [opd_person(p, referral.carries_nik) for p in referral.persons or []],
        "receive_by": referral.receive_by,
        "complete_by": referral.complete_by,
        "note": referral.reason,
    }
