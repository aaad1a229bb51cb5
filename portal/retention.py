"""How long a file sent through the portal is kept when nothing came of it (issue 20).

``purge_portal_uploads`` (nightly, ``portal.tasks.purge_stale_uploads``) deletes, file and
record, every upload older than ``UPLOAD_RETENTION_DAYS`` that nothing live needs:

- **unattached**: never part of a submission (sent with a form that was then left);
- **rejected**: refused (``Upload.Status.REJECTED``);
- **abandoned**: part only of drafts and returned submissions whose last change (their
  history's latest entry: saved, returned, corrected) is older than the setting too.

A file on a submission waiting for review or accepted is kept, whatever its age: it is the
evidence of what the register holds. A photo or PDF is stored once, cleaned (no original
beside it), and a roster once, encrypted: deleting the stored file deletes every copy.

The record goes with the file (the audit log keeps the ``portal.upload`` entry of who
sent what when): a draft that loses its file asks for it again when it is next sent, as
its form finds no stored file with the checked fingerprint (``kinds/files.stored_file``).
Each upload is locked and checked again before it goes; a file already missing from
storage is counted, not an error; a second run finds nothing. One ``portal.upload_purge``
audit entry per run that deleted something, with the counts per kind (no file names).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from registry.rosters.retention import delete_stored, purge_each, retention_cutoff

from .models import Submission, Upload

S = Submission.Status


def live_submissions(cutoff: datetime.datetime) -> QuerySet[Submission]:
    """Submissions whose files are kept: sent (waiting or accepted), or a draft or a
    returned one changed since ``cutoff``."""
    history = Submission.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_date")
    last_change = Coalesce(Subquery(history.values("history_date")[:1]), "created_at")
    recent = Submission.objects.annotate(last_change=last_change).filter(last_change__gte=cutoff)
    return Submission.objects.filter(Q(status__in=[S.SUBMITTED, S.ACCEPTED]) | Q(pk__in=recent.values("pk")))


def stale_uploads(cutoff: datetime.datetime) -> QuerySet[Upload]:
    """Uploads sent before ``cutoff`` that no live submission holds."""
    return Upload.objects.filter(uploaded_at__lt=cutoff).exclude(submissions__in=live_submissions(cutoff))


def _kind(upload: Upload) -> str:
    if upload.status == Upload.Status.REJECTED:
        return "rejected_uploads"
    return "abandoned_uploads" if upload.submissions.exists() else "unattached_uploads"


def _purge_one(pk: int, cutoff: datetime.datetime) -> tuple[str, bool] | None:
    """Delete one upload, file and record, if it is (still) stale: its kind and whether
    the file was there; None when something took it up meanwhile."""
    with transaction.atomic():
        upload = stale_uploads(cutoff).select_for_update().filter(pk=pk).first()
        if upload is None:
            return None
        kind = _kind(upload)
        found = bool(upload.file.name) and delete_stored(upload.file.name, upload.file.storage)
        upload.delete()  # and its place on the drafts that held it
    return kind, found


def purge_portal_uploads(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete rejected, unattached and abandoned uploads older than
    ``UPLOAD_RETENTION_DAYS``; the counts per kind (and of files already missing). One
    audit entry when anything was purged; a second run finds nothing."""
    cutoff = retention_cutoff(now or timezone.now())
    pks = stale_uploads(cutoff).order_by("pk").values_list("pk", flat=True)
    return purge_each(
        list(pks),
        lambda pk: _purge_one(pk, cutoff),
        action="portal.upload_purge",
        detail=f"portal uploads sent before {cutoff:%Y-%m-%d} deleted ({settings.UPLOAD_RETENTION_DAYS} days)",
    )
