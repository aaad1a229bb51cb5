"""Back-office for the money going out and coming back: payment batches (maker-checker,
the bank file, reconciling the bank's result), recoveries and each provider's ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry.admin_mixins import ScopedAdminMixin, ScopedHistoryAdmin, staff_user
from registry.admin_services import run_service
from registry.exports import export_response
from registry.rosters.formats import validate_upload_size

from . import payment_item_admin, payments, recoveries  # noqa: F401  (payment_item_admin: registers the item list)
from .exports import ledger_table
from .models import (
    PaymentBatch,
    PaymentItem,
    ProviderLedger,
    Recovery,
    Repayment,
)
from .review_admin import ReviewAdminMixin, approve_action, submit_action
from .work_filters import AwaitingMyReviewFilter

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _BatchTotals(TypedDict):  # PaymentBatchAdmin.get_queryset
        n_items: int
        sum_items: Decimal | None

    class _LedgerTotals(TypedDict):  # ProviderLedgerAdmin.get_queryset
        paid_total: Decimal | None
        pending_total: Decimal | None


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
class PaymentBatchAdmin(ReviewAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_path_lookup = "division__path"
    list_display = ["name", "division", "payer_level", "state", "item_count", "total", "prepared_by", "approved_by"]
    list_filter = ["state", AwaitingMyReviewFilter, "payer_level"]
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

    submit_batches = submit_action(_("Submit selected batches for approval"))
    approve_batches = approve_action(_("Approve selected batches"))

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subsidies.approve_paymentbatch")

    def _export(
        self, request: HttpRequest, queryset: QuerySet[PaymentBatch], file_format: str
    ) -> HttpResponseBase | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one batch to export."), messages.ERROR)
            return None
        try:
            batch, table = payments.batch_payment_file(batch=queryset.get())
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        return export_response(
            user=staff_user(request),
            table=table,
            file_format=file_format,
            audit_action="batch.export",
            audit_obj=batch,
            audit_after={"state": batch.state},
        )

    @admin.action(description=_("Export the payment file (CSV)"), permissions=["change"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[PaymentBatch]) -> HttpResponseBase | None:
        return self._export(request, queryset, "csv")

    @admin.action(description=_("Export the payment file (xlsx)"), permissions=["change"])
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet[PaymentBatch]) -> HttpResponseBase | None:
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
    list_filter = ["status", "offset_allowed"]
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
            run_service(
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
    def export_ledger(self, request: HttpRequest, queryset: QuerySet[ProviderLedger]) -> HttpResponseBase:
        return export_response(user=staff_user(request), table=ledger_table(queryset), file_format="csv")

    def has_recover_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subsidies.add_recovery")
