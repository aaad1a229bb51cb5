"""The childcare app's part of the workbench (``registry.workbench``): what waits for the
district clerk about infant care today.

Each count is one query over the rows of a list scoped as that list's admin scopes it
(through the provider's division), narrowed by the same rule as the list filter its link
opens: ``ages.over_three_still_enrolled`` (the children list's "aged 3 or over" filter)
and ``ratios.classes_breaching`` (the classes list's "class standard" filter).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from registry.scoping import scope_queryset
from registry.staff import roles
from registry.work_items import changelist
from registry.workbench import WorkItem

from .ages import over_three_still_enrolled
from .models import Child
from .ratios import classes_breaching

CLERK = frozenset({roles.DISTRICT_CLERK})
SCOPE = "provider__division__path"
ORDER = 60  # after the registry's own items, before the subsidies'

ITEMS = [
    WorkItem(
        key="childcare.over_three",
        label=_("Children aged 3 or over still enrolled"),
        roles=CLERK,
        count=lambda user, today: scope_queryset(
            Child.objects.filter(over_three_still_enrolled(today)), user, SCOPE
        ).count(),
        url=lambda user, today: changelist("childcare.child", over_3="still_enrolled"),
        hint=lambda: _("from the first day of the month of the 3rd birthday: record when each leaves"),
        order=ORDER,
    ),
    WorkItem(
        key="childcare.classes_breaching",
        label=_("Childcare classes over size or short of carers"),
        roles=CLERK,
        count=lambda user, today: scope_queryset(classes_breaching(today), user, SCOPE).count(),
        url=lambda user, today: changelist("childcare.childcareclass", standard="breaching"),
        hint=lambda: _("against the class standard in force, or with no standard in force"),
        order=ORDER + 1,
        urgent=True,
    ),
]
