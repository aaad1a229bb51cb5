"""Back-office for subsidies: rate tables, construction grants and monthly runs (payment
batches, recoveries and the ledger: ``payment_admin``). Every action and every save of a run, grant or
batch calls a service (which records the user among its preparers); every list is limited to
the user's jurisdiction."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from registry.admin_base import limit_choices
from registry.admin_labels import CodeLabelsAdminMixin
from registry.admin_mixins import ReadOnlyAdminMixin, ScopedAdminMixin, ScopedHistoryAdmin, staff_user
from registry.admin_services import run_service
from registry.exports import export_response
from registry.labels import choice_labels, field_label
from registry.models import Provider, ProviderKind, ResidentCategory
from registry.scoping import jurisdiction_path, scope_by_coverage, scope_queryset

from . import (
    award_admin,  # noqa: F401  (registers the award admin)
    care_weight_admin,
    instalments,
    payment_admin,  # noqa: F401  (registers the payment admins)
    rate_changes,
    review,
    runs,
    withholding_admin,
    work_filters,
)
from .explain import explain_eligible_beds, explain_line
from .exports import grant_lines_table
from .labels import (
    eligibility_label,
    payer_shares_label,
    rate_key_label,
    ratios_label,
)
from .line_display import LINE_READONLY_FIELDS, LineDisplayMixin
from .models import (
    CareLevelWeight,
    ConstructionGrant,
    GrantLine,
    GrantRun,
    Instalment,
    Rate,
    SubsidyScheme,
)
from .rate_keys import THRESHOLD_FIELDS
from .review import held_reasons
from .review_admin import REVIEW_FORM, ReviewAdminMixin, approve_action, submit_action

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _RunTotals(TypedDict):  # GrantRunAdmin.get_queryset
        n_lines: int
        payable: Decimal | None


# --- rate tables -----------------------------------------------------------------


class RateInline(CodeLabelsAdminMixin, admin.TabularInline):
    model = Rate
    extra = 0
    code_label_fields = {"key": "key_label", "provider_kinds": "provider_kinds_label"}
    code_checkbox_fields = {"provider_kinds": ProviderKind}
    fields = [
        "key",
        "amount",
        "max_amount",
        "threshold_field",
        "threshold_min",
        "provider_kinds",
        "is_example",
        "effective_from",
        "effective_to",
        "source",
    ]

    @admin.display(description=_("key"))
    def key_label(self, rate: Rate) -> str:
        return rate_key_label(rate.key)

    @admin.display(description=_("provider kinds for this rate"))
    def provider_kinds_label(self, rate: Rate) -> str:
        return choice_labels(rate.provider_kinds, ProviderKind)


@admin.register(SubsidyScheme)
class SubsidySchemeAdmin(CodeLabelsAdminMixin, SimpleHistoryAdmin):
    # The name where a clerk looks for the scheme; the code beside it, for the API and files.
    list_display = [
        "scheme_name",
        "code",
        "jurisdiction",
        "payer_level",
        "kind",
        "effective_from",
        "effective_to",
        "source",
    ]
    list_filter = ["kind", "payer_level", work_filters.RunNotPreparedFilter]
    search_fields = ["code", "name_zh", "name_en", "name_mn"]
    list_select_related = ["jurisdiction"]
    inlines = [RateInline, care_weight_admin.CareLevelWeightInline]
    code_checkbox_fields = {"provider_kinds": ProviderKind}
    code_label_fields = {
        "provider_kinds": "provider_kinds_label",
        "eligibility": "eligibility_label",
        "instalment_ratios": "instalment_ratios_label",
        "cost_shares": "cost_shares_label",
        "government_payers": "government_payers_label",
        "resident_categories": "resident_categories_label",
    }

    @admin.display(description=_("name"), ordering="name_zh")
    def scheme_name(self, scheme: SubsidyScheme) -> str:
        return scheme.name

    @admin.display(description=_("provider kinds"))
    def provider_kinds_label(self, scheme: SubsidyScheme) -> str:
        return choice_labels(scheme.provider_kinds, ProviderKind)

    @admin.display(description=_("eligibility alternatives"))
    def eligibility_label(self, scheme: SubsidyScheme) -> str:
        return eligibility_label(scheme.eligibility)

    @admin.display(description=_("instalment ratios"))
    def instalment_ratios_label(self, scheme: SubsidyScheme) -> str:
        return ratios_label(scheme.instalment_ratios)

    @admin.display(description=_("cost shares"))
    def cost_shares_label(self, scheme: SubsidyScheme) -> str:
        return payer_shares_label(scheme.cost_shares)

    @admin.display(description=_("government share paid by"))
    def government_payers_label(self, scheme: SubsidyScheme) -> str:
        return payer_shares_label(scheme.government_payers)

    @admin.display(description=_("resident categories"))
    def resident_categories_label(self, scheme: SubsidyScheme) -> str:
        return choice_labels(scheme.resident_categories, ResidentCategory)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is CareLevelWeight:
            care_weight_admin.save_weight_formset(request, formset)
            return
        if formset.model is not Rate:
            super().save_formset(request, form, formset, change)
            return
        # The scheme's inline rates are changed through the same audited service as the rate list.
        for rate in formset.save(commit=False):
            rate_changes.rate_save(rate=rate, user=staff_user(request))
        for rate in formset.deleted_objects:
            rate_changes.rate_delete(rate=rate, user=staff_user(request))


@admin.register(Rate)
class RateAdmin(CodeLabelsAdminMixin, SimpleHistoryAdmin):
    """Rates are edited here; approved lines keep the amount they were computed with."""

    list_display = ["scheme", "key_label", "amount", "max_amount", "is_example", "effective_from", "effective_to"]
    list_filter = ["scheme", "is_example"]
    list_select_related = ["scheme"]
    code_label_fields = {
        "key": "key_label",
        "provider_kinds": "provider_kinds_label",
        "threshold_field": "threshold_field_label",
    }
    code_checkbox_fields = {"provider_kinds": ProviderKind}

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "threshold_field":  # the provider's attribute, by its name
            return forms.ChoiceField(
                label=db_field.verbose_name,
                choices=[("", "-"), *((name, field_label(Provider, name)) for name in THRESHOLD_FIELDS)],
                required=False,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("key"), ordering="key")
    def key_label(self, rate: Rate) -> str:
        return rate_key_label(rate.key)

    @admin.display(description=_("provider kinds for this rate"))
    def provider_kinds_label(self, rate: Rate) -> str:
        return choice_labels(rate.provider_kinds, ProviderKind)

    @admin.display(description=_("threshold attribute"))
    def threshold_field_label(self, rate: Rate) -> str:
        if not rate.threshold_field:
            return "-"
        return field_label(Provider, rate.threshold_field)

    def save_model(self, request: HttpRequest, obj: Rate, form: Any, change: bool) -> None:
        rate_changes.rate_save(rate=obj, user=staff_user(request))

    def delete_model(self, request: HttpRequest, obj: Rate) -> None:
        rate_changes.rate_delete(rate=obj, user=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Rate]) -> None:
        for rate in queryset:
            rate_changes.rate_delete(rate=rate, user=staff_user(request))


# --- construction grants ----------------------------------------------------------


class ConstructionGrantForm(forms.ModelForm):
    class Meta:
        model = ConstructionGrant
        fields = ["provider", "scheme", "basis", "beds_claimed", "floor_area_m2", "lease_end"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only construction schemes, and the rate keys they define, are offered.
        if "scheme" in self.fields:
            limit_choices(self, "scheme", SubsidyScheme.objects.filter(kind__in=instalments.CONSTRUCTION_KINDS))
        if "basis" in self.fields:
            keys = (
                Rate.objects.filter(scheme__kind__in=instalments.CONSTRUCTION_KINDS)
                .values_list("key", flat=True)
                .distinct()
                .order_by("key")
            )
            self.fields["basis"] = forms.ChoiceField(
                label=_("rate key"), choices=[(key, rate_key_label(key)) for key in keys]
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        instalments.grant_compute(self.instance_with(data))
        return data

    def instance_with(self, data: dict[str, Any]) -> ConstructionGrant:
        # The form's own fields only: the admin's subclass also lists its read-only fields
        # (status, total …) in Meta.fields, and those must keep the instance's values.
        for name in self.fields:
            setattr(self.instance, name, data.get(name))
        return self.instance


class InstalmentInline(admin.TabularInline):
    model = Instalment
    extra = 0
    can_delete = False
    fields = readonly_fields = ("number", "year", "amount", "status", "withheld_reason", "decided_on")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConstructionGrant)
class ConstructionGrantAdmin(ReviewAdminMixin, CodeLabelsAdminMixin, ScopedHistoryAdmin):
    change_form_template = REVIEW_FORM
    form = ConstructionGrantForm
    list_display = [
        "provider",
        "scheme",
        "basis_label",
        "eligible_beds",
        "total",
        "review_status",
        "prepared_by",
        "approved_by",
    ]
    code_label_fields = {"basis": "basis_label"}
    list_filter = ["status", work_filters.AwaitingMyReviewFilter, "scheme"]
    list_select_related = ["provider", "scheme", "prepared_by", "approved_by"]
    search_fields = ["provider__name", "provider__uscc"]
    autocomplete_fields = ["provider"]
    readonly_fields = [
        "eligible_beds",
        "eligible_beds_reason",
        "rate_amount",
        "total",
        "schedule_preview",
        "status",
        "prepared_by",
        "preparers",
        "approved_by",
        "approved_on",
    ]
    inlines = [InstalmentInline]
    actions = ["submit_grants", "approve_grants"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != ConstructionGrant.Status.DRAFT:
            return False
        if obj is not None and review.review_state(obj) == review.SUBMITTED:
            return False  # read-only while it waits for review: returned, it can be edited again
        return super().has_change_permission(request, obj)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if obj is None or not explain_eligible_beds(obj):  # shown only when the floor area cut the beds
            fields.remove("eligible_beds_reason")
        return fields

    @admin.display(description=_("why fewer beds"))
    def eligible_beds_reason(self, obj: ConstructionGrant) -> str:
        return explain_eligible_beds(obj) if obj.pk else ""

    @admin.display(description=_("rate key"), ordering="basis")
    def basis_label(self, grant: ConstructionGrant) -> str:
        return rate_key_label(grant.basis)

    @admin.display(description=_("instalments (preview)"))
    def schedule_preview(self, obj: ConstructionGrant) -> str:
        if obj.pk is None or obj.status != ConstructionGrant.Status.DRAFT:
            return "-"
        quote = instalments.construction_quote(
            scheme_code=obj.scheme.code,
            basis=obj.basis,
            beds=obj.beds_claimed,
            floor_area_m2=obj.floor_area_m2,
            first_year=timezone.localdate().year,
            households_served=obj.provider.households_served,
        )
        return format_html_join(", ", "{}: {}", ((year, amount) for year, amount in quote.instalments))

    def save_model(self, request: HttpRequest, obj: ConstructionGrant, form: Any, change: bool) -> None:
        """Through the services: whoever saves the application becomes one of its preparers."""
        if change:
            data = form.cleaned_data
            fields = {name: data[name] for name in instalments.EDITABLE_FIELDS if name in data}
            saved = instalments.grant_edit(grant=obj, user=staff_user(request), **fields)
        else:
            saved = instalments.grant_prepare(
                provider=obj.provider,
                scheme_code=obj.scheme.code,
                basis=obj.basis,
                beds_claimed=obj.beds_claimed,
                floor_area_m2=obj.floor_area_m2,
                lease_end=obj.lease_end,
                prepared_by=staff_user(request),
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    submit_grants = submit_action(_("Submit selected grants for review"))
    approve_grants = approve_action(_("Approve selected grants"))

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subsidies.approve_constructiongrant")


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    scope_path_lookup = "grant__provider__division__path"
    list_display = ["grant", "number", "year", "amount", "status", "withheld_reason", "decided_on"]
    list_filter = ["status", "year", work_filters.AwaitingReleaseFilter]
    list_select_related = ["grant__provider", "grant__scheme"]
    search_fields = ["grant__provider__name", "grant__provider__uscc"]
    actions = ["review_this_year"]

    @admin.action(description=_("Review eligibility of instalments due this year"), permissions=["approve"])
    def review_this_year(self, request: HttpRequest, queryset: QuerySet[Instalment]) -> None:
        counts = instalments.instalments_review(year=timezone.localdate().year, user=staff_user(request))
        self.message_user(request, _("Released %(released)d, withheld %(withheld)d, cancelled %(cancelled)d.") % counts)
        if counts["left"]:
            left = ngettext(
                "%(left)d instalment of a grant you prepared or edited was left for someone else to release.",
                "%(left)d instalments of grants you prepared or edited were left for someone else to release.",
                counts["left"],
            )
            self.message_user(request, left % counts, messages.WARNING)

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subsidies.approve_constructiongrant")


# --- monthly runs -----------------------------------------------------------------


class GrantLineInline(LineDisplayMixin, admin.TabularInline):
    model = GrantLine
    fk_name = "run"
    extra = 0
    can_delete = False
    show_change_link = True  # each line's page shows the basis its amount was computed from
    fields = readonly_fields = (
        "provider",
        "kind",
        "period",
        "subject_text",
        "quantity_text",
        "rate",
        "amount_shown",
        "explanation",
        "holds_text",
        "flags_text",
    )

    @admin.display(description=_("how it was computed"))
    def explanation(self, line: GrantLine) -> str:
        return explain_line(line)

    def get_queryset(self, request: HttpRequest) -> QuerySet[GrantLine]:
        lines = super().get_queryset(request).select_related("provider", "scheme")
        return scope_queryset(lines, staff_user(request), "provider__division__path")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("amount (yuan)"))
    def amount_shown(self, line: GrantLine) -> str:
        """A held line's amount is struck through and the hold named (its own or its
        provider's, ``review.held_reasons``): it is withheld, not paid."""
        held = getattr(self, "_held", None)
        if held is None:  # once per page (an inline is made for each request)
            held = self._held = held_reasons(line.run.lines.only("pk", "provider_id", "holds"))
        if line.pk not in held:
            return str(line.amount)
        return format_html(
            '<s class="held-amount">{}</s> <span class="held-note">{}</span>',
            line.amount,
            _("withheld: %(holds)s") % {"holds": "; ".join(held[line.pk])},
        )


class GrantRunForm(forms.ModelForm):
    user: Any = None  # set by the admin: who would create the run

    class Meta:
        model = GrantRun
        fields = ["scheme", "period", "division"]

    def clean_period(self) -> Any:
        return self.cleaned_data["period"].replace(day=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and not self.errors and self.user is not None:
            try:
                runs.check_refresh(
                    scheme=data["scheme"], division=data["division"], user=self.user, period=data["period"]
                )
            except PermissionDenied as error:
                raise ValidationError(str(error)) from error
        return data


@admin.register(GrantRun)
class GrantRunAdmin(ReviewAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    change_form_template = REVIEW_FORM
    form = GrantRunForm
    scope_path_lookup = "division__path"
    list_display = ["scheme", "period", "division", "review_status", "line_count", "payable_total", "approved_by"]
    list_filter = ["status", work_filters.AwaitingMyReviewFilter, "scheme", "period"]
    list_select_related = ["scheme", "division", "approved_by"]
    readonly_fields = ["status", "totals", "created_by", "preparers", "refreshed_at", "approved_by", "approved_at"]
    inlines = [GrantLineInline]
    actions = ["refresh_runs", "submit_runs", "approve_runs", "export_lines"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[GrantRun]:
        queryset = review.with_last_review_step(super(ScopedAdminMixin, self).get_queryset(request))
        queryset = scope_by_coverage(queryset, staff_user(request), "division__path")
        # A district clerk sees the city-wide run, but counts and money of their district only.
        in_scope = Q(lines__provider__division__path__startswith=jurisdiction_path(staff_user(request)) or "")
        return queryset.annotate(
            n_lines=Count("lines", filter=in_scope),
            payable=Sum("lines__amount", filter=Q(lines__holds=[]) & in_scope),
        )

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        run = super().get_object(request, object_id, from_field)
        run.viewer = request.user  # the totals on the page are limited to the viewer's jurisdiction
        return run

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return [*self.readonly_fields, "scheme", "period", "division"]
        return self.readonly_fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    @admin.display(description=_("lines"), ordering="n_lines")
    def line_count(self, run: WithAnnotations[GrantRun, _RunTotals]) -> int:
        return run.n_lines

    @admin.display(description=_("payable total (yuan)"))
    def payable_total(self, run: WithAnnotations[GrantRun, _RunTotals]) -> Decimal:
        return run.payable or Decimal("0.00")

    @admin.display(description=_("totals by district and payer level"))
    def totals(self, run: GrantRun) -> str:
        if run.pk is None:
            return "-"
        viewer = getattr(run, "viewer", None)
        if viewer is None:
            return "-"
        lines = scope_queryset(run.lines.select_related("provider__division"), viewer, "provider__division__path")
        rows: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for line in lines:
            if line.payable:
                rows[(line.provider.division.name, run.scheme.get_payer_level_display())] += line.amount
        return format_html(
            "<table>{}</table>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", ((d, p, a) for (d, p), a in sorted(rows.items()))
            ),
        )

    def save_model(self, request: HttpRequest, obj: GrantRun, form: Any, change: bool) -> None:
        """A new run is created by the service (its creator becomes a preparer); an existing
        run has nothing to edit here: it changes only by a refresh."""
        if not change:
            run = runs.run_refresh(
                scheme_code=obj.scheme.code,
                period=obj.period,
                division_code=obj.division.code,
                user=staff_user(request),
            )
            obj.pk = run.pk
            obj.refresh_from_db()

    @admin.action(description=_("Refresh selected draft runs"), permissions=["change"])
    def refresh_runs(self, request: HttpRequest, queryset: QuerySet[GrantRun]) -> None:
        for run in queryset:
            if review.review_state(run) == review.SUBMITTED:
                message = _("%(run)s waits for review: it is refreshed only once returned.") % {"run": run}
                self.message_user(request, message, messages.ERROR)
                continue
            run_service(
                request,
                self,
                lambda r=run: runs.run_refresh(
                    scheme_code=r.scheme.code, period=r.period, division_code=r.division.code, user=staff_user(request)
                ),
                _("%(run)s refreshed.") % {"run": run},
            )

    submit_runs = submit_action(_("Submit selected runs for review"))
    approve_runs = approve_action(_("Approve selected runs"))

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subsidies.approve_grantrun")

    @admin.action(description=_("Export the lines of selected runs (CSV)"))
    def export_lines(self, request: HttpRequest, queryset: QuerySet[GrantRun]) -> HttpResponseBase:
        lines = scope_queryset(
            GrantLine.objects.filter(run__in=queryset),
            staff_user(request),
            "provider__division__path",
        )
        table = grant_lines_table(lines)
        return export_response(user=staff_user(request), table=table, file_format="csv")


@admin.register(GrantLine)
class GrantLineAdmin(LineDisplayMixin, ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    scope_path_lookup = "provider__division__path"
    list_display = [
        "provider",
        "scheme",
        "period",
        "kind",
        "subject_text",
        "quantity_text",
        "rate",
        "amount",
        "payable_flag",
    ]
    list_filter = ["scheme", "period", "kind", "run__status", work_filters.ReleasedFromHoldFilter]
    list_select_related = ["provider", "scheme"]
    search_fields = ["provider__name", "provider__uscc"]
    fields = readonly_fields = LINE_READONLY_FIELDS

    @admin.display(description=_("withheld by a hold"))
    def withheld(self, line: GrantLine) -> str:
        return withholding_admin.withholding_text(line)

    @admin.display(description=_("how it was computed"))
    def explanation(self, line: GrantLine) -> str:
        return explain_line(line)

    @admin.display(description=_("payable"), boolean=True)
    def payable_flag(self, line: GrantLine) -> bool:
        return line.payable
