"""Rectification (issue 18): for a finding with a deadline, the provider sends what it did,
the day it was done and its evidence (photos, PDF).

Recorded when sent (``accepted_on_submit``): the inspector is the one who judges a
rectification, by verifying it or returning it with a reason
(``inspections.records.finding_verify`` / ``finding_return_rectification``), so a clerk's
review in between would only delay it. Sending calls
``inspections.records.finding_report_rectification``, which copies the files as the
finding's evidence; the inspector then finds it among the rectifications waiting for
verification. The district clerk may still return the submission, as any log.

The provider's findings, their deadlines and any reason a rectification was returned are
on the portal's findings page (``finding_views``) and in its reminders.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inspections.models import Finding
from inspections.records import finding_report_rectification, findings_to_rectify
from registry.models import Provider, User

from ..models import Submission
from ..reminders import Reminder, register_reminder
from ..submissions import SubmissionForm, SubmissionKind, register_kind
from ..uploads import EVIDENCE_TYPES
from .checks import date_field, evidence_of, not_in_future, refusal_as_message, source_of


def finding_label(finding: Finding) -> str:
    return _("%(category)s, rectify by %(deadline)s: %(finding)s") % {
        "category": finding.get_category_display(),
        "deadline": finding.deadline.isoformat(),
        "finding": finding.description[:80],
    }


class RectificationForm(SubmissionForm):
    finding = forms.ChoiceField(
        label=gettext_lazy("Finding"),
        error_messages={"invalid_choice": gettext_lazy("This finding is not one of yours to rectify.")},
    )
    statement = forms.CharField(
        label=gettext_lazy("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    rectified_on = date_field(gettext_lazy("Rectified on"), not_in_future)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.findings = {str(f.pk): f for f in findings_to_rectify(self.provider).select_related("inspection")}
        shown = dict(self.findings)
        chosen = str((self.data if self.is_bound else self.initial).get("finding") or "")
        if chosen.isdigit() and chosen not in shown:  # verified since it was sent: shown, refused
            done = Finding.objects.filter(inspection__provider=self.provider, pk=int(chosen)).first()
            if done is not None:
                shown[chosen] = done
        choices = [(pk, finding_label(finding)) for pk, finding in shown.items()]
        cast(forms.ChoiceField, self.fields["finding"]).choices = choices
        if not self.is_bound:
            self.initial.setdefault("rectified_on", timezone.localdate())

    def chosen(self) -> Finding:
        return self.findings[self.cleaned_data["finding"]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        finding = self.findings.get(data.get("finding") or "")
        if data.get("finding") and finding is None:
            self.add_error("finding", self.fields["finding"].error_messages["invalid_choice"])
        rectified_on = data.get("rectified_on")
        if finding is not None and rectified_on is not None and rectified_on < finding.inspection.inspected_on:
            self.add_error("rectified_on", _("It cannot be rectified before it was found."))
        return data


def apply_rectification(submission: Submission, form: SubmissionForm, actor: User) -> str:
    form = cast(RectificationForm, form)  # the kind's own form (bound_form)
    data = form.cleaned_data
    with refusal_as_message():
        finding_report_rectification(
            finding=form.chosen(),
            report=data["statement"].strip(),
            rectified_on=data["rectified_on"],
            user=actor,
            evidence=evidence_of(submission),
            caption=_("Sent by the provider (%(source)s)") % {"source": source_of(submission)},
        )
    return _("Reported: the inspector will verify it, or return it with a reason.")


register_kind(
    SubmissionKind(
        code="rectification",
        label=gettext_lazy("Rectification of a finding"),
        form=RectificationForm,
        apply=apply_rectification,
        applies_to=lambda provider: findings_to_rectify(provider).exists(),
        upload_types=EVIDENCE_TYPES,
        accepted_on_submit=True,
        help_text=gettext_lazy("With photos or a PDF. The inspector verifies it or returns it with a reason."),
        order=40,
    )
)


def rectification_reminders(provider: Provider, day: datetime.date) -> list[Reminder]:
    """Each finding still to rectify, with its deadline (overdue after it), and the reason
    if the inspector returned the rectification; one waiting for verification is not."""
    reminders = []
    for finding in findings_to_rectify(provider).filter(status=Finding.Status.OPEN):
        if finding.return_reason:
            text = _("Rectification returned by the inspector: %(reason)s (%(finding)s)") % {
                "reason": finding.return_reason,
                "finding": finding.description[:60],
            }
        else:
            text = _("Rectify: %(finding)s") % {"finding": finding.description[:80]}
        url = reverse("portal:finding_rectify", args=[provider.pk, finding.pk])
        reminders.append(Reminder(text=text, due_on=finding.deadline, url=url, overdue=finding.deadline < day))
    return reminders


register_reminder(rectification_reminders)
