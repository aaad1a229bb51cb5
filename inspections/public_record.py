"""What the public page of one inspection shows (``/inspections/<id>/``, issue 19).

Published: the provider, the date, the regime and its departments (lead and joint), the
outcome, the checklist (how many items passed, failed, did not apply; which failed, in
the page's language) and each finding's item (its category), severity, rectification
deadline, status and the dates it was reported rectified and verified.

Never published: what staff or providers wrote in their own words (the inspection's
summary, a finding's description, the rectification report, the reason a rectification
was returned), which may name residents or staff, and who inspected (the draws page
names a draw's inspectors by department and name). Evidence files are not published.

An inspection is public when its provider has a public page (``registry.public.PAGE_STATUSES``:
every provider ever filed); results stay public after suspension, closure or revocation
(DOMAIN §7 "Public disclosure"). A draft provider's inspections are not.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import get_language

from registry.labels import choice_label
from registry.public import PAGE_STATUSES

from .models import Department, Draw, Finding, Inspection, Regime


def public_inspection(pk: int) -> Inspection | None:
    """The inspection with its provider, regime and published draw, if it is public."""
    return (
        Inspection.objects.filter(pk=pk, provider__status__in=PAGE_STATUSES)
        .select_related("provider", "provider__division", "regime", "draw")
        .first()
    )


def published_draw(inspection: Inspection) -> Draw | None:
    """The double-random draw that sent the inspectors, once published."""
    draw = inspection.draw
    return draw if draw is not None and draw.status == Draw.Status.FROZEN else None


@dataclass
class ChecklistSummary:
    passed: int = 0
    failed: int = 0
    not_applicable: int = 0
    failed_items: list[str] = field(default_factory=list)  # in the order of the regime's checklist

    @property
    def recorded(self) -> int:
        return self.passed + self.failed + self.not_applicable


def checklist_summary(inspection: Inspection) -> ChecklistSummary:
    """Counts of the recorded results and the text of each failed item in the page's
    language (English under /en/, Chinese otherwise). An item no longer on the regime's
    checklist is shown by its code, so that no failure is lost."""
    results = inspection.checklist_results or {}
    english = (get_language() or "").startswith("en")
    texts = {
        item["code"]: item.get("text_en" if english else "text_zh") or item["code"]
        for item in inspection.regime.checklist or []
    }
    summary = ChecklistSummary()
    order = [*texts, *sorted(code for code in results if code not in texts)]
    for code in order:
        result = results.get(code)
        if result == "pass":
            summary.passed += 1
        elif result == "fail":
            summary.failed += 1
            summary.failed_items.append(texts.get(code, code))
        elif result == "n/a":
            summary.not_applicable += 1
    return summary


def regime_departments_shown(regime: Regime) -> tuple[str, list[str]]:
    """(lead department, joint departments) of a regime, as labels."""
    return (
        choice_label(regime.lead_department, Department),
        [choice_label(code, Department) for code in regime.joint_departments or []],
    )


@dataclass(frozen=True)
class FindingRow:
    item: str
    severity: str
    major: bool
    deadline: datetime.date
    status: str
    status_code: str
    overdue: bool
    rectified_on: datetime.date | None
    verified_on: datetime.date | None


def finding_rows(inspection: Inspection, today: datetime.date) -> list[FindingRow]:
    """The findings as the page shows them, by deadline; no text anyone wrote. A finding
    still open after its deadline is overdue; one open again (its rectification returned)
    shows no day rectified."""
    findings = inspection.findings.only(
        "category", "severity", "deadline", "status", "rectified_on", "verified_on"
    ).order_by("deadline", "pk")
    return [
        FindingRow(
            item=finding.get_category_display(),
            severity=finding.get_severity_display(),
            major=finding.severity == Finding.Severity.MAJOR,
            deadline=finding.deadline,
            status=finding.get_status_display(),
            status_code=finding.status,
            overdue=finding.status == Finding.Status.OPEN and finding.deadline < today,
            rectified_on=None if finding.status == Finding.Status.OPEN else finding.rectified_on,
            verified_on=finding.verified_on,
        )
        for finding in findings
    ]
