"""Celery task of the concerns app: a thin, idempotent wrapper around the reminders."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from .reminders import send_reminders


@shared_task(acks_late=True)
def send_concern_reminders(date: str | None = None) -> int:
    """Remind the district clerks of concerns due within three days or overdue: at most one
    reminder per concern, clerk and day, and one email per clerk. Returns emails sent."""
    today = datetime.date.fromisoformat(date) if date else timezone.localdate()
    return send_reminders(today=today)
