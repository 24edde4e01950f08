"""What every page reads to draw itself: Kutim's kecamatan and desa, the agencies, the 26 PMKS
categories, and the visit questionnaire as a form. Reference data, no person's data."""

from __future__ import annotations

from typing import Any

from services.gateway.http import Call, endpoint
from services.verification.domain import questionnaire, welfare
from sipmas import reference

API = "/api/v1"


class ReferenceEndpoints:
    @endpoint("GET", f"{API}/reference/areas", "reference.areas")
    def reference_areas(self, call: Call) -> dict[str, Any]:
        desa_of: dict[str, list[dict[str, str]]] = {}
        for desa in reference.desa():
            desa_of.setdefault(desa.kecamatan_code, []).append(
                {"code": desa.code, "name": desa.name, "jenis": desa.jenis}
            )
        return {
            "kecamatan": [
                {"code": k.code, "name": k.name, "desa": desa_of.get(k.code, [])}
                for k in reference.kecamatan()
            ]
        }

    @endpoint("GET", f"{API}/reference/opd", "reference.opd")
    def reference_opd(self, call: Call) -> dict[str, Any]:
        return {
            "opd": [
                {"code": o.code, "name": o.name, "abbreviation": o.abbreviation}
                for o in reference.opd()
            ]
        }

    @endpoint("GET", f"{API}/reference/pmks", "reference.pmks")
    def reference_pmks(self, call: Call) -> dict[str, Any]:
        return {
            "pmks": [
                {"code": p.code, "name": p.name, "english": p.english} for p in reference.pmks()
            ]
        }

    @endpoint("GET", f"{API}/questionnaire", "questionnaire")
    def get_questionnaire(self, call: Call) -> dict[str, Any]:
        """The visit form, and what the current rule set may find lacking (the reasons a
        decision and a referral name) in words."""
        deprivations = [
            {"code": d.code, "label_id": d.label_id, "label_en": d.label_en}
            for d in welfare.rule_set().deprivations
        ]
        return {**questionnaire.form(), "deprivations": deprivations}
