"""Reminders: notifications in the back-office inbox and one daily email digest each.

Exactly once: a notification's key (recipient, kind, object, due date) is unique and rows
are inserted with ``ON CONFLICT DO NOTHING``, so re-runs, retries and two workers create
nothing twice; the digests are claimed, then sent, then marked sent (``digests.py``). A
day missed by beat is caught up: reminders up to ``CATCH_UP_DAYS`` late are still created.
What is told to a provider reaches its contact address and its portal accounts
(``StaffDirectory.provider_contacts``), one digest per account.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from registry.models import Division, Licence, User
from registry.renewals import providers_with_report_overdue
from registry.staff import roles

from .digests import send_digests
from .models import Finding, InspectionTask, InspectorLevel, Notification, Regime
from .recipients import (
    RECTIFICATION_WARNING_DAYS,
    Recipient,
    StaffDirectory,
    _notification,
    rectification_notifications,
)
from .records import escalate_overdue_findings

CATCH_UP_DAYS = 7


def _task_recipients(task: InspectionTask, staff: StaffDirectory) -> list[Recipient]:
    provider = task.provider
    if task.regime.inspector_level == InspectorLevel.PROVIDER:
        users = staff.at(roles.DISTRICT_CLERK, provider, Division.Level.COUNTY)
        return staff.provider_contacts(provider) + [Recipient(user=u) for u in users]
    users = list(task.assignees.all())
    if task.regime.inspector_level == InspectorLevel.CITY:
        users += staff.at(roles.CITY_REVIEWER, provider, Division.Level.LEAGUE_CITY)
    else:
        users += staff.at(roles.DISTRICT_CLERK, provider, Division.Level.COUNTY)
    return [Recipient(user=u) for u in dict.fromkeys(users)]


def task_reminders(on: datetime.date, staff: StaffDirectory) -> list[Notification]:
    """Inspections coming due (before the due date) and overdue (after), per regime offsets."""
    notifications = []
    for regime in Regime.objects.filter(active=True).exclude(reminder_offsets=[]):
        for offset in regime.reminder_offsets:
            # Reminder day = due date + offset, sent on that day or up to CATCH_UP_DAYS late.
            due_from = on - datetime.timedelta(days=offset + CATCH_UP_DAYS)
            due_to = on - datetime.timedelta(days=offset)
            tasks = (
                InspectionTask.objects.filter(regime=regime, status=InspectionTask.Status.OPEN)
                .filter(due_on__gte=due_from, due_on__lte=due_to)
                .select_related("provider__division", "regime")
                .prefetch_related("assignees")
            )
            if offset < 0:
                tasks = tasks.filter(due_on__gte=on)  # still coming due
            kind = Notification.Kind.TASK_DUE if offset < 0 else Notification.Kind.TASK_OVERDUE
            for task in tasks:
                message = (
                    _("%(regime)s of %(provider)s is due on %(date)s.")
                    if offset < 0
                    else _("%(regime)s of %(provider)s was due on %(date)s and is not recorded.")
                ) % {"regime": task.regime, "provider": task.provider, "date": task.due_on}
                for recipient in _task_recipients(task, staff):
                    notifications.append(
                        _notification(
                            recipient,
                            kind,
                            f"task:{task.pk}@{offset}",
                            task.due_on,
                            message,
                            f"/admin/inspections/inspectiontask/{task.pk}/change/",
                        )
                    )
    return notifications


def rectification_reminders(on: datetime.date, staff: StaffDirectory) -> list[Notification]:
    """Deadlines within three days, and overdue rectifications (also escalated to reviewers)."""
    open_findings = (
        Finding.objects.exclude(status=Finding.Status.VERIFIED)
        .filter(deadline__lte=on + datetime.timedelta(days=RECTIFICATION_WARNING_DAYS))
        .select_related("inspection__provider__division")
        .prefetch_related("inspection__inspectors")
    )
    return [n for finding in open_findings for n in rectification_notifications(finding, on, staff)]


def licence_reminders(on: datetime.date, staff: StaffDirectory) -> list[Notification]:
    """Licences and insurance policies expiring within ``LICENCE_WARNING_DAYS`` (a setting)."""
    notifications = []
    expiring = Licence.objects.filter(
        expires_on__gte=on, expires_on__lte=on + datetime.timedelta(days=settings.LICENCE_WARNING_DAYS)
    ).select_related("provider__division")
    for licence in expiring:
        provider = licence.provider
        message = _("%(licence)s of %(provider)s expires on %(date)s.") % {
            "licence": licence,
            "provider": provider,
            "date": licence.expires_on,
        }
        users = staff.at(roles.DISTRICT_CLERK, provider, Division.Level.COUNTY)
        for recipient in [Recipient(user=u) for u in users] + staff.provider_contacts(provider):
            notifications.append(
                _notification(
                    recipient,
                    Notification.Kind.LICENCE_EXPIRING,
                    f"licence:{licence.pk}",
                    licence.expires_on,  # type: ignore[arg-type]  # never None: expires_on__gte in the query
                    message,
                    f"/admin/registry/licence/{licence.pk}/change/",
                )
            )
    return notifications


ANNUAL_REPORT_OFFSETS = [-14, -3, 1]  # as the regimes' default: 14 and 3 days before, the day after


def annual_report_reminders(on: datetime.date, staff: StaffDirectory) -> list[Notification]:
    """The annual financial report (000:533-540) coming due 14 and 3 days before
    ``ANNUAL_REPORT_DUE`` (31 March) and overdue the day after, to each provider that owes
    the last year's report and has not sent it (``registry.renewals``): its contact address
    and its portal accounts. The district clerk's workbench lists the overdue ones already."""
    month, due_day = settings.ANNUAL_REPORT_DUE
    due = datetime.date(on.year, month, due_day)
    offsets = [
        offset
        for offset in ANNUAL_REPORT_OFFSETS
        if due + datetime.timedelta(days=offset) <= on <= due + datetime.timedelta(days=offset + CATCH_UP_DAYS)
        and (offset > 0 or on <= due)  # no "coming due" once it is past
    ]
    if not offsets:
        return []
    year = due.year - 1
    owing = providers_with_report_overdue(due + datetime.timedelta(days=1)).select_related("division")
    notifications = []
    for provider in owing:
        for offset in offsets:
            message = (
                _("The annual financial report %(year)d of %(provider)s is due on %(date)s.")
                if offset < 0
                else _("The annual financial report %(year)d of %(provider)s was due on %(date)s and is not sent.")
            ) % {"year": year, "provider": provider, "date": due}
            for recipient in staff.provider_contacts(provider):
                notifications.append(
                    _notification(
                        recipient,
                        Notification.Kind.ANNUAL_REPORT_DUE,
                        f"annual-report:{provider.pk}:{year}@{offset}",
                        due,
                        message,
                        "",
                    )
                )
    return notifications


def create_reminders(*, on: datetime.date) -> int:
    """Create today's notifications (in Chinese); existing ones are left alone."""
    staff = StaffDirectory()
    with translation.override(settings.LANGUAGE_CODE):
        escalate_overdue_findings(on=on)
        notifications = (
            task_reminders(on, staff)
            + rectification_reminders(on, staff)
            + licence_reminders(on, staff)
            + annual_report_reminders(on, staff)
        )
    before = Notification.objects.count()
    Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=1000)
    return Notification.objects.count() - before


def send_reminders(*, on: datetime.date) -> dict[str, int]:
    """The daily job: create notifications, then send the digests."""
    return {"created": create_reminders(on=on), "digests": send_digests()}


def unread_count(user: User) -> int:
    return Notification.objects.filter(Q(recipient=user), read_at__isnull=True).count()
