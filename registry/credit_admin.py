"""The back office of grades and credit disclosure (issue 19): grade records
(``registry.grades``), licences and penalties published (双公示) and the objections a
provider raises against a published entry (``registry.disclosure``). Every save goes
through the service; the provider page lists them (``GradeInline``, ``DisclosureInline``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_filters import DivisionFilter
from .admin_links import ProviderLink
from .admin_mixins import ProviderChildAdmin, staff_user
from .disclosure import (
    disclosure_errors,
    disclosure_save,
    objection_decide,
    objection_record,
    penalty_publication_bounds,
)
from .forms import add_refusal
from .grades import grade_errors, grade_save
from .models import CreditDisclosure, CreditObjection, CreditRecord, Provider, ProviderGrade
from .provider_inlines import LogInline
from .scoping import providers_visible_to


class ServiceCheckedForm(forms.ModelForm):
    """A model form that also shows the service's own refusals next to their fields."""

    def service_errors(self) -> dict[str, str]:
        return {}

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # the stubs omit ModelForm._post_clean (Django builds the instance there)
        if self.errors:
            return
        for field, message in self.service_errors().items():
            self.add_error(field if field in self.fields else None, message)


class GradeForm(ServiceCheckedForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "assessor" in self.fields:
            self.fields["assessor"].required = True  # only a migrated or imported grade may lack it

    def service_errors(self) -> dict[str, str]:
        return grade_errors(self.instance)


@admin.register(ProviderGrade)
class ProviderGradeAdmin(ProviderChildAdmin):
    """Grade records: a new grade closes the open one the day before it starts; overlaps are
    refused; the provider's current grade follows (``registry.grades.grade_save``)."""

    form = GradeForm
    list_display = ["provider", "grade", "valid_from", "valid_until", "assessor", "assessed_on"]
    list_filter = ["grade", DivisionFilter]
    fields = ["provider", "grade", "standard", "assessor", "assessed_on", "valid_from", "valid_until", "notes"]
    ordering = ["provider__name", "-valid_from"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["provider"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a grade that was wrong is corrected, its history kept

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("assessed_on", timezone.localdate().isoformat())
        return initial

    def save_model(self, request: HttpRequest, obj: ProviderGrade, form: Any, change: bool) -> None:
        grade_save(record=obj, actor=staff_user(request))


class DisclosureForm(ServiceCheckedForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        penalty = data.get("kind") == CreditDisclosure.Kind.PENALTY
        if penalty and not data.get("publish_until") and data.get("decided_on"):
            # Empty: published for the longest period (before the model's constraint reads it).
            data["publish_until"] = penalty_publication_bounds(data["decided_on"])[1]
        return data

    def service_errors(self) -> dict[str, str]:
        return disclosure_errors(self.instance)


@admin.register(CreditDisclosure)
class CreditDisclosureAdmin(ProviderChildAdmin):
    """Administrative licences and penalties, published on the provider's public page while
    in their publication period (``registry.disclosure``)."""

    form = DisclosureForm
    list_display = ["provider", "kind", "decision_number", "decided_on", "authority", "publish_until", "corrected_on"]
    list_filter = ["kind", "penalty_type", DivisionFilter]
    search_fields = ["provider__name", "provider__uscc", "decision_number", "authority"]
    fields = [
        "provider",
        "kind",
        "decision_number",
        "decided_on",
        "authority",
        "content",
        "legal_basis",
        "penalty_type",
        "fine_yuan",
        "publish_until",
        "corrected_on",
        "withdrawn_on",
    ]
    readonly_fields = ["corrected_on", "withdrawn_on"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # withdrawn by an upheld objection, never deleted

    def save_model(self, request: HttpRequest, obj: CreditDisclosure, form: Any, change: bool) -> None:
        disclosure_save(disclosure=obj, actor=staff_user(request))


class GradeInline(LogInline):
    """The provider's grades, newest first; recorded on their own page (``ProviderGradeAdmin``)."""

    model = ProviderGrade
    fields = readonly_fields = ("grade", "valid_from", "valid_until", "assessor", "assessed_on", "standard")
    show_change_link = True
    verbose_name_plural = _("grade ratings")


class DisclosureInline(LogInline):
    """The provider's licences and penalties published (双公示)."""

    model = CreditDisclosure
    fields = readonly_fields = ("kind", "decision_number", "decided_on", "authority", "publish_until", "corrected_on")
    show_change_link = True
    verbose_name_plural = _("credit disclosures")


# --- objections -------------------------------------------------------------------------


class ObjectionForm(forms.ModelForm):
    """A new objection names one entry: a licence or penalty, or a credit record."""

    class Meta:
        model = CreditObjection
        fields = ["disclosure", "record", "received_on", "raised_by", "grounds"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        entry = data.get("disclosure") or data.get("record")
        if bool(data.get("disclosure")) == bool(data.get("record")):
            raise ValidationError(_("Choose the licence or penalty, or the credit record, objected to: one of them."))
        if entry is not None and entry.objections.filter(status=CreditObjection.Status.RECEIVED).exists():
            raise ValidationError(_("An objection to this entry is already under review."))
        return data


class DecideForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("outcome of the objection"),
        choices=[("1", _("Upheld: the entry is corrected")), ("0", _("Rejected: the entry stands"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    decided_on = forms.DateField(label=_("date of outcome"))
    outcome_text = forms.CharField(
        label=_("published outcome"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Published with the entry.")
    )
    corrected_content = forms.CharField(
        label=_("corrected content"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The entry's text as corrected; it replaces the published text."),
    )
    corrected_fine_yuan = forms.DecimalField(
        label=_("corrected fine (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("A penalty's fine, if its amount was wrong."),
    )
    withdraws_entry = forms.BooleanField(
        label=_("decision annulled"),
        required=False,
        help_text=_("Upheld in full: the decision itself was annulled, and the entry is no longer published."),
    )


@admin.register(CreditObjection)
class CreditObjectionAdmin(ProviderChildAdmin):
    """Objections (异议, 002:247) a clerk records for a provider and decides."""

    form = ObjectionForm
    list_display = ["provider", "entry_label", "received_on", "status", "decided_on", "decide_link"]
    list_filter = ["status", DivisionFilter]
    list_select_related = ["provider", "provider__division", "disclosure", "record"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["disclosure", "record", "received_on", "raised_by", "grounds"]
        return [
            "provider",
            "entry_label",
            "received_on",
            "raised_by",
            "grounds",
            "status",
            "decided_on",
            "outcome_text",
            "corrected_content",
            "withdraws_entry",
            "original_content",
            "recorded_by",
            "decided_by",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj) if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in {"disclosure", "record"}:
            visible = providers_visible_to(staff_user(request))
            model = CreditDisclosure if db_field.name == "disclosure" else CreditRecord
            kwargs["queryset"] = (
                model.objects.filter(provider__in=visible, withdrawn_on__isnull=True)
                .select_related("provider")
                .order_by("provider__name", "pk")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("credit information entry"))
    def entry_label(self, objection: CreditObjection) -> str:
        return str(objection.entry)

    @admin.display(description=_("decision"))
    def decide_link(self, objection: CreditObjection) -> str:
        if objection.status != CreditObjection.Status.RECEIVED:
            return "-"
        url = reverse("admin:registry_creditobjection_decide", args=[objection.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Decide"))

    def save_model(self, request: HttpRequest, obj: CreditObjection, form: Any, change: bool) -> None:
        entry = form.cleaned_data.get("disclosure") or form.cleaned_data["record"]
        saved = objection_record(
            entry=entry,
            received_on=form.cleaned_data["received_on"],
            raised_by=form.cleaned_data["raised_by"],
            grounds=form.cleaned_data["grounds"],
            actor=staff_user(request),
        )
        obj.pk = saved.pk

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        try:
            return super().add_view(request, form_url, extra_context)
        except ValidationError as error:  # the service's refusal (e.g. one already open)
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="registry_creditobjection_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        objection = self.get_object(request, object_id)
        if not self.has_change_permission(request, objection):
            raise PermissionDenied
        form = DecideForm(request.POST or None, initial={"decided_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                objection_decide(objection=objection, actor=staff_user(request), **form.cleaned_data)
            except ValidationError as error:
                add_refusal(form, error)
            else:
                self.message_user(request, _("The objection's outcome is recorded."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:registry_creditobjection_change", args=[objection.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": objection,
            "title": _("Decide the objection to %(entry)s") % {"entry": objection.entry},
            "form": form,
            "intro": _("Entry as published: %(text)s")
            % {"text": getattr(objection.entry, "content", None) or getattr(objection.entry, "description", "")},
        }
        return TemplateResponse(request, "admin/simple_form.html", context)


def _add_url(model_name: str) -> Callable[[Provider], str]:
    return lambda provider: f"{reverse(f'admin:registry_{model_name}_add')}?provider={provider.pk}"


# Next to the lifecycle actions of a provider's page (registered by ``RegistryConfig.ready``).
PROVIDER_LINKS = [
    ProviderLink(label=_("Record a grade"), url=_add_url("providergrade"), permission="registry.add_providergrade"),
    ProviderLink(
        label=_("Publish a licence or penalty"),
        url=_add_url("creditdisclosure"),
        permission="registry.add_creditdisclosure",
    ),
]
