"""Daily reminders of concerns whose reply is due within ``CONCERN_DUE_SOON_DAYS`` days or overdue,
to the district clerks of each provider's jurisdiction: a row per concern, clerk and day,
and one email a day per clerk listing them.

The channel: the back-office inbox and its daily digest belong to the inspections app,
which this app may not import (apps beside each other never do, docs/architecture.md). So
the clerk sees the concerns on the workbench (open, and overdue as an urgent item) and gets
an email through Django's mail, as the digests do.

At most one reminder per concern, clerk and day: the row's key is unique and rows are
inserted with ``ON CONFLICT DO NOTHING``, so a second run the same day, a retry or two
workers create nothing twice. Emails are sent as ``inspections/digests.py`` sends its
digests: claim in a short transaction and commit, send outside any transaction, then mark
sent; a claim of a killed run expires after ``CLAIM_EXPIRES_AFTER`` and the next run sends.

The email names each case by its reference, provider, subject and due date: never the
description or the citizen's contact (mail leaves the system).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from registry.models import Provider, User
from registry.scoping import department_sees_kind
from registry.staff import roles

from .deadlines import due_soon_days, open_concerns
from .models import ConcernReminder

logger = logging.getLogger(__name__)

CLAIM_EXPIRES_AFTER = datetime.timedelta(minutes=40)


def district_clerks() -> list[User]:
    """Active district clerks with a jurisdiction (one query)."""
    return list(
        User.objects.filter(groups__name=roles.DISTRICT_CLERK, is_active=True, jurisdiction__isnull=False)
        .select_related("jurisdiction")
        .distinct()
    )


def clerks_of(provider: Provider, clerks: list[User]) -> list[User]:
    """The clerks of the provider's jurisdiction: those working in the narrowest division
    that contains it (its district's; the city's when the district has none), of a
    department that supervises its kind."""
    path = provider.division.path
    covering = [
        clerk
        for clerk in clerks
        if clerk.jurisdiction is not None
        and path.startswith(clerk.jurisdiction.path)
        and department_sees_kind(clerk.department, provider.kind)
    ]
    if not covering:
        return []
    narrowest = max(len(clerk.jurisdiction.path) for clerk in covering if clerk.jurisdiction is not None)
    return [clerk for clerk in covering if clerk.jurisdiction is not None and len(clerk.jurisdiction.path) == narrowest]


def create_reminders(today: datetime.date) -> int:
    """Today's reminder rows (at most one per concern and clerk); returns the rows new today."""
    concerns = (
        open_concerns()
        .filter(due_on__lte=today + datetime.timedelta(days=due_soon_days()))
        .select_related("provider__division")
    )
    clerks = district_clerks()
    rows = [
        ConcernReminder(
            concern=concern,
            recipient=clerk,
            day=today,
            kind=ConcernReminder.Kind.OVERDUE if concern.due_on < today else ConcernReminder.Kind.DUE_SOON,
        )
        for concern in concerns
        for clerk in clerks_of(concern.provider, clerks)
    ]
    before = ConcernReminder.objects.filter(day=today).count()
    ConcernReminder.objects.bulk_create(rows, ignore_conflicts=True)
    return ConcernReminder.objects.filter(day=today).count() - before


def _claim(token: uuid.UUID, now: datetime.datetime) -> dict[User, list[ConcernReminder]]:
    """Claim every reminder not yet emailed (nor claimed by a run still alive), commit, and
    return them by clerk. A clerk without an email address has the workbench only: their
    rows are marked emailed at once."""
    with transaction.atomic(durable=True):
        claimable = Q(claim__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES_AFTER)
        ids = list(
            ConcernReminder.objects.filter(claimable, emailed_at__isnull=True)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        ConcernReminder.objects.filter(pk__in=ids).update(claim=token, claimed_at=now)
        ConcernReminder.objects.filter(claim=token, recipient__email="").update(
            emailed_at=now, claim=None, claimed_at=None
        )
        claimed = (
            ConcernReminder.objects.filter(claim=token)
            .select_related("recipient", "concern__provider")
            .order_by("recipient_id", "concern__due_on", "concern__reference", "-day")
        )
        by_clerk: dict[User, list[ConcernReminder]] = {}
        for reminder in claimed:
            by_clerk.setdefault(reminder.recipient, []).append(reminder)
    return by_clerk


def _body(reminders: list[ConcernReminder], today: datetime.date) -> str:
    lines, seen = [], set()
    for reminder in reminders:
        concern = reminder.concern
        if concern.pk in seen:  # a row of yesterday not sent, and today's: named once
            continue
        seen.add(concern.pk)
        values = {
            "reference": concern.reference,
            "provider": concern.provider.name,
            "category": concern.get_category_display(),
            "date": concern.due_on.isoformat(),
        }
        if concern.due_on < today:
            lines.append(_("- %(reference)s, %(provider)s (%(category)s): the reply was due on %(date)s.") % values)
        else:
            lines.append(_("- %(reference)s, %(provider)s (%(category)s): reply due on %(date)s.") % values)
    intro = _("Concerns from citizens waiting for your reply (open them from your workbench):")
    return "\n".join([intro, "", *lines, ""])


def send_reminders(*, today: datetime.date | None = None, now: datetime.datetime | None = None) -> int:
    """Create today's reminders and email each clerk one message; returns emails sent."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    create_reminders(today)
    token = uuid.uuid4()
    by_clerk = _claim(token, now)
    sent = 0
    mail = get_connection()
    try:
        if by_clerk:
            mail.open()
        with translation.override(settings.LANGUAGE_CODE):
            for clerk, reminders in by_clerk.items():
                count = len({r.concern_id for r in reminders})
                message = EmailMessage(
                    subject=_("%(count)d concerns waiting for a reply") % {"count": count},
                    body=_body(reminders, today),
                    to=[clerk.email],
                    connection=mail,
                )
                try:
                    message.send()
                except (SMTPException, OSError, ValueError) as error:
                    logger.warning("concern reminders to user %s not sent: %s", clerk.pk, error)
                    continue
                ConcernReminder.objects.filter(claim=token, recipient=clerk).update(
                    emailed_at=now, claim=None, claimed_at=None
                )
                sent += 1
    finally:
        mail.close()
        ConcernReminder.objects.filter(claim=token).update(claim=None, claimed_at=None)  # the next run sends them
    return sent
