"""The inspection task list: the tasks in the user's jurisdiction and every task assigned
to them (``workbench.tasks_visible_to``), each open one past its due date marked, and the
quarter overview read from the same list."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from registry.admin_mixins import ScopedAdminMixin, ScopedHistoryAdmin, staff_user
from registry.models import User
from registry.periods import add_months, period_bounds, period_label

from . import planning, workbench
from .eligibility import inspectors_eligible_for
from .models import Frequency, InspectionTask


class AssignmentFilter(admin.SimpleListFilter):
    title = _("assignment")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", _("Assigned to me"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "me":
            return queryset.filter(assignees=request.user)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        overdue = planning.overdue_tasks(timezone.localdate()).values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset


@admin.register(InspectionTask)
class InspectionTaskAdmin(ScopedHistoryAdmin):
    """The task list: the tasks in the user's jurisdiction and every task assigned to them
    (a draw's team works outside its own county), each open one past its due date marked."""

    # The action next to the provider, visible at 1280 px; the overdue marker under the due date.
    list_display = ["provider", "record_link", "regime", "due", "status", "assignee_names"]
    list_filter = [AssignmentFilter, OverdueFilter, "status", "regime", "due_on"]
    list_select_related = ["provider", "regime"]
    search_fields = ["provider__name", "provider__uscc"]
    date_hierarchy = "due_on"
    readonly_fields = ["provider", "regime", "period_start", "period_end", "due_on"]
    fields = ["provider", "regime", "period_start", "period_end", "due_on", "status", "assignees"]
    change_list_template = "admin/inspections/inspectiontask/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[InspectionTask]:
        tasks = super(ScopedAdminMixin, self).get_queryset(request)
        return workbench.tasks_visible_to(tasks, staff_user(request)).prefetch_related("assignees")

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "assignees":
            kwargs["queryset"] = workbench.inspectors_offered_to(staff_user(request))
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        assignees = form.base_fields.get("assignees")
        if obj is not None and isinstance(assignees, forms.ModelMultipleChoiceField) and assignees.queryset is not None:
            # Only inspectors whose department may inspect this provider under this regime
            # (a health-commission inspector is never put on an elderly home); those already
            # assigned stay ticked.
            eligible = inspectors_eligible_for(assignees.queryset, obj.provider, obj.regime)
            assignees.queryset = (
                User.objects.filter(Q(pk__in=eligible.values("pk")) | Q(pk__in=obj.assignees.values("pk")))
                .select_related("jurisdiction")
                .order_by("jurisdiction__path", "username")
            )
        return form

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tasks come from planning

    def get_urls(self) -> list[Any]:
        return [
            path(
                "overview/", self.admin_site.admin_view(self.overview_view), name="inspections_inspectiontask_overview"
            ),
            *super().get_urls(),
        ]

    def overview_view(self, request: HttpRequest) -> HttpResponse:
        """Quarter overview by district: planned, done, overdue, coverage."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        try:
            start = datetime.date.fromisoformat(request.GET.get("quarter", ""))
        except ValueError:
            start = today
        start = period_bounds(start, Frequency.QUARTERLY)[0]
        tasks = self.get_queryset(request)
        rows = planning.quarter_overview(tasks, start, today)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Inspections of %(quarter)s by district")
            % {"quarter": period_label(start, Frequency.QUARTERLY)},
            "rows": rows,
            "overdue_before": planning.overdue_tasks(today).filter(pk__in=tasks.values("pk"), due_on__lt=start).count(),
            "list_url": reverse("admin:inspections_inspectiontask_changelist"),
            "start": start,
            "end": period_bounds(start, Frequency.QUARTERLY)[1],
            "previous": period_bounds(start - datetime.timedelta(days=1), Frequency.QUARTERLY)[0],
            "next": add_months(start, 3),
        }
        return TemplateResponse(request, "admin/inspections/overview.html", context)

    @admin.display(description=_("due on"), ordering="due_on")
    def due(self, task: InspectionTask) -> str:
        """The due date, and under it "Overdue by N days" while the task is open after it."""
        today = timezone.localdate()
        if not workbench.task_is_overdue(task, today):
            return date_format(task.due_on)
        days = (today - task.due_on).days
        return format_html(
            '{}<br><strong class="overdue" style="color:#ba2121">{}</strong>',
            date_format(task.due_on),
            ngettext("Overdue by %(days)d day", "Overdue by %(days)d days", days) % {"days": days},
        )

    @admin.display(description=_("assigned to"))
    def assignee_names(self, task: InspectionTask) -> str:
        return ", ".join(user.get_full_name() or user.username for user in task.assignees.all())

    @admin.display(description=_("record"))
    def record_link(self, task: InspectionTask) -> str:
        if task.status != InspectionTask.Status.OPEN:
            return "-"
        url = reverse("admin:inspections_inspection_add")
        return format_html(
            '<a href="{}?task={}&provider={}&regime={}">{}</a>',
            url,
            task.pk,
            task.provider_id,
            task.regime_id,
            _("Record inspection"),
        )
