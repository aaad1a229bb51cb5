"""The inspector's part of the workbench (``registry.workbench``).

- Overdue inspections: open tasks past their due date among the tasks the inspector sees
  (``workbench.tasks_visible_to``: their jurisdiction and every task assigned to them).
- Their tasks to do now (``workbench.tasks_to_do_now``), the first fifteen.
- Findings waiting for their verification (``workbench.findings_to_verify``).
- Draws to run: double-random draws still in draft in their jurisdiction.

And the district clerk's: providers behind on their own self-inspections (004:94), the
monthly one overdue or no team self-check last week (``self_checks``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry.models import User
from registry.scoping import scope_by_coverage
from registry.staff import roles
from registry.work_items import changelist
from registry.workbench import WorkItem, WorkPanel

from .models import Draw, InspectionTask
from .planning import overdue_tasks
from .self_checks import providers_behind_visible_to
from .workbench import findings_to_verify, tasks_to_do_now, tasks_visible_to

INSPECTOR = frozenset({roles.INSPECTOR})
CLERK = frozenset({roles.DISTRICT_CLERK})
TASKS_SHOWN = 15


def _tasks_panel(user: User, today: datetime.date) -> dict[str, Any] | None:
    tasks = list(tasks_to_do_now(user, today)[: TASKS_SHOWN + 1])
    if not tasks:
        return None
    assigned = set(
        InspectionTask.assignees.through.objects.filter(
            user=user, inspectiontask__in=[t.pk for t in tasks]
        ).values_list("inspectiontask_id", flat=True)
    )
    rows = [{"task": task, "overdue": task.due_on < today, "mine": task.pk in assigned} for task in tasks[:TASKS_SHOWN]]
    return {
        "rows": rows,
        "more": len(tasks) > TASKS_SHOWN,
        "list_url": changelist("inspections.inspectiontask", status__exact=InspectionTask.Status.OPEN),
    }


ITEMS = [
    WorkItem(
        key="inspections.overdue",
        label=_("Inspections overdue"),
        roles=INSPECTOR,
        count=lambda user, today: tasks_visible_to(overdue_tasks(today), user).count(),
        url=lambda user, today: changelist("inspections.inspectiontask", overdue="yes"),
        order=400,
        urgent=True,
    ),
    WorkItem(
        key="inspections.verify",
        label=_("Rectifications waiting for your verification"),
        roles=INSPECTOR,
        count=lambda user, today: findings_to_verify(user).count(),
        url=lambda user, today: changelist("inspections.finding", verify="me"),
        order=410,
    ),
    WorkItem(
        key="inspections.draws",
        label=_("Double-random draws to run"),
        roles=INSPECTOR,
        count=lambda user, today: scope_by_coverage(
            Draw.objects.filter(status=Draw.Status.DRAFT), user, "jurisdiction__path"
        ).count(),
        url=lambda user, today: changelist("inspections.draw", status__exact=Draw.Status.DRAFT),
        order=420,
    ),
    WorkItem(
        key="inspections.self_checks_missing",
        label=_("Providers behind on their self-inspections"),
        roles=CLERK,
        count=lambda user, today: providers_behind_visible_to(user, today).count(),
        url=lambda user, today: reverse("admin:inspections_selfcheck_missing"),
        hint=lambda: _("monthly self-inspection overdue, or no team self-check last week"),
        order=60,
        urgent=True,
    ),
]

PANELS = [
    WorkPanel(
        key="inspections.tasks",
        label=_("Your inspections to do: overdue first, then due this week"),
        roles=INSPECTOR,
        template="admin/inspections/workbench/tasks.html",
        context=_tasks_panel,
        order=430,
    )
]
