"""Back-office of infant care: children, childcare staff and classes (each scoped to the
user's jurisdiction through its provider, with history, ID and phone numbers masked), and
the class standards (reference data).

Every save and removal goes through the app's audited services (``children``,
``classes``); the forms show the services' rules as field errors before saving. The
children list has the roster's import and export, and the filters the workbench's links
open: children aged 3 or over still enrolled, classes over size or short of carers.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from registry.admin_base import ModelAdminBase, staff_user
from registry.admin_filters import ChoiceFilter, DivisionFilter, ProviderNameFilter
from registry.admin_mixins import PersonalDataAdminMixin, PersonalDataForm, ProviderChildAdmin
from registry.models import AgeBand
from registry.roster_admin import RosterAdminMixin
from registry.scoping import scope_queryset

from . import children as child_services
from . import classes as class_services
from .ages import age_band_on, enrolled_on, is_flagged_over_three, over_three_still_enrolled
from .models import Child, ChildcareClass, ChildcareWorker, ClassStandard
from .ratios import VERDICTS, classes_breaching, verdict_of, with_class_figures

# --- forms: the services' rules as field errors ---------------------------------------------


def add_rule_errors(form: forms.ModelForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        form.add_error(name if name in form.fields else None, message)


class ChildForm(PersonalDataForm):
    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # Django's ModelForm hook (not in django-stubs): the instance now holds the form's values
        add_rule_errors(self, child_services.child_errors(self.instance))


class ChildcareWorkerForm(PersonalDataForm):
    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # Django's ModelForm hook, not in django-stubs
        add_rule_errors(self, class_services.staffing_errors(self.instance))


class ChildcareClassForm(forms.ModelForm):
    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # Django's ModelForm hook, not in django-stubs
        add_rule_errors(self, class_services.staffing_errors(self.instance))


class ClassStandardForm(forms.ModelForm):
    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # Django's ModelForm hook, not in django-stubs
        add_rule_errors(self, class_services.standard_errors(self.instance))


class LeavingForm(forms.Form):
    left_on = forms.DateField(label=_("Last day at the provider"), widget=forms.DateInput(attrs={"type": "date"}))


# --- the filters the workbench's links open -----------------------------------------------------


class OverThreeFilter(ChoiceFilter):
    """Children aged 3 (from the month of the 3rd birthday) and still enrolled today."""

    title = _("aged 3 or over")
    parameter_name = "over_3"
    rules = {
        "still_enrolled": (
            _("Aged 3 or over, still enrolled"),
            lambda qs: qs.filter(over_three_still_enrolled(timezone.localdate())),
        )
    }


class EnrolledFilter(ChoiceFilter):
    title = _("enrolment")
    parameter_name = "enrolled"
    rules = {
        "today": (_("Enrolled today"), lambda qs: qs.filter(enrolled_on(timezone.localdate()))),
        "left": (pgettext_lazy("child enrolment", "Left"), lambda qs: qs.filter(left_on__lt=timezone.localdate())),
    }


class StandardBreachFilter(ChoiceFilter):
    """Classes over size or short of carers today (``ratios.classes_breaching``)."""

    title = _("class standard")
    parameter_name = "standard"
    rules = {
        "breaching": (
            _("Over size, short of carers or without a standard"),
            lambda qs: qs.filter(pk__in=classes_breaching(timezone.localdate()).values("pk")),
        )
    }


# --- children ------------------------------------------------------------------------------


def scoped_classes(request: HttpRequest) -> QuerySet[ChildcareClass]:
    """The classes a form may name: those of providers in the user's jurisdiction."""
    classes = ChildcareClass.objects.select_related("provider")
    return scope_queryset(classes, staff_user(request), "provider__division__path")


def date_span(start: datetime.date, end: datetime.date | None) -> str:
    """ "2025-09-01 – 2026-06-30", or "2025-09-01 –" while it lasts."""
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}" if end else f"{start:%Y-%m-%d} –"


class ClassChoiceMixin(ModelAdminBase):
    """A class is chosen among the classes in the user's jurisdiction (the form checks it
    belongs to the record's provider)."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "childcare_class":
            kwargs["queryset"] = scoped_classes(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Child)
class ChildAdmin(ClassChoiceMixin, RosterAdminMixin, PersonalDataAdminMixin, ProviderChildAdmin):
    roster_kind = "children"
    form = ChildForm
    actions = ["export_xlsx", "export_csv", "record_leaving"]
    fields = [
        "provider",
        "name",
        "id_number",
        "birth_date",
        "mode",
        "childcare_class",
        "enrolled_on",
        "left_on",
        "guardian_name",
        "phone",
    ]
    list_display = [
        "name",
        "id_number_masked",
        "provider",
        "mode",
        "age_band_today",
        "aged_three_today",
        "childcare_class",
        "enrolment_dates",
    ]
    list_select_related = ["provider", "provider__division", "childcare_class"]
    list_filter = [ProviderNameFilter, OverThreeFilter, EnrolledFilter, "mode", DivisionFilter]
    search_fields = ["name", "guardian_name", "provider__name"]
    ordering = ["name", "pk"]

    @admin.display(description=_("enrolled"), ordering="enrolled_on")
    def enrolment_dates(self, child: Child) -> str:
        """One column for both dates: a list of nine columns would not fit 1280 px."""
        return date_span(child.enrolled_on, child.left_on)

    @admin.display(description=_("age band today"))
    def age_band_today(self, child: Child) -> str:
        band = age_band_on(child.birth_date, timezone.localdate())
        return str(AgeBand(band).label) if band else str(_("3 years or older"))

    @admin.display(description=_("aged 3 or over"), boolean=True)
    def aged_three_today(self, child: Child) -> bool:
        return is_flagged_over_three(child.birth_date, timezone.localdate())

    def save_model(self, request: HttpRequest, obj: Child, form: Any, change: bool) -> None:
        child_services.child_save(child=obj, actor=staff_user(request))

    def delete_model(self, request: HttpRequest, obj: Child) -> None:
        child_services.child_delete(child=obj, actor=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Child]) -> None:
        for child in queryset:
            child_services.child_delete(child=child, actor=staff_user(request))

    @admin.action(description=_("Record leaving of the selected children"), permissions=["change"])
    def record_leaving(self, request: HttpRequest, queryset: QuerySet[Child]) -> HttpResponse | None:
        """Ask for the last day, then record it for every child selected, or for none of
        them if one is refused (``children.record_leaving``)."""
        form = LeavingForm(request.POST if "left_on" in request.POST else None)
        if form.is_bound and form.is_valid():
            left_on = form.cleaned_data["left_on"]
            refused: list[str] = []
            with transaction.atomic():
                for child in queryset:
                    try:
                        child_services.record_leaving(child=child, left_on=left_on, actor=staff_user(request))
                    except ValidationError as error:
                        refused.append(f"{child.name}: {' '.join(error.messages)}")
                if refused:
                    transaction.set_rollback(True)
            if refused:
                self.message_user(
                    request, _("Nothing was recorded: %(refused)s") % {"refused": "; ".join(refused)}, messages.ERROR
                )
            else:
                count = len(queryset)
                self.message_user(
                    request,
                    ngettext("Leaving recorded for %(count)d child.", "Leaving recorded for %(count)d children.", count)
                    % {"count": count},
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Record leaving"),
            "form": form,
            "children": queryset,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/childcare/record_leaving.html", context)


# --- staff -----------------------------------------------------------------------------------


@admin.register(ChildcareWorker)
class ChildcareWorkerAdmin(ClassChoiceMixin, PersonalDataAdminMixin, ProviderChildAdmin):
    form = ChildcareWorkerForm
    fields = [
        "provider",
        "name",
        "id_number",
        "phone",
        "role",
        "qualification",
        "skill_level",
        "certificate_number",
        "childcare_class",
        "employed_from",
        "employed_to",
    ]
    list_display = [
        "name",
        "id_number_masked",
        "provider",
        "role",
        "qualification",
        "skill_level",
        "childcare_class",
        "employment_dates",
    ]
    list_select_related = ["provider", "provider__division", "childcare_class"]
    list_filter = [ProviderNameFilter, "role", "skill_level", DivisionFilter]
    search_fields = ["name", "provider__name", "certificate_number"]
    ordering = ["name", "pk"]

    @admin.display(description=_("employed"), ordering="employed_from")
    def employment_dates(self, worker: ChildcareWorker) -> str:
        return date_span(worker.employed_from, worker.employed_to)

    def save_model(self, request: HttpRequest, obj: ChildcareWorker, form: Any, change: bool) -> None:
        class_services.worker_save(worker=obj, actor=staff_user(request))

    def delete_model(self, request: HttpRequest, obj: ChildcareWorker) -> None:
        class_services.worker_delete(worker=obj, actor=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ChildcareWorker]) -> None:
        for worker in queryset:
            class_services.worker_delete(worker=worker, actor=staff_user(request))


# --- classes ---------------------------------------------------------------------------------


@admin.register(ChildcareClass)
class ChildcareClassAdmin(ProviderChildAdmin):
    """Each class with today's children and carers, and the result against its standard."""

    form = ChildcareClassForm
    fields = ["provider", "name", "class_type", "children_today", "carers_today", "result_today"]
    readonly_fields = ["children_today", "carers_today", "result_today"]
    list_display = ["name", "provider", "class_type", "children_today", "carers_today", "result_today"]
    list_filter = [ProviderNameFilter, "class_type", StandardBreachFilter, DivisionFilter]
    search_fields = ["name", "provider__name", "provider__uscc"]
    ordering = ["provider__name", "name", "pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ChildcareClass]:
        return with_class_figures(super().get_queryset(request), timezone.localdate())

    @admin.display(description=_("children today"))
    def children_today(self, group: ChildcareClass) -> int | str:
        return getattr(group, "children_on_day", "-")

    @admin.display(description=_("carers today"))
    def carers_today(self, group: ChildcareClass) -> int | str:
        return getattr(group, "carers_on_day", "-")

    @admin.display(description=_("class size and ratio today"))
    def result_today(self, group: ChildcareClass) -> str:
        figures: Any = group  # annotated by get_queryset (with_class_figures)
        if not hasattr(figures, "children_on_day"):  # a class being added
            return "-"
        verdict = verdict_of(
            figures.children_on_day,
            figures.carers_on_day,
            figures.standard_max_children,
            figures.standard_children_per_carer,
        )
        return str(VERDICTS[verdict])

    def save_model(self, request: HttpRequest, obj: ChildcareClass, form: Any, change: bool) -> None:
        class_services.class_save(childcare_class=obj, actor=staff_user(request))

    def delete_model(self, request: HttpRequest, obj: ChildcareClass) -> None:
        class_services.class_delete(childcare_class=obj, actor=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ChildcareClass]) -> None:
        for group in queryset:
            class_services.class_delete(childcare_class=group, actor=staff_user(request))


# --- class standards (reference data) -------------------------------------------------------


@admin.register(ClassStandard)
class ClassStandardAdmin(SimpleHistoryAdmin):
    """Effective-dated: to change a standard from a date, end it the day before the new one
    starts (a second standard in force on the same day is refused)."""

    form = ClassStandardForm
    list_display = [
        "class_type",
        "min_age_months",
        "max_age_months",
        "max_children",
        "ratio",
        "effective_from",
        "effective_to",
        "source",
    ]
    list_filter = ["class_type"]
    fields = [
        "class_type",
        "min_age_months",
        "max_age_months",
        "max_children",
        "children_per_carer",
        "effective_from",
        "effective_to",
        "source",
    ]

    @admin.display(description=_("carers : children"), ordering="children_per_carer")
    def ratio(self, standard: ClassStandard) -> str:
        return f"1:{standard.children_per_carer}"

    def save_model(self, request: HttpRequest, obj: ClassStandard, form: Any, change: bool) -> None:
        class_services.standard_save(standard=obj, actor=staff_user(request))

    def delete_model(self, request: HttpRequest, obj: ClassStandard) -> None:
        class_services.standard_delete(standard=obj, actor=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ClassStandard]) -> None:
        for standard in queryset:
            class_services.standard_delete(standard=standard, actor=staff_user(request))
