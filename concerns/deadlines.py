"""When a concern must be answered, and which cases are open, due soon or overdue.

The reply is due ``CONCERN_RESPONSE_DAYS`` calendar days after the day it was received
(default 21). The seeds set no period (002:165 asks only that complaint channels be open);
21 calendar days is three weeks, the 15 working days public service hotlines commonly
promise in an ordinary week. Calendar days, not working days: the system holds no calendar
of public holidays and their swapped working weekends (调休), and a citizen counts the days
on a calendar. The due date is fixed at receipt and shown to the citizen.

The workbench, its list filters and the reminders read the same query builders here, so a
count and the list it opens agree.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Concern, Status


def due_soon_days() -> int:
    """How many days before the due date reminders start (and go on daily once it is
    past): the setting ``CONCERN_DUE_SOON_DAYS``."""
    return int(settings.CONCERN_DUE_SOON_DAYS)


def response_due_on(received_at: datetime.datetime) -> datetime.date:
    """The day the reply is due for a concern received at ``received_at``."""
    received_on = timezone.localtime(received_at).date()
    return received_on + datetime.timedelta(days=settings.CONCERN_RESPONSE_DAYS)


def is_open() -> Q:
    return ~Q(status=Status.CLOSED)


def open_concerns() -> QuerySet[Concern]:
    return Concern.objects.filter(is_open())


def overdue_concerns(today: datetime.date) -> QuerySet[Concern]:
    """Open concerns whose reply was due before ``today``."""
    return open_concerns().filter(due_on__lt=today)


def due_soon_concerns(today: datetime.date) -> QuerySet[Concern]:
    """Open concerns due today or within ``due_soon_days()`` days."""
    soon = today + datetime.timedelta(days=due_soon_days())
    return open_concerns().filter(due_on__gte=today, due_on__lte=soon)


def is_overdue(concern: Concern, today: datetime.date) -> bool:
    return concern.status != Status.CLOSED and concern.due_on < today
