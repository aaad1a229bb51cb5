"""The money holds keep waiting (``withholding.py``): the lines withheld now, the providers
on hold with what waits for them, and on every line what withheld it and when it was
released."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from registry.admin_filters import DivisionFilter
from registry.admin_mixins import ReadOnlyAdminMixin, ScopedAdminMixin
from registry.holds import hold_reasons_now, providers_on_hold

from .line_display import LINE_READONLY_FIELDS, LineDisplayMixin
from .models import GrantLine, ProviderOnHold, WithheldLine
from .withholding import describe_withholding, line_withholdings, with_withheld_totals, withheld_lines

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _WithheldTotals(TypedDict):
    withheld_lines: int
    withheld_amount: Decimal


def provider_link(provider_id: int, name: str) -> str:
    return format_html('<a href="{}">{}</a>', reverse("admin:registry_provider_change", args=[provider_id]), name)


def withholding_text(line: GrantLine) -> str:
    """What withheld ``line`` and when it was released ("-": nothing did)."""
    spans = line_withholdings([line]).get(line.pk, [])
    return format_html_join("", "<div>{}</div>", ((describe_withholding(span),) for span in spans)) or "-"


@admin.register(WithheldLine)
class WithheldLineAdmin(LineDisplayMixin, ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Approved lines a batch would pay today but for their provider's hold."""

    scope_path_lookup = "provider__division__path"
    list_display = ["provider_name", "scheme", "period", "kind", "subject_text", "amount", "withheld"]
    list_filter = ["scheme", "period", DivisionFilter]
    list_select_related = ["provider", "scheme", "run"]
    search_fields = ["provider__name", "provider__uscc"]
    ordering = ["provider__name", "period", "pk"]
    fields = readonly_fields = LINE_READONLY_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(pk__in=withheld_lines().values("pk"))

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        spans = line_withholdings(list(changelist.result_list))  # one read for the page
        for line in changelist.result_list:
            line.withheld_spans = spans.get(line.pk, [])
        return changelist

    @admin.display(description=_("provider"), ordering="provider__name")
    def provider_name(self, line: GrantLine) -> str:
        return provider_link(line.provider_id, line.provider.name)

    @admin.display(description=_("withheld"))
    def withheld(self, line: GrantLine) -> str:
        if not hasattr(line, "withheld_spans"):  # the line's own page
            return withholding_text(line)
        spans = line.withheld_spans
        return format_html_join("", "<div>{}</div>", ((describe_withholding(span),) for span in spans)) or "-"


@admin.register(ProviderOnHold)
class ProviderOnHoldAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Every provider whose payments are paused now, why, and the money waiting for it."""

    scope_path_lookup = "division__path"
    list_display = ["provider_name", "division", "reasons", "lines", "amount"]
    list_filter = [DivisionFilter]
    list_select_related = ["division"]
    search_fields = ["name", "uscc"]
    ordering = ["name", "pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return with_withheld_totals(super().get_queryset(request).filter(pk__in=providers_on_hold().values("pk")))

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        reasons = hold_reasons_now([p.pk for p in changelist.result_list])  # one read for the page
        for provider in changelist.result_list:
            provider.hold_reasons = reasons.get(provider.pk, [])
        return changelist

    @admin.display(description=_("provider"), ordering="name")
    def provider_name(self, provider: ProviderOnHold) -> str:
        return provider_link(provider.pk, provider.name)

    @admin.display(description=_("why payments are paused"))
    def reasons(self, provider: ProviderOnHold) -> str:
        found = getattr(provider, "hold_reasons", [])
        return format_html_join("", "<div>{}</div>", ((reason,) for reason in found))

    @admin.display(description=_("lines withheld"), ordering="withheld_lines")
    def lines(self, provider: WithAnnotations[ProviderOnHold, _WithheldTotals]) -> str:
        url = reverse("admin:subsidies_withheldline_changelist") + f"?q={provider.uscc or provider.name}"
        return format_html('<a href="{}">{}</a>', url, provider.withheld_lines)

    @admin.display(description=_("amount withheld (yuan)"), ordering="withheld_amount")
    def amount(self, provider: WithAnnotations[ProviderOnHold, _WithheldTotals]) -> Decimal:
        return provider.withheld_amount
