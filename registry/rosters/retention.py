"""How long an uploaded roster's file is kept when it was never imported (issue 20).

A roster file holds ID and phone numbers. An imported one is deleted at once
(``uploads.upload_apply``: its rows are in the database) and a cancelled one when it is
cancelled (``uploads.upload_cancel``). What remains is the file of an upload that was
rejected (errors), failed, or abandoned (checked but never confirmed, or never finished
checking): ``purge_roster_files`` deletes it after ``UPLOAD_RETENTION_DAYS`` from the
upload (nightly, ``registry.tasks.purge_stale_roster_files``).

- **What goes**: the stored (encrypted) file, and every copy of its contents the record
  kept for the preview: the changed rows (``changes``), the sample rows (``samples``) and
  the error messages (``errors``, which quote cells as typed). The error workbook is never
  stored: it is written from the file on each download, so it goes with the file.
- **What stays**: the record — who uploaded which file name when, its fingerprint, its
  counts and number of errors, and when the file was deleted (``file_purged_at``, shown in
  the admin). An abandoned upload (checked, never confirmed) becomes cancelled: without its
  file it can no longer be imported.
- **Safe to run at any time, and twice**: each record is locked and checked again before
  its file goes, so an upload being confirmed is either imported first or purged first,
  never both; a record whose file is already gone is not selected again; a file missing
  from storage is counted, not an error.
- **Audited**: one ``roster.purge`` entry per run that deleted something, with the counts
  per kind (never a file name: it may name a person).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from safeguards.audit import audit_record

from ..models import RosterImport

Status = RosterImport.Status
# The statuses whose file nobody will use again; the key names the kind in the audit entry.
REJECTED = {Status.REJECTED: "rejected_uploads", Status.FAILED: "failed_uploads", Status.CANCELLED: "cancelled_uploads"}
ABANDONED = {Status.PREVIEWED: "abandoned_uploads", Status.VALIDATING: "abandoned_uploads"}
PURGEABLE = {**REJECTED, **ABANDONED}


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Uploads before this are past ``UPLOAD_RETENTION_DAYS``."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.UPLOAD_RETENTION_DAYS)


def stale_roster_imports(cutoff: datetime.datetime) -> QuerySet[RosterImport]:
    """Records that still hold a file and were uploaded before ``cutoff`` without being
    imported (or being imported now)."""
    return RosterImport.objects.filter(status__in=list(PURGEABLE), created_at__lt=cutoff).exclude(file="")


def file_kept_until(record: RosterImport) -> datetime.date | None:
    """The day the purge deletes ``record``'s file, or None when none is waiting for it."""
    if not record.file or record.status not in PURGEABLE:
        return None
    return timezone.localdate(record.created_at + datetime.timedelta(days=settings.UPLOAD_RETENTION_DAYS))


def delete_stored(name: str, storage: Storage) -> bool:
    """Delete one stored file; False when it was already missing (never an error)."""
    try:
        if not storage.exists(name):
            return False
        storage.delete(name)
    except FileNotFoundError:
        return False
    return True


def _purge_one(pk: int, cutoff: datetime.datetime, now: datetime.datetime) -> tuple[str, bool] | None:
    """Purge one record's file if it is (still) stale: its kind and whether the file was
    there; None when it changed meanwhile (imported, being imported, already purged)."""
    with transaction.atomic():
        record = stale_roster_imports(cutoff).select_for_update().filter(pk=pk).first()
        if record is None:
            return None
        kind = PURGEABLE[Status(record.status)]
        found = delete_stored(record.file.name, record.file.storage)
        record.file = ""
        record.changes, record.samples, record.errors = [], {}, []
        record.file_purged_at = now
        fields = ["file", "changes", "samples", "errors", "file_purged_at"]
        if record.status in ABANDONED:
            record.status, record.finished_at = Status.CANCELLED, now
            fields += ["status", "finished_at"]
        record.save(update_fields=fields)
    return kind, found


def purge_roster_files(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete the files of rejected, failed, cancelled and abandoned roster uploads older
    than ``UPLOAD_RETENTION_DAYS``; the counts per kind (and of files already missing).
    One audit entry when anything was purged; a second run finds nothing."""
    now = now or timezone.now()
    cutoff = retention_cutoff(now)
    pks = stale_roster_imports(cutoff).order_by("pk").values_list("pk", flat=True)
    return purge_each(
        list(pks),
        lambda pk: _purge_one(pk, cutoff, now),
        action="roster.purge",
        detail=f"roster files uploaded before {cutoff:%Y-%m-%d} deleted ({settings.UPLOAD_RETENTION_DAYS} days)",
    )


def purge_each(
    pks: list[int], purge_one: Callable[[int], tuple[str, bool] | None], *, action: str, detail: str
) -> dict[str, int]:
    """Purge each record by ``purge_one`` (its kind and whether the file was there, or None
    when it is no longer stale); the counts per kind and of files already missing, audited
    once as ``action`` when anything was purged (the portal's purge uses it too)."""
    counts: Counter[str] = Counter()
    for pk in pks:
        outcome = purge_one(pk)
        if outcome is None:
            continue
        kind, found = outcome
        counts[kind] += 1
        if not found:
            counts["missing_files"] += 1
    result = dict(sorted(counts.items()))
    if result:
        audit_record(action, actor=None, after=result, detail=detail)
    return result
