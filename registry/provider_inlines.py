"""The lists on a provider's back-office page (licences, fees, places, reports, credit records,
caregivers, holds, lifecycle), folded until opened; ``admin.ProviderAdmin`` shows them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .holds import hold_source_label
from .models import (
    AnnualReport,
    Caregiver,
    ChildcarePlaces,
    CreditRecord,
    FeeItem,
    Licence,
    ProviderHold,
    ProviderStatusChange,
)

if TYPE_CHECKING:

    class _InCare(TypedDict):  # ProviderAdmin.get_queryset
        in_care: int


# The site itself (header, no nav sidebar, the workbench as home) is registry/admin_site.py.


# --- inlines on the provider page -------------------------------------------------


class ProviderInline(admin.TabularInline):
    """A list on the provider page, folded until opened: the page shows its own fields
    first (Django opens a folded list by itself when one of its rows has an error)."""

    extra = 0
    show_change_link = True
    classes = ["collapse"]


class LicenceInline(ProviderInline):
    model = Licence
    fields = ["kind", "number", "issuer", "issued_on", "expires_on", "premium_yuan"]


class FeeItemInline(ProviderInline):
    model = FeeItem
    fields = ["kind", "name", "amount", "unit", "care_mode", "effective_from", "effective_to"]


class ChildcarePlacesInline(ProviderInline):
    """Places (托位) by service mode and age band: a childcare provider's capacity."""

    model = ChildcarePlaces
    fields = ["mode", "age_band", "places"]


class AnnualReportInline(ProviderInline):
    model = AnnualReport
    fields = [
        "year",
        "submitted_on",
        "published_on",
        "total_income",
        "total_expenditure",
        "total_assets",
        "subsidies_received",
        "subsidies_used",
        "document",
    ]


class CreditRecordInline(ProviderInline):
    model = CreditRecord
    fields = ["kind", "start_on", "end_on", "source", "description"]


class CaregiverInline(ProviderInline):
    """Who works here, without personal data; open a caregiver to edit them."""

    model = Caregiver
    fields = readonly_fields = (
        "name",
        "certificate_level",
        "employed_from",
        "employed_to",
    )
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LogInline(ProviderInline):
    """Rows written by services only: shown, never added, edited or deleted here."""

    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StatusChangeInline(LogInline):
    model = ProviderStatusChange
    fields = readonly_fields = (
        "effective_on",
        "action",
        "from_status",
        "to_status",
        "reason",
        "actor",
        "recorded_at",
    )
    verbose_name_plural = _("lifecycle")


class HoldInline(LogInline):
    model = ProviderHold
    fields = readonly_fields = (
        "reason",
        "source_label",
        "started_at",
        "ended_at",
    )
    verbose_name_plural = _("payment holds")

    @admin.display(description=_("source"))
    def source_label(self, hold: ProviderHold) -> str:
        return hold_source_html(hold.source)


def hold_source_html(source: str) -> str:
    """A hold's source as its record's label, linked to the record's page when there is one."""
    text, url = hold_source_label(source)
    return format_html('<a href="{}">{}</a>', url, text) if url else text
