"""List filters the back-office's apps share."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .admin_mixins import staff_user
from .models import Division, Provider
from .scoping import divisions_visible_to


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
