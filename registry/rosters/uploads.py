"""Uploaded rosters: store, validate (with progress), apply once. Shared by the admin and
the Celery tasks that handle large files in the background."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import audit_record
from ..crypto import decrypt_bytes, encrypt_bytes
from ..models import RosterImport, User
from .engine import Plan, import_roster, validate_roster
from .formats import Table, read_table, stream_table
from .kinds import KINDS

Status = RosterImport.Status
ENCRYPTED_SUFFIX = ".enc"


def upload_create(*, kind: str, filename: str, data: bytes, user: User, rows: int) -> RosterImport:
    """Keep the uploaded bytes so the confirmed import applies exactly the previewed file."""
    upload = RosterImport.objects.create(
        kind=kind,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        jurisdiction=user.jurisdiction,
        uploaded_by=user,
        status=Status.VALIDATING,
        rows_total=rows,
    )
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    # Encrypted: the file holds ID numbers, and media backups must not hold them in clear.
    upload.file.save(f"{upload.sha256}{suffix}{ENCRYPTED_SUFFIX}", ContentFile(encrypt_bytes(data)))
    return upload


def in_background(rows: int) -> bool:
    return rows > settings.ROSTER_BACKGROUND_ROWS


def _upload_bytes(upload: RosterImport) -> bytes:
    upload.file.open("rb")
    try:
        data = upload.file.read()
    finally:
        upload.file.close()
    if upload.file.name.endswith(ENCRYPTED_SUFFIX):  # uploads stored before encryption are not
        data = decrypt_bytes(data)
    return data


def upload_rows_and_plan(upload: RosterImport) -> tuple[Table, Plan]:
    """All the rows at once, and their plan: the error workbook repeats every row."""
    table = read_table(_upload_bytes(upload), upload.filename)
    return table, validate_roster(KINDS[upload.kind], table, user=upload.uploaded_by)


def upload_plan(upload: RosterImport, *, progress: bool = False) -> Plan:
    """Check the stored file as it is read, keeping only what the preview shows."""

    def report(done: int) -> None:
        RosterImport.objects.filter(pk=upload.pk).update(rows_done=done)

    table = stream_table(_upload_bytes(upload), upload.filename)
    return validate_roster(KINDS[upload.kind], table, user=upload.uploaded_by, progress=report if progress else None)


def upload_validate(upload: RosterImport) -> Plan:
    """Check the stored file and record the outcome and what the preview shows (idempotent)."""
    plan = upload_plan(upload, progress=True)
    headers = {c.field: c.header for c in KINDS[upload.kind].columns}
    upload.status = Status.PREVIEWED if plan.valid else Status.REJECTED
    upload.digest, upload.counts = plan.digest, plan.counts
    upload.errors = [[e.row, e.column, e.message] for e in plan.errors[:5000]]
    upload.error_count = len(plan.errors)
    upload.changes = [
        [row.row, [[headers.get(name, name), old, new] for name, (old, new) in row.changes.items()]]
        for row in plan.changed
    ]
    upload.rows_done = upload.rows_total
    upload.notice = ""
    upload.save(update_fields=["status", "digest", "counts", "errors", "error_count", "changes", "notice", "rows_done"])
    return plan


def upload_claim(upload: RosterImport) -> bool:
    """Move a previewed upload to running; False when it is not (any more) previewed.

    A unique constraint refuses a second running import of the same file in the same
    jurisdiction, whoever uploaded it.
    """
    try:
        with transaction.atomic():
            return bool(
                RosterImport.objects.filter(pk=upload.pk, status=Status.PREVIEWED).update(status=Status.RUNNING)
            )
    except IntegrityError:
        raise ValidationError(_("The same file is being imported in this jurisdiction right now.")) from None


def upload_apply(upload: RosterImport, *, digest: str) -> dict[str, int]:
    """Apply the previewed plan once; refuses if the data changed since the preview."""
    if not upload_claim(upload):
        raise ValidationError(_("This roster has already been imported or is being imported."))
    try:
        table = stream_table(_upload_bytes(upload), upload.filename)
        counts = import_roster(KINDS[upload.kind], table, user=upload.uploaded_by, expected_digest=digest)
    except ValidationError:
        upload_validate(upload)  # the preview no longer holds: check the file again, so the page shows what is
        raise
    except Exception:
        RosterImport.objects.filter(pk=upload.pk).update(status=Status.FAILED)
        raise
    RosterImport.objects.filter(pk=upload.pk).update(status=Status.IMPORTED, counts=counts, finished_at=timezone.now())
    upload.file.delete(save=False)  # imported: the rows are in the database, the file is no longer needed
    # The rows are in the database (and their history): the preview's copy of them is not needed.
    RosterImport.objects.filter(pk=upload.pk).update(file="", changes=[], notice="")
    audit_record("roster.import", actor=upload.uploaded_by, obj=upload, after=counts, detail=upload.filename)
    return counts
