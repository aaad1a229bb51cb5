"""The portal's part of the workbench: what providers sent that waits for the district
clerk's review (the same rows as the submissions list filtered to "submitted")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from registry.scoping import scope_queryset
from registry.staff import roles
from registry.work_items import changelist
from registry.workbench import WorkItem

from .models import Submission

CLERK = frozenset({roles.DISTRICT_CLERK})

ITEMS = [
    WorkItem(
        key="portal.to_review",
        label=_("Provider submissions to review"),
        roles=CLERK,
        count=lambda user, today: scope_queryset(
            Submission.objects.filter(status=Submission.Status.SUBMITTED), user, "provider__division__path"
        ).count(),
        url=lambda user, today: changelist("portal.submission", status__exact=Submission.Status.SUBMITTED),
        hint=lambda: _("accept to apply, or return with a reason"),
        order=5,
    ),
]
