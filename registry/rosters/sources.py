"""An upload as the roster readers see it: the file or its bytes, its size limits, the
checks of an .xlsx's zip archive, and the text of a cell's value.

Both readers build on this module (``formats`` for CSV and the choice of reader, ``xlsx``
for workbooks), so neither imports the other's internals.
"""

from __future__ import annotations

import datetime
import io
import os
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any, Protocol, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class UnreadableFile(ValueError):
    """The file is not a table we can read (wrong format, too big, a zip bomb …)."""


class BinaryFile(Protocol):
    """What the readers need of an upload: an open, seekable binary file (a Django
    ``UploadedFile``, a file on disk, ``io.BytesIO``)."""

    def read(self, size: int = ..., /) -> bytes: ...

    def seek(self, offset: int, whence: int = ..., /) -> int: ...

    def tell(self) -> int: ...


# An upload's bytes or, better, the file itself: read in chunks, never whole.
Source = bytes | BinaryFile
CHUNK_BYTES = 64 * 1024
# A zip member expanding to less than this is not judged by its ratio: it cannot amplify
# much, and a small part of white space may well compress a thousand times.
RATIO_CHECKED_FROM_BYTES = 1024 * 1024


class ReadLimitReached(Exception):
    """The reading went past ``ReadProgress.limit`` (``sample_table``)."""


@dataclass
class ReadProgress:
    """How much of the sheet (or the CSV file) has been read: ``done`` of ``total`` bytes
    (the sheet as it expands, the CSV as it is stored). Past ``limit`` (if set), the reading
    stops with ``ReadLimitReached``."""

    done: int = 0
    total: int = 0
    limit: int | None = None

    def advance(self, size: int) -> None:
        self.done += size
        if self.limit is not None and self.done > self.limit:
            raise ReadLimitReached

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 1.0


def at_start(source: Source) -> BinaryFile:
    """The source as a file at its start (``io.BytesIO`` shares the bytes, it does not copy them)."""
    file = io.BytesIO(source) if isinstance(source, bytes) else source
    file.seek(0)
    return file


def file_size(source: Source) -> int:
    """The size in bytes, found without reading the content."""
    if isinstance(source, bytes):
        return len(source)
    source.seek(0, os.SEEK_END)
    size = source.tell()
    source.seek(0)
    return size


def too_large_message() -> str:
    return _("The file is larger than %(mb)d MB.") % {"mb": settings.ROSTER_MAX_UPLOAD_BYTES // (1024 * 1024)}


def check_upload_size(size: int | None) -> None:
    """Refuse a file above ``ROSTER_MAX_UPLOAD_BYTES`` by its size alone, before any of it is read."""
    if size is not None and size > settings.ROSTER_MAX_UPLOAD_BYTES:
        raise UnreadableFile(too_large_message())


def validate_upload_size(upload: Any) -> None:
    """A form's file field validator: an upload (``UploadedFile``, its size counted as it
    was received) above ``ROSTER_MAX_UPLOAD_BYTES`` is an error, before any of it is read."""
    try:
        check_upload_size(upload.size)
    except UnreadableFile as error:
        raise ValidationError(str(error), code="too_large") from None


def check_zip(source: Source) -> zipfile.ZipFile:
    """The workbook's archive, refused if its zip entries would expand too far, in all or any
    one of them, before any XML is parsed.

    The sizes are those the zip's directory declares: reading a member never gives more than
    its declared size (``zipfile`` stops there, and a shortened member fails its CRC check),
    and the compressed sizes of the members cannot add up to more than the file (members
    sharing their compressed data are a known kind of zip bomb)."""
    file = at_start(source)
    try:
        archive = zipfile.ZipFile(cast(IO[bytes], file))
    except zipfile.BadZipFile:
        raise UnreadableFile(_("This is not a valid .xlsx file.")) from None
    entries = archive.infolist()
    if len(entries) > settings.ROSTER_MAX_ZIP_ENTRIES:
        raise UnreadableFile(_("The workbook has too many parts."))
    if sum(entry.file_size for entry in entries) > settings.ROSTER_MAX_UNCOMPRESSED_BYTES:
        raise UnreadableFile(_("The workbook expands to more than the allowed size."))
    if sum(entry.compress_size for entry in entries) > file_size(file):
        raise UnreadableFile(_("This is not a valid .xlsx file."))
    ratio = settings.ROSTER_MAX_ZIP_RATIO
    for entry in entries:
        if entry.file_size >= RATIO_CHECKED_FROM_BYTES and entry.file_size > ratio * entry.compress_size:
            raise UnreadableFile(
                _("A part of the workbook expands more than %(ratio)d times; spreadsheets do not.") % {"ratio": ratio}
            )
    return archive


def cell_text(value: Any) -> str:
    """The text of a cell's value as a roster reads it: dates in ISO form, whole floats
    without ".0" (what openpyxl gives for 120), other text stripped."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# A roster has 5 to 14 columns; a sheet may have (and claim) up to 16,384.
MAX_COLUMNS = 100


# The most merged ranges and column widths a ``SheetLayout`` keeps (a title row has one or two).
MAX_LAYOUT_ITEMS = 1_000
MAX_WIDTH = 255.0  # Excel's widest column, in characters


@dataclass
class SheetLayout:
    """What of the first sheet's layout a copy of it keeps (``iter_xlsx_rows``' ``layout``):
    its merged ranges ("A1:F1", known when the rows have all been read: the sheet lists them
    after its cells) and its column widths (column number → width, known before the first
    row). At most ``MAX_LAYOUT_ITEMS`` of each; the rest are passed over."""

    merged: list[str] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)

    def add_merge(self, reference: str) -> None:
        if reference and len(self.merged) < MAX_LAYOUT_ITEMS:
            self.merged.append(reference)

    def add_widths(self, attributes: dict[str, str]) -> None:
        """A ``<col min max width>``: the width of each column it spans, of the first MAX_COLUMNS."""
        try:
            first, last, width = int(attributes["min"]), int(attributes["max"]), float(attributes["width"])
        except (KeyError, ValueError):
            return
        if not 0 < width <= MAX_WIDTH:  # also NaN
            return
        for column in range(max(first, 1), min(last, MAX_COLUMNS) + 1):
            if len(self.widths) < MAX_LAYOUT_ITEMS:
                self.widths[column] = width
