"""Back-office for care-level weights: inline on an operating scheme and in their own
list. Every addition, change or removal goes through ``care_weights.weight_save`` /
``weight_delete`` (audited, one weight in force per care level and day)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from registry.admin_mixins import staff_user

from . import care_weights
from .models import CareLevelWeight, SchemeKind

FIELDS = ("care_level", "weight", "effective_from", "effective_to", "source", "notes")


class CareLevelWeightFormSet(forms.BaseInlineFormSet):
    """Two rows of one form for the same care level may not be in force on the same day
    (each row's ``clean`` compares it with the stored rows only)."""

    def clean(self) -> None:
        super().clean()
        seen: list[tuple[str, datetime.date, datetime.date, forms.Form]] = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("effective_from") or not data.get("care_level"):
                continue
            start, end = data["effective_from"], data.get("effective_to") or datetime.date.max
            for level, other_start, other_end, _form in seen:
                if level == data["care_level"] and start <= other_end and other_start <= end:
                    form.add_error(
                        "effective_from", _("Two weights for this care level would be in force on the same day.")
                    )
                    break
            seen.append((data["care_level"], start, end, form))


class CareLevelWeightInline(admin.TabularInline):
    model = CareLevelWeight
    formset = CareLevelWeightFormSet
    extra = 0
    fields = FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Weights are added to operating grants only (``care_weights.weight_problems``)."""
        return (obj is None or obj.kind == SchemeKind.OPERATING) and super().has_add_permission(request, obj)


def save_weight_formset(request: HttpRequest, formset: Any) -> None:
    """The scheme page's inline weights, through the same audited service as the list."""
    for weight in formset.save(commit=False):
        care_weights.weight_save(weight=weight, user=staff_user(request))
    for weight in formset.deleted_objects:
        care_weights.weight_delete(weight=weight, user=staff_user(request))


@admin.register(CareLevelWeight)
class CareLevelWeightAdmin(SimpleHistoryAdmin):
    """Weights are effective-dated: to change one, end it the day before the new one starts."""

    list_display = ["scheme", "care_level", "weight", "effective_from", "effective_to", "source"]
    list_filter = ["scheme", "care_level"]
    list_select_related = ["scheme"]
    fields = ["scheme", *FIELDS]

    def save_model(self, request: HttpRequest, obj: CareLevelWeight, form: Any, change: bool) -> None:
        care_weights.weight_save(weight=obj, user=staff_user(request))

    def delete_model(self, request: HttpRequest, obj: CareLevelWeight) -> None:
        care_weights.weight_delete(weight=obj, user=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CareLevelWeight]) -> None:
        for weight in queryset:
            care_weights.weight_delete(weight=weight, user=staff_user(request))
