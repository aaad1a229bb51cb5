"""Celery tasks of the portal: thin and idempotent."""

from __future__ import annotations

from celery import shared_task

from .uploads import purge_uploads


@shared_task(acks_late=True)
def purge_stale_uploads() -> int:
    """Delete rejected and abandoned uploads past UPLOAD_RETENTION_DAYS (run twice: nothing more)."""
    return purge_uploads()
