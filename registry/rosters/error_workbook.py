"""The workbook a rejected roster upload offers: the clerk's own sheet, marked, to be fixed
in place and uploaded again.

It is a copy of the first sheet (or of the CSV's rows) as the clerk wrote it: every row at
its own row number (title rows above the header and blank rows included), the clerk's
columns in their order, their widths and merged ranges. Each cell the check found wrong is
filled light red and holds the message(s) in a comment; a problem of a whole row (a
duplicate key, a missing column) is a comment on the row's first cell. One more column, at
the right of the clerk's columns, repeats every message of its row (``column: message``),
so they can be read in one place; its header cell (on the header row) says "Errors", how
many were recorded when there were more, and the problems of the whole file. Importing the
corrected workbook ignores that column (an unknown header).

Only what the check recorded is marked (``upload.errors``, the first 5,000): the file is
read once and not checked again. The stored file is read as it streams (``iter_xlsx_rows``
or the CSV reader) and written through openpyxl's write-only mode, so memory holds a few
rows, the recorded errors and their comments, never the sheet. Every cell is written as
text, formula-safe (``spreadsheets.formula_safe``). ID and phone numbers under their columns
are masked for a user without the personal-data permission (``may_see_personal``).
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from ..models import RosterImport
from ..spreadsheets import formula_safe
from .engine import known_headers
from .formats import find_header, header_key, text_encoding, text_lines
from .kinds import RosterKind
from .resources import masked
from .sources import (
    BinaryFile,
    SheetLayout,
    UnreadableFile,
    at_start,
    check_upload_size,
    file_size,
)
from .xlsx import MAX_TEXT_CHARACTERS, iter_xlsx_rows

HEADER_SEARCH_ROWS = 10  # the header is looked for among the first non-empty rows
EXCEL_MAX_ROW = 1_048_576  # no row is written past the last a spreadsheet has
ERROR_FILL = PatternFill(fill_type="solid", start_color="FFC7CE", end_color="FFC7CE")  # Excel's "light red"
ERRORS_COLUMN_WIDTH = 60
COMMENT_WIDTH, COMMENT_HEIGHT = 300, 120  # points: room for two or three messages


@dataclass
class RecordedErrors:
    """The check's recorded problems, as the workbook places them."""

    by_row: dict[int, list[tuple[str, str]]]  # row → (column header, message)
    whole_file: list[str]  # those of row 0
    title: str  # the errors column's header: "Errors", or "the first N of M"

    @classmethod
    def of(cls, upload: RosterImport) -> RecordedErrors:
        by_row: dict[int, list[tuple[str, str]]] = {}
        for row, column, message in upload.errors:
            by_row.setdefault(row, []).append((column, message))
        title = str(_("Errors"))
        if upload.error_count > len(upload.errors):
            shown, total = len(upload.errors), upload.error_count
            title = _("Errors (the first %(shown)d of %(total)d)") % {"shown": shown, "total": total}
        return cls(by_row, [message for _column, message in by_row.pop(0, [])], title)


def sheet_rows(file: BinaryFile, filename: str, layout: SheetLayout) -> Iterator[tuple[int, list[str]]]:
    """(row number as the clerk's spreadsheet shows it, cell texts) of every non-empty row of
    the first sheet or the CSV file, as written (cells stripped; the .xlsx's merged ranges
    and column widths into ``layout``). Stops quietly where the file cannot be read further:
    the check recorded why, and the rows read so far are still worth marking."""
    try:
        check_upload_size(file_size(file))
        rows: Iterable[tuple[int, list[str]]]
        if filename.lower().endswith(".xlsx"):
            rows = iter_xlsx_rows(file, layout=layout)
        else:
            source = at_start(file)
            rows = enumerate(csv.reader(text_lines(source, text_encoding(source))), start=1)
        for number, cells in rows:
            cells = [cell.strip() for cell in cells]
            if any(cells):
                yield number, cells
    except (UnreadableFile, csv.Error):
        return


def header_row_of(kind: RosterKind, rows: list[tuple[int, list[str]]]) -> tuple[int, list[str]] | None:
    """Of ``rows``, the header as the import finds it (``formats.find_header``), or None when
    no row names any of the roster's columns."""
    if not rows:
        return None
    found = rows[find_header([cells for _number, cells in rows], known_headers(kind))]
    names = _column_names(kind)
    return found if any(name in names for name in _names(found[1])) else None


def _names(cells: list[str]) -> list[str]:
    return [header_key(cell) for cell in cells]


def _column_names(kind: RosterKind) -> dict[str, str]:
    """A header's key (``formats.header_key``) → the column's Chinese header, for header and alias."""
    names = {header_key(column.alias): column.header for column in kind.columns}
    return names | {header_key(column.header): column.header for column in kind.columns}


@dataclass
class _Sheet:
    """Where the clerk's header row puts things: each column's index (by its Chinese header,
    and by the header as written), the errors column's index and the personal columns."""

    header_number: int
    width: int  # the clerk's columns: the errors column is the next one
    index_of: dict[str, int] = field(default_factory=dict)
    personal: dict[int, str] = field(default_factory=dict)  # index → field masked there

    @classmethod
    def of(cls, kind: RosterKind, head: list[tuple[int, list[str]]], header_row: int | None) -> _Sheet:
        found = next((row for row in head if row[0] == header_row), None) if header_row else None
        found = found or header_row_of(kind, head)
        if found is None:
            first = head[0][0] if head else 1
            return cls(first, max((len(cells) for _number, cells in head), default=0))
        number, cells = found
        width = max(len(cells) for row_number, cells in head if row_number <= number)
        sheet = cls(number, width)
        canonical = _column_names(kind)
        fields = {column.header: column.field for column in kind.columns}
        as_written: dict[str, int] = {}
        for index, name in enumerate(_names(cells)):
            as_written.setdefault(cells[index].strip(), index)
            header = canonical.get(name)
            if header is not None and header not in sheet.index_of:  # the first, as the import reads it
                sheet.index_of[header] = index
                if fields[header] in kind.personal:
                    sheet.personal[index] = fields[header]
        sheet.index_of = as_written | sheet.index_of
        return sheet

    def indexes(self, column: str) -> list[int]:
        """The cells an error about ``column`` marks: its column, or each of the key's columns
        it names ("身份证号、机构统一社会信用代码"); none for a row's or a missing column's."""
        if column in self.index_of:
            return [self.index_of[column]]
        parts = column.split("、")
        if len(parts) > 1 and all(part in self.index_of for part in parts):
            return [self.index_of[part] for part in parts]
        return []


def write_error_workbook(
    *,
    upload: RosterImport,
    kind: RosterKind,
    file: BinaryFile,
    out: IO[bytes],
    may_see_personal: bool,
    header_row: int | None = None,
) -> bool:
    """Write into ``out`` the clerk's sheet of ``file`` (the upload's plain copy) marked with
    the problems the check recorded (see the module). ``header_row``: the row the upload's
    headers were read from, if known; otherwise the one among the first
    ``HEADER_SEARCH_ROWS`` non-empty rows naming the most of the roster's columns. Returns
    whether the sheet has ID or phone number columns (written in full only when
    ``may_see_personal``)."""
    errors = RecordedErrors.of(upload)
    layout = SheetLayout()
    rows = itertools.islice(sheet_rows(file, upload.filename, layout), settings.ROSTER_MAX_ROWS + HEADER_SEARCH_ROWS)
    head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))  # the widths are read by now
    sheet = _Sheet.of(kind, head, header_row)
    writer = _Writer(kind, errors, sheet, mask=not may_see_personal)
    writer.set_widths(layout.widths)
    for number, cells in itertools.chain(head, rows):
        if number > EXCEL_MAX_ROW:
            break
        writer.write(number, cells)
    for number in sorted(n for n in [*errors.by_row, sheet.header_number] if n >= writer.next_row):
        writer.write(number, [])  # problems of rows that could not be read, or are blank
    writer.merge(layout.merged)
    writer.workbook.save(out)
    return bool(sheet.personal)


class _Writer:
    """The marked copy, appended a row at a time (openpyxl's write-only mode numbers rows as
    they are appended: blank rows are appended to keep the clerk's numbers)."""

    def __init__(self, kind: RosterKind, errors: RecordedErrors, sheet: _Sheet, *, mask: bool) -> None:
        self.workbook = Workbook(write_only=True)
        self.worksheet: Any = self.workbook.create_sheet(title=f"{kind.name}-errors"[:31])
        self.errors = errors
        self.sheet = sheet
        self.mask = mask
        self.author = str(_("Roster check"))
        self.next_row = 1

    def set_widths(self, widths: dict[int, float]) -> None:
        """The clerk's column widths, and a wide errors column (before any row is written)."""
        errors_column = self.sheet.width + 1
        for column, width in widths.items():
            shifted = column + 1 if column >= errors_column else column
            self.worksheet.column_dimensions[get_column_letter(shifted)].width = width
        self.worksheet.column_dimensions[get_column_letter(errors_column)].width = ERRORS_COLUMN_WIDTH

    def write(self, number: int, cells: list[str]) -> None:
        while self.next_row < number:  # the blank rows before it (they may have problems)
            self._append(self.next_row, [])
        self._append(number, cells)

    def _append(self, number: int, cells: list[str]) -> None:
        sheet = self.sheet
        notes: dict[int, list[str]] = {}  # cell index → its messages
        marked: set[int] = set()  # the cells found wrong (filled)
        listed = []
        for column, message in self.errors.by_row.get(number, []):
            described = f"{column}: {message}" if column else message
            listed.append(described)
            indexes = sheet.indexes(column)
            for index in indexes:
                notes.setdefault(index, []).append(message)
            marked.update(indexes)
            if not indexes and sheet.width:  # the row's problem: on its first cell
                notes.setdefault(0, []).append(described)
        if number == sheet.header_number:
            listed = [self.errors.title, *self.errors.whole_file, *listed]
        if self.mask and number > sheet.header_number:
            cells = [
                masked(sheet.personal[i], text) if i in sheet.personal and text else text
                for i, text in enumerate(cells)
            ]
        clerks = [*cells[: sheet.width], *[""] * (sheet.width - len(cells))]
        written: list[Any] = [
            self._cell(text, notes.get(index), fill=index in marked) for index, text in enumerate(clerks)
        ]
        written.append(_text(_plain("；".join(listed))) or None)
        written += [_text(text) or None for text in cells[sheet.width :]]  # beyond the header: kept, after it
        self.worksheet.append(written)
        self.next_row = number + 1

    def _cell(self, text: str, messages: list[str] | None, *, fill: bool) -> Any:
        value = _text(text) or None
        if not messages:
            return value
        cell = WriteOnlyCell(self.worksheet, value=value)
        if fill:
            cell.fill = ERROR_FILL
        note = _plain("\n".join(messages))
        cell.comment = Comment(note, self.author, height=COMMENT_HEIGHT, width=COMMENT_WIDTH)
        return cell

    def merge(self, references: list[str]) -> None:
        """The clerk's merged ranges, those crossing the errors column cut short of it, those
        right of it moved past it."""
        errors_column = self.sheet.width + 1
        for reference in references:
            try:
                merged = CellRange(reference)
                if merged.min_col >= errors_column:
                    merged.shift(col_shift=1)
                elif merged.max_col >= errors_column:
                    merged = CellRange(
                        min_col=merged.min_col,
                        min_row=merged.min_row,
                        max_col=errors_column - 1,
                        max_row=merged.max_row,
                    )
            except (ValueError, TypeError):  # not a range, or past the sheet's last column
                continue
            if merged.size["rows"] * merged.size["columns"] > 1:
                self.worksheet.merged_cells.add(merged)


def _plain(text: str) -> str:
    """A message as a cell or a comment may hold it: no control characters, Excel's length."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_TEXT_CHARACTERS]


def _text(text: str) -> str:
    """A cell's text as written: formula-safe, without the characters a sheet cannot hold."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", formula_safe(text)))
