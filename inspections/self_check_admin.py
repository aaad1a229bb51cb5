"""The providers' own checks in the back office (004:94): their weekly team self-checks
and daily shift-handover logs, read-only (the provider writes them through the portal),
and the district clerk's list of providers behind on their self-inspections (the
workbench's count opens it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from registry.admin_mixins import ReadOnlyAdminMixin, ScopedHistoryAdmin, staff_user

from .models import SelfCheck
from .self_checks import (
    NOT_APPLICABLE,
    OK,
    PROBLEM,
    SELF_CHECK_ITEMS,
    item_text,
    last_week,
    providers_behind_visible_to,
)

RESULT_LABELS = {OK: _("In order"), PROBLEM: _("Problem"), NOT_APPLICABLE: _("Not applicable")}


SHOWN: tuple[str, ...] = ("provider", "kind", "day", "results_table", "all_ok", "people", "remarks", "source")


@admin.register(SelfCheck)
class SelfCheckAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    list_display = ["provider", "kind", "day", "all_ok", "people"]
    list_filter = ["kind", "all_ok", "day"]
    list_select_related = ["provider"]
    search_fields = ["provider__name", "provider__uscc"]
    date_hierarchy = "day"
    fields = readonly_fields = SHOWN

    @admin.display(description=_("results"))
    def results_table(self, check: SelfCheck) -> str:
        rows = (
            (
                item_text(item),
                RESULT_LABELS.get(check.results.get(item["code"], ""), "-"),
                check.notes.get(item["code"], ""),
            )
            for item in SELF_CHECK_ITEMS.get(check.kind, [])
        )
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        )

    def get_urls(self) -> list[Any]:
        return [
            path("missing/", self.admin_site.admin_view(self.missing_view), name="inspections_selfcheck_missing"),
            *super().get_urls(),
        ]

    def missing_view(self, request: HttpRequest) -> HttpResponse:
        """Providers whose monthly self-inspection is overdue or whose last week's team
        self-check is missing, in the user's jurisdiction."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        behind = providers_behind_visible_to(staff_user(request), today)
        providers = behind.select_related("division").order_by("division__path", "name")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Providers behind on their self-inspections"),
            "providers": providers,
            "week": last_week(today),
        }
        return TemplateResponse(request, "admin/inspections/selfcheck/missing.html", context)
