"""Admins of the indicators: the indicators themselves (reference data the bureau may
adjust), the population and community figures it enters per division and year (scoped to
the user's jurisdiction, with history), and the snapshots (read only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry.admin_mixins import ReadOnlyAdminMixin, ScopedAdminMixin, ScopedHistoryAdmin
from registry.labels import choice_label
from registry.models import ProviderKind

from .models import CommunityCount, Indicator, IndicatorSnapshot, PopulationFigure
from .status import NO_DATA, missing_message, status_label, target_status


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["indicator_name", "formula", "target", "comparator", "nature", "target_year", "unit", "source"]
    list_filter = ["nature"]
    search_fields = ["code", "name_zh", "name_en"]
    # The code is for the API and the files; a clerk reads the name (no raw codes, issue 21).
    fields = ["name_zh", "name_en", "formula", "target", "comparator", "nature", "target_year"]
    fields += ["unit", "source", "order"]
    readonly_fields = ["formula", "unit", "source"]

    @admin.display(description=_("name"), ordering="name_zh")
    def indicator_name(self, indicator: Indicator) -> str:
        return indicator.name

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # indicators come from reference data: a new one needs its formula

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FigureAdmin(ScopedHistoryAdmin):
    scope_path_lookup = "division__path"
    list_filter = ["year", "is_demo"]
    search_fields = ["division__name", "division__code"]
    list_select_related = ["division"]


@admin.register(PopulationFigure)
class PopulationFigureAdmin(FigureAdmin):
    list_display = ["division", "year", "population", "source", "is_demo"]
    fields = ["division", "year", "population", "source", "is_demo"]


@admin.register(CommunityCount)
class CommunityCountAdmin(FigureAdmin):
    list_display = ["division", "year", "communities", "source", "is_demo"]
    fields = ["division", "year", "communities", "source", "is_demo"]


@admin.register(IndicatorSnapshot)
class IndicatorSnapshotAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    scope_path_lookup = "division__path"
    list_display = ["month", "indicator", "division", "kind", "value", "status"]
    list_filter = ["indicator"]
    search_fields = ["division__name", "division__code"]
    list_select_related = ["indicator", "division"]
    fields = ("indicator", "division", "month", "kind", "value", "numerator", "denominator", "status", "computed_at")
    readonly_fields = fields
    date_hierarchy = "month"

    @admin.display(description=_("kind"), ordering="dimension")
    def kind(self, snapshot: IndicatorSnapshot) -> str:
        return choice_label(snapshot.dimension, ProviderKind) if snapshot.dimension else "-"

    @admin.display(description=_("status"))
    def status(self, snapshot: IndicatorSnapshot) -> str:
        status = target_status(snapshot.indicator, snapshot.value)
        return missing_message(snapshot.missing) if status == NO_DATA else status_label(status)
