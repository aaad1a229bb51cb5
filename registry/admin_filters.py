"""List filters the back-office's apps share."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .admin_mixins import staff_user
from .models import Division, Provider
from .periods import start_of_day, week_bounds
from .renewals import licences_due_for_renewal, providers_with_report_overdue
from .scoping import divisions_visible_to, providers_visible_to


class DivisionFilter(admin.SimpleListFilter):
    """League/city or county, among the divisions inside the user's jurisdiction."""

    title = _("division")
    parameter_name = "in_division"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        divisions = divisions_visible_to(staff_user(request)).filter(
            level__in=[Division.Level.LEAGUE_CITY, Division.Level.COUNTY]
        )
        return [
            (d.code, ("— " if d.level == Division.Level.COUNTY else "") + d.name) for d in divisions.order_by("path")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        division = divisions_visible_to(staff_user(request)).filter(code=self.value()).first()
        if division is None:
            return queryset.none()
        lookup = "division__path" if issubclass(queryset.model, Provider) else "provider__division__path"
        return queryset.filter(**{f"{lookup}__startswith": division.path})


class ProviderNameFilter(admin.ListFilter):
    """Rows of the providers whose name contains the typed words, or whose USCC is the
    typed code: a text box, not a list of the thousands of providers of a region. Only
    providers inside the user's jurisdiction match."""

    title = _("provider")
    parameter_name = "provider_q"
    template = "admin/registry/provider_name_filter.html"

    def __init__(self, request: HttpRequest, params: dict[str, Any], model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        value = params.pop(self.parameter_name, None)
        if isinstance(value, list):
            value = value[-1] if value else None
        self.value = str(value or "").strip()[:200]
        if self.value:
            self.used_parameters[self.parameter_name] = self.value

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str | None]:
        return [self.parameter_name]

    def choices(self, changelist: Any) -> Iterator[Any]:
        """One "choice": the box's value, the other filters of the list kept as hidden
        inputs, and the link that clears this filter."""
        kept = [
            (name, value)
            for name, values in changelist.filter_params.items()
            if name not in (self.parameter_name, "p")
            for value in values
        ]
        yield {
            "value": self.value,
            "parameter_name": self.parameter_name,
            "kept": kept,
            "clear_query_string": changelist.get_query_string(remove=[self.parameter_name, "p"]),
        }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value:
            return queryset
        providers = providers_matching(staff_user(request), self.value)
        return queryset.filter(provider__in=providers.values("pk"))


def providers_matching(user: Any, text: str) -> QuerySet[Provider]:
    """The user's providers whose name contains ``text`` or whose USCC is ``text``."""
    return providers_visible_to(user).filter(Q(name__icontains=text) | Q(uscc=text.upper()))


class ChoiceFilter(admin.SimpleListFilter):
    """A filter of fixed choices, each a queryset rule: ``rules`` maps a value to
    ``(label, function(queryset) -> queryset)``."""

    rules: dict[str, tuple[Any, Any]] = {}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(value, label) for value, (label, _rule) in self.rules.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        rule = self.rules.get(self.value() or "")
        return rule[1](queryset) if rule else queryset


class RenewalDueFilter(ChoiceFilter):
    """Licences due for renewal (``registry.renewals``): the workbench's link."""

    title = _("renewal")
    parameter_name = "renewal"
    rules = {
        "due": (
            _("Due: expiring soon or expired"),
            lambda qs: qs.filter(pk__in=licences_due_for_renewal(timezone.localdate()).values("pk")),
        )
    }


class ReportOverdueFilter(ChoiceFilter):
    """Providers whose annual financial report is overdue (``registry.renewals``)."""

    title = _("annual report")
    parameter_name = "annual_report"
    rules = {
        "overdue": (
            _("Overdue"),
            lambda qs: qs.filter(pk__in=providers_with_report_overdue(timezone.localdate()).values("pk")),
        )
    }


class StartedThisWeekFilter(ChoiceFilter):
    """Rows whose ``started_at`` falls in the current week, Monday to Sunday (the payment
    holds opened this week: a reviewer's workbench item)."""

    title = _("started")
    parameter_name = "started"
    rules = {
        "this_week": (
            _("This week (Monday to Sunday)"),
            lambda qs: qs.filter(started_this_week(timezone.localdate())),
        )
    }


def started_this_week(today: datetime.date) -> Q:
    """``started_at`` between Monday 00:00 and the next Monday 00:00 of ``today``'s week."""
    monday, sunday = week_bounds(today)
    return Q(started_at__gte=start_of_day(monday), started_at__lt=start_of_day(sunday + datetime.timedelta(days=1)))
