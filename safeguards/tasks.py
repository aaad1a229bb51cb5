"""Celery tasks of the platform. Thin and idempotent.

Their names are the ones they had when they lived in ``registry.tasks``: beat schedules
stored in the database and messages already queued name them so.
"""

from __future__ import annotations

from celery import shared_task

from . import deferred
from .audit import audit_verify


@shared_task(acks_late=True, name="registry.tasks.send_deferred_tasks")
def send_deferred_tasks() -> dict[str, int]:
    """Send what could not be enqueued while the broker was down (idempotent: rows are
    claimed once, and the tasks themselves are idempotent)."""
    return deferred.deferred_tasks_send()


@shared_task(acks_late=True, name="registry.tasks.verify_audit_chain")
def verify_audit_chain() -> str:
    """Nightly: recompute the audit log's hash chain (idempotent: it only reads, and records
    the result)."""
    report = audit_verify()
    return "intact" if report.intact else f"broken at entry {report.first_break}"
