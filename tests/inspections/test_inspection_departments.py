"""Inspections by department (issue 17): a health-commission inspector's task list,
inspection list, findings board and workbench hold childcare providers only; nobody is
recorded as, assigned as or reminded as an inspector of a kind their department does not
supervise; the public provider page says which department led each inspection and shows a
childcare provider's health-commission supervision as such."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from factories import KUNDULUN, ProviderFactory, division
from inspection_support import DISTRICT_SAFETY

from inspections.models import Finding, Inspection, InspectionTask, Notification
from inspections.planning import plan_inspections
from inspections.records import FindingInput, record_inspection
from inspections.reminders import create_reminders
from registry.models import ProviderKind, ProviderStatus, StaffDepartment, User
from registry.staff import roles
from registry.workbench import workbench_sections

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HEALTH = StaffDepartment.HEALTH_COMMISSION
LAST_YEAR = datetime.date(TODAY.year - 1, 6, 15)


@pytest.fixture
def home(make_provider):
    return make_provider(name="昆都仑区颐养院")


@pytest.fixture
def nursery(make_provider):
    return make_provider(name="昆都仑区贝贝托育园", kind=ProviderKind.NURSERY, beds=0, nursing_beds=0)


@pytest.fixture
def health_inspector(make_staff):
    return make_staff(roles.INSPECTOR, KUNDULUN, department=HEALTH)


@pytest.fixture
def recorded(regimes, home, nursery, district_inspector):
    """Last year's and this year's tasks of both (last year's left open: overdue), and one
    inspection of each with a general finding reported fixed."""
    plan_inspections(on=LAST_YEAR)
    plan_inspections(on=TODAY)
    inspections = {}
    for provider, code in ((home, DISTRICT_SAFETY), (nursery, "IM-CHILDCARE-FIRE")):
        inspection = record_inspection(
            provider=provider,
            regime=regimes[code],
            inspected_on=TODAY,
            recorded_by=district_inspector,
            inspectors=[district_inspector],
            findings=[FindingInput(Finding.Category.FIRE, Finding.Severity.GENERAL, "疏散通道堆放杂物")],
        )
        inspection.findings.update(status=Finding.Status.RECTIFIED, rectified_on=TODAY)
        inspections[provider.pk] = inspection
    return inspections


def listed(client: Client, model: str) -> set[str]:
    response = client.get(reverse(f"admin:inspections_{model}_changelist"))
    assert response.status_code == 200
    return {
        str(obj.provider if hasattr(obj, "provider") else obj.inspection.provider)
        for obj in response.context["cl"].result_list
    }


@pytest.mark.parametrize("model", ["inspectiontask", "inspection", "finding"])
def test_a_health_commission_inspector_lists_childcare_providers_only(
    recorded, home, nursery, health_inspector, district_inspector, client_for, model
):
    assert listed(client_for(health_inspector), model) == {nursery.name}
    assert listed(client_for(district_inspector), model) == {home.name, nursery.name}  # the bureau's: both


def test_a_health_commission_inspector_gets_404_on_an_elderly_homes_inspection(
    recorded, home, nursery, health_inspector, client_for
):
    client = client_for(health_inspector)
    elderly = recorded[home.pk]

    assert client.get(reverse("admin:inspections_inspection_change", args=[elderly.pk])).status_code == 404
    finding = elderly.findings.get()
    assert client.get(reverse("admin:inspections_finding_change", args=[finding.pk])).status_code == 404
    mine = recorded[nursery.pk]
    assert client.get(reverse("admin:inspections_inspection_change", args=[mine.pk])).status_code == 200


def test_the_workbench_counts_a_health_commission_inspectors_childcare_tasks_only(
    recorded, nursery, health_inspector, district_inspector, client_for
):
    with translation.override("en"):
        sections = workbench_sections(health_inspector)
        items = {str(item.label): item for section in sections for item in section.items}
        panels = {str(panel.label): panel.context for section in sections for panel in section.panels}
    overdue = items["Inspections overdue"]

    expected = InspectionTask.objects.filter(provider=nursery, status="open", due_on__lt=TODAY).count()
    assert overdue.count == expected > 0
    listing = client_for(health_inspector).get(overdue.url)
    assert listing.context["cl"].result_count == expected
    tasks = panels.get("Your inspections to do: overdue first, then due this week") or {"rows": []}
    assert all(row["task"].provider == nursery for row in tasks["rows"])
    assert InspectionTask.objects.filter(status="open", due_on__lt=TODAY).count() > expected  # the home's too


def test_an_inspection_of_an_elderly_home_refuses_a_health_commission_inspector(regimes, home, health_inspector):
    with pytest.raises(ValidationError) as refused:
        record_inspection(
            provider=home,
            regime=regimes[DISTRICT_SAFETY],
            inspected_on=TODAY,
            recorded_by=health_inspector,
            inspectors=[health_inspector],
        )

    assert "inspectors" in refused.value.message_dict
    assert not Inspection.objects.exists()


def test_the_inspection_form_refuses_an_inspector_of_another_department(
    regimes, nursery, district_inspector, health_inspector, make_staff, client_for, admin_form_data
):
    civil = make_staff(roles.INSPECTOR, KUNDULUN, department=StaffDepartment.CIVIL_AFFAIRS)
    regime = regimes["IM-CHILDCARE-HEALTH"]
    client = client_for(district_inspector)
    url = reverse("admin:inspections_inspection_add") + f"?regime={regime.pk}&provider={nursery.pk}"
    page = client.get(url)
    data = {
        **admin_form_data(page),
        "provider": nursery.pk,
        "regime": regime.pk,
        "inspected_on": TODAY.isoformat(),
        "inspectors": [health_inspector.pk, civil.pk],
    }

    response = client.post(url, data)

    assert response.status_code == 200
    assert "inspectors" in response.context["adminform"].form.errors
    assert not Inspection.objects.exists()
    data["inspectors"] = [health_inspector.pk]
    assert client.post(url, data).status_code == 302
    assert list(Inspection.objects.get().inspectors.all()) == [health_inspector]


def test_a_task_offers_as_assignees_only_inspectors_whose_department_inspects_it(
    regimes, home, nursery, district_inspector, health_inspector, district_clerk, client_for
):
    plan_inspections(on=TODAY)
    client = client_for(district_clerk)

    def offered(provider: Any, code: str) -> set[User]:
        task = InspectionTask.objects.get(provider=provider, regime__code=code, period_start__lte=TODAY)
        page = client.get(reverse("admin:inspections_inspectiontask_change", args=[task.pk]))
        return set(page.context["adminform"].form.fields["assignees"].queryset)

    assert offered(home, DISTRICT_SAFETY) == {district_inspector}
    assert offered(nursery, "IM-CHILDCARE-HEALTH") == {district_inspector, health_inspector}
    assert health_inspector not in offered(nursery, "IM-CHILDCARE-FIRE")  # emergency management's


def test_a_health_commission_clerk_is_reminded_of_childcare_tasks_only(regimes, home, nursery, make_staff):
    bureau_clerk = make_staff(roles.DISTRICT_CLERK, KUNDULUN)
    health_clerk = make_staff(roles.DISTRICT_CLERK, KUNDULUN, department=HEALTH)
    plan_inspections(on=LAST_YEAR)

    create_reminders(on=datetime.date(LAST_YEAR.year, 6, 27))  # three days before the half year's end

    def reminded(user: User) -> set[str]:
        about_tasks = Notification.objects.filter(recipient=user, object_key__startswith="task:")
        keys = about_tasks.values_list("object_key", flat=True)
        tasks = InspectionTask.objects.filter(pk__in={int(key.split(":")[1].split("@")[0]) for key in keys})
        return set(tasks.values_list("provider__name", flat=True))

    assert reminded(health_clerk) == {nursery.name}
    assert reminded(bureau_clerk) == {home.name, nursery.name}


# --- the public provider page ---------------------------------------------------------------


def public_page(client: Client, provider: Any, language: str = "en") -> str:
    prefix = "/en" if language == "en" else ""
    response = client.get(f"{prefix}/providers/{provider.uscc}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def certified_nursery(divisions):
    return ProviderFactory(
        name="昆都仑区小太阳托育园",
        kind=ProviderKind.NURSERY,
        status=ProviderStatus.CERTIFIED,
        filed_on=datetime.date(2025, 1, 5),
        certified_on=datetime.date(2025, 1, 10),
        beds=0,
        nursing_beds=0,
        childcare_places=40,
        division=division(KUNDULUN),
    )


def test_a_childcare_providers_page_shows_the_health_commissions_supervision_as_such(
    regimes, certified_nursery, district_inspector, client
):
    for code, day in (("IM-CHILDCARE-HEALTH", 20), ("IM-CHILDCARE-FIRE", 10), ("IM-CHILDCARE-QUALITY", 5)):
        record_inspection(
            provider=certified_nursery,
            regime=regimes[code],
            inspected_on=TODAY - datetime.timedelta(days=day),
            recorded_by=district_inspector,
        )

    html = public_page(client, certified_nursery)

    health_part, other_part = html.split("Supervision by the health commission")[1].split("Other inspections")
    assert "Childcare health supervision" in health_part and "Childcare quality evaluation" in health_part
    assert "Childcare fire inspection" not in health_part
    assert "Childcare fire inspection" in other_part and "Emergency Management" in other_part
    assert health_part.count("Health Commission") == 2  # who led each of the two
    assert district_inspector.username not in html  # no inspector is named here

    chinese = public_page(client, certified_nursery, "zh-hans")
    assert "卫生健康委" in chinese and "应急管理部门" in chinese


def test_a_childcare_provider_without_health_supervision_says_so(regimes, certified_nursery, client):
    html = public_page(client, certified_nursery)

    assert "No supervision by the health commission published yet." in html
    assert "No inspection published yet." in html


def test_an_elderly_homes_page_says_which_department_led_each_inspection(
    regimes, district_inspector, divisions, client
):
    home = ProviderFactory(
        name="昆都仑区认证养老院",
        status=ProviderStatus.CERTIFIED,
        filed_on=datetime.date(2025, 1, 5),
        certified_on=datetime.date(2025, 1, 10),
    )
    record_inspection(
        provider=home,
        regime=regimes[DISTRICT_SAFETY],
        inspected_on=TODAY - datetime.timedelta(days=3),
        recorded_by=district_inspector,
    )

    html = public_page(client, home)

    assert "Led by" in html and "Civil Affairs" in html
    assert "Supervision by the health commission" not in html
