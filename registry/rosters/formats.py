"""Reading uploaded tables safely, and the cell values rosters accept."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from ..spreadsheets import FORMULA_PREFIXES


class UnreadableFile(ValueError):
    """The file is not a table we can read (wrong format, too big, a zip bomb …)."""


Table = tuple[list[str], list[list[str]]]  # header, rows
StreamedTable = tuple[list[str], Iterator[list[str]]]


def _check_zip(data: bytes) -> zipfile.ZipFile:
    """The workbook's archive, refused if its zip entries would expand too far, before any XML is parsed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnreadableFile(_("This is not a valid .xlsx file.")) from None
    entries = archive.infolist()
    if len(entries) > settings.ROSTER_MAX_ZIP_ENTRIES:
        raise UnreadableFile(_("The workbook has too many parts."))
    if sum(entry.file_size for entry in entries) > settings.ROSTER_MAX_UNCOMPRESSED_BYTES:
        raise UnreadableFile(_("The workbook expands to more than the allowed size."))
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


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(_("The text encoding is neither UTF-8 nor GBK."))


def _numbered_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    """(row number as the clerk's spreadsheet shows it, cells) of every row."""
    if len(data) > settings.ROSTER_MAX_UPLOAD_BYTES:
        raise UnreadableFile(
            _("The file is larger than %(mb)d MB.") % {"mb": settings.ROSTER_MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    name = filename.lower()
    if name.endswith(".xlsx"):
        from .xlsx import iter_xlsx_rows  # xlsx.py builds on this module

        return iter_xlsx_rows(data)
    if name.endswith((".csv", ".txt")):
        return enumerate(_csv_rows(decode_text(data)), start=1)
    raise UnreadableFile(_("Upload an .xlsx or .csv file."))


def _csv_rows(text: str) -> Iterator[list[str]]:
    try:
        for row in csv.reader(io.StringIO(text)):
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


def stream_table(data: bytes, filename: str) -> StreamedTable:
    """(header, rows) of the first sheet or the CSV, the rows handed out as they are read
    (memory does not grow with the file); empty rows dropped, cells stripped, every row
    as wide as the header and numbered as in the spreadsheet (``Row``). A file that turns
    out broken further down raises ``UnreadableFile`` while its rows are being read."""
    rows = ((number, cells) for number, cells in _numbered_rows(data, filename) if any(cells))
    _number, header = next(rows, (0, None))
    if header is None:
        raise UnreadableFile(_("The file is empty."))
    width = len(header)
    body = (Row(_padded([_unescape(cell) for cell in cells], width), number) for number, cells in rows)
    return [h.strip().lstrip("\ufeff") for h in header], body


def _padded(row: list[str], width: int) -> list[str]:
    return (row + [""] * width)[:width] if len(row) != width else row


def read_table(data: bytes, filename: str) -> Table:
    """The whole table at once (small files, the error workbook): see ``stream_table``."""
    header, body = stream_table(data, filename)
    return header, list(body)


def count_rows(data: bytes, filename: str) -> int:
    """The number of data rows, read through once (and any unreadable part found)."""
    return sum(1 for _row in stream_table(data, filename)[1])


def _unescape(cell: str) -> str:
    """Undo the apostrophe that exports put before formula-like text ("'=A1" → "=A1"),
    so that importing an export changes nothing."""
    if cell.startswith("'") and cell[1:2] in FORMULA_PREFIXES:
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
