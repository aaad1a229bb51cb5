"""Uploaded rosters: store, validate (with progress), apply once. Shared by the admin and
the Celery tasks that handle large files in the background.

The stored file is encrypted (it holds ID numbers, and media backups must not hold them
in clear) a frame at a time: writing it reads the upload in ``FRAME_BYTES`` pieces, and
reading it back holds the plain file once (at most ``ROSTER_MAX_UPLOAD_BYTES``) plus one
frame, where a single Fernet token of the whole file needed several copies of it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import secrets
import struct
import tempfile
from collections.abc import Iterator
from typing import IO, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguards.audit import audit_record
from safeguards.crypto import InvalidToken, decrypt_bytes, encrypt_bytes

from ..models import RosterImport, User
from .engine import Plan, RowError, RowPlan, import_roster, known_headers, validate_roster
from .formats import BinaryFile, Source, Table, TableSample, UnreadableFile, sample_table, stream_table
from .kinds import KINDS, RosterKind, export_value

Status = RosterImport.Status
ENCRYPTED_SUFFIX = ".enc"

# A stored upload: this line, then one Fernet token per line, each the encryption of
# (the file's random id, the frame's number, whether it is the last frame) + up to
# FRAME_BYTES of the file. The id, numbers and last flag let no frame be dropped,
# reordered or taken from another file without the reading failing.
FRAMES_MAGIC = b"carereg-encrypted-frames-1\n"
FRAME_BYTES = 64 * 1024
_FRAME_HEADER = struct.Struct(">16sQ?")
_MAX_TOKEN_LINE = 2 * FRAME_BYTES  # a token is 4/3 of its frame and 73 bytes more

# What the upload's request reads of the sheet (as it expands) or the CSV file, at most:
# 4,000 to 8,000 rows of a roster .xlsx, 20,000 of a CSV, a few tenths of a second. A file
# of up to ROSTER_BACKGROUND_ROWS rows is checked from the rows read then (it is read once);
# a longer or heavier one is counted (or its rows estimated) and checked by a Celery task.
REQUEST_READ_BYTES = 2 * 1024 * 1024


class _LineFile(BinaryFile, Protocol):
    def readline(self, size: int = ..., /) -> bytes: ...


def write_encrypted(source: BinaryFile, out: IO[bytes]) -> str:
    """Encrypt ``source`` into ``out`` a frame at a time; the SHA-256 of the plain file."""
    digest = hashlib.sha256()
    file_id = secrets.token_bytes(16)
    out.write(FRAMES_MAGIC)
    source.seek(0)
    frame, number = source.read(FRAME_BYTES), 0
    while True:
        following = source.read(FRAME_BYTES)  # read ahead: the last frame says it is the last
        digest.update(frame)
        out.write(encrypt_bytes(_FRAME_HEADER.pack(file_id, number, not following) + frame) + b"\n")
        if not following:
            return digest.hexdigest()
        frame, number = following, number + 1


def read_encrypted(stored: _LineFile) -> io.BytesIO:
    """The plain file of ``write_encrypted``'s output (positioned after ``FRAMES_MAGIC``).
    Raises ``InvalidToken`` for a frame no key opens, or frames missing, reordered or foreign."""
    plain = io.BytesIO()
    file_id: bytes | None = None
    number = 0
    while True:
        line = stored.readline(_MAX_TOKEN_LINE)
        if not line.endswith(b"\n"):
            raise InvalidToken  # cut short
        frame = decrypt_bytes(line[:-1])
        frame_file, frame_number, last = _FRAME_HEADER.unpack_from(frame)
        if frame_number != number or file_id not in {None, frame_file}:
            raise InvalidToken
        file_id = frame_file
        plain.write(memoryview(frame)[_FRAME_HEADER.size :])
        if last:
            if stored.read(1):
                raise InvalidToken  # something after the last frame
            plain.seek(0)
            return plain
        number += 1


def upload_create(*, kind: str, filename: str, data: Source, user: User, rows: int) -> RosterImport:
    """Keep the uploaded file (an ``UploadedFile``, or bytes) so that the confirmed import
    applies exactly the previewed file. It is read a frame at a time, never whole."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    # Only ciphertext goes to the temporary file (Django's upload handler already keeps a
    # large upload itself in a temporary file until the request ends).
    with tempfile.TemporaryFile() as encrypted:
        sha256 = write_encrypted(source, encrypted)
        upload = RosterImport.objects.create(
            kind=kind,
            filename=filename[:255],
            sha256=sha256,
            jurisdiction=user.jurisdiction,
            uploaded_by=user,
            status=Status.VALIDATING,
            rows_total=rows,
        )
        suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
        upload.file.save(f"{upload.sha256}{suffix}{ENCRYPTED_SUFFIX}", File(encrypted))
    return upload


def in_background(rows: int) -> bool:
    return rows > settings.ROSTER_BACKGROUND_ROWS


def upload_sample(data: Source, filename: str, *, kind: str | None = None) -> TableSample:
    """What the upload's request reads of the file: all of a small one (its rows kept, to be
    checked without reading it again), at most ``REQUEST_READ_BYTES`` of a large one (its
    rows counted or estimated, at least ROSTER_BACKGROUND_ROWS + 1); its header found by the
    roster ``kind``'s headers (else the first row). ``UnreadableFile`` for what cannot be
    read in that part."""
    headers = known_headers(KINDS[kind]) if kind else None
    return sample_table(
        data, filename, keep=settings.ROSTER_BACKGROUND_ROWS, max_bytes=REQUEST_READ_BYTES, headers=headers
    )


@contextlib.contextmanager
def opened_upload(upload: RosterImport) -> Iterator[BinaryFile]:
    """The stored upload's plain file, open while the block reads it."""
    upload.file.open("rb")
    try:
        if not upload.file.name.endswith(ENCRYPTED_SUFFIX):  # stored before encryption
            yield upload.file
            return
        if upload.file.read(len(FRAMES_MAGIC)) == FRAMES_MAGIC:
            plain = read_encrypted(upload.file)
        else:  # one token of the whole file, as stored before frames (at most the size limit)
            upload.file.seek(0)
            plain = io.BytesIO(decrypt_bytes(upload.file.read()))
    finally:
        upload.file.close()
    yield plain


def upload_plan(upload: RosterImport, *, progress: bool = False, table: Table | None = None) -> tuple[Plan, int]:
    """Check the stored file as it is read (or ``table``, the rows the upload's request read
    of it), keeping only what the preview shows; and the number of rows checked."""

    def report(done: int) -> None:
        # An estimated total (upload_sample) grows with the rows checked past it.
        RosterImport.objects.filter(pk=upload.pk).update(rows_done=done, rows_total=Greatest("rows_total", done))

    if table is not None:
        return validate_roster(KINDS[upload.kind], table, user=upload.uploaded_by), len(table[1])
    with opened_upload(upload) as file:
        header, body = stream_table(file, upload.filename, headers=known_headers(KINDS[upload.kind]))
        counted = _Counted(body)
        plan = validate_roster(
            KINDS[upload.kind], (header, counted), user=upload.uploaded_by, progress=report if progress else None
        )
        return plan, counted.count


class _Counted(Iterator[list[str]]):
    """The rows of a table, counted as they are handed out."""

    def __init__(self, rows: Iterator[list[str]]) -> None:
        self.rows = rows
        self.count = 0

    def __next__(self) -> list[str]:
        row = next(self.rows)
        self.count += 1
        return row


def upload_validate(upload: RosterImport, table: Table | None = None) -> Plan:
    """Check the stored file (or ``table``, the rows the upload's request read of it) and
    record the outcome and what the preview shows (idempotent). A file that cannot be read
    to its end is rejected with one error for the whole file (row 0), never half-checked."""
    try:
        plan, counted = upload_plan(upload, progress=True, table=table)
    except UnreadableFile as error:
        plan, counted = Plan(KINDS[upload.kind], errors=[RowError(0, "", str(error))]), upload.rows_done
    headers = {c.field: c.header for c in KINDS[upload.kind].columns}
    upload.status = Status.PREVIEWED if plan.valid else Status.REJECTED
    upload.digest, upload.counts = plan.digest, plan.counts
    upload.errors = [[e.row, e.column, e.message] for e in plan.errors[:5000]]
    upload.error_count = len(plan.errors)
    upload.changes = [
        [row.row, [[headers.get(name, name), old, new] for name, (old, new) in row.changes.items()]]
        for row in plan.changed
    ]
    # The rows checked; but a file sent to the background stays there (its confirmed import
    # too), even if it has fewer rows than its size suggested.
    if in_background(counted) or not in_background(upload.rows_total):
        upload.rows_total = counted
    upload.rows_done = upload.rows_total
    upload.notice = ""
    upload.header_row = plan.header_row
    upload.samples = preview_samples(plan)
    upload.readings = [[column, alias, label, rows] for (column, alias, label), rows in sorted(plan.readings.items())]
    fields = ["status", "digest", "counts", "errors", "error_count", "changes", "notice", "rows_done", "rows_total"]
    fields += ["header_row", "readings", "samples"]
    upload.save(update_fields=fields)
    return plan


def preview_samples(plan: Plan) -> dict[str, list[list[object]]]:
    """The first new and unchanged rows as the roster writes them (choices by their Chinese
    label, dates in ISO form), ID and phone numbers masked: what the preview shows of each
    action, kept with the upload (the file itself is encrypted)."""
    kind = plan.kind
    return {
        action: [[row.row, sample_cells(kind, row)] for row in rows] for action, rows in plan.samples.items() if rows
    }


def sample_cells(kind: RosterKind, row: RowPlan) -> list[str]:
    cells = []
    for column in kind.columns:
        if column.field in kind.set_by_hooks:  # not on the instance until the hooks save it
            value = row.values.get(column.field)
            cells.append("" if value is None else str(value))
        else:
            cells.append(export_value(kind, column, row.instance, may_see_personal=False))
    return cells


def upload_cancel(*, upload: RosterImport, user: User) -> RosterImport:
    """Discard a checked upload that was not imported: its file is deleted, the record stays
    (status cancelled) and the cancellation is audited. Refused once it is being imported."""
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=upload.pk)
        if locked.status not in CANCELLABLE:
            raise ValidationError(
                {
                    "status": _("Only a roster that has not been imported can be cancelled (it is “%(status)s”).")
                    % {"status": locked.get_status_display()}
                }
            )
        before = locked.status
        locked.status = Status.CANCELLED
        locked.finished_at = timezone.now()
        locked.changes, locked.samples = [], {}
        stored, storage = locked.file.name, locked.file.storage
        locked.file = ""  # the stored file is deleted once this is committed
        locked.save(update_fields=["status", "finished_at", "changes", "samples", "file"])
        if stored:
            transaction.on_commit(lambda: storage.delete(stored))
        audit_record(
            "roster.cancel",
            actor=user,
            obj=locked,
            before={"status": before},
            after={"status": locked.status, "kind": locked.kind, "counts": locked.counts},
            detail=locked.filename,
        )
    return locked


CANCELLABLE = frozenset({Status.PREVIEWED, Status.REJECTED, Status.FAILED})


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
    counts = _import_claimed(upload, digest=digest)
    if counts is None:
        raise ValidationError(_("This roster has already been imported or is being imported."))
    return counts


def upload_resume(upload: RosterImport, *, digest: str) -> dict[str, int] | None:
    """Import an upload left "importing" by a worker that died in the middle (killed, or
    its database went away): its transaction died with it, so none of its rows are in the
    database, and the task delivered again (or tried again) imports it now. None when it is
    not importing, or another worker is importing it at this moment (it holds the row)."""
    return _import_claimed(upload, digest=digest)


def _import_claimed(upload: RosterImport, *, digest: str) -> dict[str, int] | None:
    """Import a claimed (running) upload holding its row, so that its rows and its status
    "imported" are committed together, by one worker only."""
    try:
        with transaction.atomic():
            claimed = RosterImport.objects.select_for_update(skip_locked=True).filter(
                pk=upload.pk, status=Status.RUNNING
            )
            if not list(claimed.values_list("pk", flat=True)):
                return None
            upload.refresh_from_db(fields=["file"])  # as it is now (a key rotation may have written it again)
            with opened_upload(upload) as file:
                table = stream_table(file, upload.filename, headers=known_headers(KINDS[upload.kind]))
                counts = import_roster(
                    KINDS[upload.kind],
                    table,
                    user=upload.uploaded_by,
                    expected_digest=digest,
                    source=upload,
                    filename=upload.filename,
                )
            # The rows are in the database (and their history): the file and the preview's
            # copy of them are no longer needed.
            RosterImport.objects.filter(pk=upload.pk).update(
                status=Status.IMPORTED, counts=counts, finished_at=timezone.now(), file="", changes=[], notice=""
            )
    except ValidationError:
        upload_validate(upload)  # the preview no longer holds: check the file again, so the page shows what is
        raise
    except Exception:
        RosterImport.objects.filter(pk=upload.pk).update(status=Status.FAILED)
        raise
    upload.file.delete(save=False)
    return counts


# Files a task reads right now: re-encrypting them would pull the file from under it.
IN_USE = frozenset({Status.VALIDATING, Status.RUNNING})


def rotate_roster_files() -> dict[str, int]:
    """For ``manage.py rotate_personal_data_key``: every stored roster file (rejected,
    failed or waiting for confirmation) written again under the newest key, the old copy
    deleted once the record names the new one. A file being checked or imported is left
    (and counted): run the command again when those have finished."""
    rewritten = 0
    for pk in RosterImport.objects.exclude(file="").order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            record = RosterImport.objects.select_for_update().exclude(status__in=IN_USE).filter(pk=pk).first()
            if record is None or not record.file:
                continue
            old_name, storage = record.file.name, record.file.storage
            suffix = ".xlsx" if record.filename.lower().endswith(".xlsx") else ".csv"
            with opened_upload(record) as plain, tempfile.TemporaryFile() as encrypted:
                write_encrypted(plain, encrypted)
                record.file.save(f"{record.sha256}{suffix}{ENCRYPTED_SUFFIX}", File(encrypted), save=False)
            record.save(update_fields=["file"])
            transaction.on_commit(functools.partial(storage.delete, old_name))
        rewritten += 1
    in_use = RosterImport.objects.exclude(file="").filter(status__in=IN_USE).count()
    return {"registry_rosterimport files": rewritten, "registry_rosterimport files in use, left": in_use}
