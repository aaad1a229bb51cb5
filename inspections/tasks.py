"""Celery tasks of the inspections app: thin, idempotent wrappers around services."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from .planning import plan_inspections
from .reminders import send_reminders


@shared_task(acks_late=True)
def plan_inspection_tasks(date: str | None = None) -> dict[str, int]:
    """Create the tasks owed for the current periods; running it twice creates nothing new."""
    on = datetime.date.fromisoformat(date) if date else timezone.localdate()
    return plan_inspections(on=on)


@shared_task(acks_late=True)
def send_daily_reminders(date: str | None = None) -> dict[str, int]:
    """Create today's notifications and send each recipient one digest, exactly once."""
    on = datetime.date.fromisoformat(date) if date else timezone.localdate()
    return send_reminders(on=on)
