"""Reading uploaded tables safely, and the cell values rosters accept."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any, Protocol, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..spreadsheets import looks_like_formula


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
Table = tuple[list[str], list[list[str]]]  # header, rows
StreamedTable = tuple[list[str], Iterator[list[str]]]
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


def _file(source: Source) -> BinaryFile:
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


def _check_zip(source: Source) -> zipfile.ZipFile:
    """The workbook's archive, refused if its zip entries would expand too far, in all or any
    one of them, before any XML is parsed.

    The sizes are those the zip's directory declares: reading a member never gives more than
    its declared size (``zipfile`` stops there, and a shortened member fails its CRC check),
    and the compressed sizes of the members cannot add up to more than the file (members
    sharing their compressed data are a known kind of zip bomb)."""
    file = _file(source)
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


def _cell_text(value: Any) -> str:
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


def _decoded_chunks(file: BinaryFile, encoding: str, progress: ReadProgress | None = None) -> Iterator[str]:
    """The file's text, a chunk at a time (a character split between chunks is kept whole)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    file.seek(0)
    while chunk := file.read(CHUNK_BYTES):
        if progress is not None:
            progress.advance(len(chunk))
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def text_encoding(file: BinaryFile) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as UTF-8, else GB18030 (a
    superset of GBK). Decided on the whole file, read through a chunk at a time."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            for _text in _decoded_chunks(file, encoding):
                pass
        except UnicodeDecodeError:
            continue
        return encoding
    raise UnreadableFile(_("The text encoding is neither UTF-8 nor GBK."))


def text_lines(file: BinaryFile, encoding: str, progress: ReadProgress | None = None) -> Iterator[str]:
    """The file's lines, each with its line feed, split at line feeds only (a carriage return
    or another line break inside a line stays in it, for the CSV reader to judge)."""
    pending: list[str] = []
    for text in _decoded_chunks(file, encoding, progress):
        *complete, rest = text.split("\n")
        for piece in complete:
            pending.append(piece)
            yield "".join(pending) + "\n"
            pending.clear()
        if rest:
            pending.append(rest)
    if pending:
        yield "".join(pending)


def _numbered_rows(source: Source, filename: str, progress: ReadProgress) -> Iterator[tuple[int, list[str]]]:
    """(row number as the clerk's spreadsheet shows it, cells) of every row."""
    size = file_size(source)
    check_upload_size(size)  # before anything is read
    name = filename.lower()
    if name.endswith(".xlsx"):
        from .xlsx import iter_xlsx_rows  # xlsx.py builds on this module

        return iter_xlsx_rows(source, progress)
    if name.endswith((".csv", ".txt")):
        file = _file(source)
        progress.total = size
        return enumerate(_csv_rows(text_lines(file, text_encoding(file), progress)), start=1)
    raise UnreadableFile(_("Upload an .xlsx or .csv file."))


def _csv_rows(lines: Iterator[str]) -> Iterator[list[str]]:
    try:
        for row in csv.reader(lines):
            yield [cell.strip() for cell in row]
    except csv.Error as error:
        raise UnreadableFile(_("This CSV file cannot be read.")) from error


class Row(list[str]):
    """A row's cells, and its number in the spreadsheet: blank rows count, so that an error
    names the row the clerk sees."""

    __slots__ = ("number",)

    def __init__(self, cells: list[str], number: int) -> None:
        super().__init__(cells)
        self.number = number


def stream_table(
    source: Source, filename: str, *, progress: ReadProgress | None = None, max_rows: int | None = None
) -> StreamedTable:
    """(header, rows) of the first sheet or the CSV, the rows handed out as they are read
    (memory does not grow with the file); empty rows dropped, cells stripped, every row
    as wide as the header and numbered as in the spreadsheet (``Row``). A file that turns
    out broken further down raises ``UnreadableFile`` while its rows are being read, and
    so does one with more than ``max_rows`` rows (by default ``ROSTER_MAX_ROWS``).

    ``source`` is the file (read in chunks; it must stay open while the rows are read)
    or its bytes. A file above ``ROSTER_MAX_UPLOAD_BYTES`` is refused before any of it is
    read. ``progress`` (if given) follows how much of the sheet or file has been read."""
    numbered = _numbered_rows(source, filename, ReadProgress() if progress is None else progress)
    rows = ((number, cells) for number, cells in numbered if any(cells))
    _number, header = next(rows, (0, None))
    if header is None:
        raise UnreadableFile(_("The file is empty."))
    width = len(header)
    body = _bounded(
        (Row(_padded([_unescape(cell) for cell in cells], width), number) for number, cells in rows),
        settings.ROSTER_MAX_ROWS if max_rows is None else max_rows,
    )
    return [h.strip().lstrip("\ufeff") for h in header], body


def too_many_rows_message(rows: int) -> str:
    return _("The file has more than %(rows)s rows.") % {"rows": f"{rows:,}"}


def _bounded(rows: Iterator[Row], max_rows: int) -> Iterator[Row]:
    """The rows, refused (``UnreadableFile``) at the first one past ``max_rows``."""
    for count, row in enumerate(rows, start=1):
        if count > max_rows:
            raise UnreadableFile(too_many_rows_message(max_rows))
        yield row


@dataclass
class TableSample:
    """What a request reads of an upload (``sample_table``): the header, the first rows and
    the number of rows, exact when ``complete`` (then ``rows`` are all the rows if there are
    at most as many as were to be kept), else estimated from the part of the file read."""

    header: list[str]
    rows: list[list[str]]
    complete: bool
    row_count: int


def sample_table(source: Source, filename: str, *, keep: int, max_bytes: int) -> TableSample:
    """Read the table as far as ``max_bytes`` of its sheet (or CSV file), keeping its first
    ``keep`` rows and counting the others: a request learns the size of an upload, and has
    the rows of a small one, without reading more than that of a large one.

    A file read to its end within ``max_bytes`` is counted exactly; a longer one's rows are
    estimated from the share of the sheet (or file) read, at least ``keep`` + 1 (a file cut
    short goes to the background, however few rows it turns out to have). Raises
    ``UnreadableFile`` as ``stream_table`` does, for what was read."""
    progress = ReadProgress(limit=max_bytes)
    rows: list[list[str]] = []
    count = 0
    try:
        header, body = stream_table(source, filename, progress=progress)
        for row in body:
            count += 1
            if count <= keep:
                rows.append(row)
            elif rows:
                rows = []  # a large file: its rows are checked in the background, none are kept
    except ReadLimitReached:
        estimate = round(count / progress.fraction) if progress.fraction else count
        return TableSample([], [], complete=False, row_count=max(keep + 1, estimate))
    return TableSample(header, rows, complete=True, row_count=count)


def _padded(row: list[str], width: int) -> list[str]:
    return (row + [""] * width)[:width] if len(row) != width else row


def read_table(source: Source, filename: str) -> Table:
    """The whole table at once (small files): see ``stream_table``."""
    header, body = stream_table(source, filename)
    return header, list(body)


def count_rows(source: Source, filename: str) -> int:
    """The number of data rows, read through once (and any unreadable part found)."""
    return sum(1 for _row in stream_table(source, filename)[1])


def _unescape(cell: str) -> str:
    """Undo the apostrophe that exports put before formula-like text ("'=A1" → "=A1",
    "'\\n=A1" → "\\n=A1"), so that importing an export changes nothing."""
    if cell.startswith("'") and looks_like_formula(cell[1:]):
        return cell[1:]
    return cell


@dataclass(frozen=True)
class CellChecks:
    """What a cell parser guarantees of the values it returns, so that the model need not
    check a non-empty cell again (``engine._checked_by_parsers`` compares this with each
    field's own rules, and checks the field whenever they differ)."""

    validators: tuple[Callable[..., Any], ...] = ()  # model-field validators the parser runs itself
    max_length: int | None = None  # text no longer than this
    choices: frozenset[str] | None = None  # one of these codes


def cell_checks(parse: Callable[[str], Any], checks: CellChecks) -> Callable[[str], Any]:
    """Declare what ``parse`` guarantees (see ``CellChecks``)."""
    setattr(parse, "cell_checks", checks)  # noqa: B010 - an attribute of a function
    return parse


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
]
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def parse_date(text: str) -> datetime.date:
    """2026-11-23, 2026/11/23, 2026.11.23, 2026年11月23日 or an Excel serial day number."""
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return datetime.date(year, month, day)
            except ValueError:
                break
    # Excel stores dates as days since 1899-12-30. isdecimal(), not isdigit(): int() refuses
    # "²"; and five digits, as int() refuses more than 4,300 (a Python message otherwise).
    if len(text) == 5 and text.isdecimal() and 20000 < int(text) < 80000:
        return EXCEL_EPOCH + datetime.timedelta(days=int(text))
    raise ValueError(_("“%(value)s” is not a date (write 2026-11-23).") % {"value": text})


cell_checks(parse_date, CellChecks())  # a date: a date field has no rule of its own


# No count in a roster comes near 10^18; int() of a Decimal as large as 1e999999 takes
# minutes (the time grows with the square of the digits).
MAX_INT_DIGITS = 18


def parse_int(text: str) -> int:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text}) from None
    # Decimal also reads NaN and Infinity, which neither compare nor convert to int.
    if not value.is_finite() or value != value.to_integral_value() or value < 0:
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text})
    if value.adjusted() >= MAX_INT_DIGITS:
        raise ValueError(_("“%(value)s” is too large.") % {"value": text})
    return int(value)


def parse_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text}) from None
    if not value.is_finite():  # NaN and Infinity: not amounts, and NaN does not compare
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text})
    if value < 0:
        raise ValueError(_("“%(value)s” cannot be negative.") % {"value": text})
    return value
