"""What a provider is reminded of on its portal page: returned submissions to correct, and
the deadlines the kinds register (``register_reminder``): self-inspections due,
rectification deadlines, the annual report, licences and insurance expiring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Provider

from .models import Submission


@dataclass(frozen=True)
class Reminder:
    text: str
    due_on: date | None = None
    url: str = ""
    overdue: bool = False


REMINDERS: list[Callable[[Provider, date], list[Reminder]]] = []


def register_reminder(source: Callable[[Provider, date], list[Reminder]]) -> None:
    if source not in REMINDERS:
        REMINDERS.append(source)


def reminders_for(provider: Provider, day: date | None = None) -> list[Reminder]:
    day = day or timezone.localdate()
    returned = Submission.objects.filter(provider=provider, status=Submission.Status.RETURNED).order_by("-reviewed_at")
    reminders = [
        Reminder(
            text=_("Returned: %(reason)s") % {"reason": s.return_reason},
            url=reverse("portal:submission", args=[provider.pk, s.pk]),
            overdue=True,
        )
        for s in returned[:5]
    ]
    for source in REMINDERS:
        reminders += source(provider, day)
    return sorted(reminders, key=lambda r: (not r.overdue, r.due_on or date.max))
