"""Reading uploaded tables safely (CSV here, .xlsx in ``xlsx``; the upload's limits in
``sources``), and the cell values rosters accept."""

from __future__ import annotations

import codecs
import csv
import datetime
import itertools
import re
import unicodedata
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from ..spreadsheets import looks_like_formula
from .sources import (
    CHUNK_BYTES,
    MAX_COLUMNS,
    BinaryFile,
    ReadLimitReached,
    ReadProgress,
    Source,
    UnreadableFile,
    at_start,
    check_upload_size,
    file_size,
    too_large_message,
    validate_upload_size,
)
from .xlsx import iter_xlsx_rows

# What the readers' callers import from here (defined in ``sources``).
__all__ = [
    "CHUNK_BYTES",
    "MAX_COLUMNS",
    "BinaryFile",
    "ReadLimitReached",
    "ReadProgress",
    "Source",
    "UnreadableFile",
    "check_upload_size",
    "file_size",
    "too_large_message",
    "validate_upload_size",
]

Table = tuple[list[str], list[list[str]]]  # header, rows
StreamedTable = tuple[list[str], Iterator[list[str]]]


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
        return iter_xlsx_rows(source, progress)
    if name.endswith((".csv", ".txt")):
        file = at_start(source)
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


class Header(list[str]):
    """The header's texts, and the number of the row they were found on (``find_header``)."""

    __slots__ = ("number",)

    def __init__(self, cells: list[str], number: int) -> None:
        super().__init__(cells)
        self.number = number


# The header is looked for among the table's first non-empty rows: title rows, a note
# ("填报单位：…") and blank rows above it are how a government spreadsheet starts.
HEADER_SEARCH_ROWS = 10


def header_key(text: str) -> str:
    """What a header is compared by: full-width forms folded (NFKC), no white space at all
    (a line break typed in a header cell, "身份证 号"), case ignored."""
    return "".join(unicodedata.normalize("NFKC", text).lstrip("\ufeff").split()).lower()


def find_header(rows: list[list[str]], known: Collection[str]) -> int:
    """The index of the header among ``rows`` (the first non-empty rows of a table): the row
    naming the most of the ``known`` headers, the earliest of those that name as many; the
    first row when none names any (its missing columns are then reported)."""
    keys = {header_key(name) for name in known}
    best, best_score = 0, 0
    for index, cells in enumerate(rows):
        score = len(keys & {header_key(cell) for cell in cells})
        if score > best_score:
            best, best_score = index, score
    return best


def stream_table(
    source: Source,
    filename: str,
    *,
    progress: ReadProgress | None = None,
    max_rows: int | None = None,
    headers: Collection[str] | None = None,
) -> StreamedTable:
    """(header, rows) of the first sheet or the CSV, the rows handed out as they are read
    (memory does not grow with the file); empty rows dropped, cells stripped, every row
    as wide as the header and numbered as in the spreadsheet (``Row``). A file that turns
    out broken further down raises ``UnreadableFile`` while its rows are being read, and
    so does one with more than ``max_rows`` rows (by default ``ROSTER_MAX_ROWS``).

    ``headers``: the headers the table may have (a roster kind's Chinese headers and
    English aliases). The header is then the row among the first ``HEADER_SEARCH_ROWS``
    non-empty ones that names the most of them (``find_header``), the rows above it
    ignored; without ``headers``, the first non-empty row. Only those first rows are held
    while it is looked for. The header (``Header``) carries its row number.

    ``source`` is the file (read in chunks; it must stay open while the rows are read)
    or its bytes. A file above ``ROSTER_MAX_UPLOAD_BYTES`` is refused before any of it is
    read. ``progress`` (if given) follows how much of the sheet or file has been read."""
    numbered = _numbered_rows(source, filename, ReadProgress() if progress is None else progress)
    rows = ((number, cells) for number, cells in numbered if any(cells))
    first = list(itertools.islice(rows, HEADER_SEARCH_ROWS if headers else 1))
    if not first:
        raise UnreadableFile(_("The file is empty."))
    index = find_header([cells for _number, cells in first], headers) if headers else 0
    header_number, header = first[index]
    width = len(header)
    body = _bounded(
        (
            Row(_padded([_unescape(cell) for cell in cells], width), number)
            for number, cells in itertools.chain(first[index + 1 :], rows)
        ),
        settings.ROSTER_MAX_ROWS if max_rows is None else max_rows,
    )
    return Header([h.strip().lstrip("\ufeff") for h in header], header_number), body


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


def sample_table(
    source: Source, filename: str, *, keep: int, max_bytes: int, headers: Collection[str] | None = None
) -> TableSample:
    """Read the table as far as ``max_bytes`` of its sheet (or CSV file), keeping its first
    ``keep`` rows and counting the others: a request learns the size of an upload, and has
    the rows of a small one, without reading more than that of a large one.

    A file read to its end within ``max_bytes`` is counted exactly; a longer one's rows are
    estimated from the share of the sheet (or file) read, at least ``keep`` + 1 (a file cut
    short goes to the background, however few rows it turns out to have). Raises
    ``UnreadableFile`` as ``stream_table`` does, for what was read (``headers``: as there)."""
    progress = ReadProgress(limit=max_bytes)
    rows: list[list[str]] = []
    count = 0
    try:
        header, body = stream_table(source, filename, progress=progress, headers=headers)
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


class Record(dict[str, str]):
    """A row as header → text (``read_rows``), and its number in the spreadsheet."""

    __slots__ = ("number",)

    def __init__(self, cells: dict[str, str], number: int) -> None:
        super().__init__(cells)
        self.number = number


def read_rows(
    source: Source, filename: str, *, max_rows: int | None = None, headers: Collection[str] | None = None
) -> Iterator[Record]:
    """Rows of a CSV (UTF-8 with or without BOM, or GB18030) or xlsx file as header → text,
    each with its spreadsheet row number (``Record.number``: blank and title rows count),
    handed out as they are read, as ``stream_table`` reads them (every limit and check of an
    upload; at most ``max_rows`` rows, by default ``ROSTER_MAX_ROWS``; the header row found
    among the first rows by the ``headers`` expected). Raises ``UnreadableFile`` (a
    ``ValueError``) with a message for the user, at once or while the rows are read."""
    header, rows = stream_table(source, filename, max_rows=max_rows, headers=headers)
    return (Record(dict(zip(header, row, strict=False)), getattr(row, "number", 0)) for row in rows)


def read_table(source: Source, filename: str, *, headers: Collection[str] | None = None) -> Table:
    """The whole table at once (small files): see ``stream_table``."""
    header, body = stream_table(source, filename, headers=headers)
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
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),  # 20260301, as many systems write it
]
# Excel stores dates as days since 1899-12-30; a date cell formatted as text (or saved to
# CSV as a number) shows the day number: five digits (1954-10-18 to 2119-01-11), at times
# with the ".0" of a number.
_EXCEL_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")
EXCEL_EPOCH = datetime.date(1899, 12, 30)


# The full-width forms of ASCII (U+FF01-FF5E: ０-９, －, ／, ．) and the ideographic space, as
# a Chinese input method types them. Only those: NFKC would also make "²²²²²" an Excel day.
FULL_WIDTH = str.maketrans({0xFF01 + offset: 0x21 + offset for offset in range(94)} | {0x3000: 0x20})


def fold_full_width(text: str) -> str:
    """Full-width digits, letters and signs as ASCII (``FULL_WIDTH``)."""
    return text.translate(FULL_WIDTH)


def parse_date(text: str) -> datetime.date:
    """2026-11-23, 2026/11/23, 2026.11.23, 2026年11月23日, 20261123 or an Excel serial day
    number, in ASCII or full-width digits and signs (２０２６－１１－２３: ``fold_full_width``)."""
    # The patterns' \d also matches other scripts' digits ("٣", which int() reads): a match
    # counts only when its digits are ASCII.
    folded = fold_full_width(text).strip()
    if folded.isascii() or "年" in folded:
        for pattern in _DATE_PATTERNS:
            match = pattern.match(folded)
            if match and all(group.isascii() for group in match.groups()):
                year, month, day = (int(g) for g in match.groups())
                try:
                    return datetime.date(year, month, day)
                except ValueError:
                    break
        # isascii(): int() would also read other scripts' digits; five digits, as int()
        # refuses more than 4,300 (a Python message otherwise).
        serial = _EXCEL_SERIAL.match(folded)
        if serial and folded.isascii() and 20000 < int(serial.group(1)) < 80000:
            return EXCEL_EPOCH + datetime.timedelta(days=int(serial.group(1)))
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
