"""Planning: one task per (provider, regime, period) for every provider a regime applies to.

Idempotent and safe to run twice at once: tasks are inserted with ``ON CONFLICT DO
NOTHING`` against the unique (provider, regime, period start) constraint, and a task's
due date is set once, at creation. Closed providers get no new tasks and their open
tasks are cancelled. The number of queries does not grow with the number of providers.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q, QuerySet

from registry.models import Division, Provider, ProviderStatus, User
from registry.periods import period_bounds
from registry.staff import roles
from safeguards.audit import audit_record

from .eligibility import department_may_inspect, regime_departments
from .models import Frequency, InspectionTask, InspectorLevel, Regime

PLANNED_STATUSES = [ProviderStatus.FILED, ProviderStatus.CERTIFIED, ProviderStatus.SUSPENDED]
LEVEL_OF: dict[str, int] = {
    InspectorLevel.CITY: Division.Level.LEAGUE_CITY,
    InspectorLevel.COUNTY: Division.Level.COUNTY,
}


def providers_under(regime: Regime) -> QuerySet[Provider]:
    """The providers a regime applies to: inside its jurisdiction, of its kinds, in operation."""
    providers = Provider.objects.filter(
        status__in=PLANNED_STATUSES, division__path__startswith=regime.jurisdiction.path
    )
    if regime.provider_kinds:
        providers = providers.filter(kind__in=regime.provider_kinds)
    return providers


def _inspectors_by_path() -> dict[str, list[User]]:
    """Active inspectors, by the materialised path of their jurisdiction."""
    group = Group.objects.filter(name=roles.INSPECTOR).first()
    if group is None:
        return {}
    by_path: dict[str, list[User]] = defaultdict(list)
    for user in group.user_set.filter(is_active=True, jurisdiction__isnull=False).select_related("jurisdiction"):
        by_path[user.jurisdiction.path].append(user)  # type: ignore[union-attr]  # jurisdiction__isnull=False
    return by_path


def _ancestor_path(path: str, level: int) -> str:
    """The path of the ancestor at ``level`` (1 region, 2 league/city, 3 county)."""
    codes = [c for c in path.split("/") if c]
    return "".join(f"{c}/" for c in codes[:level])


def _assign(tasks: list[InspectionTask], regime: Regime, inspectors: dict[str, list[User]]) -> None:
    """Each task to the inspectors of the regime's level above its provider whose
    department may inspect it under the regime (``eligibility``)."""
    level = LEVEL_OF.get(regime.inspector_level)
    if level is None:  # the provider inspects itself
        return
    departments = regime_departments(regime)
    through = InspectionTask.assignees.through
    links = [
        through(inspectiontask_id=task.pk, user_id=user.pk)
        for task in tasks
        for user in inspectors.get(_ancestor_path(task.provider.division.path, level), [])
        if department_may_inspect(user.department, task.provider.kind, departments)
    ]
    through.objects.bulk_create(links, ignore_conflicts=True)


def plan_regime(regime: Regime, on: datetime.date, inspectors: dict[str, list[User]]) -> int:
    """Create the missing tasks of ``regime`` for the period containing ``on``."""
    start, end = period_bounds(on, regime.frequency)
    new = [
        InspectionTask(provider_id=pk, regime=regime, period_start=start, period_end=end, due_on=end)
        for pk in providers_under(regime)
        .exclude(pk__in=InspectionTask.objects.filter(regime=regime, period_start=start).values("provider_id"))
        .values_list("pk", flat=True)
    ]
    InspectionTask.objects.bulk_create(new, ignore_conflicts=True)
    unassigned = list(
        InspectionTask.objects.filter(regime=regime, period_start=start, assignees__isnull=True).select_related(
            "provider__division"
        )
    )
    _assign(unassigned, regime, inspectors)
    return len(new)


def cancel_tasks_of_closed_providers() -> int:
    return InspectionTask.objects.filter(
        status=InspectionTask.Status.OPEN, provider__status__in=[ProviderStatus.CLOSED, ProviderStatus.REVOKED]
    ).update(status=InspectionTask.Status.CANCELLED)


def plan_inspections(*, on: datetime.date) -> dict[str, int]:
    """Plan every active periodic regime for the periods containing ``on``. Writes one
    ``inspection.plan`` audit entry when it creates or cancels any task (a re-run: none)."""
    inspectors = _inspectors_by_path()
    created: dict[str, int] = {}
    regimes = Regime.objects.filter(active=True).exclude(frequency=Frequency.AD_HOC).select_related("jurisdiction")
    for regime in regimes:
        with transaction.atomic():
            created[regime.code] = plan_regime(regime, on, inspectors)
    created["cancelled"] = cancel_tasks_of_closed_providers()
    if any(created.values()):
        audit_record("inspection.plan", actor_name="plan_inspections", after={"on": on.isoformat(), **created})
    return created


def overdue_tasks(on: datetime.date) -> QuerySet[InspectionTask]:
    return InspectionTask.objects.filter(status=InspectionTask.Status.OPEN, due_on__lt=on)


def open_tasks_due_within(on: datetime.date, days: int) -> QuerySet[InspectionTask]:
    return InspectionTask.objects.filter(
        Q(status=InspectionTask.Status.OPEN), due_on__gte=on, due_on__lte=on + datetime.timedelta(days=days)
    )


@dataclass
class CountyQuarter:
    division: str
    planned: int = 0
    done: int = 0
    overdue: int = 0

    @property
    def coverage(self) -> int:
        """Per cent of the planned inspections done."""
        return round(100 * self.done / self.planned) if self.planned else 0


def quarter_overview(tasks: QuerySet[InspectionTask], start: datetime.date, on: datetime.date) -> list[CountyQuarter]:
    """Per county: tasks due in the quarter starting ``start``, done, overdue, coverage."""
    end = period_bounds(start, Frequency.QUARTERLY)[1]
    rows: dict[str, CountyQuarter] = {}
    in_quarter = tasks.filter(due_on__gte=start, due_on__lte=end).exclude(status=InspectionTask.Status.CANCELLED)
    for division_path, status, due_on in in_quarter.values_list("provider__division__path", "status", "due_on"):
        county_path = _ancestor_path(division_path, Division.Level.COUNTY)
        row = rows.setdefault(county_path, CountyQuarter(division=county_path))
        row.planned += 1
        if status == InspectionTask.Status.DONE:
            row.done += 1
        elif due_on < on:
            row.overdue += 1
    names = dict(Division.objects.filter(path__in=rows).values_list("path", "name"))
    for path, row in rows.items():
        row.division = names.get(path, path)
    return [rows[path] for path in sorted(rows)]
