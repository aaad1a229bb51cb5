"""Back-office list of the daily attendance of day-care centres and service stations: the
occupancy the public register shows for them instead of vacant beds (``occupancy.py``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_mixins import ProviderChildAdmin
from .models import Attendance
from .occupancy import DAY_KINDS


class AttendanceForm(forms.ModelForm):
    class Meta:
        model = Attendance
        fields = ["provider", "day", "attended"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        provider = data.get("provider")
        if provider is not None and provider.kind not in DAY_KINDS:
            self.add_error("provider", _("Attendance is recorded for day-care centres and service stations only."))
        return data


@admin.register(Attendance)
class AttendanceAdmin(ProviderChildAdmin):
    form = AttendanceForm
    list_display = ["provider", "day", "attended"]
    list_filter = [("day", admin.DateFieldListFilter), ("provider__division", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "day"
    ordering = ["-day", "provider__name"]
