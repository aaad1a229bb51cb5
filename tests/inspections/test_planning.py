"""Planning: one task per (provider, regime, period), due at the period's end, assigned
to the right inspectors; idempotent, also when two runs race; closed providers' open
tasks cancelled; due dates never move; constant number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import BAOTOU, DONGHE, HOHHOT, KUNDULUN, division
from inspection_support import CITY_JOINT, DISTRICT_SAFETY, INTERNAL_MONTHLY, QINGSHAN
from threads import race

from inspections.models import Frequency, InspectionTask
from inspections.planning import overdue_tasks, plan_inspections
from registry.models import ProviderKind, ProviderStatus, StaffDepartment
from registry.staff import roles
from safeguards.models import AuditEntry

D = datetime.date
ON = D(2026, 11, 15)  # November: Q4, H2


def tasks_of(provider):
    return {
        task.regime.code: task for task in InspectionTask.objects.filter(provider=provider).select_related("regime")
    }


@pytest.mark.django_db
def test_one_task_per_regime_and_period_due_at_the_period_end(regimes, make_provider):
    provider = make_provider()

    created = plan_inspections(on=ON)

    tasks = tasks_of(provider)
    assert set(tasks) == {CITY_JOINT, DISTRICT_SAFETY, INTERNAL_MONTHLY}
    expected = {
        CITY_JOINT: (D(2026, 7, 1), D(2026, 12, 31)),
        DISTRICT_SAFETY: (D(2026, 10, 1), D(2026, 12, 31)),
        INTERNAL_MONTHLY: (D(2026, 11, 1), D(2026, 11, 30)),
    }
    for code, (start, end) in expected.items():
        task = tasks[code]
        assert (task.period_start, task.period_end, task.due_on) == (start, end, end)
        assert task.status == InspectionTask.Status.OPEN
    assert created[CITY_JOINT] == created[DISTRICT_SAFETY] == created[INTERNAL_MONTHLY] == 1
    assert created["IM-CHILDCARE-HEALTH"] == created["IM-CHILDCARE-FIRE"] == created["IM-CHILDCARE-QUALITY"] == 0
    assert "IM-AD-HOC" not in created  # ad hoc regimes are never planned


@pytest.mark.django_db
def test_only_operating_providers_of_the_regimes_kinds_inside_its_jurisdiction(regimes, make_provider):
    filed = make_provider(ProviderStatus.FILED)
    certified = make_provider(ProviderStatus.CERTIFIED, division=division(DONGHE))
    suspended = make_provider(ProviderStatus.SUSPENDED)
    draft = make_provider(ProviderStatus.DRAFT)
    closed = make_provider(ProviderStatus.CLOSED)
    revoked = make_provider(ProviderStatus.REVOKED)
    hohhot = make_provider(division=division(HOHHOT))  # outside Baotou's regimes
    nursery = make_provider(kind=ProviderKind.NURSERY)  # childcare: region-wide childcare regimes only

    plan_inspections(on=ON)

    for provider in (filed, certified, suspended):
        assert set(tasks_of(provider)) == {CITY_JOINT, DISTRICT_SAFETY, INTERNAL_MONTHLY}
    for provider in (draft, closed, revoked):
        assert tasks_of(provider) == {}
    assert set(tasks_of(hohhot)) == set()
    assert set(tasks_of(nursery)) == {"IM-CHILDCARE-HEALTH", "IM-CHILDCARE-FIRE", "IM-CHILDCARE-QUALITY"}
    assert tasks_of(nursery)["IM-CHILDCARE-HEALTH"].due_on == D(2026, 12, 31)


@pytest.mark.django_db
def test_running_twice_creates_nothing_new(regimes, make_provider, make_staff):
    make_staff(roles.INSPECTOR, KUNDULUN)
    make_staff(roles.INSPECTOR, BAOTOU)
    for _ in range(3):
        make_provider()
    plan_inspections(on=ON)
    before = sorted(InspectionTask.objects.values_list("pk", "due_on", "status"))
    links = InspectionTask.assignees.through.objects.count()

    again = plan_inspections(on=D(2026, 11, 30))  # same periods, another day

    assert {code: n for code, n in again.items() if n} == {}
    assert sorted(InspectionTask.objects.values_list("pk", "due_on", "status")) == before
    assert InspectionTask.assignees.through.objects.count() == links
    assert len(before) == 9


@pytest.mark.django_db
def test_a_new_period_gets_new_tasks(regimes, make_provider):
    provider = make_provider()
    plan_inspections(on=ON)
    plan_inspections(on=D(2026, 12, 1))  # December: new month, same quarter and half year

    monthly = InspectionTask.objects.filter(provider=provider, regime__code=INTERNAL_MONTHLY)
    assert sorted(monthly.values_list("due_on", flat=True)) == [D(2026, 11, 30), D(2026, 12, 31)]
    assert InspectionTask.objects.filter(provider=provider).count() == 4


@pytest.mark.django_db
def test_closed_providers_get_no_new_tasks_and_their_open_ones_are_cancelled(regimes, make_provider):
    provider = make_provider()
    other = make_provider()
    plan_inspections(on=ON)
    done = InspectionTask.objects.get(provider=provider, regime__code=INTERNAL_MONTHLY)
    done.status = InspectionTask.Status.DONE
    done.save()
    provider.status = ProviderStatus.CLOSED
    provider.save()

    created = plan_inspections(on=D(2027, 1, 5))

    statuses = dict(
        InspectionTask.objects.filter(provider=provider).values_list("regime__code", "status").order_by("regime__code")
    )
    assert statuses == {
        CITY_JOINT: InspectionTask.Status.CANCELLED,
        DISTRICT_SAFETY: InspectionTask.Status.CANCELLED,
        INTERNAL_MONTHLY: InspectionTask.Status.DONE,  # done stays done
    }
    assert created["cancelled"] == 2
    assert not InspectionTask.objects.filter(provider=provider, period_start__year=2027).exists()
    assert InspectionTask.objects.filter(provider=other, period_start__year=2027).count() == 3
    assert not InspectionTask.objects.filter(provider=other, status=InspectionTask.Status.CANCELLED).exists()


@pytest.mark.django_db
def test_a_tasks_due_date_never_moves(regimes, make_provider):
    provider = make_provider()
    plan_inspections(on=D(2026, 10, 15))
    task = InspectionTask.objects.get(provider=provider, regime__code=DISTRICT_SAFETY)
    assert task.due_on == D(2026, 12, 31)

    regime = regimes[DISTRICT_SAFETY]
    regime.frequency = Frequency.MONTHLY
    regime.save()
    plan_inspections(on=D(2026, 10, 20))  # the month starts where the quarter did

    task.refresh_from_db()
    assert (task.period_start, task.period_end, task.due_on) == (D(2026, 10, 1), D(2026, 12, 31), D(2026, 12, 31))
    assert InspectionTask.objects.filter(provider=provider, regime=regime).count() == 1

    plan_inspections(on=D(2026, 11, 20))  # a later month: a new monthly task, the old one unchanged
    task.refresh_from_db()
    assert task.due_on == D(2026, 12, 31)
    assert sorted(InspectionTask.objects.filter(provider=provider, regime=regime).values_list("due_on", flat=True)) == [
        D(2026, 11, 30),
        D(2026, 12, 31),
    ]


@pytest.mark.django_db
def test_inspectors_are_assigned_by_the_regimes_level(regimes, make_provider, make_staff):
    kundulun_inspector = make_staff(roles.INSPECTOR, KUNDULUN)
    donghe_inspector = make_staff(roles.INSPECTOR, DONGHE)
    city_inspector = make_staff(roles.INSPECTOR, BAOTOU)
    make_staff(roles.INSPECTOR, KUNDULUN, is_active=False)  # inactive: never assigned
    make_staff(roles.DISTRICT_CLERK, KUNDULUN)  # not an inspector
    make_staff(roles.INSPECTOR, HOHHOT)  # another city
    kundulun = make_provider()
    donghe = make_provider(division=division(DONGHE))
    nursery = make_provider(kind=ProviderKind.NURSERY, division=division(QINGSHAN))

    plan_inspections(on=ON)

    def assignees(provider, code):
        return set(InspectionTask.objects.get(provider=provider, regime__code=code).assignees.all())

    assert assignees(kundulun, DISTRICT_SAFETY) == {kundulun_inspector}
    assert assignees(donghe, DISTRICT_SAFETY) == {donghe_inspector}
    assert assignees(kundulun, CITY_JOINT) == assignees(donghe, CITY_JOINT) == {city_inspector}
    assert assignees(kundulun, INTERNAL_MONTHLY) == assignees(donghe, INTERNAL_MONTHLY) == set()
    assert assignees(nursery, "IM-CHILDCARE-HEALTH") == set()  # nobody in Qingshan


@pytest.mark.django_db
def test_the_yearly_quality_evaluation_is_one_task_per_calendar_year(regimes, make_provider):
    nursery = make_provider(kind=ProviderKind.NURSERY)

    plan_inspections(on=D(2026, 3, 2))
    plan_inspections(on=ON)  # November: the same year, no second evaluation
    plan_inspections(on=D(2027, 1, 4))

    evaluations = InspectionTask.objects.filter(provider=nursery, regime__code="IM-CHILDCARE-QUALITY")
    assert sorted(evaluations.values_list("period_start", "period_end", "due_on")) == [
        (D(2026, 1, 1), D(2026, 12, 31), D(2026, 12, 31)),
        (D(2027, 1, 1), D(2027, 12, 31), D(2027, 12, 31)),
    ]
    health = InspectionTask.objects.filter(provider=nursery, regime__code="IM-CHILDCARE-HEALTH")
    assert health.count() == 3  # half-yearly beside it: 2026 H1, 2026 H2, 2027 H1


@pytest.mark.django_db
def test_planning_assigns_only_inspectors_whose_department_inspects_under_the_regime(
    regimes, make_provider, make_staff
):
    bureau = make_staff(roles.INSPECTOR, KUNDULUN)  # no department: every kind, every regime
    health = make_staff(roles.INSPECTOR, KUNDULUN, department=StaffDepartment.HEALTH_COMMISSION)
    civil = make_staff(roles.INSPECTOR, KUNDULUN, department=StaffDepartment.CIVIL_AFFAIRS)
    emergency = make_staff(roles.INSPECTOR, KUNDULUN, department=StaffDepartment.EMERGENCY_MANAGEMENT)
    home = make_provider()
    nursery = make_provider(kind=ProviderKind.NURSERY)

    plan_inspections(on=ON)

    def assignees(provider, code):
        return set(InspectionTask.objects.get(provider=provider, regime__code=code).assignees.all())

    # The elderly home's district safety inspection: civil affairs leads, emergency management joins.
    assert assignees(home, DISTRICT_SAFETY) == {bureau, civil, emergency}
    # The nursery: health supervision and quality evaluation are the health commission's,
    # the fire inspection emergency management's; civil affairs sees no childcare.
    assert assignees(nursery, "IM-CHILDCARE-HEALTH") == {bureau, health}
    assert assignees(nursery, "IM-CHILDCARE-QUALITY") == {bureau, health}
    assert assignees(nursery, "IM-CHILDCARE-FIRE") == {bureau, emergency}
    assert not InspectionTask.objects.filter(assignees=health, provider=home).exists()


@pytest.mark.django_db
def test_an_inspector_who_joins_later_is_assigned_to_unassigned_tasks_on_the_next_run(
    regimes, make_provider, make_staff
):
    provider = make_provider()
    plan_inspections(on=ON)
    task = InspectionTask.objects.get(provider=provider, regime__code=DISTRICT_SAFETY)
    assert not task.assignees.exists()

    inspector = make_staff(roles.INSPECTOR, KUNDULUN)
    plan_inspections(on=ON)

    assert list(task.assignees.all()) == [inspector]


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_providers(regimes, make_provider, make_staff):
    make_staff(roles.INSPECTOR, KUNDULUN)
    make_staff(roles.INSPECTOR, BAOTOU)
    for _ in range(5):
        make_provider()
    with CaptureQueriesContext(connection) as five:
        plan_inspections(on=D(2026, 1, 15))
    assert InspectionTask.objects.count() == 15

    for _ in range(25):
        make_provider()
    with CaptureQueriesContext(connection) as thirty:
        plan_inspections(on=D(2026, 7, 15))  # new month, quarter and half year for all 30
    assert InspectionTask.objects.filter(period_start__gte=D(2026, 7, 1)).count() == 90

    assert len(thirty) == len(five)
    assert (
        InspectionTask.assignees.through.objects.filter(inspectiontask__period_start__gte=D(2026, 7, 1)).count() == 60
    )


@pytest.mark.django_db
def test_overdue_tasks(regimes, make_provider):
    provider = make_provider()
    plan_inspections(on=ON)
    assert set(overdue_tasks(D(2026, 12, 1)).filter(provider=provider).values_list("regime__code", flat=True)) == {
        INTERNAL_MONTHLY
    }
    assert not overdue_tasks(D(2026, 11, 30)).exists()


# serialized_rollback: the flush after the test would otherwise drop the role groups
# that migrations created.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_runs_create_each_task_once(regimes, make_provider, make_staff):
    make_staff(roles.INSPECTOR, KUNDULUN)
    make_staff(roles.INSPECTOR, BAOTOU)
    providers = [make_provider() for _ in range(8)]
    results = race(lambda: plan_inspections(on=ON), lambda: plan_inspections(on=ON), timeout=60)

    assert [outcome for outcome, _ in results] == ["ok", "ok"], results
    assert InspectionTask.objects.count() == len(providers) * 3
    for provider in providers:
        assert sorted(tasks_of(provider)) == sorted([CITY_JOINT, DISTRICT_SAFETY, INTERNAL_MONTHLY])
    # one link per (task, inspector): district and city tasks have one inspector each
    assert InspectionTask.assignees.through.objects.count() == len(providers) * 2


@pytest.mark.django_db
def test_a_run_that_plans_writes_one_audit_entry_and_a_rerun_none(regimes, make_provider):
    make_provider()

    created = plan_inspections(on=ON)
    plan_inspections(on=ON)

    [entry] = AuditEntry.objects.filter(action="inspection.plan")
    assert entry.actor_name == "plan_inspections"
    assert entry.after == {"on": "2026-11-15", **created}
    assert entry.after[DISTRICT_SAFETY] == 1
