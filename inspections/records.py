"""Inspection records, findings, rectification and verification.

An open major hazard puts a payment hold on the provider (``registry.holds``), which the
subsidies app reads before paying; verifying the finding fixed lifts it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.holds import hold_close, hold_open
from registry.models import Provider, User

from .models import Finding, Inspection, InspectionTask, Regime

CHECK_RESULTS = {"pass", "fail", "n/a"}


@dataclass(frozen=True)
class FindingInput:
    category: str
    severity: str
    description: str
    deadline: datetime.date | None = None


def default_deadline(regime: Regime, severity: str, inspected_on: datetime.date) -> datetime.date:
    """The regime's default time to rectify a finding of this severity (data, editable)."""
    days = regime.rectification_days.get(severity)
    if days is None:
        raise ValidationError(
            {"deadline": _("No default deadline for this severity in %(regime)s: enter one.") % {"regime": regime}}
        )
    return inspected_on + datetime.timedelta(days=int(days))


def _check_checklist(regime: Regime, results: dict[str, str]) -> None:
    codes = {item["code"] for item in regime.checklist}
    unknown = sorted(set(results) - codes)
    if unknown:
        raise ValidationError(
            {"checklist_results": _("Unknown checklist items: %(items)s.") % {"items": ", ".join(unknown)}}
        )
    bad = sorted(code for code, value in results.items() if value not in CHECK_RESULTS)
    if bad:
        raise ValidationError(
            {"checklist_results": _("Use pass, fail or n/a for: %(items)s.") % {"items": ", ".join(bad)}}
        )


def outcome_for(results: dict[str, str], findings: Iterable[FindingInput]) -> str:
    findings = list(findings)
    if any(f.severity == Finding.Severity.MAJOR for f in findings):
        return Inspection.Outcome.FAILED
    if findings or "fail" in results.values():
        return Inspection.Outcome.FINDINGS
    return Inspection.Outcome.PASSED


def finding_open_hold(finding: Finding) -> None:
    if finding.severity == Finding.Severity.MAJOR and finding.status != Finding.Status.VERIFIED:
        hold_open(
            provider=finding.inspection.provider,
            source=finding.hold_source,
            reason=_("Open major hazard: %(description)s") % {"description": finding.description[:120]},
        )


@transaction.atomic
def record_inspection(
    *,
    provider: Provider,
    regime: Regime,
    inspected_on: datetime.date,
    recorded_by: User,
    inspectors: Iterable[User] = (),
    checklist_results: dict[str, str] | None = None,
    findings: Iterable[FindingInput] = (),
    summary: str = "",
    task: InspectionTask | None = None,
) -> Inspection:
    """Record a visit with its checklist and findings; close the task it fulfils."""
    results = checklist_results or {}
    findings = list(findings)
    if inspected_on > timezone.localdate():
        raise ValidationError({"inspected_on": _("The inspection date cannot be in the future.")})
    _check_checklist(regime, results)
    inspection = Inspection.objects.create(
        provider=provider,
        regime=regime,
        task=task,
        inspected_on=inspected_on,
        checklist_results=results,
        outcome=outcome_for(results, findings),
        summary=summary,
        recorded_by=recorded_by,
    )
    inspection.inspectors.set(list(inspectors))
    for item in findings:
        Finding.objects.create(
            inspection=inspection,
            category=item.category,
            severity=item.severity,
            description=item.description,
            deadline=item.deadline or default_deadline(regime, item.severity, inspected_on),
        )
    inspection_finalise(inspection)
    return inspection


def inspection_finalise(inspection: Inspection) -> None:
    """After the findings are saved (by the service or the admin): the outcome follows the
    findings, each open major hazard holds the provider's payments, and the task is done."""
    findings = list(inspection.findings.all())
    inputs = [FindingInput(f.category, f.severity, f.description, f.deadline) for f in findings]
    outcome = outcome_for(inspection.checklist_results, inputs)
    if not findings and not inspection.checklist_results and inspection.outcome:
        outcome = inspection.outcome  # reported without item-level detail (a roster): it stands
    if inspection.outcome != outcome:
        inspection.outcome = outcome
        inspection.save(update_fields=["outcome"])
    for finding in findings:
        finding_open_hold(finding)
    if inspection.task_id is not None:
        InspectionTask.objects.filter(pk=inspection.task_id, status=InspectionTask.Status.OPEN).update(
            status=InspectionTask.Status.DONE
        )


@transaction.atomic
def finding_report_rectification(*, finding: Finding, report: str, rectified_on: datetime.date) -> Finding:
    """The provider (or a clerk for it) reports the hazard fixed; an inspector then verifies."""
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    if locked.status == Finding.Status.VERIFIED:
        raise ValidationError(_("This finding is already verified."))
    if not report.strip():
        raise ValidationError({"rectification_report": _("Describe what was done.")})
    locked.rectification_report, locked.rectified_on = report, rectified_on
    locked.status = Finding.Status.RECTIFIED
    locked.save(update_fields=["rectification_report", "rectified_on", "status"])
    return locked


@transaction.atomic
def finding_verify(*, finding: Finding, inspector: User, on: datetime.date) -> Finding:
    """An inspector confirms the rectification; a major hazard's payment hold is lifted."""
    locked = Finding.objects.select_for_update().select_related("inspection__provider").get(pk=finding.pk)
    if locked.status != Finding.Status.RECTIFIED:
        raise ValidationError(_("Only a reported rectification can be verified."))
    if not inspector.has_perm("inspections.verify_finding"):
        raise PermissionDenied(_("You do not have permission to verify rectifications."))
    locked.status, locked.verified_by, locked.verified_on = Finding.Status.VERIFIED, inspector, on
    locked.save(update_fields=["status", "verified_by", "verified_on"])
    hold_close(provider=locked.inspection.provider, source=locked.hold_source)
    return locked


def overdue_findings(on: datetime.date) -> QuerySet[Finding]:
    return Finding.objects.exclude(status=Finding.Status.VERIFIED).filter(deadline__lt=on)


def escalate_overdue_findings(*, on: datetime.date) -> list[Finding]:
    """Mark overdue rectifications escalated, once each; returns those escalated now."""
    escalated = []
    for finding in overdue_findings(on).filter(escalated_on__isnull=True).select_related("inspection__provider"):
        if Finding.objects.filter(pk=finding.pk, escalated_on__isnull=True).update(escalated_on=on):
            escalated.append(finding)
    return escalated
