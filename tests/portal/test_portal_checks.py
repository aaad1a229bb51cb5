"""The provider's own safety checks through the portal (004:94, 004:96; issue 18): the
monthly internal joint inspection in one tap when everything is in order, accepted by the
clerk into an inspection of the month's task (problem items become findings); the weekly
team self-check and the daily shift handover recorded when sent, one per week or day; a
hazard found and corrected; what is missing on the clerk's workbench and in the provider's
reminders."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from factories import ProviderFactory
from portal_support import as_sent, png, provider_user

from inspections.models import Evidence, Finding, Inspection, InspectionTask, SelfCheck
from inspections.planning import plan_inspections
from inspections.self_checks import providers_behind_on_self_checks
from portal.models import Submission
from portal.submissions import submission_accept, submission_return
from registry.models import ProviderHold, ProviderKind, ProviderStatus, User
from registry.periods import week_bounds
from registry.workbench import workbench_sections

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]

INTERNAL_MONTHLY = "BT-INTERNAL-MONTHLY"
S = Submission.Status


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def home(today: datetime.date) -> Any:
    """A Kundulun (Baotou) home: the monthly internal inspection applies (004:94)."""
    return ProviderFactory(name="测试颐养院", status=ProviderStatus.CERTIFIED, certified_on=datetime.date(2020, 1, 1))


@pytest.fixture
def month_task(home: Any, today: datetime.date) -> InspectionTask:
    plan_inspections(on=today)
    return InspectionTask.objects.get(provider=home, regime__code=INTERNAL_MONTHLY, period_start=today.replace(day=1))


@pytest.fixture
def portal(home: Any, client_for: Callable[[User], Client]) -> Client:
    return client_for(provider_user(home))


def new(provider: Any, kind: str) -> str:
    return reverse("portal:submission_new", args=[provider.pk, kind])


def reminder_urls(client: Client, provider: Any) -> dict[str, bool]:
    """The provider page's reminders: their links → whether one of them is overdue."""
    page = client.get(reverse("portal:provider", args=[provider.pk]))
    overdue: dict[str, bool] = {}
    for reminder in page.context["reminders"]:
        overdue[reminder.url] = overdue.get(reminder.url, False) or reminder.overdue
    return overdue


def work_items(user: User) -> dict[str, tuple[int, str]]:
    with translation.override("en"):
        return {str(i.label): (i.count, i.url) for s in workbench_sections(user) for i in s.items}


# --- the monthly internal joint inspection ---------------------------------------------------


def test_everything_in_order_is_one_tap_and_accepting_records_the_months_inspection(
    home: Any, month_task: InspectionTask, portal: Client, clerk: User, client_for: Callable[[User], Client]
) -> None:
    page = portal.get(new(home, "self_inspection"))
    form = page.context["form"]
    items = [name for name in form.fields if name.startswith("item_")]
    assert len(items) == len(month_task.regime.checklist) == 11
    assert all(form[name].value() == "ok" for name in items)  # every item starts in order
    assert form["task"].value() == str(month_task.pk)
    assert len(re.findall(r'<input type="radio" name="item_[^"]+" value="ok"[^>]*checked', page.content.decode())) == 11
    assert reminder_urls(portal, home)[new(home, "self_inspection")] is False  # due, not overdue

    sent = portal.post(new(home, "self_inspection"), as_sent(page, participants="王院长、李护士长、消防专员赵某"))
    submission = Submission.objects.get(kind="self_inspection")
    assert sent.status_code == 302 and submission.status == S.SUBMITTED
    assert not Inspection.objects.filter(provider=home).exists()  # nothing recorded before the clerk accepts

    staff = client_for(clerk)
    staff.post(reverse("admin:portal_submission_accept", args=[submission.pk]))
    submission.refresh_from_db()
    assert submission.status == S.ACCEPTED
    inspection = Inspection.objects.get(provider=home)
    assert inspection.task == month_task and inspection.outcome == Inspection.Outcome.PASSED
    assert set(inspection.checklist_results.values()) == {"pass"} and not inspection.findings.exists()
    assert "王院长、李护士长、消防专员赵某" in inspection.summary and f"portal #{submission.pk}" in inspection.summary
    month_task.refresh_from_db()
    assert month_task.status == InspectionTask.Status.DONE
    listed = staff.get(reverse("admin:inspections_inspection_changelist"))
    assert list(listed.context["cl"].result_list) == [inspection]
    assert new(home, "self_inspection") not in reminder_urls(portal, home)


def test_problem_items_ask_what_is_wrong_and_become_findings_with_their_severity(
    home: Any, month_task: InspectionTask, portal: Client, clerk: User, today: datetime.date
) -> None:
    page = portal.get(new(home, "self_inspection"))
    problems = {"item_fire-exits": "problem", "item_medication": "problem", "severity_fire-exits": "major"}
    refused = portal.post(new(home, "self_inspection"), as_sent(page, participants="王院长", **problems))
    assert refused.status_code == 200
    assert set(refused.context["form"].errors) == {"note_fire-exits", "note_medication"}
    assert not Submission.objects.exists()

    notes = {"note_fire-exits": "二楼疏散通道堆放床垫", "note_medication": "代管药品登记缺两天"}
    portal.post(new(home, "self_inspection"), as_sent(page, participants="王院长", **problems, **notes))
    submission = Submission.objects.get()
    assert "note_fire-detectors" not in submission.data  # nothing kept about an item in order
    submission_accept(submission=submission, actor=clerk)

    inspection = Inspection.objects.get(provider=home)
    assert inspection.outcome == Inspection.Outcome.FAILED  # a major hazard
    assert inspection.checklist_results["fire-exits"] == "fail" and inspection.checklist_results["building"] == "pass"
    found = {f.category: f for f in inspection.findings.all()}
    assert set(found) == {Finding.Category.FIRE, Finding.Category.MEDICATION}
    assert found["fire"].severity == "major" and found["fire"].deadline == today + datetime.timedelta(days=7)
    assert found["medication"].severity == "general" and found["medication"].deadline == today + datetime.timedelta(30)
    assert "二楼疏散通道堆放床垫" in found["fire"].description
    assert ProviderHold.objects.filter(provider=home, source=found["fire"].hold_source, ended_at__isnull=True).exists()
    listed = portal.get(reverse("portal:findings", args=[home.pk]))
    assert [f for f, _sent in listed.context["rows"]] == [found["fire"], found["medication"]]


def test_a_month_already_recorded_cannot_be_accepted_twice(
    home: Any, month_task: InspectionTask, portal: Client, clerk: User
) -> None:
    page = portal.get(new(home, "self_inspection"))
    portal.post(new(home, "self_inspection"), as_sent(page, participants="王院长"))
    portal.post(new(home, "self_inspection"), as_sent(page, participants="李副院长"))
    first, second = Submission.objects.order_by("pk")
    submission_accept(submission=first, actor=clerk)
    with pytest.raises(ValidationError, match="not due any more"), translation.override("en"):
        submission_accept(submission=second, actor=clerk)
    assert Inspection.objects.filter(provider=home).count() == 1
    submission_return(submission=second, actor=clerk, reason="本月已报送")
    shown = portal.get(reverse("portal:submission", args=[home.pk, second.pk]))
    assert f"{month_task.period_start:%Y-%m}" in [str(value) for _label, value in shown.context["rows"]]  # not an id


def test_an_overdue_month_is_offered_and_reminded_as_overdue(home: Any, portal: Client, today: datetime.date) -> None:
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    plan_inspections(on=last_month)
    plan_inspections(on=today)
    overdue = InspectionTask.objects.get(provider=home, regime__code=INTERNAL_MONTHLY, due_on=last_month)
    page = portal.get(new(home, "self_inspection"))
    choices = dict(page.context["form"].fields["task"].choices)
    assert len(choices) == 2 and str(overdue.pk) in choices
    assert reminder_urls(portal, home)[new(home, "self_inspection")] is True  # the overdue one comes first

    early = as_sent(page, task=str(overdue.pk), participants="王院长", inspected_on=last_month.replace(day=1))
    early["inspected_on"] = (last_month.replace(day=1) - datetime.timedelta(days=1)).isoformat()
    refused = portal.post(new(home, "self_inspection"), early)
    assert "inspected_on" in refused.context["form"].errors  # before the month began


def test_only_providers_under_a_provider_level_regime_are_asked(
    client_for: Callable[[User], Client], divisions: Any
) -> None:
    nursery = ProviderFactory(kind=ProviderKind.NURSERY, status=ProviderStatus.CERTIFIED)
    elsewhere = ProviderFactory(status=ProviderStatus.CERTIFIED, division=divisions["150102"])  # Hohhot
    for provider in (nursery, elsewhere):
        client = client_for(provider_user(provider, name=f"u{provider.pk}"))
        page = client.get(reverse("portal:provider", args=[provider.pk]))
        assert not {k.code for k in page.context["kinds"]} & {"self_inspection", "weekly_check", "shift_handover"}
        assert client.get(new(provider, "weekly_check")).status_code == 404


# --- the weekly team self-check and the daily shift handover ---------------------------------


def test_the_weekly_check_is_recorded_when_sent_once_a_week(
    home: Any, portal: Client, clerk: User, client_for: Callable[[User], Client], today: datetime.date
) -> None:
    monday = week_bounds(today)[0]
    page = portal.get(new(home, "weekly_check"))
    sent = portal.post(new(home, "weekly_check"), as_sent(page, people="一班：张某、刘某"), follow=True)
    submission = Submission.objects.get()
    assert submission.status == S.ACCEPTED  # the provider's own log: recorded when sent
    check = SelfCheck.objects.get(provider=home)
    assert (check.kind, check.day, check.all_ok) == (SelfCheck.Kind.WEEKLY, monday, True)
    assert check.source == f"portal #{submission.pk}" and len(check.results) == 8
    assert sent.status_code == 200 and submission.result

    again = portal.post(new(home, "weekly_check"), as_sent(portal.get(new(home, "weekly_check")), people="二班"))
    assert again.status_code == 200 and again.context["form"].errors  # refused: the week is recorded
    assert SelfCheck.objects.count() == 1 and Submission.objects.count() == 1

    listed = client_for(clerk).get(reverse("admin:inspections_selfcheck_changelist"))
    assert list(listed.context["cl"].result_list) == [check]
    shown = client_for(clerk).get("/en" + reverse("admin:inspections_selfcheck_change", args=[check.pk]))
    assert shown.status_code == 200 and "Fire equipment in place" in shown.content.decode()


def test_a_handover_with_a_problem_needs_a_note_and_is_kept_as_not_all_in_order(
    home: Any, portal: Client, today: datetime.date
) -> None:
    page = portal.get(new(home, "shift_handover"))
    problem = {"people": "夜班王某交白班李某", "item_medication": "problem"}
    refused = portal.post(new(home, "shift_handover"), as_sent(page, **problem))
    assert list(refused.context["form"].errors) == ["note_medication"]
    portal.post(new(home, "shift_handover"), as_sent(page, **problem, note_medication="3床晚间药漏发，已补发"))
    check = SelfCheck.objects.get()
    assert (check.kind, check.day, check.all_ok) == (SelfCheck.Kind.DAILY, today, False)
    assert check.results["medication"] == "problem" and check.notes == {"medication": "3床晚间药漏发，已补发"}
    yesterday = as_sent(page, people="白班李某交夜班王某", day=(today - datetime.timedelta(days=1)).isoformat())
    portal.post(new(home, "shift_handover"), yesterday)
    assert SelfCheck.objects.filter(kind=SelfCheck.Kind.DAILY).count() == 2  # one per day
    future = as_sent(page, people="x", day=(today + datetime.timedelta(days=1)).isoformat())
    assert "day" in portal.post(new(home, "shift_handover"), future).context["form"].errors


def test_a_returned_log_corrected_replaces_what_it_recorded(
    home: Any, portal: Client, clerk: User, today: datetime.date
) -> None:
    page = portal.get(new(home, "shift_handover"))
    portal.post(new(home, "shift_handover"), as_sent(page, people="夜班王某"))
    submission = Submission.objects.get()
    submission_return(submission=submission, actor=clerk, reason="请写明接班人")
    shown = portal.get(reverse("portal:provider", args=[home.pk]))
    assert any("请写明接班人" in r.text for r in shown.context["reminders"])

    edit = reverse("portal:submission_edit", args=[home.pk, submission.pk])
    portal.post(edit, as_sent(portal.get(edit), people="夜班王某交白班李某"))
    submission.refresh_from_db()
    assert submission.status == S.ACCEPTED
    check = SelfCheck.objects.get()
    assert check.people == "夜班王某交白班李某" and check.day == today


# --- a hazard found and corrected --------------------------------------------------------------


def test_a_hazard_still_open_becomes_a_finding_with_its_photo_when_accepted(
    home: Any, portal: Client, clerk: User, today: datetime.date
) -> None:
    page = portal.get(new(home, "hazard"))
    data = as_sent(page, what="厨房燃气软管老化", where="一楼厨房", category="building", files=png())
    portal.post(new(home, "hazard"), data)
    submission = Submission.objects.get(kind="hazard")
    assert submission.status == S.SUBMITTED and submission.uploads.count() == 1
    submission_accept(submission=submission, actor=clerk)

    finding = Finding.objects.get(inspection__provider=home)
    assert finding.status == Finding.Status.OPEN and finding.severity == Finding.Severity.GENERAL
    assert "厨房燃气软管老化" in finding.description and "一楼厨房" in finding.description
    assert finding.deadline == today + datetime.timedelta(days=30)
    assert finding.inspection.regime.code == INTERNAL_MONTHLY and finding.inspection.task is None
    [evidence] = Evidence.objects.filter(finding=finding)
    assert evidence.file.read().startswith(b"\x89PNG")
    assert reminder_urls(portal, home)[reverse("portal:finding_rectify", args=[home.pk, finding.pk])] is False


def test_a_hazard_corrected_already_waits_for_the_districts_inspector(
    home: Any, portal: Client, clerk: User, inspector: User, today: datetime.date
) -> None:
    page = portal.get(new(home, "hazard"))
    data = as_sent(
        page,
        what="安全出口指示灯不亮",
        where="二楼东侧",
        category="fire",
        correction="已更换指示灯",
        corrected_on=today.isoformat(),
    )
    portal.post(new(home, "hazard"), data)
    submission_accept(submission=Submission.objects.get(), actor=clerk)
    finding = Finding.objects.get(inspection__provider=home)
    assert finding.status == Finding.Status.RECTIFIED and finding.rectification_report == "已更换指示灯"
    assert work_items(inspector)["Rectifications waiting for your verification"][0] == 1
    assert reminder_urls(portal, home).get(reverse("portal:finding_rectify", args=[home.pk, finding.pk])) is None

    no_correction = as_sent(page, what="x", where="y", category="fire", corrected_on=today.isoformat())
    assert "correction" in portal.post(new(home, "hazard"), no_correction).context["form"].errors


# --- what is missing: the clerk's workbench and the provider's reminders ------------------------


def test_providers_behind_are_counted_and_listed_for_their_district_clerk(
    home: Any, portal: Client, clerk: User, outsider: User, client_for: Callable[[User], Client], today: datetime.date
) -> None:
    up_to_date = ProviderFactory(name="按时院", status=ProviderStatus.CERTIFIED, certified_on=datetime.date(2020, 1, 1))
    ProviderFactory(name="东河院", status=ProviderStatus.CERTIFIED, division_id=outsider.jurisdiction_id)
    ProviderFactory(name="草稿院", status=ProviderStatus.DRAFT)
    plan_inspections(on=today.replace(day=1) - datetime.timedelta(days=1))  # last month: overdue for all
    last_monday = week_bounds(today)[0] - datetime.timedelta(days=7)
    InspectionTask.objects.filter(provider=up_to_date).update(status=InspectionTask.Status.DONE)
    SelfCheck.objects.create(
        provider=up_to_date,
        kind=SelfCheck.Kind.WEEKLY,
        day=last_monday,
        results={},
        all_ok=True,
        people="一班",
        recorded_by=clerk,
    )

    count, url = work_items(clerk)["Providers behind on their self-inspections"]
    listed = client_for(clerk).get(url)
    assert count == 1 and list(listed.context["providers"]) == [home]
    assert listed.context["providers"][0].monthly_overdue
    assert work_items(outsider)["Providers behind on their self-inspections"][0] == 1  # Donghe's own

    urls = reminder_urls(portal, home)
    assert urls[new(home, "self_inspection")] is True and urls[new(home, "weekly_check")] is True
    assert urls[new(home, "shift_handover")] is False

    page = portal.get(new(home, "weekly_check"))
    portal.post(new(home, "weekly_check"), as_sent(page, people="一班", day=last_monday.isoformat()))
    overdue_task = InspectionTask.objects.get(provider=home, regime__code=INTERNAL_MONTHLY)
    monthly = portal.get(new(home, "self_inspection"))
    assert monthly.context["form"]["task"].value() == str(overdue_task.pk)
    portal.post(new(home, "self_inspection"), as_sent(monthly, participants="王院长"))
    submission_accept(submission=Submission.objects.get(kind="self_inspection"), actor=clerk)
    assert not providers_behind_on_self_checks(today).filter(pk=home.pk).exists()
    assert "Providers behind on their self-inspections" not in work_items(clerk)
