"""Reading uploaded tables safely, and the cell values rosters accept."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from ..spreadsheets import FORMULA_PREFIXES


class UnreadableFile(ValueError):
    """The file is not a table we can read (wrong format, too big, a zip bomb …)."""


Table = tuple[list[str], list[list[str]]]


def _check_zip(data: bytes) -> None:
    """Refuse a workbook whose zip entries would expand too far, before parsing any XML."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnreadableFile(_("This is not a valid .xlsx file.")) from None
    entries = archive.infolist()
    if len(entries) > settings.ROSTER_MAX_ZIP_ENTRIES:
        raise UnreadableFile(_("The workbook has too many parts."))
    if sum(entry.file_size for entry in entries) > settings.ROSTER_MAX_UNCOMPRESSED_BYTES:
        raise UnreadableFile(_("The workbook expands to more than the allowed size."))


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


def _read_xlsx(data: bytes) -> list[list[str]]:
    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise UnreadableFile(_("This .xlsx file cannot be read.")) from error
    try:
        sheet = workbook.worksheets[0]
        # The size a sheet claims ("A1:XFD1048576", in a file of 5 KB) made openpyxl pad
        # every row, present or not, to that size: ignore it, read MAX_COLUMNS at most,
        # and skip empty rows before making text of their cells.
        sheet.reset_dimensions()
        rows = []
        # read-only workbooks parse the sheet lazily: a broken sheet fails here, not above.
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            if row.count(None) == len(row):
                continue
            end = len(row)
            while row[end - 1] is None:
                end -= 1
            rows.append([_cell_text(v) for v in row[:end]])
        return rows
    except Exception as error:
        raise UnreadableFile(_("This .xlsx file cannot be read.")) from error
    finally:
        workbook.close()


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(_("The text encoding is neither UTF-8 nor GBK."))


def read_table(data: bytes, filename: str) -> Table:
    """(header, rows) of the first sheet or the CSV; empty rows dropped, cells stripped."""
    if len(data) > settings.ROSTER_MAX_UPLOAD_BYTES:
        raise UnreadableFile(
            _("The file is larger than %(mb)d MB.") % {"mb": settings.ROSTER_MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _read_xlsx(data)
    elif name.endswith((".csv", ".txt")):
        try:
            rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(decode_text(data)))]
        except csv.Error as error:
            raise UnreadableFile(_("This CSV file cannot be read.")) from error
    else:
        raise UnreadableFile(_("Upload an .xlsx or .csv file."))
    rows = [row for row in rows if any(cell for cell in row)]
    if not rows:
        raise UnreadableFile(_("The file is empty."))
    header, body = rows[0], rows[1:]
    width = len(header)
    body = [[_unescape(cell) for cell in row] for row in body]
    return [h.strip().lstrip("\ufeff") for h in header], [(row + [""] * width)[:width] for row in body]


def _unescape(cell: str) -> str:
    """Undo the apostrophe that exports put before formula-like text ("'=A1" → "=A1"),
    so that importing an export changes nothing."""
    if cell.startswith("'") and cell[1:2] in FORMULA_PREFIXES:
        return cell[1:]
    return cell


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
