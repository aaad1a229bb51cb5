"""Current vacancies (homes and childcare providers) and the day's attendance (day-care
centres and service stations), as the provider counts them (issue 18). Accepted, they
are what the public register shows, with the date and "reported by the provider"
(``registry.occupancy``)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import Provider, User
from registry.occupancy import VacancyBasis, attendance_save, vacancy_basis, vacancy_capacity, vacancy_report_save

from ..models import Submission
from ..submissions import SubmissionForm, SubmissionKind, register_kind

RECENT_DAYS = 31  # a count older than a month is no news


def recent_day(day: datetime.date) -> None:
    today = timezone.localdate()
    if day > today:
        raise forms.ValidationError(_("The day cannot be in the future."))
    if day < today - datetime.timedelta(days=RECENT_DAYS):
        raise forms.ValidationError(_("Send counts of the last %(days)d days only.") % {"days": RECENT_DAYS})


class VacanciesForm(SubmissionForm):
    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        validators=[recent_day],
    )
    vacant = forms.IntegerField(label=gettext_lazy("Vacant beds or places"), min_value=0)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if vacancy_basis(self.provider.kind) == VacancyBasis.PLACES:
            self.fields["vacant"].label = gettext_lazy("Vacant childcare places")
        else:
            self.fields["vacant"].label = gettext_lazy("Vacant beds")
        capacity = vacancy_capacity(self.provider)
        if capacity is not None:
            vacant = self.fields["vacant"]
            vacant.validators.append(MaxValueValidator(capacity))
            vacant.widget.attrs["max"] = capacity
            vacant.help_text = _("Of %(capacity)d on record.") % {"capacity": capacity}
        if not self.is_bound and "as_of" not in self.initial:
            self.initial["as_of"] = timezone.localdate()


def apply_vacancies(submission: Submission, form: SubmissionForm, actor: User) -> str:
    data = form.cleaned_data
    vacancy_report_save(
        provider=submission.provider,
        as_of=data["as_of"],
        vacant=data["vacant"],
        source=f"portal #{submission.pk}",
        actor=actor,
    )
    return _("Published: %(vacant)d vacant as of %(day)s.") % {"vacant": data["vacant"], "day": data["as_of"]}


def has_vacancies(provider: Provider) -> bool:
    return vacancy_capacity(provider) is not None


class AttendanceForm(SubmissionForm):
    day = forms.DateField(
        label=gettext_lazy("Day"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        validators=[recent_day],
    )
    attended = forms.IntegerField(label=gettext_lazy("People served that day"), min_value=0, max_value=100_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "day" not in self.initial:
            self.initial["day"] = timezone.localdate()


def apply_attendance(submission: Submission, form: SubmissionForm, actor: User) -> str:
    data = form.cleaned_data
    attendance_save(provider=submission.provider, day=data["day"], attended=data["attended"], actor=actor)
    return _("Published: %(n)d served on %(day)s.") % {"n": data["attended"], "day": data["day"]}


register_kind(
    SubmissionKind(
        code="vacancies",
        label=gettext_lazy("Current vacancies"),
        form=VacanciesForm,
        apply=apply_vacancies,
        applies_to=has_vacancies,
        help_text=gettext_lazy("Accepted, the public register shows your figure with its date."),
        order=10,
    )
)
register_kind(
    SubmissionKind(
        code="attendance",
        label=gettext_lazy("The day's attendance"),
        form=AttendanceForm,
        apply=apply_attendance,
        applies_to=lambda provider: not has_vacancies(provider),
        help_text=gettext_lazy("Accepted, the public register shows it with its date."),
        order=10,
    )
)
