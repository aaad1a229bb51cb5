"""Celery tasks of the registry: large roster imports in the background, and the grade in
force today. Thin and idempotent: each acts only if its rows are still in the state it expects."""

from __future__ import annotations

from celery import shared_task
from django.core.exceptions import ValidationError

from .grades import grades_sync
from .models import RosterImport
from .rosters import uploads
from .rosters.retention import purge_roster_files


@shared_task(acks_late=True)
def validate_roster_upload(upload_id: int) -> str:
    upload = RosterImport.objects.filter(pk=upload_id, status=RosterImport.Status.VALIDATING).first()
    if upload is None:
        return "nothing to do"
    plan = uploads.upload_validate(upload)
    return "valid" if plan.valid else f"{len(plan.errors)} errors"


@shared_task(acks_late=True)
def apply_roster_upload(upload_id: int, digest: str) -> str:
    """Import a confirmed upload. Delivered again after its worker died, or tried again
    after its database went away, it finds the upload still "importing" with none of its
    rows saved (they are committed with the status), and imports it then."""
    upload = RosterImport.objects.filter(
        pk=upload_id, status__in=[RosterImport.Status.PREVIEWED, RosterImport.Status.RUNNING]
    ).first()
    if upload is None:
        return "nothing to do"
    try:
        if upload.status == RosterImport.Status.RUNNING:
            resumed = uploads.upload_resume(upload, digest=digest)
            if resumed is None:
                return "nothing to do"  # another worker is importing it right now
            return f"imported {resumed} (resumed)"
        counts = uploads.upload_apply(upload, digest=digest)
    except ValidationError as error:
        # upload_apply checked the file again: the preview shows the new plan, and why
        # the confirmed import did not run.
        RosterImport.objects.filter(pk=upload_id).update(notice=" ".join(error.messages)[:255])
        return " ".join(error.messages)
    return f"imported {counts}"


@shared_task(acks_late=True)
def sync_current_grades() -> str:
    """Daily, just after midnight: each provider's current grade is the one in force today
    (grades that expired become "not rated", grades that start today take over).
    Idempotent (``registry.grades.grades_sync``)."""
    return f"{grades_sync()} providers regraded"


@shared_task(acks_late=True)
def purge_stale_roster_files() -> dict[str, int]:
    """Nightly: the files of roster uploads rejected or abandoned more than
    UPLOAD_RETENTION_DAYS ago are deleted (``rosters.retention``). Idempotent: a second run
    finds nothing and records nothing."""
    return purge_roster_files()
