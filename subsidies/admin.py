"""Back-office for subsidies: rate tables, construction grants, monthly runs, payment
batches, recoveries and the provider ledger. Every action and every save of a run, grant or
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
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from registry.admin_base import limit_choices
from registry.admin_mixins import ReadOnlyAdminMixin, ScopedAdminMixin, ScopedHistoryAdmin, staff_user
from registry.models import PremisesBasis, ProviderKind
from registry.rosters.formats import validate_upload_size
from registry.scoping import jurisdiction_path, scope_by_coverage, scope_queryset
from registry.spreadsheets import csv_bytes
from safeguards.audit import audit_record

from . import instalments, payments, recoveries, runs
from .explain import explain_line
from .models import (
    ConstructionGrant,
    GrantLine,
    GrantRun,
    Instalment,
    PaymentBatch,
    PaymentItem,
    ProviderLedger,
    Rate,
    Recovery,
    Repayment,
    SubsidyScheme,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _RunTotals(TypedDict):  # GrantRunAdmin.get_queryset
        n_lines: int
        payable: Decimal | None

    class _BatchTotals(TypedDict):  # PaymentBatchAdmin.get_queryset
        n_items: int
        sum_items: Decimal | None

    class _LedgerTotals(TypedDict):  # ProviderLedgerAdmin.get_queryset
        paid_total: Decimal | None
        pending_total: Decimal | None


def _run_service(request: HttpRequest, model_admin: admin.ModelAdmin, call: Any, success: str) -> bool:
    """Call a service; report its refusal as an admin message instead of an error page."""
    try:
        call()
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        model_admin.message_user(request, text, messages.ERROR)
        return False
    model_admin.message_user(request, success, messages.SUCCESS)
    return True


# --- rate tables -----------------------------------------------------------------


class RateInline(admin.TabularInline):
    model = Rate
    extra = 0
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


@admin.register(SubsidyScheme)
class SubsidySchemeAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "name_zh",
        "jurisdiction",
        "payer_level",
        "kind",
        "effective_from",
        "effective_to",
        "source",
    ]
    list_filter = ["kind", "payer_level"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["jurisdiction"]
    inlines = [RateInline]


@admin.register(Rate)
class RateAdmin(SimpleHistoryAdmin):
    """Rates are edited here; approved lines keep the amount they were computed with."""

    list_display = ["scheme", "key", "amount", "max_amount", "is_example", "effective_from", "effective_to"]
    list_filter = ["scheme", "is_example"]
    list_select_related = ["scheme"]

    def save_model(self, request: HttpRequest, obj: Rate, form: Any, change: bool) -> None:
        before = {name: str(form.initial.get(name)) for name in form.changed_data} if change else None
        super().save_model(request, obj, form, change)
        audit_record(
            "rate.change" if change else "rate.add",
            obj=obj,
            before=before,
            after={name: str(form.cleaned_data.get(name)) for name in form.changed_data},
        )


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
            labels = {
                **dict(PremisesBasis.choices),
                **dict(ProviderKind.choices),
                "leased_5y": _("Leased, 5 years or more"),
            }
            self.fields["basis"] = forms.ChoiceField(label=_("rate key"), choices=[(k, labels.get(k, k)) for k in keys])

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
class ConstructionGrantAdmin(ScopedHistoryAdmin):
    form = ConstructionGrantForm
    list_display = ["provider", "scheme", "basis", "eligible_beds", "total", "status", "prepared_by", "approved_by"]
    list_filter = ["status", "scheme"]
    list_select_related = ["provider", "scheme", "prepared_by", "approved_by"]
    search_fields = ["provider__name", "provider__uscc"]
    autocomplete_fields = ["provider"]
    readonly_fields = [
        "eligible_beds",
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
    actions = ["approve_grants"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != ConstructionGrant.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

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

    @admin.action(description=_("Approve selected grants"), permissions=["approve"])
    def approve_grants(self, request: HttpRequest, queryset: QuerySet[ConstructionGrant]) -> None:
        for grant in queryset:
            _run_service(
                request,
                self,
                lambda g=grant: instalments.grant_approve(grant=g, approver=staff_user(request)),
                _("%(grant)s approved.") % {"grant": grant},
            )

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subsidies.approve_constructiongrant")


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    scope_path_lookup = "grant__provider__division__path"
    list_display = ["grant", "number", "year", "amount", "status", "withheld_reason", "decided_on"]
    list_filter = ["status", "year"]
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


class GrantLineInline(admin.TabularInline):
    model = GrantLine
    fk_name = "run"
    extra = 0
    can_delete = False
    show_change_link = True  # each line's page shows the basis its amount was computed from
    fields = readonly_fields = (
        "provider",
        "kind",
        "period",
        "subject",
        "quantity",
        "rate",
        "amount",
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

    @admin.display(description=_("holds"))
    def holds_text(self, line: GrantLine) -> str:
        return "; ".join(hold["reason"] for hold in line.holds)

    @admin.display(description=_("flags"))
    def flags_text(self, line: GrantLine) -> str:
        return "; ".join(f"{flag['code']} {flag.get('resident', '')}" for flag in line.flags)


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
class GrantRunAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    form = GrantRunForm
    scope_path_lookup = "division__path"
    list_display = ["scheme", "period", "division", "status", "line_count", "payable_total", "approved_by"]
    list_filter = ["status", "scheme", "period"]
    list_select_related = ["scheme", "division", "approved_by"]
    readonly_fields = ["status", "totals", "created_by", "preparers", "refreshed_at", "approved_by", "approved_at"]
    inlines = [GrantLineInline]
    actions = ["refresh_runs", "approve_runs", "export_lines"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[GrantRun]:
        queryset = super(ScopedAdminMixin, self).get_queryset(request)
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
            _run_service(
                request,
                self,
                lambda r=run: runs.run_refresh(
                    scheme_code=r.scheme.code, period=r.period, division_code=r.division.code, user=staff_user(request)
                ),
                _("%(run)s refreshed.") % {"run": run},
            )

    @admin.action(description=_("Approve selected runs"), permissions=["approve"])
    def approve_runs(self, request: HttpRequest, queryset: QuerySet[GrantRun]) -> None:
        for run in queryset:
            _run_service(
                request,
                self,
                lambda r=run: runs.run_approve(run=r, approver=staff_user(request)),
                _("%(run)s approved.") % {"run": run},
            )

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subsidies.approve_grantrun")

    @admin.action(description=_("Export the lines of selected runs (CSV)"))
    def export_lines(self, request: HttpRequest, queryset: QuerySet[GrantRun]) -> HttpResponse:
        lines = scope_queryset(
            GrantLine.objects.filter(run__in=queryset).select_related("provider", "scheme", "run__division"),
            staff_user(request),
            "provider__division__path",
        ).order_by("run", "provider__uscc")
        header = [
            "scheme",
            "period",
            "kind",
            "uscc",
            "provider",
            "subject",
            "quantity",
            "rate",
            "amount",
            "holds",
            "flags",
        ]
        rows = (
            [
                line.scheme.code,
                f"{line.period:%Y-%m}",
                line.kind,
                line.provider.uscc,
                line.provider.name,
                line.subject,
                line.quantity.normalize(),
                line.rate,
                line.amount,
                "; ".join(h["code"] for h in line.holds),
                "; ".join(f["code"] for f in line.flags),
            ]
            for line in lines
        )
        response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="grant-lines.csv"'
        return response


@admin.register(GrantLine)
class GrantLineAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    scope_path_lookup = "provider__division__path"
    list_display = ["provider", "scheme", "period", "kind", "subject", "quantity", "rate", "amount", "payable_flag"]
    list_filter = ["scheme", "period", "kind", "run__status"]
    list_select_related = ["provider", "scheme"]
    search_fields = ["provider__name", "provider__uscc"]
    readonly_fields = [
        "run",
        "scheme",
        "provider",
        "period",
        "kind",
        "subject",
        "adjusts",
        "explanation",
        "basis",
        "quantity",
        "rate",
        "amount",
        "holds",
        "flags",
    ]

    @admin.display(description=_("how it was computed"))
    def explanation(self, line: GrantLine) -> str:
        return explain_line(line)

    @admin.display(description=_("payable"), boolean=True)
    def payable_flag(self, line: GrantLine) -> bool:
        return line.payable


# --- payment batches --------------------------------------------------------------


class PaymentItemInline(admin.TabularInline):
    model = PaymentItem
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "provider",
        "scheme",
        "period",
        "memo",
        "amount",
        "offset",
        "bank_account_number",
        "state",
        "failure_reason",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReconcileForm(forms.Form):
    result_file = forms.FileField(
        label=_("Bank result file (CSV or xlsx; columns item, amount, status, reason)"),
        validators=[validate_upload_size],  # refused by its size before any of it is read
    )


@admin.register(PaymentBatch)
class PaymentBatchAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_path_lookup = "division__path"
    list_display = ["name", "division", "payer_level", "state", "item_count", "total", "prepared_by", "approved_by"]
    list_filter = ["state", "payer_level"]
    list_select_related = ["division", "prepared_by", "approved_by"]
    fields = [
        "name",
        "division",
        "payer_level",
        "state",
        "prepared_by",
        "preparers",
        "submitted_at",
        "approved_by",
        "approved_at",
        "exported_at",
    ]
    readonly_fields = [
        "state",
        "prepared_by",
        "preparers",
        "submitted_at",
        "approved_by",
        "approved_at",
        "exported_at",
    ]
    inlines = [PaymentItemInline]
    actions = ["submit_batches", "approve_batches", "export_csv", "export_xlsx"]
    change_form_template = "admin/subsidies/paymentbatch/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[PaymentBatch]:
        return super().get_queryset(request).annotate(n_items=Count("items"), sum_items=Sum("items__amount"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return [*self.readonly_fields, "name", "division", "payer_level"]
        return self.readonly_fields

    @admin.display(description=_("items"))
    def item_count(self, batch: WithAnnotations[PaymentBatch, _BatchTotals]) -> int:
        return batch.n_items

    @admin.display(description=_("total (yuan)"))
    def total(self, batch: WithAnnotations[PaymentBatch, _BatchTotals]) -> Decimal:
        return batch.sum_items or Decimal("0.00")

    def save_model(self, request: HttpRequest, obj: PaymentBatch, form: Any, change: bool) -> None:
        """A new batch is created and collected by the service (its creator becomes a
        preparer); an existing batch has nothing to edit here."""
        if not change:
            batch = payments.batch_create(
                name=obj.name, division=obj.division, payer_level=obj.payer_level, prepared_by=staff_user(request)
            )
            obj.pk = batch.pk
            obj.refresh_from_db()

    @admin.action(description=_("Submit selected batches for approval"), permissions=["change"])
    def submit_batches(self, request: HttpRequest, queryset: QuerySet[PaymentBatch]) -> None:
        for batch in queryset:
            _run_service(
                request,
                self,
                lambda b=batch: payments.batch_submit(batch=b, user=staff_user(request)),
                _("%(b)s submitted.") % {"b": batch},
            )

    @admin.action(description=_("Approve selected batches"), permissions=["approve"])
    def approve_batches(self, request: HttpRequest, queryset: QuerySet[PaymentBatch]) -> None:
        for batch in queryset:
            _run_service(
                request,
                self,
                lambda b=batch: payments.batch_approve(batch=b, approver=staff_user(request)),
                _("%(b)s approved.") % {"b": batch},
            )

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subsidies.approve_paymentbatch")

    def _export(self, request: HttpRequest, queryset: QuerySet[PaymentBatch], file_format: str) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one batch to export."), messages.ERROR)
            return None
        batch = queryset.get()
        try:
            data = payments.batch_export(batch=batch, file_format=file_format)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        content_type = (
            "text/csv; charset=utf-8"
            if file_format == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="payment-batch-{batch.pk}.{file_format}"'
        return response

    @admin.action(description=_("Export the payment file (CSV)"), permissions=["change"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[PaymentBatch]) -> HttpResponse | None:
        return self._export(request, queryset, "csv")

    @admin.action(description=_("Export the payment file (xlsx)"), permissions=["change"])
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet[PaymentBatch]) -> HttpResponse | None:
        return self._export(request, queryset, "xlsx")

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/reconcile/",
                self.admin_site.admin_view(self.reconcile_view),
                name="subsidies_paymentbatch_reconcile",
            ),
            *super().get_urls(),
        ]

    def reconcile_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        batch = self.get_object(request, object_id)
        if not self.has_change_permission(request, batch):
            raise PermissionDenied
        form = ReconcileForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["result_file"]
            try:
                errors = payments.batch_reconcile(
                    batch=batch, data=upload, filename=upload.name, user=staff_user(request)
                )
            except (ValidationError, ValueError) as error:
                errors = error.messages if isinstance(error, ValidationError) else [str(error)]
            if not errors:
                self.message_user(request, _("Reconciliation recorded."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:subsidies_paymentbatch_change", args=[batch.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": batch,
            "title": _("Reconcile %(batch)s") % {"batch": batch},
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/simple_form.html", context)


# --- recoveries and the ledger ------------------------------------------------------


class RepaymentInline(admin.TabularInline):
    model = Repayment
    extra = 0
    can_delete = False
    fields = readonly_fields = ("method", "amount", "received_on", "reference", "payment_item", "recorded_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RepaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    received_on = forms.DateField(
        label=_("Received on"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


@admin.register(Recovery)
class RecoveryAdmin(ScopedHistoryAdmin):
    list_display = ["provider", "grant", "amount", "status", "offset_allowed", "opened_on"]
    list_filter = ["status"]
    list_select_related = ["provider", "grant__scheme"]
    search_fields = ["provider__name", "provider__uscc"]
    autocomplete_fields = ["provider"]
    readonly_fields = ["grant", "status", "opened_by", "owed"]
    inlines = [RepaymentInline]
    change_form_template = "admin/subsidies/recovery/change_form.html"

    @admin.display(description=_("still owed (yuan)"))
    def owed(self, recovery: Recovery) -> Decimal:
        return recoveries.recovery_owed(recovery) if recovery.pk else Decimal("0.00")

    def save_model(self, request: HttpRequest, obj: Recovery, form: Any, change: bool) -> None:
        if not change:
            obj.opened_by = staff_user(request)
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/repay/", self.admin_site.admin_view(self.repay_view), name="subsidies_recovery_repay"
            ),
            *super().get_urls(),
        ]

    def repay_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        recovery = self.get_object(request, object_id)
        if not self.has_change_permission(request, recovery):
            raise PermissionDenied
        form = RepaymentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                recoveries.repayment_record(recovery=recovery, user=staff_user(request), **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                self.message_user(request, _("Repayment recorded."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:subsidies_recovery_change", args=[recovery.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": recovery,
            "title": _("Record a repayment: %(recovery)s") % {"recovery": recovery},
            "form": form,
        }
        return TemplateResponse(request, "admin/simple_form.html", context)


@admin.register(ProviderLedger)
class ProviderLedgerAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Per provider: every scheme, paid, pending, withheld, recovered."""

    scope_path_lookup = "division__path"
    list_display = ["name", "uscc", "division", "paid", "pending"]
    list_select_related = ["division"]
    search_fields = ["name", "uscc"]
    ordering = ["name", "pk"]
    fields = readonly_fields = ("name", "uscc", "division", "status", "ledger")
    actions = ["change_of_use", "export_ledger"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProviderLedger]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                paid_total=Sum("payment_items__amount", filter=Q(payment_items__state=PaymentItem.State.PAID)),
                pending_total=Sum("payment_items__amount", filter=Q(payment_items__state=PaymentItem.State.PENDING)),
            )
        )

    @admin.display(description=_("paid (yuan)"), ordering="paid_total")
    def paid(self, provider: WithAnnotations[ProviderLedger, _LedgerTotals]) -> Decimal:
        return provider.paid_total or Decimal("0.00")

    @admin.display(description=_("pending (yuan)"), ordering="pending_total")
    def pending(self, provider: WithAnnotations[ProviderLedger, _LedgerTotals]) -> Decimal:
        return provider.pending_total or Decimal("0.00")

    @admin.display(description=_("ledger"))
    def ledger(self, provider: ProviderLedger) -> str:
        totals = payments.provider_ledger(provider)
        labels = {
            "paid": _("paid"),
            "pending": _("pending"),
            "withheld": _("withheld instalments"),
            "recovered": _("recovered"),
            "owed": _("still owed"),
        }
        summary = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", ((labels[k], v) for k, v in totals.items()))
        items = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (i.scheme.code, i.memo, i.amount, i.offset, i.get_state_display())
                for i in provider.payment_items.select_related("scheme").order_by("-period", "pk")
            ),
        )
        return format_html("<table>{}</table><table>{}</table>", summary, items)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(
        description=_("Change of use: cancel future instalments and recover what was paid"), permissions=["recover"]
    )
    def change_of_use(self, request: HttpRequest, queryset: QuerySet[ProviderLedger]) -> None:
        for provider in queryset:
            _run_service(
                request,
                self,
                lambda p=provider: recoveries.change_of_use_recover(
                    provider=p,
                    reason=str(_("Change of use recorded by staff.")),
                    on=timezone.localdate(),
                    user=staff_user(request),
                ),
                _("%(provider)s: recovery opened.") % {"provider": provider},
            )

    @admin.action(description=_("Export the ledger of selected providers (CSV)"))
    def export_ledger(self, request: HttpRequest, queryset: QuerySet[ProviderLedger]) -> HttpResponse:
        header = ["uscc", "provider", "paid", "pending", "withheld", "recovered", "owed"]
        rows = []
        for provider in queryset.order_by("uscc"):
            totals = payments.provider_ledger(provider)
            rows.append([provider.uscc, provider.name, *totals.values()])
        response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="provider-ledger.csv"'
        return response

    def has_recover_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subsidies.add_recovery")
