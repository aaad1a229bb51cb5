"""Inspection records, findings, rectification and verification.

Each state change is one service here, which checks what it must, saves, and writes its
audit entry: the back-office, the roster import, the commands and the tasks call these.
``inspection_errors`` is the one list of rules an inspection record meets, whoever
records it (the service, the back-office form, a roster row).

An open major hazard puts a payment hold on the provider (``registry.holds``), which the
subsidies app reads before paying; verifying the finding fixed lifts it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.holds import hold_close, hold_open
from registry.models import Provider, User
from safeguards.audit import audit_record

from .eligibility import ineligible_inspectors_error
from .models import Draw, Evidence, Finding, Inspection, InspectionTask, Regime
from .recipients import major_hazard_reminders_create

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


def inspection_errors(inspection: Inspection) -> dict[str, str]:
    """What is wrong with an inspection record (its provider, regime and date set), by
    field: it cannot be dated in the future, nor be of a regime that does not apply to
    the provider's kind. Empty when nothing is."""
    errors = {}
    if inspection.inspected_on > timezone.localdate():
        errors["inspected_on"] = _("The inspection date cannot be in the future.")
    kinds = inspection.regime.provider_kinds
    if kinds and inspection.provider.kind not in kinds:
        errors["regime"] = _("This regime does not apply to this kind of provider.")
    return errors


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
    draw: Draw | None = None,
) -> Inspection:
    """Record a visit with its checklist and findings; close the task it fulfils.

    Refuses (``ValidationError`` by field) what ``inspection_errors`` finds, inspectors
    whose department does not inspect the provider under the regime (``eligibility``) and
    a checklist that is not the regime's. Writes one ``inspection.record`` audit entry."""
    results = checklist_results or {}
    findings = list(findings)
    inspectors = list(inspectors)
    inspection = Inspection(
        provider=provider,
        regime=regime,
        task=task,
        draw=draw,
        inspected_on=inspected_on,
        checklist_results=results,
        outcome=outcome_for(results, findings),
        summary=summary,
        recorded_by=recorded_by,
    )
    errors = inspection_errors(inspection)
    ineligible = ineligible_inspectors_error(provider, regime, inspectors)
    if ineligible:
        errors["inspectors"] = ineligible
    if errors:
        raise ValidationError(errors)
    _check_checklist(regime, results)
    inspection.save()
    inspection.inspectors.set(inspectors)
    for item in findings:
        Finding.objects.create(
            inspection=inspection,
            category=item.category,
            severity=item.severity,
            description=item.description,
            deadline=item.deadline or default_deadline(regime, item.severity, inspected_on),
        )
    inspection_finalise(inspection)
    audit_record(
        "inspection.record",
        actor=recorded_by,
        obj=inspection,
        after={
            "provider": provider.uscc,
            "regime": regime.code,
            "inspected_on": inspected_on.isoformat(),
            "outcome": inspection.outcome,
            "findings": len(findings),
        },
    )
    return inspection


REVISABLE_FIELDS = ("provider", "regime", "task", "draw", "inspected_on", "checklist_results", "summary")


@transaction.atomic
def inspection_revise(*, inspection: Inspection, user: User) -> Inspection:
    """Save the changes made to a recorded inspection (the back-office's change page), held
    to the rules of recording one (``inspection_errors``). Writes one ``inspection.change``
    audit entry with the fields changed, before and after (none when nothing changed). The
    findings, saved after it, are finalised by ``inspection_finalise``."""
    errors = inspection_errors(inspection)
    if errors:
        raise ValidationError(errors)
    stored = Inspection.objects.select_for_update().get(pk=inspection.pk)
    attnames = {f.name: f.attname for f in Inspection._meta.concrete_fields if f.name in REVISABLE_FIELDS}
    changed = [name for name, attname in attnames.items() if getattr(stored, attname) != getattr(inspection, attname)]
    inspection.save()
    if changed:
        audit_record(
            "inspection.change",
            actor=user,
            obj=inspection,
            before={name: getattr(stored, attnames[name]) for name in changed},
            after={name: getattr(inspection, attnames[name]) for name in changed},
        )
    return inspection


def inspection_finalise(inspection: Inspection) -> None:
    """After the findings are saved (by the service or the admin): the outcome follows the
    findings, each open major hazard holds the provider's payments and has its deadline
    reminder at once (``recipients.major_hazard_reminders_create``), and the task is done."""
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
    major_hazard_reminders_create(inspection=inspection)
    if inspection.task_id is not None:
        InspectionTask.objects.filter(pk=inspection.task_id, status=InspectionTask.Status.OPEN).update(
            status=InspectionTask.Status.DONE
        )


def imported_inspections_finalise(*, inspections: list[Inspection]) -> None:
    """After a roster's results are saved (the roster's ``inspection_finalise``): link each
    to the open task of its provider, regime and period, and mark those tasks done (two
    statements, whatever the number of rows). A roster carries no findings, so no hold."""
    task = InspectionTask.objects.filter(
        provider=OuterRef("provider"),
        regime=OuterRef("regime"),
        period_start__lte=OuterRef("inspected_on"),
        period_end__gte=OuterRef("inspected_on"),
        status=InspectionTask.Status.OPEN,
    ).values("pk")[:1]
    new = Inspection.objects.filter(pk__in=[i.pk for i in inspections], task__isnull=True)
    new.update(task=Subquery(task))
    InspectionTask.objects.filter(
        status=InspectionTask.Status.OPEN, inspections__in=[i.pk for i in inspections]
    ).update(status=InspectionTask.Status.DONE)


@dataclass(frozen=True)
class EvidenceFile:
    """A file to keep as a finding's evidence: its name (the extension says its type:
    .jpg, .png or .pdf) and its content, checked already by whoever received it (the
    portal sniffs, re-encodes and parses what a provider sends)."""

    name: str
    content: bytes


def evidence_add(*, finding: Finding, files: Iterable[EvidenceFile], caption: str, user: User | None) -> int:
    """Keep ``files`` as evidence of ``finding`` (a copy each: the evidence stays whatever
    becomes of the original); returns how many. Part of the service that calls it."""
    count = 0
    for item in files:
        evidence = Evidence(finding=finding, caption=caption[:200], uploaded_by=user)
        evidence.file.save(item.name, ContentFile(item.content), save=False)
        evidence.save()
        count += 1
    return count


@transaction.atomic
def finding_report_rectification(
    *,
    finding: Finding,
    report: str,
    rectified_on: datetime.date,
    user: User | None = None,
    evidence: Iterable[EvidenceFile] = (),
    caption: str = "",
) -> Finding:
    """The provider (or a clerk for it) reports the hazard fixed, with its evidence (photos,
    PDF); an inspector then verifies it or returns it. A rectification returned before is
    reported again this way (the reason it was returned is cleared: this report answers it).
    Writes one ``finding.rectify`` audit entry (by ``user``, else the request's user)."""
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    if locked.status == Finding.Status.VERIFIED:
        raise ValidationError(_("This finding is already verified."))
    if not report.strip():
        raise ValidationError({"rectification_report": _("Describe what was done.")})
    if rectified_on > timezone.localdate():
        raise ValidationError({"rectified_on": _("The day cannot be in the future.")})
    before = locked.status
    locked.rectification_report, locked.rectified_on = report, rectified_on
    locked.status, locked.return_reason = Finding.Status.RECTIFIED, ""
    locked.save(update_fields=["rectification_report", "rectified_on", "status", "return_reason"])
    files = evidence_add(finding=locked, files=evidence, caption=caption, user=user)
    audit_record(
        "finding.rectify",
        actor=user,
        obj=locked,
        before={"status": before},
        after={"status": locked.status, "rectified_on": rectified_on.isoformat(), "evidence": files},
        detail=report[:200],
    )
    return locked


@transaction.atomic
def finding_return_rectification(*, finding: Finding, inspector: User, reason: str, on: datetime.date) -> Finding:
    """An inspector finds the reported rectification not done (or not shown): the finding is
    open again, with the reason, which the provider reads in the portal; its deadline does
    not move (overdue, it is escalated as any other). Writes one ``finding.return`` audit entry."""
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    if locked.status != Finding.Status.RECTIFIED:
        raise ValidationError(_("Only a reported rectification can be returned."))
    if not inspector.has_perm("inspections.verify_finding"):
        raise PermissionDenied(_("You do not have permission to verify rectifications."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say what the provider must still do.")})
    locked.status, locked.return_reason, locked.returned_on = Finding.Status.OPEN, reason.strip(), on
    locked.save(update_fields=["status", "return_reason", "returned_on"])
    audit_record(
        "finding.return",
        actor=inspector,
        obj=locked,
        before={"status": Finding.Status.RECTIFIED},
        after={"status": locked.status, "returned_on": on.isoformat()},
        detail=reason[:200],
    )
    return locked


def findings_to_rectify(provider: Provider) -> QuerySet[Finding]:
    """The provider's findings not yet verified fixed (open, returned, or reported and
    waiting for the inspector), the nearest deadline first: the portal's list."""
    return (
        Finding.objects.filter(inspection__provider=provider)
        .exclude(status=Finding.Status.VERIFIED)
        .select_related("inspection__regime")
        .order_by("deadline", "pk")
    )


@transaction.atomic
def finding_verify(*, finding: Finding, inspector: User, on: datetime.date) -> Finding:
    """An inspector confirms the rectification; a major hazard's payment hold is lifted.
    Writes one ``finding.verify`` audit entry."""
    locked = Finding.objects.select_for_update().select_related("inspection__provider").get(pk=finding.pk)
    if locked.status != Finding.Status.RECTIFIED:
        raise ValidationError(_("Only a reported rectification can be verified."))
    if not inspector.has_perm("inspections.verify_finding"):
        raise PermissionDenied(_("You do not have permission to verify rectifications."))
    locked.status, locked.verified_by, locked.verified_on = Finding.Status.VERIFIED, inspector, on
    locked.save(update_fields=["status", "verified_by", "verified_on"])
    hold_close(provider=locked.inspection.provider, source=locked.hold_source)
    audit_record(
        "finding.verify",
        actor=inspector,
        obj=locked,
        before={"status": Finding.Status.RECTIFIED},
        after={"status": locked.status, "verified_on": on.isoformat()},
    )
    return locked


def overdue_findings(on: datetime.date) -> QuerySet[Finding]:
    return Finding.objects.exclude(status=Finding.Status.VERIFIED).filter(deadline__lt=on)


def escalate_overdue_findings(*, on: datetime.date) -> list[Finding]:
    """Mark overdue rectifications escalated, once each; returns those escalated now.
    Writes one ``finding.escalate`` audit entry for each finding escalated."""
    escalated = []
    for finding in overdue_findings(on).filter(escalated_on__isnull=True).select_related("inspection__provider"):
        with transaction.atomic():
            if Finding.objects.filter(pk=finding.pk, escalated_on__isnull=True).update(escalated_on=on):
                audit_record(
                    "finding.escalate",
                    actor_name="escalate_overdue_findings",
                    obj=finding,
                    after={"escalated_on": on.isoformat(), "deadline": finding.deadline.isoformat()},
                )
                escalated.append(finding)
    return escalated
