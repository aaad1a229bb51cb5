"""The annual financial report (000:533-540): government-run and non-profit elderly-care
institutions send, by the end of March, the previous year's figures — total income and
expenditure, total assets, government subsidies received and used (issue 18) — with the
signed report as a PDF. Accepted, civil affairs publishes it
(``registry.annual_reports.annual_report_publish``): the public provider page shows the
figures of each published year. Only the providers asked for a report see this kind, and
their portal page reminds them while it is due and once it is overdue.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.annual_reports import FIGURES, annual_report_publish, annual_report_year_errors
from registry.models import AnnualReport, Provider, User
from registry.renewals import annual_report_deadline, annual_reports_owed, asked_for_annual_report

from ..display import model_label
from ..models import Submission
from ..reminders import Reminder, register_reminder
from ..submissions import SubmissionForm, SubmissionKind, register_kind
from ..uploads import PDF, check_pdf
from .files import sent_file, stored_file, submitted_file

CODE = "annual_report"
YEARS_OFFERED = 3  # the years just ended: the one due, one overdue, one sent late or reviewed late
SIGNED = frozenset({PDF})


def money(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class AnnualReportForm(SubmissionForm):
    files_label = gettext_lazy("The signed report (PDF)")

    year = forms.TypedChoiceField(label=model_label(AnnualReport, "year"), coerce=int, choices=())
    total_income = money(model_label(AnnualReport, "total_income"))
    total_expenditure = money(model_label(AnnualReport, "total_expenditure"))
    total_assets = money(model_label(AnnualReport, "total_assets"))
    subsidies_received = money(model_label(AnnualReport, "subsidies_received"))
    subsidies_used = money(model_label(AnnualReport, "subsidies_used"))
    document = forms.CharField(required=False, widget=forms.HiddenInput)  # the PDF's SHA-256

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        year: Any = self.fields["year"]
        year.choices = [(y, str(y)) for y in range(today.year - 1, today.year - 1 - YEARS_OFFERED, -1)]
        if not self.is_bound and "year" not in self.initial:
            owed = annual_reports_owed(self.provider, today)
            self.initial["year"] = owed[0] if owed else today.year - 1

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            sent = sent_file(self, SIGNED)
        except ValidationError as error:
            self.add_error(None, error)
            return data
        if sent is not None:
            try:
                check_pdf(sent.data)
            except ValidationError as error:
                self.add_error(None, error)
                return data
            data["document"] = sent.sha256
        elif stored_file(self.provider, data.get("document") or "", SIGNED) is None:
            self.add_error(None, _("Attach the signed report as a PDF."))
        if data.get("year") is not None:
            for name, message in annual_report_year_errors(
                provider=self.provider, year=data["year"], day=timezone.localdate()
            ).items():
                self.add_error(name, message)
        return data


def apply_annual_report(submission: Submission, form: SubmissionForm, actor: User) -> str:
    data = form.cleaned_data
    document = submitted_file(submission, data["document"])
    sent_on = timezone.localdate(submission.submitted_at) if submission.submitted_at else timezone.localdate()
    report = annual_report_publish(
        provider=submission.provider,
        year=data["year"],
        figures={name: data[name] for name in FIGURES},
        document=document.data,
        submitted_on=sent_on,
        published_on=timezone.localdate(),
        actor=actor,
        source=f"portal #{submission.pk}",
    )
    return _("Published: the financial report for %(year)d.") % {"year": report.year}


def annual_report_reminders(provider: Provider, day: datetime.date) -> list[Reminder]:
    """The reports the provider owes (``annual_reports_owed``), unless one is with the
    district office waiting for review: due until the end of March, overdue after."""
    owed = annual_reports_owed(provider, day)
    if not owed:
        return []
    waiting = {
        s.data.get("year")
        for s in Submission.objects.filter(provider=provider, kind=CODE, status=Submission.Status.SUBMITTED)
    }
    url = reverse("portal:submission_new", args=[provider.pk, CODE])
    reminders = []
    for year in owed:
        if year in waiting:
            continue
        due_on = annual_report_deadline(year)
        overdue = day > due_on
        text = (
            _("The financial report for %(year)d is overdue.")
            if overdue
            else _("The financial report for %(year)d is due.")
        )
        reminders.append(Reminder(text=text % {"year": year}, due_on=due_on, url=url, overdue=overdue))
    return reminders


register_kind(
    SubmissionKind(
        code=CODE,
        label=gettext_lazy("Annual financial report"),
        form=AnnualReportForm,
        apply=apply_annual_report,
        applies_to=asked_for_annual_report,
        upload_types=SIGNED,
        help_text=gettext_lazy(
            "Government-run and non-profit institutions, by 31 March: last year's figures and the signed report. "
            "Accepted, the figures are published on the public register."
        ),
        order=50,
    )
)
register_reminder(annual_report_reminders)
