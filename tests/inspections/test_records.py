"""Inspection records: outcome from the checklist and findings, validation, default
rectification deadlines, the payment hold of an open major hazard as the subsidies app
sees it, rectification and verification, tasks done, escalation of overdue findings."""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from factories import ResidentFactory
from inspection_support import DISTRICT_SAFETY

from inspections.models import Evidence, Finding, Inspection, InspectionTask
from inspections.planning import plan_inspections
from inspections.records import (
    FindingInput,
    escalate_overdue_findings,
    finding_report_rectification,
    finding_verify,
    record_inspection,
)
from inspections.validators import validate_evidence_size
from registry.holds import active_holds, hold_reasons_now, providers_on_hold
from safeguards.models import AuditEntry
from subsidies.instalments import grant_prepare, instalment_blockers
from subsidies.models import GrantLine
from subsidies.runs import run_refresh

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate()
GENERAL = Finding.Severity.GENERAL
MAJOR = Finding.Severity.MAJOR


def general(description="灭火器过期", **kwargs):
    return FindingInput(Finding.Category.FIRE, GENERAL, description, **kwargs)


def major(description="安全出口被锁闭", **kwargs):
    return FindingInput(Finding.Category.FIRE, MAJOR, description, **kwargs)


@pytest.fixture
def regime(regimes):
    return regimes[DISTRICT_SAFETY]


@pytest.fixture
def provider(make_provider):
    return make_provider()


@pytest.fixture
def record(provider, regime, district_inspector):
    def make(*, checklist=None, findings=(), on=TODAY, **kwargs):
        return record_inspection(
            provider=kwargs.pop("provider", provider),
            regime=kwargs.pop("regime", regime),
            inspected_on=on,
            recorded_by=district_inspector,
            inspectors=[district_inspector],
            checklist_results=checklist,
            findings=findings,
            **kwargs,
        )

    return make


# --- outcome -------------------------------------------------------------------------------


def test_all_passed_without_findings_passes(record, regime):
    inspection = record(checklist={item["code"]: "pass" for item in regime.checklist} | {"medication": "n/a"})

    assert inspection.outcome == Inspection.Outcome.PASSED
    assert inspection.checklist_results["medication"] == "n/a"
    assert inspection.findings.count() == 0


def test_a_failed_item_without_findings_gives_findings(record):
    assert record(checklist={"fire-exits": "fail"}).outcome == Inspection.Outcome.FINDINGS


def test_a_general_finding_gives_findings(record):
    inspection = record(checklist={"fire-extinguishers": "fail"}, findings=[general()])
    assert inspection.outcome == Inspection.Outcome.FINDINGS


def test_a_major_hazard_fails_the_inspection(record):
    inspection = record(checklist={"fire-exits": "fail"}, findings=[general(), major()])
    assert inspection.outcome == Inspection.Outcome.FAILED


def test_the_inspectors_and_checklist_are_stored(record, district_inspector):
    inspection = Inspection.objects.get(pk=record(checklist={"fire-exits": "pass"}, summary="总体良好").pk)

    assert list(inspection.inspectors.all()) == [district_inspector]
    assert inspection.checklist_results == {"fire-exits": "pass"}
    assert (inspection.summary, inspection.recorded_by) == ("总体良好", district_inspector)


# --- validation ----------------------------------------------------------------------------


def test_an_unknown_checklist_item_is_refused(record):
    with pytest.raises(ValidationError) as error:
        record(checklist={"fire-exits": "pass", "no-such-item": "pass"})

    assert "checklist_results" in error.value.message_dict
    assert "no-such-item" in str(error.value)
    assert not Inspection.objects.exists()


def test_a_result_other_than_pass_fail_or_na_is_refused(record):
    with pytest.raises(ValidationError):
        record(checklist={"fire-exits": "maybe"})
    assert not Inspection.objects.exists()


def test_an_item_of_another_regimes_checklist_is_refused(record, regimes):
    childcare_fire = regimes["IM-CHILDCARE-FIRE"]
    with pytest.raises(ValidationError):
        record(regime=childcare_fire, checklist={"medication": "pass"})  # not on the fire checklist


def test_a_future_date_is_refused(record):
    with pytest.raises(ValidationError) as error:
        record(on=TODAY + datetime.timedelta(days=1))

    assert "inspected_on" in error.value.message_dict
    assert not Inspection.objects.exists()


# --- deadlines -----------------------------------------------------------------------------


def test_default_deadlines_by_severity_and_an_explicit_one_kept(record):
    on = D(2026, 11, 2)
    explicit = D(2026, 11, 20)

    inspection = record(on=on, findings=[general("一般"), major("重大"), general("限期", deadline=explicit)])

    deadlines = dict(inspection.findings.values_list("description", "deadline"))
    assert deadlines == {"一般": D(2026, 12, 2), "重大": D(2026, 11, 9), "限期": explicit}
    assert set(inspection.findings.values_list("status", flat=True)) == {Finding.Status.OPEN}


def test_the_default_deadlines_are_the_regimes_data(record, regime):
    regime.rectification_days = {"general": 20, "major": 3}
    regime.save()

    inspection = record(on=D(2026, 11, 2), findings=[general("一般"), major("重大")])

    deadlines = dict(inspection.findings.values_list("description", "deadline"))
    assert deadlines == {"一般": D(2026, 11, 22), "重大": D(2026, 11, 5)}


def test_a_deadline_can_be_changed_later(record):
    finding = record(findings=[general()]).findings.get()
    finding.deadline = finding.deadline + datetime.timedelta(days=15)
    finding.save()

    finding.refresh_from_db()
    assert finding.deadline == TODAY + datetime.timedelta(days=45)


# --- tasks ---------------------------------------------------------------------------------


def test_the_task_is_done_when_its_inspection_is_recorded(record, provider, regime):
    plan_inspections(on=TODAY)
    task = InspectionTask.objects.get(provider=provider, regime=regime)
    other = InspectionTask.objects.exclude(pk=task.pk).filter(provider=provider).first()

    inspection = record(task=task)

    task.refresh_from_db()
    other.refresh_from_db()
    assert inspection.task == task
    assert task.status == InspectionTask.Status.DONE
    assert other.status == InspectionTask.Status.OPEN


def test_a_cancelled_task_stays_cancelled(record, provider, regime):
    plan_inspections(on=TODAY)
    task = InspectionTask.objects.get(provider=provider, regime=regime)
    InspectionTask.objects.filter(pk=task.pk).update(status=InspectionTask.Status.CANCELLED)

    record(task=task)

    task.refresh_from_db()
    assert task.status == InspectionTask.Status.CANCELLED


# --- holds ---------------------------------------------------------------------------------


def test_only_a_major_hazard_opens_a_hold(record, provider):
    record(findings=[general()])
    assert active_holds(provider) == []

    finding = record(findings=[major()]).findings.get()

    [hold] = active_holds(provider)
    assert hold.source == finding.hold_source == f"inspections.finding:{finding.pk}"
    assert "安全出口被锁闭" in hold.reason


def test_two_major_hazards_hold_until_both_are_verified(record, provider, district_inspector):
    first, second = record(findings=[major("一"), major("二")]).findings.order_by("pk")
    assert len(active_holds(provider)) == 2

    finding_report_rectification(finding=first, report="已整改", rectified_on=TODAY)
    finding_verify(finding=first, inspector=district_inspector, on=TODAY)

    assert [hold.source for hold in active_holds(provider)] == [second.hold_source]


def test_an_open_major_hazard_holds_subsidies_until_verified(
    certified_provider, regime, district_inspector, clerk, record
):
    provider = certified_provider()
    ResidentFactory.create_batch(2, provider=provider)
    grant = grant_prepare(
        provider=provider,
        scheme_code="BT-CONSTRUCT-BED",
        basis="new_build",
        beds_claimed=10,
        floor_area_m2=Decimal("300"),
        prepared_by=clerk,
    )
    month = TODAY.replace(day=1)
    month_end = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)

    def line():
        # Months are paid after they happen: the run is made as on the month's last day.
        with mock.patch("subsidies.runs.timezone.localdate", return_value=month_end):
            run = run_refresh(scheme_code="BT-OPERATING", period=month)
        return run.lines.get(provider=provider, kind=GrantLine.Kind.REGULAR)

    assert line().holds == [] and instalment_blockers(grant, TODAY) == ("", [])

    finding = record(provider=provider, findings=[major("消防通道堵塞")]).findings.get()

    # The month is earned; the provider's payments pause until the hazard is verified fixed.
    assert line().holds == [] and line().payable
    [reasons] = hold_reasons_now([provider.pk]).values()
    assert "消防通道堵塞" in reasons[0]
    cancel, withhold = instalment_blockers(grant, TODAY)
    assert cancel == "" and len(withhold) == 1 and "消防通道堵塞" in withhold[0]

    finding_report_rectification(finding=finding, report="已清理通道", rectified_on=TODAY)
    assert len(active_holds(provider)) == 1  # reported is not yet verified
    assert provider in providers_on_hold()
    assert instalment_blockers(grant, TODAY)[1] != []

    finding_verify(finding=finding, inspector=district_inspector, on=TODAY)

    assert active_holds(provider) == []
    assert provider not in providers_on_hold()
    assert instalment_blockers(grant, TODAY) == ("", [])


# --- rectification and verification --------------------------------------------------------


def test_rectification_report_then_verification(record, district_inspector):
    finding = record(findings=[major()]).findings.get()

    reported = finding_report_rectification(finding=finding, report="已更换门锁并保持畅通", rectified_on=TODAY)
    assert (reported.status, reported.rectification_report, reported.rectified_on) == (
        Finding.Status.RECTIFIED,
        "已更换门锁并保持畅通",
        TODAY,
    )

    verified = finding_verify(finding=finding, inspector=district_inspector, on=TODAY)
    assert (verified.status, verified.verified_by, verified.verified_on) == (
        Finding.Status.VERIFIED,
        district_inspector,
        TODAY,
    )
    with pytest.raises(ValidationError):
        finding_report_rectification(finding=finding, report="again", rectified_on=TODAY)


def test_an_empty_rectification_report_is_refused(record):
    finding = record(findings=[general()]).findings.get()
    with pytest.raises(ValidationError):
        finding_report_rectification(finding=finding, report="  ", rectified_on=TODAY)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN


def test_verification_needs_a_reported_rectification(record, district_inspector, provider):
    finding = record(findings=[major()]).findings.get()

    with pytest.raises(ValidationError):
        finding_verify(finding=finding, inspector=district_inspector, on=TODAY)

    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN
    assert len(active_holds(provider)) == 1


def test_verification_needs_the_permission(record, clerk, provider):
    finding = record(findings=[major()]).findings.get()
    finding_report_rectification(finding=finding, report="已整改", rectified_on=TODAY)

    with pytest.raises(PermissionDenied):
        finding_verify(finding=finding, inspector=clerk, on=TODAY)

    finding.refresh_from_db()
    assert finding.status == Finding.Status.RECTIFIED
    assert len(active_holds(provider)) == 1
    assert not clerk.has_perm("inspections.verify_finding")


# --- escalation ----------------------------------------------------------------------------


def test_overdue_findings_are_escalated_once(record, district_inspector):
    on = D(2026, 11, 2)
    inspection = record(on=on, findings=[major("逾期"), general("未到期"), major("已核验")])
    overdue, not_due, verified = inspection.findings.order_by("pk")
    finding_report_rectification(finding=verified, report="已整改", rectified_on=on)
    finding_verify(finding=verified, inspector=district_inspector, on=on)

    assert escalate_overdue_findings(on=D(2026, 11, 9)) == []  # due today: not yet overdue
    escalated = escalate_overdue_findings(on=D(2026, 11, 10))
    again = escalate_overdue_findings(on=D(2026, 11, 11))

    assert [f.pk for f in escalated] == [overdue.pk]
    assert again == []
    overdue.refresh_from_db()
    not_due.refresh_from_db()
    verified.refresh_from_db()
    assert overdue.escalated_on == D(2026, 11, 10)
    assert not_due.escalated_on is None and verified.escalated_on is None


# --- evidence ------------------------------------------------------------------------------


@override_settings(EVIDENCE_MAX_BYTES=1024)
def test_evidence_is_size_limited_and_images_or_pdf_only(record):
    finding = record(findings=[general()]).findings.get()
    small = SimpleUploadedFile("photo.jpg", b"x" * 1000, content_type="image/jpeg")
    large = SimpleUploadedFile("photo.jpg", b"x" * 2000, content_type="image/jpeg")
    script = SimpleUploadedFile("run.exe", b"x" * 10)

    validate_evidence_size(small)
    with pytest.raises(ValidationError):
        validate_evidence_size(large)
    evidence = Evidence(finding=finding, file=script)
    with pytest.raises(ValidationError) as error:
        evidence.full_clean()
    assert "file" in error.value.message_dict
    Evidence(finding=finding, file=small).full_clean()


# --- the audit trail -----------------------------------------------------------------------


def audit(action):
    return list(AuditEntry.objects.filter(action=action))


def test_recording_writes_one_audit_entry_and_a_refused_record_none(record, provider, regimes, district_inspector):
    inspection = record(findings=[major()])
    with pytest.raises(ValidationError):
        record(regime=regimes["IM-CHILDCARE-HEALTH"])  # a childcare regime, an elderly-care provider

    [entry] = audit("inspection.record")
    assert (entry.object_type, entry.object_id, entry.actor) == (
        "inspections.Inspection",
        str(inspection.pk),
        district_inspector,
    )
    assert entry.after["outcome"] == Inspection.Outcome.FAILED and entry.after["findings"] == 1


def test_a_regime_for_another_kind_of_provider_is_refused_by_the_service(record, regimes):
    with pytest.raises(ValidationError) as refused:
        record(regime=regimes["IM-CHILDCARE-FIRE"])

    assert set(refused.value.message_dict) == {"regime"}
    assert not Inspection.objects.exists()


def test_rectification_and_verification_each_write_one_audit_entry(record, district_inspector, clerk):
    finding = record(findings=[major()]).findings.get()

    finding_report_rectification(finding=finding, report="已整改", rectified_on=TODAY, user=clerk)
    finding_verify(finding=finding, inspector=district_inspector, on=TODAY)

    [rectified] = audit("finding.rectify")
    [verified] = audit("finding.verify")
    assert (rectified.object_id, rectified.actor, rectified.after["status"]) == (str(finding.pk), clerk, "rectified")
    assert (verified.object_id, verified.actor, verified.after["status"]) == (
        str(finding.pk),
        district_inspector,
        "verified",
    )


def test_each_escalation_writes_one_audit_entry_once(record):
    overdue, _not_due = record(on=D(2026, 11, 2), findings=[major("逾期"), general("未到期")]).findings.order_by("pk")

    escalate_overdue_findings(on=D(2026, 11, 10))
    escalate_overdue_findings(on=D(2026, 11, 11))

    [entry] = audit("finding.escalate")
    assert (entry.object_id, entry.after["escalated_on"]) == (str(overdue.pk), "2026-11-10")
