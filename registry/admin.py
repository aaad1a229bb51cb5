"""Back-office for the registry: every queryset, choice and action limited to the user's
jurisdiction, personal data masked without the permission, lifecycle actions with a
reason form, history on every record."""

from __future__ import annotations

import copy
import json
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTextInputWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import divisions, lifecycle
from .exports import EXPORT_CHUNK_ROWS, ListExportMixin, export_response, plain_table
from .fields import EncryptedTextField, KeyedHashField
from .fire_safety import STATUS_LABELS, fire_safety_status
from .forms import LifecycleForm
from .identifiers import mask_id_number, mask_phone
from .models import (
    AnnualReport,
    AuditEntry,
    Caregiver,
    CareLevel,
    CreditRecord,
    DataExport,
    DeferredTask,
    Division,
    FeeItem,
    FireExemptionRule,
    Licence,
    Provider,
    ProviderHold,
    ProviderStatusChange,
    Resident,
    RosterImport,
    User,
)
from .paginators import CappedCountPaginator
from .personal_data import personal_data_reveal
from .public import residents_in_care
from .roster_admin import RosterAdminMixin
from .scoping import (
    divisions_visible_to,
    providers_visible_to,
    scope_queryset,
    user_can_see_personal_data,
)

admin.site.site_header = _("Care provider registry")
admin.site.site_title = _("Care provider registry")
admin.site.index_title = _("Back-office")


def staff_user(request: HttpRequest) -> User:
    """The logged-in staff user (admin views only run for authenticated staff)."""
    return cast(User, request.user)


def _limit_foreign_keys(db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
    """Offer only providers and divisions inside the user's jurisdiction."""
    if db_field.related_model is Provider:
        kwargs["queryset"] = providers_visible_to(request.user).select_related(None)  # type: ignore[arg-type]
    elif db_field.related_model is Division:
        kwargs["queryset"] = divisions_visible_to(request.user)  # type: ignore[arg-type]


class ScopedAdminMixin:
    """Limit the admin to the user's jurisdiction; anything outside it is a 404."""

    scope_path_lookup = "provider__division__path"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scope_queryset(super().get_queryset(request), request.user, self.scope_path_lookup)  # type: ignore[misc, arg-type]

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None:
            raise Http404(_("No such record in your jurisdiction."))
        return obj

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        _limit_foreign_keys(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        # simple-history falls back to the historical rows of objects the queryset hides;
        # never show another jurisdiction's history.
        self.get_object(request, object_id)
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        self.get_object(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)  # type: ignore[misc]


class ScopedHistoryAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    pass


class ReadOnlyAdminMixin:
    """Records written only by services (logs, computed lines): nobody adds, edits or deletes."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class KeptNumberInput(AdminTextInputWidget):
    """The input of a number on record: it starts empty, the masked number as its hint;
    with ``removable`` (an optional number) a checkbox beside it removes the number."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, removable: bool = False) -> None:
        super().__init__(attrs)
        self.removable = removable

    @staticmethod
    def remove_name(name: str) -> str:
        return f"{name}-remove"

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> Any:
        html = super().render(name, value, attrs, renderer)
        if not self.removable:
            return html
        checkbox_id = f"{(attrs or {}).get('id') or 'id_' + name}_remove"
        return format_html(
            '{} <input type="checkbox" name="{}" id="{}"><label class="vCheckboxLabel" for="{}">{}</label>',
            html,
            self.remove_name(name),
            checkbox_id,
            checkbox_id,
            _("Remove the number on record"),
        )


class PersonalDataForm(forms.ModelForm):  # type: ignore[type-arg]
    """An existing person's ID and phone numbers are never sent back to the browser: each
    input starts empty (the masked number as a hint) and keeps the number on record unless
    a new one is typed to correct it; a phone on record can also be removed (a checkbox)."""

    kept_numbers = {"id_number": mask_id_number, "phone": mask_phone}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.removed_numbers: set[str] = set()
        if not self.instance.pk:
            return
        for name, mask in self.kept_numbers.items():
            field = self.fields.get(name)
            if field is None:
                continue
            on_record = getattr(self.instance, name)
            optional = not field.required
            field.required = False
            field.widget = KeptNumberInput(
                {**field.widget.attrs, "placeholder": mask(on_record)}, removable=optional and bool(on_record)
            )
            field.help_text = _("Leave empty to keep the number on record; type a new one only to correct it.")
            self.initial[name] = ""

    def _kept(self, name: str) -> str:
        value = str(self.cleaned_data.get(name) or "")
        if not self.instance.pk:
            return value
        if self.data.get(KeptNumberInput.remove_name(self.add_prefix(name))) and not self.fields[name].disabled:
            if value:
                raise ValidationError(
                    _("Type a new number or remove the one on record, not both."), code="kept_number_contradiction"
                )
            if getattr(self.instance, name):
                self.removed_numbers.add(name)
            return ""
        return value or str(getattr(self.instance, name) or "")

    @property
    def changed_data(self) -> list[str]:
        # The input of a removed number stays empty as it started: name it as changed all the
        # same (the admin's change message).
        changed = super().changed_data
        return changed + [name for name in sorted(self.removed_numbers) if name not in changed]

    def clean_id_number(self) -> str:
        return self._kept("id_number")

    def clean_phone(self) -> str:
        return self._kept("phone")


class MaskedHistoryContext(HistoricalRecordContextHelper):
    """The history list's changes with ID and phone numbers masked and keyed hashes hidden."""

    masks = PersonalDataForm.kept_numbers

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        field = self.model._meta.get_field(change.field)
        if isinstance(field, KeyedHashField):
            return "…"
        mask = self.masks.get(change.field)
        if mask is not None:
            return mask(str(value or ""))
        return super().prepare_delta_change_value(change, value)


class PersonalDataAdminMixin:
    """ID and phone numbers are masked in lists, forms and history for everyone; a user
    with the personal-data permission may *reveal* one person's numbers, which is audited,
    may search by a whole ID or phone number, and exports full numbers (also audited)."""

    form = PersonalDataForm
    change_form_template = "admin/registry/personal_change_form.html"
    masked_fields = PersonalDataForm.kept_numbers
    formfield_overrides = {EncryptedTextField: {"widget": AdminTextInputWidget}}  # a number, not a textarea

    @admin.display(description=_("ID number"))
    def id_number_masked(self, obj: Resident | Caregiver) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description=_("phone"))
    def phone_masked(self, obj: Resident | Caregiver) -> str:
        return mask_phone(obj.phone)

    def shows_masked_text(self, request: HttpRequest, obj: Any) -> bool:
        """An existing person's numbers as masked text, not inputs: for a user who may not
        see personal data, and for one who may only view the record (a read-only field
        would print the number in full)."""
        return obj is not None and not (
            user_can_see_personal_data(request.user)  # type: ignore[arg-type]
            and self.has_change_permission(request, obj)  # type: ignore[attr-defined]
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))  # type: ignore[misc]
        if self.shows_masked_text(request, obj):
            fields = [f"{f}_masked" if f in self.masked_fields else f for f in fields]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        if self.shows_masked_text(request, obj):
            readonly += [f"{f}_masked" for f in self.masked_fields]
        return readonly

    def get_search_fields(self, request: HttpRequest) -> Any:
        fields = list(super().get_search_fields(request))  # type: ignore[misc]
        if user_can_see_personal_data(request.user):  # type: ignore[arg-type]
            fields += ["=id_number", "=phone"]  # whole numbers, through their keyed hashes
        return fields

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # A URL filter such as ?id_number__startswith=1502031940 would reveal a masked
        # number one digit at a time; only whole-number matches, and only with the permission.
        # The keyed hashes are never filtered on: ?id_number_hash__startswith=ab would be an
        # oracle for a hash anyone may then compare.
        field, _sep, rest = lookup.partition("__")
        if field in self.hash_fields():
            return False
        if field in self.masked_fields and (
            request is None
            or not user_can_see_personal_data(request.user)  # type: ignore[arg-type]
            or rest not in {"", "exact", "iexact"}
        ):
            return False
        return super().lookup_allowed(lookup, value, request)  # type: ignore[misc, no-any-return]

    def hash_fields(self) -> set[str]:
        model: Any = self.model  # type: ignore[attr-defined]
        return {f.name for f in model._meta.get_fields() if isinstance(f, KeyedHashField)}

    def get_historical_record_context_helper(self, request: HttpRequest, historical_record: Any) -> Any:
        return MaskedHistoryContext(self.model, historical_record)  # type: ignore[attr-defined]

    # --- reveal ----------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        opts = self.model._meta  # type: ignore[attr-defined]
        site = self.admin_site  # type: ignore[attr-defined]
        return [
            path(
                "<path:object_id>/reveal/",
                site.admin_view(self.reveal_view),
                name=f"{opts.app_label}_{opts.model_name}_reveal",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_reveal": user_can_see_personal_data(request.user),  # type: ignore[arg-type]
        }
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc, no-any-return]

    def reveal_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Show one person's full ID and phone numbers, once, and audit that they were shown."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not user_can_see_personal_data(request.user):  # type: ignore[arg-type]
            raise PermissionDenied
        obj = self.get_object(request, object_id)  # type: ignore[attr-defined]
        if obj is None:
            raise Http404
        if not self.has_view_permission(request, obj):  # type: ignore[attr-defined]
            raise PermissionDenied
        numbers = personal_data_reveal(person=obj, user=staff_user(request))
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": self.model._meta,  # type: ignore[attr-defined]
            "original": obj,
            "title": _("Personal data of %(person)s") % {"person": obj},
            **numbers,
        }
        return TemplateResponse(request, "admin/registry/personal_data_reveal.html", context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if not user_can_see_personal_data(request.user):  # type: ignore[arg-type]
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)  # type: ignore[misc]


class DivisionFilter(admin.SimpleListFilter):
    """League/city or county, among the divisions inside the user's jurisdiction."""

    title = _("division")
    parameter_name = "in_division"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        divisions = divisions_visible_to(request.user).filter(  # type: ignore[arg-type]
            level__in=[Division.Level.LEAGUE_CITY, Division.Level.COUNTY]
        )
        return [
            (d.code, ("— " if d.level == Division.Level.COUNTY else "") + d.name) for d in divisions.order_by("path")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        division = divisions_visible_to(request.user).filter(code=self.value()).first()  # type: ignore[arg-type]
        if division is None:
            return queryset.none()
        lookup = "division__path" if queryset.model is Provider else "provider__division__path"
        return queryset.filter(**{f"{lookup}__startswith": division.path})


# --- inlines on the provider page -------------------------------------------------


class ProviderInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    show_change_link = True


class LicenceInline(ProviderInline):
    model = Licence
    fields = ["kind", "number", "issuer", "issued_on", "expires_on", "premium_yuan"]


class FeeItemInline(ProviderInline):
    model = FeeItem
    fields = ["kind", "name", "amount", "unit", "effective_from", "effective_to"]


class AnnualReportInline(ProviderInline):
    model = AnnualReport
    fields = ["year", "submitted_on", "published_on", "total_income", "total_expenditure", "document"]


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


class StatusChangeInline(ProviderInline):
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
    can_delete = False
    show_change_link = False
    verbose_name_plural = _("lifecycle")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HoldInline(StatusChangeInline):
    model = ProviderHold  # type: ignore[assignment]
    fields = readonly_fields = (  # type: ignore[assignment]
        "reason",
        "source",
        "started_at",
        "ended_at",
    )
    verbose_name_plural = _("payment holds")


@admin.register(Provider)
class ProviderAdmin(RosterAdminMixin, ScopedHistoryAdmin):
    roster_kind = "providers"
    actions = ["export_xlsx", "export_csv"]
    scope_path_lookup = "division__path"
    ordering = ["name", "pk"]
    show_full_result_count = False
    list_display = ["name", "uscc", "kind", "status", "division", "grade", "beds", "nursing_beds", "residents_in_care"]
    list_select_related = ["division"]
    list_filter = ["status", "kind", "legal_form", "operation_mode", "grade", "has_medical_unit", DivisionFilter]
    search_fields = ["name", "uscc", "address"]
    list_per_page = 50
    readonly_fields = [
        "status",
        "filed_on",
        "certified_on",
        "status_changed_on",
        "fire_status",
        "residents_summary",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "uscc", "kind", "legal_form", "operation_mode", "status", "grade"]}),
        (
            _("Registration and filing"),
            {
                "fields": [
                    "registration_authority",
                    "registration_number",
                    "filing_authority",
                    "filing_number",
                    "filed_on",
                    "certified_on",
                    "status_changed_on",
                ]
            },
        ),
        (
            _("Location and contact"),
            {
                "fields": [
                    "division",
                    "address",
                    "latitude",
                    "longitude",
                    "contact_person",
                    "contact_phone",
                    "contact_email",
                ]
            },
        ),
        (
            _("Premises and capacity"),
            {
                "fields": [
                    "premises_basis",
                    "lease_end",
                    "floor_area_m2",
                    "investment_yuan",
                    "built_on",
                    "last_altered_on",
                    "fire_status",
                    "beds",
                    "nursing_beds",
                    "childcare_places",
                    "households_served",
                    "has_medical_unit",
                    "residents_summary",
                ]
            },
        ),
        (_("Services (public)"), {"fields": ["services", "facilities"]}),
        (_("Bank account"), {"fields": ["bank_name", "bank_account_name", "bank_account_number"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [
        LicenceInline,
        FeeItemInline,
        AnnualReportInline,
        CreditRecordInline,
        CaregiverInline,
        HoldInline,
        StatusChangeInline,
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Provider]:
        return super().get_queryset(request).annotate(in_care=residents_in_care(timezone.localdate()))

    @admin.display(description=_("residents in care"), ordering="in_care")
    def residents_in_care(self, obj: Provider) -> int:
        return obj.in_care  # type: ignore[attr-defined, no-any-return]

    @admin.display(description=_("fire safety"))
    def fire_status(self, obj: Provider) -> str:
        if obj.pk is None:
            return "-"
        return str(STATUS_LABELS[fire_safety_status(obj)])

    @admin.display(description=_("residents in care today"))
    def residents_summary(self, obj: Provider) -> str:
        if obj.pk is None:
            return "-"
        today = timezone.localdate()
        counts = (
            obj.residents.filter(admitted_on__lte=today)
            .filter(Q(discharged_on__isnull=True) | Q(discharged_on__gte=today))
            .values("care_level")
            .annotate(n=Count("id"))
            .order_by("care_level")
        )
        rows = [(CareLevel(c["care_level"]).label, c["n"]) for c in counts]
        if not rows:
            return str(_("None"))
        return format_html_join(", ", "{}: {}", rows)

    # --- lifecycle actions ---------------------------------------------------

    def get_urls(self) -> list[Any]:
        urls = super().get_urls()
        custom = [
            path(
                "<path:object_id>/lifecycle/<str:action>/",
                self.admin_site.admin_view(self.lifecycle_view),
                name="registry_provider_lifecycle",
            )
        ]
        return custom + urls

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        actions = [
            (action, lifecycle.Action(action).label)
            for action in lifecycle.allowed_actions(obj)
            if lifecycle.user_may_transition(request.user, obj, action)[0]  # type: ignore[arg-type]
        ]
        extra_context = {**(extra_context or {}), "lifecycle_actions": actions}
        return super().change_view(request, object_id, form_url, extra_context)

    def lifecycle_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        provider = self.get_object(request, object_id)
        if action not in lifecycle.TRANSITIONS:
            raise Http404
        allowed, why = lifecycle.user_may_transition(request.user, provider, action)  # type: ignore[arg-type]
        if not allowed:
            raise PermissionDenied(why)
        form = LifecycleForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                lifecycle.provider_transition(
                    provider=provider,
                    action=action,
                    reason=form.cleaned_data["reason"],
                    effective_on=form.cleaned_data["effective_on"],
                    actor=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error.messages)
            else:
                self.message_user(
                    request,
                    _("%(provider)s: %(action)s done.")
                    % {"provider": provider, "action": lifecycle.Action(action).label},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:registry_provider_change", args=[provider.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": provider,
            "title": _("%(action)s: %(provider)s") % {"action": lifecycle.Action(action).label, "provider": provider},
            "form": form,
            "submit_label": lifecycle.Action(action).label,
            "intro": _("Current status: %(status)s.") % {"status": provider.get_status_display()},
        }
        return TemplateResponse(request, "admin/simple_form.html", context)


class ProviderChildAdmin(ListExportMixin, ScopedHistoryAdmin):
    actions = ["export_xlsx", "export_csv"]
    # Residents run to hundreds of thousands: no COUNT of the whole table, and the filtered
    # rows counted only up to 10,000 ("more than 10,000" past that).
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_select_related = ["provider", "provider__division"]
    search_fields = ["provider__name", "provider__uscc"]
    autocomplete_fields = ["provider"]


@admin.register(Licence)
class LicenceAdmin(ProviderChildAdmin):
    list_display = ["provider", "kind", "number", "issued_on", "expires_on"]
    list_filter = ["kind", DivisionFilter]
    search_fields = ["number", "provider__name", "provider__uscc"]


@admin.register(FeeItem)
class FeeItemAdmin(RosterAdminMixin, ProviderChildAdmin):
    roster_kind = "fees"
    actions = ["export_xlsx", "export_csv"]
    list_display = ["provider", "kind", "name", "amount", "unit", "effective_from"]
    list_filter = ["kind", "unit", DivisionFilter]


@admin.register(AnnualReport)
class AnnualReportAdmin(ProviderChildAdmin):
    list_display = ["provider", "year", "submitted_on", "published_on"]
    list_filter = ["year", DivisionFilter]


@admin.register(CreditRecord)
class CreditRecordAdmin(ProviderChildAdmin):
    list_display = ["provider", "kind", "start_on", "end_on", "source"]
    list_filter = ["kind", DivisionFilter]


@admin.register(ProviderHold)
class ProviderHoldAdmin(ProviderChildAdmin):
    list_display = ["provider", "reason", "source", "started_at", "ended_at"]
    list_filter = [DivisionFilter]


@admin.register(ProviderStatusChange)
class ProviderStatusChangeAdmin(ListExportMixin, ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The lifecycle log: read-only, written only by the lifecycle service."""

    actions = ["export_xlsx", "export_csv"]
    list_display = ["provider", "action", "from_status", "to_status", "effective_on", "actor", "recorded_at"]
    list_filter = ["action", "to_status", DivisionFilter]
    list_select_related = ["provider", "actor"]
    search_fields = ["provider__name", "provider__uscc", "reason"]
    date_hierarchy = "recorded_at"


@admin.register(Resident)
class ResidentAdmin(RosterAdminMixin, PersonalDataAdminMixin, ProviderChildAdmin):
    roster_kind = "residents"
    actions = ["export_xlsx", "export_csv"]
    # By name through an index (resident_name), not by provider name: that sorted every
    # resident in the jurisdiction before showing the first page.
    ordering = ["name", "pk"]
    fields = [
        "provider",
        "name",
        "id_number",
        "phone",
        "bed_number",
        "admitted_on",
        "discharged_on",
        "care_level",
        "categories",
    ]
    list_filter = ["care_level", DivisionFilter]
    search_fields = ["name", "provider__name"]

    list_display = ["name", "id_number_masked", "provider", "bed_number", "admitted_on", "discharged_on", "care_level"]


@admin.register(Caregiver)
class CaregiverAdmin(RosterAdminMixin, PersonalDataAdminMixin, ProviderChildAdmin):
    roster_kind = "caregivers"
    actions = ["export_xlsx", "export_csv"]
    fields = [
        "provider",
        "name",
        "id_number",
        "phone",
        "certificate_level",
        "certificate_number",
        "certificate_issued_on",
        "nursing_since",
        "employed_from",
        "employed_to",
    ]
    list_filter = ["certificate_level", DivisionFilter]
    search_fields = ["name", "provider__name", "certificate_number"]

    list_display = [
        "name",
        "id_number_masked",
        "phone_masked",
        "provider",
        "certificate_level",
        "employed_from",
        "employed_to",
    ]


class DivisionForm(forms.ModelForm):  # type: ignore[type-arg]
    """Checks a division's place before it is saved (``registry.divisions``)."""

    confirm_move = forms.BooleanField(
        label=_("Move it anyway"),
        required=False,
        help_text=_("Tick only after reading who would no longer see this unit's providers."),
    )

    actor: User

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.before = divisions.division_state(self.instance)
        prospective = copy.copy(self.instance)
        for name in ("code", "level", "parent"):
            if name in data:
                setattr(prospective, name, data[name])
        try:
            divisions.check_division_change(
                actor=self.actor,
                division=prospective,
                before=self.before,
                confirmed_lost=bool(data.get("confirm_move")),
            )
        except PermissionDenied as error:
            raise ValidationError(str(error)) from error
        return data


@admin.register(Division)
class DivisionAdmin(ListExportMixin, ScopedHistoryAdmin):
    """GB/T 2260 units come from reference data and are read-only. Clerks add local units
    and rename them; only the system admin changes a unit's code, level or parent."""

    actions = ["export_xlsx", "export_csv"]
    scope_path_lookup = "path"
    form = DivisionForm
    list_display = ["code", "name", "level", "kind", "parent", "is_standard"]
    list_filter = ["level", "is_standard"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["code", "name", "level", "kind", "parent", "is_standard"]
        if obj is not None and request.user.has_perm("registry.move_division"):
            fields.append("confirm_move")
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not request.user.has_perm("registry.move_division"):
            return ["code", "level", "parent", "is_standard"]
        return ["is_standard"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = staff_user(request)
        if "parent" in form.base_fields:
            form.base_fields["parent"].required = True
        return form

    def save_model(self, request: HttpRequest, obj: Division, form: Any, change: bool) -> None:
        divisions.division_save(
            actor=staff_user(request),
            division=obj,
            before=form.before,
            confirmed_lost=bool(form.cleaned_data.get("confirm_move")),
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_standard:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_standard:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(FireExemptionRule)
class FireExemptionRuleAdmin(ListExportMixin, ScopedHistoryAdmin):
    actions = ["export_xlsx", "export_csv"]
    list_select_related = ["jurisdiction"]
    scope_path_lookup = "jurisdiction__path"
    list_display = [
        "jurisdiction",
        "max_floor_area_m2",
        "max_investment_yuan",
        "built_before",
        "effective_from",
        "source",
    ]


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Audit of roster imports: who uploaded what, what it changed."""

    scope_path_lookup = "jurisdiction__path"
    list_display = ["filename", "kind", "status", "uploaded_by", "rows_total", "counts", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    fields = readonly_fields = (
        "kind",
        "filename",
        "sha256",
        "jurisdiction",
        "uploaded_by",
        "status",
        "rows_total",
        "counts",
        "error_count",
        "errors",
        "created_at",
        "finished_at",
    )


@admin.register(DeferredTask)
class DeferredTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Background tasks kept while the broker was down; sent again every five minutes."""

    list_display = ["task", "created_at", "attempts", "sent_at", "error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    fields = readonly_fields = ("task", "args", "kwargs", "options", "error", "attempts", "created_at", "sent_at")


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Audit of exports: who exported what, how many rows, with personal data or not."""

    list_display = ["what", "file_format", "rows", "personal_data", "exported_by", "exported_at"]
    list_filter = ["what", "personal_data"]
    fields = readonly_fields = ("what", "file_format", "rows", "personal_data", "exported_by", "exported_at")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The audit log, read-only, for the audit admin: search, filter, export."""

    list_display = ["at", "action", "actor_name", "ip", "object_type", "object_repr"]
    list_filter = ["action", "object_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_name", "object_repr", "object_id", "detail", "ip"]
    date_hierarchy = "at"
    fields = readonly_fields = (
        "at",
        "action",
        "actor",
        "actor_name",
        "ip",
        "object_type",
        "object_id",
        "object_repr",
        "before",
        "after",
        "detail",
    )
    actions = ["export_csv"]

    @admin.action(description=_("Export selected entries (CSV)"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> HttpResponse:
        entries = queryset.order_by("at", "pk")
        table = plain_table(
            what="audit-log",
            header=["time", "action", "user", "ip", "object_type", "object_id", "object", "before", "after", "detail"],
            rows=(
                [
                    e.at.isoformat(),
                    e.action,
                    e.actor_name,
                    e.ip,
                    e.object_type,
                    e.object_id,
                    e.object_repr,
                    json.dumps(e.before, ensure_ascii=False),
                    json.dumps(e.after, ensure_ascii=False),
                    e.detail,
                ]
                for e in entries.iterator(chunk_size=EXPORT_CHUNK_ROWS)
            ),
            count=entries.count(),
        )
        return export_response(user=staff_user(request), table=table, file_format="csv", audit_action="audit.export")  # type: ignore[return-value]
