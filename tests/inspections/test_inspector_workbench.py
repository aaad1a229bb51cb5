"""An inspector's work as they meet it in the back-office (issue #21, "Inspectors"):
the task list holds every task assigned to them, a double-random draw's included (003:343,
004:92: random inspectors, from another county), marked when overdue and searchable by
provider; the quarter overview agrees with it; the inspection form offers their own open
tasks and the city's inspectors; only the roles that make draws are offered the draw
action; a major hazard's deadline reminder is there as soon as it is recorded.

New strings are asserted under /en/ (their Chinese is added with the translations)."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation
from factories import BAOTOU, DONGHE, HOHHOT, division
from inspection_support import DISTRICT_SAFETY

from inspections.models import Draw, Finding, InspectionTask, Notification
from inspections.planning import plan_inspections
from inspections.random_draw import draw_freeze
from inspections.records import FindingInput, record_inspection
from inspections.reminders import create_reminders
from inspections.workbench import draw_assign_tasks
from registry.periods import add_months
from registry.staff import roles

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def en(name: str, *args: object) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


@pytest.fixture
def donghe_inspector(make_staff):
    return make_staff(roles.INSPECTOR, DONGHE)


@pytest.fixture
def drawn(regimes, make_provider, donghe_inspector, clerk):
    """A published draw of two Kundulun homes, the Donghe inspector the team of each."""
    providers = [make_provider(name=f"昆都仑区抽查养老院{n}") for n in range(2)]
    draw = Draw.objects.create(
        name="第四季度双随机抽查",
        jurisdiction=division(BAOTOU),
        regime=regimes[DISTRICT_SAFETY],
        sample_count=2,
        team_size=1,
        random_value="2026-527",
        created_by=clerk,
    )
    draw.inspector_pool.set([donghe_inspector])
    return draw_freeze(draw=draw, user=clerk), providers


def listed(response) -> set[str]:
    return {task.provider.name for task in response.context["cl"].result_list}


def test_the_draws_assignments_are_in_the_inspectors_task_list_and_found_by_provider(
    drawn, donghe_inspector, client_for
):
    draw, providers = drawn
    client = client_for(donghe_inspector)

    listing = client.get(en("admin:inspections_inspectiontask_changelist"))
    assert listing.status_code == 200
    assert {p.name for p in providers} <= listed(listing)  # Kundulun's tasks, outside Donghe

    found = client.get(en("admin:inspections_inspectiontask_changelist"), {"q": providers[0].name})
    assert listed(found) == {providers[0].name}

    mine = client.get(en("admin:inspections_inspectiontask_changelist"), {"assigned": "me"})
    assert listed(mine) == {p.name for p in providers}
    task = InspectionTask.objects.get(provider=providers[0], regime=draw.regime)
    assert client.get(en("admin:inspections_inspectiontask_change", task.pk)).status_code == 200


def test_making_the_draw_twice_assigns_nothing_twice_and_another_inspector_does_not_see_it(
    drawn, make_staff, client_for
):
    draw, providers = drawn
    draw_assign_tasks(draw=draw, on=TODAY)  # again: the same tasks, the same teams
    tasks = InspectionTask.objects.filter(provider__in=providers)
    assert tasks.count() == 2 and [t.assignees.count() for t in tasks] == [1, 1]
    other = make_staff(roles.INSPECTOR, HOHHOT)
    listing = client_for(other).get(en("admin:inspections_inspectiontask_changelist"))
    assert listed(listing) == set()


def test_an_overdue_task_is_marked_and_the_overview_counts_it_with_the_list(
    regimes, make_provider, district_inspector, client_for
):
    provider = make_provider(name="昆都仑区逾期养老院")
    last_year = add_months(TODAY, -12)
    plan_inspections(on=last_year)
    plan_inspections(on=TODAY)
    client = client_for(district_inspector)

    listing = client.get(en("admin:inspections_inspectiontask_changelist"), {"q": provider.name})
    content = listing.content.decode()
    assert "Overdue by" in content  # last year's open task

    overdue = client.get(en("admin:inspections_inspectiontask_changelist"), {"overdue": "yes"})
    overdue_tasks = list(overdue.context["cl"].result_list)
    assert overdue_tasks and all(t.due_on < TODAY for t in overdue_tasks)

    overview = client.get(en("admin:inspections_inspectiontask_overview")).content.decode()
    assert "No inspections are due in this quarter." not in overview  # this quarter's tasks are listed
    assert "of earlier quarters" in overview and "overdue=yes" in overview


def test_the_inspection_form_offers_the_inspectors_own_open_tasks_and_the_citys_inspectors(
    regimes, make_provider, district_inspector, donghe_inspector, make_staff, clerk, client_for
):
    own = make_provider(name="昆都仑区自己的养老院")
    elsewhere = make_provider(name="东河区别人的养老院", division=division(DONGHE))
    hohhot_inspector = make_staff(roles.INSPECTOR, HOHHOT)
    finance = make_staff(roles.FINANCE, BAOTOU)
    plan_inspections(on=TODAY)

    page = client_for(district_inspector).get(en("admin:inspections_inspection_add"))
    form = page.context["adminform"].form

    offered = set(form.fields["task"].queryset)
    assert offered and all(district_inspector in t.assignees.all() for t in offered)
    assert {t.provider for t in offered} == {own}
    assert elsewhere not in {t.provider for t in offered}
    inspectors = set(form.fields["inspectors"].queryset)
    assert {district_inspector, donghe_inspector} <= inspectors
    assert not inspectors & {hohhot_inspector, finance, clerk}
    widget = form.fields["inspectors"].widget
    assert isinstance(getattr(widget, "widget", widget), forms.CheckboxSelectMultiple)
    assert "Choose" not in page.content.decode() and "Hold down" not in page.content.decode()


def test_only_the_roles_that_make_draws_are_offered_the_draw_action(
    regimes, make_provider, district_inspector, clerk, client_for
):
    draw = Draw.objects.create(
        name="草稿抽查", jurisdiction=division(BAOTOU), sample_count=1, random_value="1", created_by=clerk
    )
    url = en("admin:inspections_draw_changelist")

    def actions(user):
        action_form = client_for(user).get(url).context["action_form"]  # None: no action at all
        return {name for name, _label in action_form.fields["action"].choices} if action_form else set()

    assert "make_draw" in actions(clerk)
    assert "make_draw" not in actions(district_inspector)
    client_for(district_inspector).post(url, {"action": "make_draw", "_selected_action": [draw.pk], "index": 0})
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAFT


def test_a_major_hazard_has_its_deadline_reminder_when_recorded_and_the_daily_job_adds_none(
    regimes, make_provider, district_inspector
):
    provider = make_provider()
    inspection = record_inspection(
        provider=provider,
        regime=regimes[DISTRICT_SAFETY],
        inspected_on=TODAY,
        recorded_by=district_inspector,
        inspectors=[district_inspector],
        findings=[FindingInput(Finding.Category.FIRE, Finding.Severity.MAJOR, "燃气报警装置失效")],
    )
    finding = inspection.findings.get()
    reminders = Notification.objects.filter(object_key=f"finding:{finding.pk}")

    mine = reminders.get(recipient=district_inspector)
    assert mine.kind == Notification.Kind.RECTIFICATION_DUE and mine.due_on == finding.deadline
    count = reminders.count()

    create_reminders(on=finding.deadline - datetime.timedelta(days=2))  # the 07:00 run, days later
    assert reminders.count() == count


def test_a_general_hazard_waits_for_the_daily_job(regimes, make_provider, district_inspector):
    inspection = record_inspection(
        provider=make_provider(),
        regime=regimes[DISTRICT_SAFETY],
        inspected_on=TODAY,
        recorded_by=district_inspector,
        inspectors=[district_inspector],
        findings=[FindingInput(Finding.Category.FIRE, Finding.Severity.GENERAL, "安全出口堆放杂物")],
    )
    assert not Notification.objects.filter(object_key=f"finding:{inspection.findings.get().pk}").exists()
