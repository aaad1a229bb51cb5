"""Celery tasks of the concerns app: thin, idempotent wrappers around the reminders and the
contact retention."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from .reminders import send_reminders
from .retention import delete_old_concern_contacts


@shared_task(acks_late=True)
def send_concern_reminders(date: str | None = None) -> int:
    """Remind the district clerks of concerns due within three days or overdue: at most one
    reminder per concern, clerk and day, and one email per clerk. Returns emails sent."""
    today = datetime.date.fromisoformat(date) if date else timezone.localdate()
    return send_reminders(today=today)


@shared_task(acks_late=True)
def delete_old_contacts() -> int:
    """Delete the contacts of concerns closed more than CONCERN_CONTACT_RETENTION_DAYS ago;
    how many. A second run finds none."""
    return delete_old_concern_contacts()
