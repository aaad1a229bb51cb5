"""The provider's own safety checks (004:94, 004:96; issue 18), for the providers a
provider-level regime applies to (``inspections.self_checks``):

- ``self_inspection``: the monthly internal joint inspection against the regime's
  checklist, one tap per item when everything is in order; accepted by the district
  clerk, it is recorded against the month's task (``records.record_inspection``), each
  problem item a finding with its severity and the regime's deadline;
- ``weekly_check`` and ``shift_handover``: the weekly team self-check and the daily
  shift-handover log, recorded when sent (the provider's own logs; the clerk may still
  return one) by ``self_checks.self_check_record``;
- ``hazard``: a hazard the provider found and the correction taken, accepted by the clerk
  into a finding (``self_checks.hazard_self_report``) with its photos as evidence.

What the provider still owes shows in its reminders (``self_check_reminders``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import BoundField
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inspections.models import Finding, InspectionTask, InspectorLevel, Regime, SelfCheck
from inspections.records import EvidenceFile, FindingInput, record_inspection
from inspections.self_checks import (
    NOT_APPLICABLE,
    OK,
    PROBLEM,
    SELF_CHECK_ITEMS,
    hazard_self_report,
    item_text,
    self_check_record,
    self_check_regimes,
    self_checks_due,
)
from registry.models import Provider, User
from registry.periods import period_label, week_bounds

from ..models import Submission
from ..reminders import Reminder, register_reminder
from ..submissions import SubmissionForm, SubmissionKind, register_kind
from ..uploads import EVIDENCE_TYPES

RECENT_DAYS = 31  # a log or a hazard older than a month is no longer news
RESULT_CHOICES = [
    (OK, gettext_lazy("In order")),
    (PROBLEM, gettext_lazy("Problem")),
    (NOT_APPLICABLE, gettext_lazy("Not applicable")),
]
CHECK_RESULT = {OK: "pass", PROBLEM: "fail", NOT_APPLICABLE: "n/a"}  # inspections' checklist words
PREFIXES = ("item_", "note_", "severity_")


def source_of(submission: Submission) -> str:
    """How the back office names where a record came from (as the vacancies do)."""
    return f"portal #{submission.pk}"


@contextmanager
def refusal_as_message() -> Iterator[None]:
    """A service's refusal, keyed by its own fields, as plain messages the portal's form
    can show (the kind's form has other fields)."""
    try:
        yield
    except ValidationError as error:
        raise ValidationError(error.messages) from error


def not_in_future(day: datetime.date) -> None:
    if day > timezone.localdate():
        raise forms.ValidationError(_("The day cannot be in the future."))


def recent(day: datetime.date) -> None:
    not_in_future(day)
    if day < timezone.localdate() - datetime.timedelta(days=RECENT_DAYS):
        raise forms.ValidationError(_("Send what happened in the last %(days)d days only.") % {"days": RECENT_DAYS})


def date_field(label: Any, *validators: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        validators=list(validators),
        required=required,
    )


def owes_self_checks(provider: Provider) -> bool:
    return bool(self_check_regimes(provider))


class ChecklistForm(SubmissionForm):
    """A checklist sent in one tap when everything is in order: each item starts "in order";
    an item marked a problem asks what is wrong (and, where it becomes a finding, how
    serious it is). Rendered by ``portal/kinds/checklist.html``: the note under an item
    opens when the item is marked a problem."""

    fields_template = "portal/kinds/checklist.html"
    with_severity = False

    def checklist(self) -> list[dict[str, str]]:
        """The items to answer: none here; each checklist form names its own."""
        return []

    def add_items(self) -> None:
        for item in self.checklist():
            code = item["code"]
            self.fields[f"item_{code}"] = forms.ChoiceField(
                label=item_text(item), choices=RESULT_CHOICES, initial=OK, widget=forms.RadioSelect
            )
            self.fields[f"note_{code}"] = forms.CharField(
                label=gettext_lazy("What is wrong"), required=False, max_length=500
            )
            if self.with_severity:
                self.fields[f"severity_{code}"] = forms.ChoiceField(
                    label=gettext_lazy("How serious"),
                    choices=Finding.Severity.choices,
                    initial=Finding.Severity.GENERAL,
                    required=False,
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for item in self.checklist():
            code = item["code"]
            if data.get(f"item_{code}") == PROBLEM:
                if not (data.get(f"note_{code}") or "").strip():
                    self.add_error(f"note_{code}", _("Say what is wrong."))
                if self.with_severity and not data.get(f"severity_{code}"):
                    self.add_error(f"severity_{code}", _("Say how serious it is."))
            else:  # nothing to keep about an item in order
                data.pop(f"note_{code}", None)
                data.pop(f"severity_{code}", None)
        return data

    def plain_fields(self) -> list[BoundField]:
        return [self[name] for name in self.fields if not name.startswith(PREFIXES)]

    def checklist_rows(self) -> list[tuple[BoundField, BoundField, BoundField | None]]:
        return [
            (
                self[f"item_{item['code']}"],
                self[f"note_{item['code']}"],
                self[f"severity_{item['code']}"] if self.with_severity else None,
            )
            for item in self.checklist()
        ]

    def results(self) -> dict[str, str]:
        return {item["code"]: self.cleaned_data[f"item_{item['code']}"] for item in self.checklist()}

    def notes(self) -> dict[str, str]:
        return {
            item["code"]: self.cleaned_data.get(f"note_{item['code']}") or ""
            for item in self.checklist()
            if self.cleaned_data.get(f"item_{item['code']}") == PROBLEM
        }


# --- the monthly internal joint inspection ---------------------------------------------------


def open_self_inspections(provider: Provider) -> list[InspectionTask]:
    """The provider's open tasks of a provider-level regime whose period has begun."""
    tasks = InspectionTask.objects.filter(
        provider=provider,
        status=InspectionTask.Status.OPEN,
        regime__inspector_level=InspectorLevel.PROVIDER,
        period_start__lte=timezone.localdate(),
    )
    return list(tasks.select_related("regime").order_by("due_on", "pk"))


def task_label(task: InspectionTask) -> str:
    label = period_label(task.period_start, task.regime.frequency)
    if task.due_on < timezone.localdate():
        return _("%(period)s (overdue)") % {"period": label}
    return label


class SelfInspectionForm(ChecklistForm):
    task = forms.ChoiceField(
        label=gettext_lazy("Month"),
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("This self-inspection is not due any more.")},
    )
    inspected_on = date_field(gettext_lazy("Inspected on"), not_in_future)
    participants = forms.CharField(
        label=gettext_lazy("Who took part (names and posts)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    remarks = forms.CharField(
        label=gettext_lazy("Other remarks"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    with_severity = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_tasks = open_self_inspections(self.provider)
        if not self.is_bound:  # this month's, else the latest open one
            self.initial.setdefault("inspected_on", timezone.localdate())
            current = [t for t in self.open_tasks if t.period_start <= timezone.localdate() <= t.period_end]
            if self.open_tasks:
                self.initial.setdefault("task", str((current or self.open_tasks)[-1].pk))
        chosen = self._chosen_task()
        shown = self.open_tasks + ([chosen] if chosen is not None and chosen not in self.open_tasks else [])
        cast(forms.ChoiceField, self.fields["task"]).choices = [(str(t.pk), task_label(t)) for t in shown]
        self.regime = chosen.regime if chosen is not None else self._regime()
        self.add_items()

    def _chosen_task(self) -> InspectionTask | None:
        """The provider's task the form is about, whatever its status: a submission sent for
        a month recorded since is still shown with its month and checklist (and refused)."""
        chosen = str((self.data if self.is_bound else self.initial).get("task") or "")
        if not chosen.isdigit():
            return None
        tasks = InspectionTask.objects.filter(provider=self.provider, pk=int(chosen))
        return tasks.filter(regime__inspector_level=InspectorLevel.PROVIDER).select_related("regime").first()

    def _regime(self) -> Regime | None:
        """Without a month to choose, the regime the provider inspects itself under."""
        regimes = self_check_regimes(self.provider)
        return regimes[0] if regimes else None

    def checklist(self) -> list[dict[str, str]]:
        return list(self.regime.checklist) if self.regime is not None else []

    def chosen_task(self) -> InspectionTask:
        return next(t for t in self.open_tasks if str(t.pk) == self.cleaned_data["task"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        task_id, inspected_on = data.get("task"), data.get("inspected_on")
        task = next((t for t in self.open_tasks if str(t.pk) == task_id), None)
        if task_id and task is None:  # recorded since this was sent
            self.add_error("task", self.fields["task"].error_messages["invalid_choice"])
        elif not self.open_tasks:
            raise forms.ValidationError(_("No monthly self-inspection is due now."))
        if task is not None and inspected_on is not None and inspected_on < task.period_start:
            self.add_error("inspected_on", _("The inspection of a month cannot be dated before the month began."))
        return data


def apply_self_inspection(submission: Submission, form: SubmissionForm, actor: User) -> str:
    form = cast(SelfInspectionForm, form)  # the kind's own form (bound_form)
    task, data = form.chosen_task(), form.cleaned_data
    items = {item["code"]: item for item in form.checklist()}
    areas = set(Finding.Category.values)
    with translation.override(settings.LANGUAGE_CODE):  # stored text: in the bureau's language
        findings = [
            FindingInput(
                category=items[code]["area"] if items[code]["area"] in areas else Finding.Category.SERVICE,
                severity=data[f"severity_{code}"],
                description=f"{item_text(items[code])}: {note.strip()}",
            )
            for code, note in form.notes().items()
        ]
        summary = _("Internal joint inspection sent by the provider (%(source)s). Taking part: %(people)s.") % {
            "source": source_of(submission),
            "people": data["participants"].strip(),
        }
    if data.get("remarks"):
        summary = f"{summary}\n{data['remarks'].strip()}"
    with refusal_as_message():
        inspection = record_inspection(
            provider=submission.provider,
            regime=task.regime,
            inspected_on=data["inspected_on"],
            recorded_by=actor,
            checklist_results={code: CHECK_RESULT[value] for code, value in form.results().items()},
            findings=findings,
            summary=summary,
            task=task,
        )
    return _("Recorded: the self-inspection of %(period)s, with %(count)d findings to rectify.") % {
        "period": period_label(task.period_start, task.regime.frequency),
        "count": inspection.findings.count(),
    }


# --- the weekly team self-check and the daily shift handover ---------------------------------


class WeeklyCheckForm(ChecklistForm):
    kind = SelfCheck.Kind.WEEKLY
    day = date_field(gettext_lazy("Week of"), recent)
    people = forms.CharField(label=gettext_lazy("Who checked (team and names)"), max_length=200)
    remarks = forms.CharField(
        label=gettext_lazy("Other remarks"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].help_text = _("Any day of the week: the week is Monday to Sunday.")
        if not self.is_bound:
            self.initial.setdefault("day", timezone.localdate())
        self.add_items()

    def checklist(self) -> list[dict[str, str]]:
        return SELF_CHECK_ITEMS[self.kind]


class HandoverForm(WeeklyCheckForm):
    kind = SelfCheck.Kind.DAILY
    day = date_field(gettext_lazy("Day"), recent)
    people = forms.CharField(label=gettext_lazy("Handed over by and taken over by"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].help_text = ""


def apply_self_check(submission: Submission, form: SubmissionForm, actor: User) -> str:
    form = cast(WeeklyCheckForm, form)  # the kind's own form (bound_form)
    data = form.cleaned_data
    with refusal_as_message():
        check = self_check_record(
            provider=submission.provider,
            kind=form.kind,
            day=data["day"],
            results=form.results(),
            notes=form.notes(),
            people=data["people"],
            remarks=data.get("remarks") or "",
            source=source_of(submission),
            actor=actor,
        )
    problems = len(form.notes())
    if form.kind == SelfCheck.Kind.WEEKLY:
        when = _("the week of %(day)s") % {"day": check.day.isoformat()}
    else:
        when = check.day.isoformat()
    if problems:
        return _("Recorded for %(when)s: %(count)d problems noted.") % {"when": when, "count": problems}
    return _("Recorded for %(when)s: everything in order.") % {"when": when}


# --- a hazard found and corrected ------------------------------------------------------------


class HazardForm(SubmissionForm):
    found_on = date_field(gettext_lazy("Found on"), recent)
    what = forms.CharField(label=gettext_lazy("What the hazard is"), max_length=300)
    where = forms.CharField(label=gettext_lazy("Where"), max_length=200)
    category = forms.ChoiceField(label=gettext_lazy("Area"), choices=Finding.Category.choices)
    severity = forms.ChoiceField(
        label=gettext_lazy("How serious"),
        choices=Finding.Severity.choices,
        initial=Finding.Severity.GENERAL,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "A major hazard holds the subsidies until an inspector has verified it corrected, whoever found it."
        ),
    )
    correction = forms.CharField(
        label=gettext_lazy("What was done to correct it"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    corrected_on = date_field(gettext_lazy("Corrected on (empty: still open)"), not_in_future, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("found_on", timezone.localdate())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        corrected_on, found_on = data.get("corrected_on"), data.get("found_on")
        if corrected_on and not (data.get("correction") or "").strip():
            self.add_error("correction", _("Say what was done to correct it."))
        if corrected_on and found_on and corrected_on < found_on:
            self.add_error("corrected_on", _("It cannot be corrected before it was found."))
        return data


def evidence_of(submission: Submission) -> list[EvidenceFile]:
    """The submission's files, to be copied as a finding's evidence (checked when uploaded)."""
    files = []
    for upload in submission.uploads.order_by("pk"):
        with upload.file.open("rb") as stored:
            files.append(EvidenceFile(name=f"portal-{upload.pk}{upload.extension}", content=stored.read()))
    return files


def apply_hazard(submission: Submission, form: SubmissionForm, actor: User) -> str:
    data = form.cleaned_data
    with refusal_as_message():
        finding = hazard_self_report(
            provider=submission.provider,
            found_on=data["found_on"],
            category=data["category"],
            severity=data["severity"],
            what=data["what"],
            where=data["where"],
            correction=data.get("correction") or "",
            corrected_on=data.get("corrected_on"),
            evidence=evidence_of(submission),
            source=source_of(submission),
            actor=actor,
        )
    if finding.status == Finding.Status.RECTIFIED:
        return _("Recorded with its correction; an inspector will verify it.")
    return _("Recorded as a finding to rectify by %(date)s.") % {"date": finding.deadline.isoformat()}


register_kind(
    SubmissionKind(
        code="self_inspection",
        label=gettext_lazy("Monthly internal joint inspection"),
        form=SelfInspectionForm,
        apply=apply_self_inspection,
        applies_to=owes_self_checks,
        help_text=gettext_lazy("Every item starts in order: mark only what is wrong, then send."),
        order=30,
    )
)
register_kind(
    SubmissionKind(
        code="weekly_check",
        label=gettext_lazy("Weekly team self-check"),
        form=WeeklyCheckForm,
        apply=apply_self_check,
        applies_to=owes_self_checks,
        accepted_on_submit=True,
        help_text=gettext_lazy("Recorded when sent. Every item starts in order: mark only what is wrong."),
        order=31,
    )
)
register_kind(
    SubmissionKind(
        code="shift_handover",
        label=gettext_lazy("Daily shift-handover safety check"),
        form=HandoverForm,
        apply=apply_self_check,
        applies_to=owes_self_checks,
        accepted_on_submit=True,
        help_text=gettext_lazy("Recorded when sent. Every item starts in order: mark only what is wrong."),
        order=32,
    )
)
register_kind(
    SubmissionKind(
        code="hazard",
        label=gettext_lazy("A hazard found and corrected"),
        form=HazardForm,
        apply=apply_hazard,
        applies_to=owes_self_checks,
        upload_types=EVIDENCE_TYPES,
        help_text=gettext_lazy("With photos. Accepted, it is a finding an inspector verifies."),
        order=33,
    )
)


def self_check_reminders(provider: Provider, day: datetime.date) -> list[Reminder]:
    """The provider's self-checks due or missing (``inspections.self_checks.self_checks_due``)."""
    reminders = []
    for due in self_checks_due(provider, day):
        if due.task is not None:
            kind = "self_inspection"
            text = _("Monthly internal joint inspection of %(period)s") % {
                "period": period_label(due.task.period_start, due.task.regime.frequency)
            }
        elif due.what == SelfCheck.Kind.WEEKLY:
            kind = "weekly_check"
            monday = week_bounds(due.due_on)[0]
            text = _("Team self-check of the week of %(day)s") % {"day": monday.isoformat()}
        else:
            kind = "shift_handover"
            text = _("Today's shift-handover safety check")
        url = reverse("portal:submission_new", args=[provider.pk, kind])
        reminders.append(Reminder(text=text, due_on=due.due_on, url=url, overdue=due.overdue))
    return reminders


register_reminder(self_check_reminders)
