"""Every payment item as one list (read-only): what each batch pays whom, and what the
bank's result file said. Finance opens it from the workbench filtered to the failed
items not yet paid again (the reconciliation differences, ``waiting.failed_not_paid_again``)."""

from __future__ import annotations

from django.contrib import admin

from registry.admin_mixins import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import PaymentItem
from .work_filters import FailedNotPaidAgainFilter


@admin.register(PaymentItem)
class PaymentItemAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    scope_path_lookup = "provider__division__path"
    # Fits 1280 px beside the filters; the offset and the settlement time are on the item's page.
    list_display = ["batch", "provider", "scheme", "period", "amount", "state", "failure_reason"]
    list_filter = [FailedNotPaidAgainFilter, "state", "scheme"]
    list_select_related = ["batch", "provider", "scheme"]
    search_fields = ["provider__name", "provider__uscc", "payee"]
    ordering = ["-batch__created_at", "provider__name", "pk"]
    # Not the subject: its stored form (policy:12:league_city) is a code; the batch page
    # and the grant line say whom the item pays.
    fields = readonly_fields = (
        "batch",
        "provider",
        "scheme",
        "period",
        "line_kind",
        "amount",
        "offset",
        "payee",
        "memo",
        "state",
        "failure_reason",
        "settled_at",
    )
