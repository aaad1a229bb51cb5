"""The monthly census, one movement at a time, on a phone (issue 18): a home's admissions,
discharges and transfers out; an infant-care provider's children enrolled and leaving.

Each submission is one movement. Accepted, it is written by the owning app's service, as
a clerk's entry would be: ``registry.residents`` (``resident_admit``,
``resident_discharge``) and ``childcare.children`` (``enrol_child``, ``record_leaving``).
The form applies the same checks first (``check_admission``, ``check_child``) so that the
provider sees a refusal before sending; the service applies them again when the clerk
accepts. A transfer out is a discharge whose note names the receiving provider (which
sends its own admission).

A person is picked from the provider's own list (name, masked ID number, bed or class);
an ID number typed for an admission is stored encrypted (``portal.personal``) and shown
masked once saved.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from childcare.children import check_child, enrol_child, is_childcare_provider, record_leaving
from childcare.identifiers import validate_child_identifier
from childcare.models import Child, ChildcareClass
from registry.models import CareLevel, CareMode, Division, Provider, Resident, ResidentCategory, User
from registry.occupancy import VacancyBasis, vacancy_basis
from registry.periods import previous_month
from registry.residents import check_admission, resident_admit, resident_discharge, shares_days_elsewhere
from safeguards.identifiers import mask_id_number, validate_id_number

from ..display import model_label
from ..models import Submission
from ..personal import SealedInput, SealedNumberField, unsealed
from ..submissions import SubmissionForm, SubmissionKind, register_kind

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def census_window_start(day: datetime.date) -> datetime.date:
    """The first day a movement sent on ``day`` may have: the first of the previous month.
    The census of a month is sent during the next one; an older movement is a correction,
    which the district office makes."""
    return previous_month(day)


def in_census_window(day: datetime.date) -> None:
    """A movement's day: from ``census_window_start`` to today."""
    today = timezone.localdate()
    if day > today:
        raise forms.ValidationError(_("The day cannot be in the future."))
    if day < census_window_start(today):
        raise forms.ValidationError(
            _("Send movements from %(day)s on; the district office corrects older ones.")
            % {"day": census_window_start(today).isoformat()}
        )


def shown_for(movements: str) -> dict[str, str]:
    """The widget attribute by which portal.css hides a field the chosen movement does not use."""
    return {"data-movement": movements}


class MovementForm(SubmissionForm):
    """One movement: the fields of the other movements are left out of what is stored."""

    masked_fields: tuple[str, ...] = ("id_number", "phone")
    FIELDS_OF: dict[str, tuple[str, ...]] = {}  # movement → the fields it uses
    REQUIRED_FOR: dict[str, tuple[str, ...]] = {}  # movement → those it requires

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "day" not in self.initial:
            self.initial["day"] = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        movement = data.get("movement")
        used = self.FIELDS_OF.get(movement or "", ())
        for name in {n for names in self.FIELDS_OF.values() for n in names} - set(used):
            data.pop(name, None)  # a field of another movement, filled before the choice changed
        for name in self.REQUIRED_FOR.get(movement or "", ()):
            if data.get(name) in (None, "", []) and name not in self.errors:
                required = self.fields[name].error_messages["required"]
                self.add_error(name, forms.ValidationError(required, code="required"))
        return data

    def add_model_errors(self, error: ValidationError, renamed: dict[str, str]) -> None:
        """A service's refusal by model field, on the form's fields (``renamed``: model field →
        form field; a field the form lacks: on the form)."""
        for name, messages in error.message_dict.items():
            field = renamed.get(name, name)
            self.add_error(field if field in self.fields else None, messages)


# --- Residents (homes) -------------------------------------------------------------------

ADMISSION, DISCHARGE, TRANSFER = "admission", "discharge", "transfer"


def residents_to_discharge(provider: Provider) -> QuerySet[Resident]:
    """The provider's residents in care, and those discharged within the census window
    (so that a sent discharge still names its resident once accepted)."""
    since = census_window_start(timezone.localdate())
    return Resident.objects.filter(provider=provider).filter(
        Q(discharged_on__isnull=True) | Q(discharged_on__gte=since)
    )


class ResidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        parts = [obj.name, mask_id_number(obj.id_number)]
        if obj.bed_number:
            parts.append(_("bed %(bed)s") % {"bed": obj.bed_number})
        return " · ".join(parts)


class ResidentMovementForm(MovementForm):
    movement = forms.ChoiceField(
        label=gettext_lazy("Movement"),
        choices=[
            (ADMISSION, gettext_lazy("Admission")),
            (DISCHARGE, gettext_lazy("Discharge")),
            (TRANSFER, gettext_lazy("Transfer to another provider")),
        ],
        widget=forms.RadioSelect,
        initial=ADMISSION,
    )
    day = forms.DateField(
        label=gettext_lazy("Date"),
        widget=DATE,
        validators=[in_census_window],
        help_text=gettext_lazy("Admission: the first day in care. Discharge or transfer: the last day in care."),
    )
    name = forms.CharField(
        label=pgettext_lazy("person", "Name"), max_length=50, required=False, widget=forms.TextInput(shown_for("in"))
    )
    id_number = SealedNumberField(
        id_number=True,
        label=gettext_lazy("ID number"),
        max_length=200,
        required=False,
        validators=[validate_id_number],
        widget=SealedInput(shown_for("in")),
    )
    care_level = forms.ChoiceField(
        label=model_label(Resident, "care_level"),
        choices=[("", "---------"), *CareLevel.choices],
        required=False,
        widget=forms.Select(shown_for("in")),
    )
    categories = forms.MultipleChoiceField(
        label=model_label(Resident, "categories"),
        choices=ResidentCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(shown_for("in")),
    )
    bed_number = forms.CharField(
        label=model_label(Resident, "bed_number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(shown_for("in")),
    )
    home_county = forms.ModelChoiceField(
        label=model_label(Resident, "home_county"),
        help_text=Resident._meta.get_field("home_county").help_text,
        queryset=Division.objects.filter(level=Division.Level.COUNTY).order_by("code"),
        required=False,
        widget=forms.Select(shown_for("in")),
    )
    resident = ResidentChoiceField(
        label=model_label(Resident),
        queryset=Resident.objects.none(),
        required=False,
        widget=forms.Select(shown_for("out")),
    )
    note = forms.CharField(
        label=gettext_lazy("Destination or reason"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("A transfer: the provider the resident moves to."),
        widget=forms.TextInput(shown_for("out")),
    )

    FIELDS_OF = {
        ADMISSION: ("name", "id_number", "care_level", "categories", "bed_number", "home_county"),
        DISCHARGE: ("resident", "note"),
        TRANSFER: ("resident", "note"),
    }
    REQUIRED_FOR = {
        ADMISSION: ("name", "id_number", "care_level"),
        DISCHARGE: ("resident",),
        TRANSFER: ("resident", "note"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        resident: Any = self.fields["resident"]
        resident.queryset = residents_to_discharge(self.provider).order_by("name", "pk")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        movement, day = data.get("movement"), data.get("day")
        if self.errors or day is None:
            return data
        if movement == ADMISSION:
            try:
                check_admission(self.admission(data))
            except ValidationError as error:
                self.add_model_errors(error, {"admitted_on": "day", "provider": "__all__"})
        else:
            resident: Resident = data["resident"]
            if resident.discharged_on is not None:
                self.add_error("resident", _("Discharged on %(day)s already.") % {"day": resident.discharged_on})
            elif day < resident.admitted_on:
                self.add_error("day", _("The discharge date cannot be before the admission date."))
        return data

    def admission(self, data: dict[str, Any]) -> Resident:
        """The stay the admission would record (unsaved)."""
        return Resident(
            provider=self.provider,
            name=data.get("name", "").strip(),
            id_number=unsealed(data.get("id_number")),
            admitted_on=data["day"],
            care_level=data.get("care_level", ""),
            categories=sorted(data.get("categories") or []),
            bed_number=data.get("bed_number", "").strip(),
            home_county=data.get("home_county"),
        )


def apply_resident_movement(submission: Submission, form: SubmissionForm, actor: User) -> str:
    data, source = form.cleaned_data, f"portal #{submission.pk}"
    if data["movement"] == ADMISSION:
        resident = resident_admit(
            provider=submission.provider,
            name=data["name"],
            id_number=unsealed(data["id_number"]),
            admitted_on=data["day"],
            care_level=data["care_level"],
            categories=data.get("categories") or [],
            bed_number=data.get("bed_number", ""),
            home_county=data.get("home_county"),
            actor=actor,
            source=source,
        )
        done = _("Admitted: %(name)s (%(id)s) from %(day)s.") % {
            "name": resident.name,
            "id": mask_id_number(resident.id_number),
            "day": resident.admitted_on.isoformat(),
        }
        if shares_days_elsewhere(resident):
            done += " " + _(
                "This person is also recorded in care elsewhere on some of these days: the district office "
                "decides which stay counts."
            )
        return done
    note = data.get("note", "")
    resident = resident_discharge(
        resident=data["resident"], discharged_on=data["day"], actor=actor, note=note, source=source
    )
    if data["movement"] == TRANSFER:
        return _("Transferred to %(to)s: %(name)s, last day in care %(day)s.") % {
            "to": note,
            "name": resident.name,
            "day": data["day"].isoformat(),
        }
    return _("Discharged: %(name)s, last day in care %(day)s.") % {
        "name": resident.name,
        "day": data["day"].isoformat(),
    }


def houses_residents(provider: Provider) -> bool:
    """Homes: the elderly-care kinds counted by beds (not day-care centres, not childcare)."""
    return vacancy_basis(provider.kind) == VacancyBasis.BEDS


register_kind(
    SubmissionKind(
        code="residents_change",
        label=gettext_lazy("Admission, discharge or transfer"),
        form=ResidentMovementForm,
        apply=apply_resident_movement,
        applies_to=houses_residents,
        help_text=gettext_lazy("One resident at a time. Accepted, the register counts them from that day."),
        order=20,
    )
)


# --- Children (infant-care providers) ----------------------------------------------------

ENROLMENT, LEAVING = "enrolment", "leaving"


def children_who_may_leave(provider: Provider) -> QuerySet[Child]:
    """The provider's children enrolled, and those who left within the census window."""
    since = census_window_start(timezone.localdate())
    return Child.objects.filter(provider=provider).filter(Q(left_on__isnull=True) | Q(left_on__gte=since))


class ChildChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        parts = [obj.name, mask_id_number(obj.id_number)]
        if obj.childcare_class_id:
            parts.append(obj.childcare_class.name)
        return " · ".join(parts)


class ChildMovementForm(MovementForm):
    movement = forms.ChoiceField(
        label=gettext_lazy("Movement"),
        choices=[(ENROLMENT, gettext_lazy("Enrolment")), (LEAVING, gettext_lazy("Leaving"))],
        widget=forms.RadioSelect,
        initial=ENROLMENT,
    )
    day = forms.DateField(
        label=gettext_lazy("Date"),
        widget=DATE,
        validators=[in_census_window],
        help_text=gettext_lazy("Enrolment: the first day. Leaving: the last day the child attended."),
    )
    name = forms.CharField(
        label=gettext_lazy("Child's name"), max_length=50, required=False, widget=forms.TextInput(shown_for("in"))
    )
    id_number = SealedNumberField(
        id_number=True,
        label=gettext_lazy("ID or birth-certificate number"),
        max_length=200,
        required=False,
        validators=[validate_child_identifier],
        widget=SealedInput(shown_for("in")),
    )
    birth_date = forms.DateField(
        label=model_label(Child, "birth_date"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", **shown_for("in")}),
    )
    mode = forms.ChoiceField(
        label=model_label(Child, "mode"),
        choices=[("", "---------"), *CareMode.choices],
        required=False,
        widget=forms.Select(shown_for("in")),
    )
    childcare_class = forms.ModelChoiceField(
        label=model_label(Child, "childcare_class"),
        queryset=ChildcareClass.objects.none(),
        required=False,
        widget=forms.Select(shown_for("in")),
    )
    guardian_name = forms.CharField(
        label=model_label(Child, "guardian_name"),
        max_length=50,
        required=False,
        widget=forms.TextInput(shown_for("in")),
    )
    phone = SealedNumberField(
        label=model_label(Child, "phone"),
        max_length=200,
        required=False,
        widget=SealedInput({"type": "tel", **shown_for("in")}),
    )
    child = ChildChoiceField(
        label=model_label(Child),
        queryset=Child.objects.none(),
        required=False,
        widget=forms.Select(shown_for("out")),
    )

    FIELDS_OF = {
        ENROLMENT: ("name", "id_number", "birth_date", "mode", "childcare_class", "guardian_name", "phone"),
        LEAVING: ("child",),
    }
    REQUIRED_FOR = {
        ENROLMENT: ("name", "id_number", "birth_date", "mode", "guardian_name"),
        LEAVING: ("child",),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group: Any = self.fields["childcare_class"]
        group.queryset = ChildcareClass.objects.filter(provider=self.provider).order_by("name")
        child: Any = self.fields["child"]
        child.queryset = children_who_may_leave(self.provider).select_related("childcare_class").order_by("name", "pk")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        movement, day = data.get("movement"), data.get("day")
        if self.errors or day is None:
            return data
        if movement == ENROLMENT:
            try:
                check_child(self.enrolment(data))
            except ValidationError as error:
                self.add_model_errors(error, {"enrolled_on": "day", "provider": "__all__"})
        else:
            child: Child = data["child"]
            if child.left_on is not None:
                self.add_error("child", _("Left on %(day)s already.") % {"day": child.left_on})
            elif day < child.enrolled_on:
                self.add_error("day", _("The day the child left cannot be before the enrolment."))
        return data

    def enrolment(self, data: dict[str, Any]) -> Child:
        """The child the enrolment would record (unsaved)."""
        return Child(
            provider=self.provider,
            name=data.get("name", "").strip(),
            id_number=unsealed(data.get("id_number")),
            birth_date=data["birth_date"],
            mode=data.get("mode", ""),
            enrolled_on=data["day"],
            guardian_name=data.get("guardian_name", "").strip(),
            phone=unsealed(data.get("phone")),
            childcare_class=data.get("childcare_class"),
        )


def apply_child_movement(submission: Submission, form: SubmissionForm, actor: User) -> str:
    data = form.cleaned_data
    if data["movement"] == ENROLMENT:
        child = enrol_child(
            provider=submission.provider,
            name=data["name"].strip(),
            id_number=unsealed(data["id_number"]),
            birth_date=data["birth_date"],
            mode=data["mode"],
            enrolled_on=data["day"],
            guardian_name=data["guardian_name"].strip(),
            phone=unsealed(data.get("phone")),
            childcare_class=data.get("childcare_class"),
            actor=actor,
        )
        return _("Enrolled: %(name)s (%(id)s) from %(day)s.") % {
            "name": child.name,
            "id": mask_id_number(child.id_number),
            "day": child.enrolled_on.isoformat(),
        }
    child = record_leaving(child=data["child"], left_on=data["day"], actor=actor)
    return _("Left: %(name)s, last day %(day)s.") % {"name": child.name, "day": data["day"].isoformat()}


register_kind(
    SubmissionKind(
        code="children_change",
        label=gettext_lazy("A child enrolled or leaving"),
        form=ChildMovementForm,
        apply=apply_child_movement,
        applies_to=is_childcare_provider,
        help_text=gettext_lazy("One child at a time. Accepted, the register counts the child from that day."),
        order=20,
    )
)
