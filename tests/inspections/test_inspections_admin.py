"""The inspections back-office: recording an inspection with its checklist and findings,
the findings board (rectification report, verification), the draw page and scoping."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from factories import BAOTOU, DONGHE, KUNDULUN, division
from inspection_support import DISTRICT_SAFETY

from inspections.models import Draw, Finding, Inspection, InspectionTask
from inspections.planning import plan_inspections
from inspections.records import FindingInput, finding_report_rectification, record_inspection
from registry.holds import active_holds
from registry.staff import roles

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def provider(make_provider):
    return make_provider()


@pytest.fixture
def task(regimes, provider, district_inspector):
    plan_inspections(on=TODAY)
    return InspectionTask.objects.get(provider=provider, regime__code=DISTRICT_SAFETY)


def add_url(task: InspectionTask) -> str:
    return (
        reverse("admin:inspections_inspection_add")
        + f"?regime={task.regime_id}&provider={task.provider_id}&task={task.pk}"
    )


def inspection_post(page, task, inspector, *, findings=(), checks=None):
    """The add form as the inspector fills it in: the checklist radios and finding inlines."""
    form = page.context["adminform"].form
    data = {
        "provider": task.provider_id,
        "regime": task.regime_id,
        "task": task.pk,
        "inspected_on": TODAY.isoformat(),
        "inspectors": [inspector.pk],
        "summary": "季度安全检查",
        "findings-TOTAL_FORMS": len(findings),
        "findings-INITIAL_FORMS": 0,
        "findings-MIN_NUM_FORMS": 0,
        "findings-MAX_NUM_FORMS": 1000,
        "_save": "保存",
    }
    for code in form.checklist_codes:
        data[f"check_{code}"] = (checks or {}).get(code, "pass")
    for i, finding in enumerate(findings):
        for name, value in finding.items():
            data[f"findings-{i}-{name}"] = value
    return data


def test_the_add_page_shows_the_regimes_checklist_in_chinese(task, district_inspector, client_for):
    response = client_for(district_inspector).get(add_url(task))

    assert response.status_code == 200
    content = response.content.decode()
    for item in task.regime.checklist:
        assert item["text_zh"] in content
        assert f'name="check_{item["code"]}"' in content
    assert "Smoke detectors" not in content
    assert 'value="fail"' in content and 'value="n/a"' in content
    assert response.context["adminform"].form.checklist_codes == [i["code"] for i in task.regime.checklist]


def test_the_inspector_records_an_inspection_with_a_major_finding(task, district_inspector, client_for):
    client = client_for(district_inspector)
    page = client.get(add_url(task))
    data = inspection_post(
        page,
        task,
        district_inspector,
        checks={"fire-exits": "fail", "medication": "n/a"},
        findings=[
            {"category": "fire", "severity": "major", "description": "安全出口被锁闭", "deadline": "2026-12-01"},
            {"category": "food", "severity": "general", "description": "留样不全", "deadline": "2026-12-20"},
        ],
    )

    response = client.post(add_url(task), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    inspection = Inspection.objects.get()
    assert (inspection.provider, inspection.regime, inspection.task) == (task.provider, task.regime, task)
    assert inspection.recorded_by == district_inspector
    assert list(inspection.inspectors.all()) == [district_inspector]
    assert inspection.checklist_results["fire-exits"] == "fail"
    assert inspection.checklist_results["medication"] == "n/a"
    assert set(inspection.checklist_results) == {i["code"] for i in task.regime.checklist}
    assert inspection.outcome == Inspection.Outcome.FAILED
    major = inspection.findings.get(severity=Finding.Severity.MAJOR)
    assert major.deadline == datetime.date(2026, 12, 1)
    assert [hold.source for hold in active_holds(task.provider)] == [major.hold_source]
    task.refresh_from_db()
    assert task.status == InspectionTask.Status.DONE


def test_a_finding_without_a_deadline_gets_the_default_by_severity(task, district_inspector, client_for):
    client = client_for(district_inspector)
    page = client.get(add_url(task))
    data = inspection_post(
        page,
        task,
        district_inspector,
        findings=[
            {"category": "fire", "severity": "major", "description": "安全出口被锁闭", "deadline": ""},
            {"category": "food", "severity": "general", "description": "留样不全", "deadline": ""},
        ],
    )

    response = client.post(add_url(task), data)

    errors = [] if response.status_code == 302 else response.context["inline_admin_formsets"][0].formset.errors
    assert response.status_code == 302, errors
    deadlines = dict(Finding.objects.values_list("severity", "deadline"))
    assert deadlines == {"major": TODAY + datetime.timedelta(days=7), "general": TODAY + datetime.timedelta(days=30)}


def test_a_future_inspection_date_is_refused_in_the_form(task, district_inspector, client_for):
    client = client_for(district_inspector)
    data = inspection_post(client.get(add_url(task)), task, district_inspector)
    data["inspected_on"] = (TODAY + datetime.timedelta(days=1)).isoformat()

    response = client.post(add_url(task), data)

    assert response.status_code == 200
    assert "inspected_on" in response.context["adminform"].form.errors
    assert not Inspection.objects.exists()


@pytest.fixture
def major_finding(task, district_inspector):
    inspection = record_inspection(
        provider=task.provider,
        regime=task.regime,
        inspected_on=TODAY,
        recorded_by=district_inspector,
        inspectors=[district_inspector],
        findings=[FindingInput(Finding.Category.FIRE, Finding.Severity.MAJOR, "消防通道堵塞")],
        task=task,
    )
    return inspection.findings.get()


def test_the_clerk_reports_the_rectification_on_the_findings_board(
    major_finding, district_clerk, client_for, admin_form_data
):
    client = client_for(district_clerk)
    url = reverse("admin:inspections_finding_change", args=[major_finding.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = admin_form_data(page)
    data["rectification_report"] = "已清理消防通道并张贴警示标识"
    data["rectified_on"] = TODAY.isoformat()
    data["evidence-0-file"] = SimpleUploadedFile("after.png", PNG, content_type="image/png")
    data["evidence-0-caption"] = "整改后照片"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    major_finding.refresh_from_db()
    assert major_finding.status == Finding.Status.RECTIFIED
    assert major_finding.rectification_report == "已清理消防通道并张贴警示标识"
    assert major_finding.rectified_on == TODAY
    assert len(active_holds(major_finding.inspection.provider)) == 1  # held until verified
    evidence = major_finding.evidence.get()
    assert (evidence.caption, evidence.uploaded_by) == ("整改后照片", district_clerk)
    assert evidence.file.name.endswith(".png")


def test_evidence_other_than_images_or_pdf_is_refused(major_finding, district_clerk, client_for, admin_form_data):
    client = client_for(district_clerk)
    url = reverse("admin:inspections_finding_change", args=[major_finding.pk])
    data = admin_form_data(client.get(url))
    data["evidence-0-file"] = SimpleUploadedFile("macro.docm", b"PK\x03\x04")

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]["file"]
    assert not major_finding.evidence.exists()


def test_the_inspector_verifies_with_the_action_and_the_hold_is_lifted(
    major_finding, district_inspector, district_clerk, client_for
):
    finding_report_rectification(finding=major_finding, report="已整改", rectified_on=TODAY)
    changelist = reverse("admin:inspections_finding_changelist")

    clerk_page = client_for(district_clerk).get(changelist)
    assert "verify_findings" not in clerk_page.content.decode()  # no permission: no action
    response = client_for(district_inspector).post(
        changelist, {"action": "verify_findings", "_selected_action": [major_finding.pk], "index": 0}, follow=True
    )

    assert response.status_code == 200
    major_finding.refresh_from_db()
    assert major_finding.status == Finding.Status.VERIFIED
    assert major_finding.verified_by == district_inspector
    assert active_holds(major_finding.inspection.provider) == []


def test_verifying_an_unreported_finding_shows_an_error(major_finding, district_inspector, client_for):
    response = client_for(district_inspector).post(
        reverse("admin:inspections_finding_changelist"),
        {"action": "verify_findings", "_selected_action": [major_finding.pk], "index": 0},
        follow=True,
    )

    levels = [m.level_tag for m in response.context["messages"]]
    assert levels == ["error"]
    major_finding.refresh_from_db()
    assert major_finding.status == Finding.Status.OPEN


def test_an_outsider_gets_404_on_another_countys_inspection_and_finding(major_finding, outsider, client_for):
    client = client_for(outsider)
    inspection = major_finding.inspection

    assert client.get(reverse("admin:inspections_inspection_change", args=[inspection.pk])).status_code == 404
    assert client.get(reverse("admin:inspections_finding_change", args=[major_finding.pk])).status_code == 404
    listing = client.get(reverse("admin:inspections_inspection_changelist"))
    assert listing.status_code == 200 and listing.context["cl"].result_count == 0


def test_the_draw_action_freezes_and_the_page_shows_the_published_results(
    regimes, make_provider, make_staff, clerk, client_for
):
    for code in (KUNDULUN, DONGHE):
        for _ in range(2):
            make_provider(division=division(code))
    draw = Draw.objects.create(
        name="第四季度双随机抽查",
        jurisdiction=division(BAOTOU),
        sample_count=2,
        team_size=1,
        random_value="527",
        created_by=clerk,
    )
    draw.inspector_pool.set([make_staff(roles.INSPECTOR, KUNDULUN), make_staff(roles.INSPECTOR, DONGHE)])
    client = client_for(clerk)

    response = client.post(
        reverse("admin:inspections_draw_changelist"),
        {"action": "make_draw", "_selected_action": [draw.pk], "index": 0},
        follow=True,
    )

    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    draw.refresh_from_db()
    assert draw.status == Draw.Status.FROZEN and len(draw.results) == 2
    page = client.get(reverse("admin:inspections_draw_change", args=[draw.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "依据公开输入重新计算：一致" in content and "不一致" not in content
    for row in draw.results:
        assert row["uscc"] in content and row["team"][0] in content

    again = client.post(
        reverse("admin:inspections_draw_changelist"),
        {"action": "make_draw", "_selected_action": [draw.pk], "index": 0},
        follow=True,
    )
    assert [m.level_tag for m in again.context["messages"]] == ["error"]

    Draw.objects.filter(pk=draw.pk).update(results=list(reversed(draw.results)))
    assert "不一致" in client.get(reverse("admin:inspections_draw_change", args=[draw.pk])).content.decode()


def test_the_change_page_shows_the_stored_checklist(major_finding, district_inspector, client_for):
    inspection = major_finding.inspection
    Inspection.objects.filter(pk=inspection.pk).update(checklist_results={"fire-exits": "fail"})

    response = client_for(district_inspector).get(reverse("admin:inspections_inspection_change", args=[inspection.pk]))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["check_fire-exits"].value() == "fail"
    assert form["check_fire-detectors"].value() == "pass"
    assert "安全出口" in response.content.decode()
