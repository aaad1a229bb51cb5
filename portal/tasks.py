"""Celery tasks of the portal: thin and idempotent."""

from __future__ import annotations

from celery import shared_task

from .retention import purge_portal_uploads


@shared_task(acks_late=True)
def purge_stale_uploads() -> dict[str, int]:
    """Nightly: delete rejected, unattached and abandoned uploads past UPLOAD_RETENTION_DAYS
    (``retention``). Idempotent: a second run finds nothing and records nothing."""
    return purge_portal_uploads()
