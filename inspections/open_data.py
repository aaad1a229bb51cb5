"""The inspections' key of a provider's open-data record (``/api/providers/<uscc>/``):
each inspection with its outcome and findings, as its public page shows them (issue 19).

No text anyone wrote (summary, finding descriptions, rectification reports) and no
inspector: the same rule as the page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from registry.models import Provider
from registry.open_data_api import array_of
from registry.open_data_schema import code, date, maybe, text
from registry.public import json_value
from registry.public_sections import ApiSection, register_api_section

from .models import Department, Finding, Inspection


def provider_inspections(provider: Provider) -> list[dict[str, Any]]:
    """Every inspection of the provider, newest first, with its findings (two queries)."""
    findings = Finding.objects.order_by("deadline", "pk")
    inspections = (
        Inspection.objects.filter(provider=provider)
        .select_related("regime", "draw")
        .prefetch_related(Prefetch("findings", queryset=findings))
        .order_by("-inspected_on", "-pk")
    )
    return [
        {
            "id": inspection.pk,
            "inspected_on": json_value(inspection.inspected_on),
            "regime": inspection.regime.code,
            "regime_name": inspection.regime.name_zh,
            "lead_department": inspection.regime.lead_department,
            "joint_departments": list(inspection.regime.joint_departments or []),
            "outcome": inspection.outcome,
            "draw": inspection.draw_id,
            "findings": [
                {
                    "category": finding.category,
                    "severity": finding.severity,
                    "deadline": json_value(finding.deadline),
                    "status": finding.status,
                    "rectified_on": json_value(finding.rectified_on),
                    "verified_on": json_value(finding.verified_on),
                }
                for finding in inspection.findings.all()
            ],
        }
        for inspection in inspections
    ]


def register() -> None:
    finding = {
        "category": code(Finding.Category.values, "Area of the hazard"),
        "severity": code(Finding.Severity.values, "General or major hazard"),
        "deadline": date("Rectification deadline"),
        "status": code(Finding.Status.values, "Open, rectification reported, or verified fixed"),
        "rectified_on": maybe(date("Rectification reported on")),
        "verified_on": maybe(date("Verified fixed on")),
    }
    departments = Department.values
    register_api_section(
        ApiSection(
            "inspections",
            provider_inspections,
            array_of(
                {
                    "id": {"type": "integer", "description": "The inspection's page: /inspections/{id}/"},
                    "inspected_on": date("Inspected on"),
                    "regime": text("Code of the inspection regime"),
                    "regime_name": text("Name of the inspection regime (Chinese)"),
                    "lead_department": code(departments, "Department that led it"),
                    "joint_departments": {"type": "array", "items": code(departments, "Joint department")},
                    "outcome": code(Inspection.Outcome.values, "Outcome"),
                    "draw": maybe({"type": "integer", "description": "The double-random draw that chose it"}),
                    "findings": array_of(finding, "Hazards found, by deadline"),
                },
                "Inspections, newest first, with their findings",
            ),
            order=30,
        )
    )
