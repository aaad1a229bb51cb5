"""Celery task of the indicators app: thin and idempotent."""

from __future__ import annotations

from celery import shared_task

from .snapshots import last_closed_month, take_snapshots


@shared_task(acks_late=True)
def take_monthly_snapshots() -> dict[str, int]:
    """Snapshot the last closed month; a month already taken is skipped (run it twice: nothing new)."""
    return take_snapshots(month=last_closed_month())
