"""The concerns app's part of the workbench (``registry.workbench``): the district clerk's
open concerns and, as an urgent item of its own, those whose reply is overdue.

Each count is one query over the concerns the concerns list shows the user (scoped through
the provider's division and the department's kinds), narrowed by the same query builder as
the list filter its link opens (``deadlines.open_concerns`` and ``overdue_concerns``, the
list's "state" filter).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from registry.scoping import scope_queryset
from registry.staff import roles
from registry.work_items import changelist
from registry.workbench import WorkItem

from .deadlines import open_concerns, overdue_concerns

CLERK = frozenset({roles.DISTRICT_CLERK})
SCOPE = "provider__division__path"
ORDER = 65  # after infant care, before the subsidies

ITEMS = [
    WorkItem(
        key="concerns.open",
        label=_("Open concerns from citizens"),
        roles=CLERK,
        count=lambda user, today: scope_queryset(open_concerns(), user, SCOPE).count(),
        url=lambda user, today: changelist("concerns.concern", state="open"),
        hint=lambda: _("received or under investigation: reply by the due date"),
        order=ORDER,
    ),
    WorkItem(
        key="concerns.overdue",
        label=_("Concerns past their reply date"),
        roles=CLERK,
        count=lambda user, today: scope_queryset(overdue_concerns(today), user, SCOPE).count(),
        url=lambda user, today: changelist("concerns.concern", state="overdue"),
        hint=lambda: _("the citizen was promised a reply by now"),
        order=ORDER + 1,
        urgent=True,
    ),
]
