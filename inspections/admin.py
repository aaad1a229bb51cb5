"""Back-office for inspections: regimes, tasks, draws, inspection records with their
checklist, findings (rectification and verification) and each user's inbox."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry.admin_labels import CodeLabelsAdminMixin
from registry.admin_mixins import ScopedAdminMixin, ScopedHistoryAdmin, staff_user
from registry.admin_services import run_service
from registry.labels import choice_label, choice_labels, list_separator
from registry.models import ProviderKind, User
from registry.public_cache import public_data_changed
from registry.roster_admin import RosterAdminMixin
from registry.scoping import scope_by_coverage

# task_admin and self_check_admin register the task list and the providers' own checks.
from . import notification_admin, planning, random_draw, records, self_check_admin, task_admin, workbench  # noqa: F401
from .eligibility import ineligible_inspectors_error
from .models import (
    Department,
    Draw,
    Evidence,
    Finding,
    Inspection,
    InspectionTask,
    Regime,
)
from .public_names import team_labels

CHECK_CHOICES = [("pass", _("Pass")), ("fail", _("Fail")), ("n/a", _("Not applicable"))]


@admin.register(Regime)
class RegimeAdmin(CodeLabelsAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name_zh", "jurisdiction", "frequency", "inspector_level", "lead_department", "active"]
    list_filter = ["frequency", "inspector_level", "active"]
    list_select_related = ["jurisdiction"]
    code_checkbox_fields = {"provider_kinds": ProviderKind, "joint_departments": Department}
    code_label_fields = {
        "provider_kinds": "provider_kinds_label",
        "joint_departments": "joint_departments_label",
        "checklist": "checklist_label",
        "rectification_days": "rectification_days_label",
        "reminder_offsets": "reminder_offsets_label",
    }

    @admin.display(description=_("provider kinds"))
    def provider_kinds_label(self, regime: Regime) -> str:
        return choice_labels(regime.provider_kinds, ProviderKind)

    @admin.display(description=_("joint departments"))
    def joint_departments_label(self, regime: Regime) -> str:
        return choice_labels(regime.joint_departments, Department)

    @admin.display(description=_("checklist"))
    def checklist_label(self, regime: Regime) -> str:
        english = (get_language() or "").startswith("en")
        items = (
            (choice_label(item.get("area"), Finding.Category), item.get("text_en" if english else "text_zh", ""))
            for item in regime.checklist
        )
        return format_html_join("", "<div>{}: {}</div>", items) or "-"

    @admin.display(description=_("rectification days by severity"))
    def rectification_days_label(self, regime: Regime) -> str:
        days = regime.rectification_days or {}
        return (
            list_separator().join(
                _("%(severity)s: %(days)s days") % {"severity": choice_label(severity, Finding.Severity), "days": n}
                for severity, n in days.items()
            )
            or "-"
        )

    @admin.display(description=_("reminder offsets (days from the due date)"))
    def reminder_offsets_label(self, regime: Regime) -> str:
        return ", ".join(str(offset) for offset in regime.reminder_offsets or []) or "-"


class DrawForm(forms.ModelForm):
    provider_kinds = forms.MultipleChoiceField(
        label=_("provider kinds"), choices=ProviderKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Draw
        fields = [
            "name",
            "jurisdiction",
            "regime",
            "provider_kinds",
            "sample_ratio",
            "sample_count",
            "inspector_pool",
            "team_size",
            "random_value",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "regime" in self.fields:  # the drawn teams are put on the tasks of this regime
            self.fields["regime"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sample_ratio") is None and data.get("sample_count") is None:
            raise ValidationError(_("Give a sample ratio or a sample count."))
        return data


@admin.register(Draw)
class DrawAdmin(CodeLabelsAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    form = DrawForm  # its provider kinds are checkboxes already
    code_label_fields = {"provider_kinds": "provider_kinds_label"}

    @admin.display(description=_("provider kinds"))
    def provider_kinds_label(self, draw: Draw) -> str:
        return choice_labels(draw.provider_kinds, ProviderKind)

    scope_path_lookup = "jurisdiction__path"
    list_display = ["name", "jurisdiction", "status", "random_value", "frozen_at"]
    list_filter = ["status"]
    list_select_related = ["jurisdiction"]
    readonly_fields = ["status", "published_results", "created_by", "frozen_at"]
    actions = ["make_draw"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Draw]:
        queryset = super(ScopedAdminMixin, self).get_queryset(request)
        return scope_by_coverage(queryset, staff_user(request), "jurisdiction__path")

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "inspector_pool":
            kwargs["queryset"] = workbench.inspectors_offered_to(staff_user(request))
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status == Draw.Status.FROZEN:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Draw, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = staff_user(request)
        super().save_model(request, obj, form, change)

    @admin.display(description=_("published results"))
    def published_results(self, draw: Draw) -> str:
        if draw.status != Draw.Status.FROZEN:
            return "-"
        teams = team_labels(draw)  # by public name and code, never a login name
        rows = ((r["rank"], r["uscc"], r["name"], team) for r, team in zip(draw.results, teams, strict=True))
        verified = (
            _("recomputed from the published inputs: matches") if random_draw.draw_verify(draw) else _("DOES NOT MATCH")
        )
        return format_html(
            "<p>{}</p><table>{}</table>",
            verified,
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.action(description=_("Make the draw and publish it"), permissions=["change"])
    def make_draw(self, request: HttpRequest, queryset: QuerySet[Draw]) -> None:
        for draw in queryset:
            run_service(
                request,
                self,
                lambda d=draw: random_draw.draw_freeze(draw=d, user=staff_user(request)),
                _("%(draw)s drawn and published.") % {"draw": draw},
            )


class InspectionForm(forms.ModelForm):
    """The checklist of the inspection's regime, one pass/fail/n.a. choice per item."""

    class Meta:
        model = Inspection
        fields = ["provider", "regime", "task", "draw", "inspected_on", "inspectors", "summary"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keep_recorded_choices()
        regime = self._regime()
        self.checklist_codes: list[str] = []
        if regime is None or (self.instance.pk and not self.instance.checklist_results):
            return  # an outcome reported by a roster, without item-level results: no checklist
        english = (get_language() or "").startswith("en")
        for item in regime.checklist:
            name = f"check_{item['code']}"
            self.fields[name] = forms.ChoiceField(
                label=item["text_en"] if english else item["text_zh"],
                choices=CHECK_CHOICES,
                initial=self.instance.checklist_results.get(item["code"], "pass"),
                widget=forms.RadioSelect,
            )
            self.checklist_codes.append(item["code"])

    def _keep_recorded_choices(self) -> None:
        """A recorded inspection keeps its task (done by now) and its inspectors among the
        choices, whatever the user would be offered for a new one."""
        if not self.instance.pk:
            return
        task = self.fields.get("task")
        if isinstance(task, forms.ModelChoiceField) and task.queryset is not None and self.instance.task_id:
            task.queryset = InspectionTask.objects.filter(
                Q(pk__in=task.queryset.values("pk")) | Q(pk=self.instance.task_id)
            ).select_related("provider", "regime")
        inspectors = self.fields.get("inspectors")
        if isinstance(inspectors, forms.ModelMultipleChoiceField) and inspectors.queryset is not None:
            recorded = self.instance.inspectors.values("pk")
            inspectors.queryset = User.objects.filter(
                Q(pk__in=inspectors.queryset.values("pk")) | Q(pk__in=recorded)
            ).order_by("username")

    def _regime(self) -> Regime | None:
        if self.instance.pk:
            return self.instance.regime
        regime_id = self.data.get("regime") or self.initial.get("regime")
        return Regime.objects.filter(pk=regime_id).first() if regime_id else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        provider, regime, inspected_on = (data.get(name) for name in ("provider", "regime", "inspected_on"))
        if provider is not None and regime is not None and inspected_on is not None:
            # The rules of every inspection record, shown on the form as its field errors.
            candidate = Inspection(provider=provider, regime=regime, inspected_on=inspected_on)
            for field, message in records.inspection_errors(candidate).items():
                self.add_error(field, message)
        inspectors = data.get("inspectors")
        if provider is not None and regime is not None and inspectors is not None:
            ineligible = ineligible_inspectors_error(provider, regime, inspectors)
            if ineligible:
                self.add_error("inspectors", ineligible)
        return data

    def checklist_results(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"check_{code}"] for code in self.checklist_codes}


class FindingInlineForm(forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["category", "severity", "description", "deadline"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Empty: the default for the severity (30 days general, 7 days major), set on save.
        self.fields["deadline"].required = False
        self.fields["deadline"].help_text = _("Empty: the default for the severity.")


class FindingInline(admin.StackedInline):
    model = Finding
    form = FindingInlineForm
    extra = 0
    fields = ["category", "severity", "description", "deadline", "status"]
    readonly_fields = ["status"]


@admin.register(Inspection)
class InspectionAdmin(RosterAdminMixin, ScopedHistoryAdmin):
    roster_kind = "inspections"
    actions = ["export_xlsx", "export_csv"]
    form = InspectionForm
    list_display = ["provider", "regime", "inspected_on", "outcome", "recorded_by"]
    list_filter = ["outcome", "regime", "inspected_on"]
    list_select_related = ["provider", "regime", "recorded_by"]
    search_fields = ["provider__name", "provider__uscc"]
    autocomplete_fields = ["provider"]
    readonly_fields = ["outcome", "recorded_by"]
    inlines = [FindingInline]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        user = staff_user(request)
        if db_field.name == "task":  # the user's own open tasks, not every task of the city
            visible = workbench.tasks_visible_to(InspectionTask.objects.all(), user)
            kwargs["queryset"] = workbench.tasks_offered_to(user, visible).select_related("provider", "regime")
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "provider":  # and the providers of the user's tasks (a draw's)
            field.queryset = workbench.providers_offered_to(user)
        return field

    def get_queryset(self, request: HttpRequest) -> QuerySet[Inspection]:
        inspections = super(ScopedAdminMixin, self).get_queryset(request)
        return workbench.inspections_visible_to(inspections, staff_user(request))

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "inspectors":  # inspectors of the city, ticked, not every account
            kwargs["queryset"] = workbench.inspectors_offered_to(staff_user(request))
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not self.has_change_permission(request, obj):
            checklist = ["checklist_display"]  # view-only: the recorded results, not the choices
        else:
            form = self.get_form(request, obj)(initial=self.get_changeform_initial_data(request), instance=obj)
            checklist = [name for name in form.fields if name.startswith("check_")]
        return [
            (
                None,
                {
                    "fields": [
                        "provider",
                        "regime",
                        "task",
                        "draw",
                        "inspected_on",
                        "inspectors",
                        "summary",
                        *self.readonly_fields,
                    ]
                },
            ),
            (_("Checklist"), {"fields": checklist}),
        ]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        # The model fields are the form's own: the checklist fields, which the form adds
        # itself, are not model fields. (A list, not None: without the change permission
        # Django excludes every one of them.)
        kwargs["fields"] = list(InspectionForm.Meta.fields)
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(description=_("Checklist results"))
    def checklist_display(self, inspection: Inspection) -> str:
        if not inspection.checklist_results:
            return "-"
        english = (get_language() or "").startswith("en")
        labels = dict(CHECK_CHOICES)
        rows = (
            (item["text_en"] if english else item["text_zh"], labels.get(result, result))
            for item in inspection.regime.checklist
            if (result := inspection.checklist_results.get(item["code"])) is not None
        )
        return format_html("<table>{}</table>", format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows))

    def save_model(self, request: HttpRequest, obj: Inspection, form: Any, change: bool) -> None:
        if not change:
            return  # recorded with its findings by the service, in save_related
        obj.checklist_results = form.checklist_results()
        records.inspection_revise(inspection=obj, user=staff_user(request))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        findings = formset.save(commit=False)
        for finding in findings:
            if finding.deadline is None:
                finding.deadline = records.default_deadline(
                    form.instance.regime, finding.severity, form.instance.inspected_on
                )
            finding.save()
        for finding in formset.deleted_objects:
            finding.delete()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not change:
            self._record(request, form, formsets)
            return
        super().save_related(request, form, formsets, change)
        records.inspection_finalise(form.instance)

    def _record(self, request: HttpRequest, form: Any, formsets: Any) -> None:
        """A new inspection goes through ``records.record_inspection`` (its checks, its
        findings, its audit entry); the page then shows the record the service made."""
        data = form.cleaned_data
        findings = [formset for formset in formsets if formset.model is Finding]
        inspection = records.record_inspection(
            provider=data["provider"],
            regime=data["regime"],
            inspected_on=data["inspected_on"],
            recorded_by=staff_user(request),
            inspectors=data["inspectors"],
            checklist_results=form.checklist_results(),
            findings=[
                records.FindingInput(f["category"], f["severity"], f["description"], f.get("deadline"))
                for formset in findings
                for f in (finding_form.cleaned_data for finding_form in formset.forms)
                if f and not f.get("DELETE")
            ],
            summary=data["summary"],
            task=data["task"],
            draw=data["draw"],
        )
        # The admin logs and redirects with the object it built: make it the saved one.
        form.instance.pk = inspection.pk
        form.instance.refresh_from_db()
        form.instance._state.adding = False
        for formset in findings:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = (
                list(inspection.findings.all()),
                [],
                [],
            )


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 1
    fields = ["file", "caption", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_by", "uploaded_at"]


class ReturnRectificationForm(forms.Form):
    reason = forms.CharField(label=_("What the provider must still do"), widget=forms.Textarea(attrs={"rows": 4}))


class VerifyFilter(admin.SimpleListFilter):
    """Rectifications reported fixed of the inspections the user took part in (the workbench's link)."""

    title = _("verification")
    parameter_name = "verify"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", _("Waiting for my verification"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "me":
            return queryset.filter(pk__in=workbench.findings_to_verify(staff_user(request)).values("pk"))
        return queryset


@admin.register(Finding)
class FindingAdmin(ScopedHistoryAdmin):
    """The findings board: what is open, reported fixed, verified or overdue."""

    scope_path_lookup = "inspection__provider__division__path"
    list_display = ["provider", "category", "severity", "deadline", "status", "escalated_on", "verified_by"]
    list_filter = ["status", VerifyFilter, "severity", "category", "deadline"]
    list_select_related = ["inspection__provider", "verified_by"]
    search_fields = ["inspection__provider__name", "description"]
    fields = [
        "inspection",
        "category",
        "severity",
        "description",
        "deadline",
        "status",
        "rectification_report",
        "rectified_on",
        "verified_by",
        "verified_on",
        "return_reason",
        "returned_on",
        "escalated_on",
    ]
    readonly_fields = [
        "inspection",
        "category",
        "severity",
        "status",
        "verified_by",
        "verified_on",
        "return_reason",
        "returned_on",
        "escalated_on",
    ]
    inlines = [EvidenceInline]
    actions = ["verify_findings"]
    change_form_template = "admin/inspections/finding/change_form.html"

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/return/",
                self.admin_site.admin_view(self.return_view),
                name="inspections_finding_return",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        finding = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_return": finding is not None
            and finding.status == Finding.Status.RECTIFIED
            and self.has_verify_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def return_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Send a reported rectification back to the provider with the reason."""
        finding = self.get_object(request, object_id)
        if finding is None:
            raise Http404
        form = ReturnRectificationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            done = run_service(
                request,
                self,
                lambda: records.finding_return_rectification(
                    finding=finding,
                    inspector=staff_user(request),
                    reason=form.cleaned_data["reason"],
                    on=timezone.localdate(),
                ),
                str(_("The rectification was returned to the provider.")),
            )
            if done:
                return HttpResponseRedirect(reverse("admin:inspections_finding_change", args=[finding.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Return the rectification to the provider"),
            "form": form,
            "original": finding,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/inspections/finding/return.html", context)

    @admin.display(description=_("provider"), ordering="inspection__provider__name")
    def provider(self, finding: Finding) -> str:
        return str(finding.inspection.provider)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Finding]:
        findings = super(ScopedAdminMixin, self).get_queryset(request)
        return workbench.findings_visible_to(findings, staff_user(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # findings are recorded with their inspection

    def save_model(self, request: HttpRequest, obj: Finding, form: Any, change: bool) -> None:
        reported = "rectification_report" in form.changed_data and obj.rectification_report.strip()
        if reported and obj.status == Finding.Status.OPEN:
            records.finding_report_rectification(
                finding=obj,
                report=obj.rectification_report,
                rectified_on=obj.rectified_on or timezone.localdate(),
                user=staff_user(request),
            )
            obj.refresh_from_db()
            if "deadline" in form.changed_data:
                Finding.objects.filter(pk=obj.pk).update(deadline=form.cleaned_data["deadline"])
                public_data_changed()  # the deadline is on the public inspection page
            return
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for evidence in formset.save(commit=False):
            evidence.uploaded_by = staff_user(request)
            evidence.save()
        for evidence in formset.deleted_objects:
            evidence.delete()

    @admin.action(description=_("Verify the rectification of selected findings"), permissions=["verify"])
    def verify_findings(self, request: HttpRequest, queryset: QuerySet[Finding]) -> None:
        for finding in queryset:
            run_service(
                request,
                self,
                lambda f=finding: records.finding_verify(
                    finding=f, inspector=staff_user(request), on=timezone.localdate()
                ),
                _("%(finding)s verified.") % {"finding": finding},
            )

    def has_verify_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("inspections.verify_finding")
