"""Back-office for the registry: every queryset, choice and action limited to the user's
jurisdiction, personal data masked without the permission, lifecycle actions with a
reason form, history on every record."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from . import accident_admin, attendance_admin, divisions, lifecycle, overlap_admin, records_admin  # noqa: F401  (they register their admins)
from .admin_filters import (
    DivisionFilter,
    ProviderNameFilter,
    RenewalDueFilter,
    ReportOverdueFilter,
    StartedThisWeekFilter,
)
from .admin_labels import CodeLabelsAdminMixin, resident_categories_field
from .admin_links import provider_links
from .admin_mixins import (
    PersonalDataAdminMixin,
    ProviderChildAdmin,
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    ScopedHistoryAdmin,
    staff_user,
)
from .credit_admin import DisclosureInline, GradeInline
from .exports import ListExportMixin
from .fire_safety import STATUS_LABELS, fire_safety_status
from .forms import LifecycleForm, add_refusal
from .labels import choice_labels
from .models import (
    AnnualReport,
    Caregiver,
    CareLevel,
    CreditRecord,
    Division,
    FeeItem,
    FireExemptionRule,
    Licence,
    Provider,
    ProviderHold,
    ProviderStatusChange,
    Resident,
    ResidentCategory,
    User,
)
from .occupancy import sync_childcare_places
from .provider_inlines import (
    AnnualReportInline,
    CaregiverInline,
    ChildcarePlacesInline,
    CreditRecordInline,
    FeeItemInline,
    HoldInline,
    LicenceInline,
    StatusChangeInline,
    hold_source_html,
)
from .roster_admin import RosterAdminMixin
from .selectors import in_care_on, residents_in_care

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _InCare(TypedDict):  # ProviderAdmin.get_queryset
        in_care: int


# The site itself (header, no nav sidebar, the workbench as home) is registry/admin_site.py.


@admin.register(Provider)
class ProviderAdmin(RosterAdminMixin, ScopedHistoryAdmin):
    roster_kind = "providers"
    actions = ["export_xlsx", "export_csv"]
    scope_path_lookup = "division__path"
    ordering = ["name", "pk"]
    show_full_result_count = False
    list_display = ["name", "uscc", "kind", "status", "division", "grade", "beds", "nursing_beds", "residents_in_care"]
    list_select_related = ["division"]
    list_filter = [
        "status",
        "kind",
        "legal_form",
        "operation_mode",
        "grade",
        "has_medical_unit",
        ReportOverdueFilter,
        DivisionFilter,
    ]
    search_fields = ["name", "uscc", "address"]
    list_per_page = 50
    readonly_fields = [
        "status",
        # The grade in force today, kept by the grade records (the "grade ratings" list below).
        "grade",
        "filed_on",
        "certified_on",
        "status_changed_on",
        "fire_status",
        "residents_summary",
        "created_at",
        "updated_at",
    ]
    # The sections that hold a required field stay open; the others are folded (a section
    # opens by itself when one of its fields has an error). Required labels carry a "*".
    fieldsets = [
        (None, {"fields": ["name", "name_mn", "uscc", "kind", "legal_form", "operation_mode", "status", "grade"]}),
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
            _("Capacity"),
            {
                "fields": [
                    "beds",
                    "nursing_beds",
                    "childcare_places",
                    "inclusive_places",
                    "day_capacity",
                    "households_served",
                    "residents_summary",
                ]
            },
        ),
        (
            _("Infant care"),
            {
                "fields": [
                    "childcare_setting",
                    "inclusive_price",
                    "demonstration_level",
                    "demonstration_year",
                    "registration_pushed_on",
                ],
                "classes": ["collapse"],
            },
        ),
        (
            _("Premises"),
            {
                "fields": [
                    "premises_basis",
                    "lease_end",
                    "floor_area_m2",
                    "investment_yuan",
                    "built_on",
                    "last_altered_on",
                    "fire_status",
                    "has_medical_unit",
                ],
                "classes": ["collapse"],
            },
        ),
        (_("Services (public)"), {"fields": ["services", "facilities"], "classes": ["collapse"]}),
        (
            _("Bank account"),
            {"fields": ["bank_name", "bank_account_name", "bank_account_number"], "classes": ["collapse"]},
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [
        ChildcarePlacesInline,
        LicenceInline,
        FeeItemInline,
        GradeInline,
        AnnualReportInline,
        CreditRecordInline,
        DisclosureInline,
        CaregiverInline,
        HoldInline,
        StatusChangeInline,
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Provider]:
        return super().get_queryset(request).annotate(in_care=residents_in_care(timezone.localdate()))

    def get_inlines(self, request: HttpRequest, obj: Provider | None) -> list[Any]:
        inlines = list(super().get_inlines(request, obj))
        if obj is not None and not obj.is_childcare:
            inlines.remove(ChildcarePlacesInline)
        return inlines

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        sync_childcare_places(form.instance)

    @admin.display(description=_("residents in care"), ordering="in_care")
    def residents_in_care(self, obj: WithAnnotations[Provider, _InCare]) -> int:
        return obj.in_care

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
            obj.residents.filter(in_care_on(today)).values("care_level").annotate(n=Count("id")).order_by("care_level")
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
            if lifecycle.user_may_transition(staff_user(request), obj, action)[0]
        ]
        links = provider_links(request, obj) if obj is not None else []
        extra_context = {**(extra_context or {}), "lifecycle_actions": actions, "provider_links": links}
        return super().change_view(request, object_id, form_url, extra_context)

    def lifecycle_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        provider = self.get_object(request, object_id)
        if action not in lifecycle.TRANSITIONS:
            raise Http404
        allowed, why = lifecycle.user_may_transition(staff_user(request), provider, action)
        if not allowed:
            raise PermissionDenied(why)
        form = LifecycleForm(request.POST or None, removal=action in lifecycle.REMOVALS)
        if request.method == "POST" and form.is_valid():
            try:
                lifecycle.provider_transition(
                    provider=provider,
                    action=action,
                    reason=form.cleaned_data["reason"],
                    reason_category=form.cleaned_data.get("reason_category", ""),
                    effective_on=form.cleaned_data["effective_on"],
                    actor=staff_user(request),
                )
            except ValidationError as error:
                add_refusal(form, error)
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


@admin.register(Licence)
class LicenceAdmin(ProviderChildAdmin):
    list_display = ["provider", "kind", "number", "issued_on", "expires_on"]
    list_filter = ["kind", RenewalDueFilter, DivisionFilter]
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
class ProviderHoldAdmin(CodeLabelsAdminMixin, ProviderChildAdmin):
    list_display = ["provider", "reason", "source_label", "started_at", "ended_at"]
    list_filter = [DivisionFilter, StartedThisWeekFilter]
    code_label_fields = {"source": "source_label"}

    @admin.display(description=_("source"))
    def source_label(self, hold: ProviderHold) -> str:
        return hold_source_html(hold.source)


@admin.register(ProviderStatusChange)
class ProviderStatusChangeAdmin(ListExportMixin, ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The lifecycle log: read-only, written only by the lifecycle service."""

    actions = ["export_xlsx", "export_csv"]
    list_display = ["provider", "action", "from_status", "to_status", "effective_on", "actor", "recorded_at"]
    list_filter = ["action", "to_status", DivisionFilter]
    list_select_related = ["provider", "actor"]
    search_fields = ["provider__name", "provider__uscc", "reason"]
    date_hierarchy = "recorded_at"


@admin.register(Resident)
class ResidentAdmin(CodeLabelsAdminMixin, RosterAdminMixin, PersonalDataAdminMixin, ProviderChildAdmin):
    roster_kind = "residents"
    code_label_fields = {"categories": "categories_labels"}
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
        "home_county",
    ]
    list_filter = [ProviderNameFilter, "care_level", DivisionFilter]
    search_fields = ["name", "provider__name"]

    list_display = ["name", "id_number_masked", "provider", "bed_number", "admitted_on", "discharged_on", "care_level"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "home_county":
            # Any banner/county of the region, not only the clerk's own: a resident's household
            # registration may lie elsewhere (000:1056-1063, 户籍所在地).
            formfield.queryset = Division.objects.filter(level=Division.Level.COUNTY).order_by("code")
        return formfield

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "categories":  # ticked by label; stored as the same JSON list of codes
            return resident_categories_field(label=db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("categories"))
    def categories_labels(self, obj: Resident) -> str:
        return choice_labels(obj.categories, ResidentCategory)


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
    list_filter = [ProviderNameFilter, "certificate_level", DivisionFilter]
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


class DivisionForm(forms.ModelForm):
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
        fields = ["code", "name", "name_mn", "name_en", "level", "kind", "parent", "is_standard"]
        # The confirmation box belongs to a form that can be saved; a read-only page (a
        # standard unit) would print it as "None".
        if (
            obj is not None
            and request.user.has_perm("registry.move_division")
            and self.has_change_permission(request, obj)
        ):
            fields.append("confirm_move")
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not request.user.has_perm("registry.move_division"):
            return ["code", "level", "parent", "is_standard"]
        return ["is_standard"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        # A subclass of DivisionForm (``form`` above), made for this request.
        form = cast("type[DivisionForm]", super().get_form(request, obj, change=change, **kwargs))
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
