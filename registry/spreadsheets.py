"""Writing tabular files safely: CSV (UTF-8 with BOM) and xlsx (reading them is
``rosters.formats``, which every upload goes through).

Formula-safe: a cell that a spreadsheet would run as a formula is written with a leading
apostrophe, so an exported name like ``=HYPERLINK(…)`` stays text (CSV injection). That
is text whose first character other than white space is =, +, - or @ (spreadsheets skip
leading spaces and line breaks: " =1+1" and "\\n=1+1" run too), and text that starts with
a tab, a carriage return, a line feed or NUL. Numbers (int, float, Decimal) stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
# A formula character after any white space (Unicode's, as str.isspace: the ideographic
# space too) or NUL, or a control character that starts the text.
_FORMULA = re.compile(r"[\s\0]*[=+\-@]|[\t\r\n\0]")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could run this text as a formula (see the module's docstring)."""
    return _FORMULA.match(text) is not None


def formula_safe(value: Any) -> Any:
    """Text that could run as a formula gets a leading apostrophe; numbers stay numbers.
    Text that already starts with the apostrophe is left as it is."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")  # the value's own precision: 1234.50, 2.3333
    return formula_safe("" if value is None else value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV in UTF-8 with a BOM (so Excel opens Chinese text correctly), formula-safe."""
    return b"".join(csv_chunks(header, rows))


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], *, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """The same CSV as ``csv_bytes``, handed out a few hundred rows at a time as the rows
    are read: a download of any size streams, never held whole in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([_cell(h) for h in header])
    for number, row in enumerate(rows, start=1):
        writer.writerow([_cell(v) for v in row])
        if number % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _xlsx_cell(value: Any) -> Any:
    """As ``_cell``, without the control characters that a worksheet cannot hold (NUL …)."""
    value = _cell(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


xlsx_cell = _xlsx_cell  # one cell, formula-safe: for a workbook built cell by cell (roster templates)


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([_xlsx_cell(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
