"""Reading the first worksheet of an .xlsx upload as text, a row at a time.

openpyxl's read-only mode took 13–17 s for a 100,000-row roster: it parses through the
pure-Python defusedxml parser and makes an object of every cell. Here expat reads the
zip stream in chunks and each cell becomes, directly, the text ``sources.cell_text``
makes of the value openpyxl would give (``data_only=True``: formulas give their cached
value). Memory holds a chunk of rows at a time, plus the shared strings the sheet uses.

What a file can make the reader hold is bounded (issue 23), whatever it claims: the shared
strings are read only as far as the sheet's cells refer to them, never more of them than
the sheet has room to refer to, in at most ``ROSTER_MAX_SHARED_STRINGS_BYTES`` of memory, and
a sheet whose cells turn out to use far fewer of them than were read is refused; a cell's
text is at most Excel's 32,767 characters; a sheet declaring (``<dimension ref>``) more rows
than ``ROSTER_MAX_ROWS`` is refused, and the declaration is never used otherwise; zip
members are checked before any of this (``sources.check_zip``).
"""

from __future__ import annotations

import datetime
import posixpath
import sys
import zipfile
from collections.abc import Iterator
from typing import NoReturn
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

from .sources import (
    MAX_COLUMNS,
    ReadLimitReached,
    ReadProgress,
    SheetLayout,
    Source,
    UnreadableFile,
    cell_text,
    check_zip,
)

# Transitional and Strict OOXML: the same parts, under other namespaces.
MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
RELATIONSHIP_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
CHUNK_BYTES = 64 * 1024
# Excel allows 64,000 cell formats; no workbook has more styles, sheets or relationships.
MAX_PART_ELEMENTS = 100_000
# Excel's limit on the text of a cell.
MAX_TEXT_CHARACTERS = 32_767
# The shortest cell that refers to a shared string, <c t="s"><v>0</v></c>, is 21 bytes: a
# sheet of N bytes refers to at most N // 20 of them.
STRING_CELL_BYTES = 20
# Shared strings read beyond those the sheet's cells referred to: those of other sheets
# stored before the first one's, and the rest of the last 64 KB read (at most ~5,000).
SHARED_STRINGS_ALLOWANCE = 10_000

_RELATIONSHIP_IDS = tuple(f"{namespace} id" for namespace in RELATIONSHIP_NAMESPACES)  # r:id, as expat names it

_READ_ELEMENTS = {"row", "c", "v", "is", "si", "r", "t", "dimension", "col", "mergeCell"}
# Attributes of cells and rows that declare no namespace, so need not be looked through.
_USUAL_ATTRIBUTES = frozenset(
    {
        "r",
        "t",
        "s",
        "cm",
        "vm",
        "ph",
        "spans",
        "ht",
        "customHeight",
        "customFormat",
        "hidden",
        "outlineLevel",
        "collapsed",
        "thickTop",
        "thickBot",
        "x14ac:dyDescent",
        "xml:space",
    }
)
_ASCII_DIGITS = "0123456789"
_NOT_IN_ONE = -2  # the depth of an element that is not open: no element is at depth -1


def iter_xlsx_rows(
    source: Source, progress: ReadProgress | None = None, layout: SheetLayout | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(sheet row number, cell texts) of every non-empty row of the first worksheet, in order.

    Cells are placed by their reference (gaps become ""), the first MAX_COLUMNS columns only;
    trailing empty cells are dropped. Anything unreadable raises UnreadableFile, lazily.
    ``progress`` (if given) counts the bytes of the sheet read, of its expanded size;
    ``layout`` (if given) receives the sheet's merged ranges and column widths as they are read."""
    archive = check_zip(source)  # the file itself (read where the zip says), or its bytes
    try:
        sheet, strings, styles, epoch = _locate_parts(archive)
        date_styles, duration_styles = _number_styles(archive, styles) if styles else (set(), set())
        sheet_size = archive.getinfo(sheet).file_size  # what reading it can give at most
        shared = _SharedStrings(archive, strings, sheet_size // STRING_CELL_BYTES + SHARED_STRINGS_ALLOWANCE)
        reader = _PartReader(
            shared_strings=shared,
            date_styles=date_styles,
            duration_styles=duration_styles,
            epoch=epoch,
            max_rows=settings.ROSTER_MAX_ROWS,
            layout=layout,
        )
        if progress is not None:
            progress.total = sheet_size
        for size in reader.parse(archive, sheet):
            if progress is not None:
                progress.advance(size)
            yield from reader.rows
            reader.rows.clear()
        shared.check_used(reader.string_cells)
    except (UnreadableFile, ReadLimitReached):
        raise
    except Exception as error:  # a zip, XML or value error anywhere in a hostile file
        raise UnreadableFile(_("This .xlsx file cannot be read.")) from error


def _too_many_strings() -> UnreadableFile:
    return UnreadableFile(
        _(
            "The workbook holds far more shared texts than its first sheet uses: "
            "save the table alone in a new workbook and upload that."
        )
    )


class _SharedStrings:
    """The shared strings (as cell texts, stripped), read from their part only as far as the
    sheet's cells refer to them: strings no cell refers to are waste, never read past.

    A cell may refer to no string beyond ``limit``, the most the sheet has room to refer
    to; those read take at most ``ROSTER_MAX_SHARED_STRINGS_BYTES`` (their objects and the
    list's slots); and at the end of the sheet there may not be more of them than cells
    that referred to one, plus ``SHARED_STRINGS_ALLOWANCE``."""

    def __init__(self, archive: zipfile.ZipFile, part: str | None, limit: int) -> None:
        self.reader = _PartReader()
        self.strings = self.reader.strings  # grows as the part is read
        self.chunks = self.reader.parse(archive, part) if part else iter(())
        self.limit = limit
        self.size = 0
        self.max_size = settings.ROSTER_MAX_SHARED_STRINGS_BYTES

    def string(self, index: int) -> str:
        """The string at ``index``, reading on as far as it; past the end, IndexError."""
        if index < 0:  # not an index from the end, as openpyxl's list took it
            raise IndexError(index)
        if index >= self.limit:
            raise _too_many_strings()
        strings = self.strings
        while index >= len(strings):
            read = len(strings)
            if next(self.chunks, None) is None:
                raise IndexError(index)
            self.size += sum(map(sys.getsizeof, strings[read:])) + 8 * (len(strings) - read)
            if self.size > self.max_size:
                raise UnreadableFile(
                    _("The texts of the workbook take more than %(mb)d MB; split it into smaller files.")
                    % {"mb": self.max_size // (1024 * 1024)}
                )
        return strings[index]

    def check_used(self, cells: int) -> None:
        """At the end of the sheet: refuse strings read that far outnumber the cells using them."""
        if len(self.strings) > cells + SHARED_STRINGS_ALLOWANCE:
            raise _too_many_strings()


def _refuse_dtd(*_args: object) -> NoReturn:
    """A DTD is where entities are declared ("billion laughs", external files): refuse it."""
    raise UnreadableFile(_("This .xlsx file cannot be read."))


def _new_parser(namespace_separator: str | None) -> expat.XMLParserType:
    """An expat parser that refuses any DTD (expat never fetches external entities itself)."""
    parser = expat.ParserCreate(namespace_separator=namespace_separator)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    return parser


def _part_elements(
    archive: zipfile.ZipFile, name: str, wanted: frozenset[str]
) -> list[tuple[str, str, dict[str, str]]]:
    """(parent's local name, local name, attributes) of the ``wanted`` elements of a part.

    Only those are kept, and the part is parsed as it streams: a few KB of zip can expand
    to a styles part of millions of elements, which must not become millions of objects."""
    elements: list[tuple[str, str, dict[str, str]]] = []
    open_elements = [""]

    def start(tag: str, attributes: dict[str, str]) -> None:
        local = tag.rpartition(" ")[2]
        if local in wanted:
            if len(elements) == MAX_PART_ELEMENTS:
                raise UnreadableFile(_("This .xlsx file cannot be read."))
            elements.append((open_elements[-1], local, attributes))
        open_elements.append(local)

    parser = _new_parser(namespace_separator=" ")  # tags "namespace local-name"
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _tag: open_elements.pop()
    with archive.open(name) as stream:
        parser.ParseFile(stream)
    return elements


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Id → (type's last word, member name) of a part's relationships within the package."""
    folder, name = posixpath.split(part)
    relationships = {}
    for _parent, local, attributes in _part_elements(
        archive, posixpath.join(folder, "_rels", f"{name}.rels"), frozenset({"Relationship"})
    ):
        if local != "Relationship" or attributes.get("TargetMode") == "External":
            continue
        namespace, _slash, kind = attributes["Type"].rpartition("/")
        if namespace not in RELATIONSHIP_NAMESPACES:
            continue
        target = attributes["Target"]
        member = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        relationships[attributes["Id"]] = (kind, member)
    return relationships


def _related(relationships: dict[str, tuple[str, str]], kind: str) -> str | None:
    return next((member for each, member in relationships.values() if each == kind), None)


def _locate_parts(archive: zipfile.ZipFile) -> tuple[str, str | None, str | None, datetime.datetime]:
    """The first worksheet's part, the shared strings' and the styles' parts (if any), and the
    date epoch. The first worksheet is openpyxl's ``worksheets[0]``: hidden ones count,
    chartsheets do not."""
    workbook = _related(_relationships(archive, ""), "officeDocument")
    if workbook is None:
        raise UnreadableFile(_("This .xlsx file cannot be read."))
    relationships = _relationships(archive, workbook)
    epoch, sheet = WINDOWS_EPOCH, None
    for parent, local, attributes in _part_elements(archive, workbook, frozenset({"workbookPr", "sheet"})):
        # openpyxl's reading of this boolean: anything but "", "false", "f" and "0" is true.
        if local == "workbookPr" and attributes.get("date1904", "") not in ("", "false", "f", "0"):
            epoch = MAC_EPOCH
        elif local == "sheet" and parent == "sheets" and sheet is None:
            relationship = next((attributes[key] for key in _RELATIONSHIP_IDS if key in attributes), None)
            if relationship is not None and relationships[relationship][0] == "worksheet":
                sheet = relationships[relationship][1]
    if sheet is None:
        raise UnreadableFile(_("This .xlsx file cannot be read."))
    return sheet, _related(relationships, "sharedStrings"), _related(relationships, "styles"), epoch


def _number_styles(archive: zipfile.ZipFile, styles: str) -> tuple[set[int], set[int]]:
    """Indexes of the cell formats (cellXfs) that make a number a date, and of those that
    make it a duration, by openpyxl's rules (``Stylesheet._normalise_numbers``)."""
    custom: dict[int, str | None] = {}
    format_ids = []
    for parent, local, attributes in _part_elements(archive, styles, frozenset({"numFmt", "xf"})):
        if local == "numFmt" and parent == "numFmts":
            custom[int(attributes["numFmtId"])] = attributes.get("formatCode")
        elif local == "xf" and parent == "cellXfs":
            format_ids.append(int(attributes.get("numFmtId", 0)))
    codes = [custom[id_] if id_ in custom else BUILTIN_FORMATS.get(id_) for id_ in format_ids]
    return (
        {index for index, code in enumerate(codes) if is_date_format(code)},
        {index for index, code in enumerate(codes) if is_timedelta_format(code)},
    )


def _too_long() -> UnreadableFile:
    return UnreadableFile(
        _("A cell holds more than %(count)s characters, more than a spreadsheet allows.")
        % {"count": f"{MAX_TEXT_CHARACTERS:,}"}
    )


def _row_number(text: str) -> int:
    """openpyxl's reading of a row's ``r``: an integer, or a float that is one ("7.0")."""
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise
        return int(number)


def _column_number(reference: str) -> int:
    """openpyxl's reading of a cell reference ("B7", "b7"; "$B$7" is an error)."""
    return coordinate_to_tuple(reference)[1]


class _PartReader:
    """expat handlers for a worksheet (rows of cell texts) or a shared strings part (strings).

    expat's own namespace processing made the reading half as fast again (it builds a long
    name for every tag): tags arrive as written ("c", "x:c") and are resolved here by the
    ``xmlns`` attributes in force. Depths place elements as openpyxl finds them: a cell's
    ``<v>`` and ``<is>`` are its children, a string's text is its ``<t>`` child plus the
    ``<t>`` of each ``<r>`` run (not of ``<rPh>``, the phonetic reading); where the schema
    allows one, the last one counts. (The text of a ``<t>`` or ``<v>`` is all the text in
    it: the schema allows them no children, ElementTree would stop at the first.)"""

    def __init__(
        self,
        shared_strings: _SharedStrings | None = None,
        date_styles: set[int] | None = None,
        duration_styles: set[int] | None = None,
        epoch: datetime.datetime = WINDOWS_EPOCH,
        max_rows: int = 0,
        layout: SheetLayout | None = None,
    ) -> None:
        self.shared = shared_strings
        self.layout = layout
        self.shared_strings: list[str] = shared_strings.strings if shared_strings else []  # those read so far
        self.string_cells = 0  # cells read that refer to a shared string
        self.date_styles = date_styles or set()
        self.duration_styles = duration_styles or set()
        self.epoch = epoch
        self.max_rows = max_rows  # a worksheet's declared dimension may span (0: no worksheet)
        self.rows: list[tuple[int, list[str]]] = []  # read from the chunks parsed so far
        self.strings: list[str] = []
        self.depth = 0
        self.text_parts: list[str] = []  # expat appends all character data here
        self.text_depth = _NOT_IN_ONE  # that of the <t> or <v> whose text is arriving
        self.columns: dict[str, int] = {}  # "AB" → 28, for the references "AB" + digits
        # namespaces: prefix → URI, tag → local name ("" for the elements not read here)
        self.namespaces: dict[str, str] = {}
        self.local_names: dict[str, str] = {}
        self.scopes: list[tuple[int, dict[str, str], dict[str, str]]] = []  # those of outer elements
        self.scope_depth = _NOT_IN_ONE
        # the row being read
        self.row_depth = _NOT_IN_ONE
        self.row_number = 0
        self.cells: list[str] = []
        self.column = 0
        # the cell being read
        self.cell_depth = _NOT_IN_ONE
        self.cell_type = "n"
        self.cell_style = 0
        self.value: str | None = None
        self.inline: str | None = None
        # the string being read (<si> or <is>) and its current run
        self.item_depth = _NOT_IN_ONE
        self.run_depth = _NOT_IN_ONE
        self.plain: str | None = None
        self.run: str | None = None
        self.runs: list[str] | None = None

    def parse(self, archive: zipfile.ZipFile, part: str) -> Iterator[int]:
        """Parse the part a chunk at a time, pausing after each (with its size) so rows can be
        handed out. A text longer than a cell may hold is refused when it ends (``end``) or,
        as it keeps arriving, after the chunk that made it too long."""
        parser = _new_parser(namespace_separator=None)
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text_parts.append
        with archive.open(part) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                parser.Parse(chunk, False)
                if self.text_depth == _NOT_IN_ONE:  # what arrived is between texts: keep none of it
                    self.text_parts.clear()
                elif sum(map(len, self.text_parts)) > MAX_TEXT_CHARACTERS:
                    raise _too_long()
                if self.runs is not None and (
                    len(self.runs) > MAX_TEXT_CHARACTERS or sum(map(len, self.runs)) > MAX_TEXT_CHARACTERS
                ):
                    raise _too_long()
                yield len(chunk)
            parser.Parse(b"", True)
        yield 0

    def local_name(self, tag: str) -> str:
        prefix, _colon, local = tag.rpartition(":")
        if self.namespaces.get(prefix) not in MAIN_NAMESPACES or local not in _READ_ELEMENTS:
            local = ""
        self.local_names[tag] = local
        return local

    def declare_namespaces(self, attributes: dict[str, str]) -> None:
        """Bind the prefixes an element declares (if it does), for it and its descendants."""
        declared = {key[6:]: value for key, value in attributes.items() if key == "xmlns" or key[:6] == "xmlns:"}
        if declared:
            self.scopes.append((self.scope_depth, self.namespaces, self.local_names))
            self.scope_depth = self.depth
            self.namespaces = self.namespaces | declared
            self.local_names = {}

    # The two handlers below run for each of millions of tags: what they do for cells and
    # their strings is written out in them rather than called.

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self.depth = depth = self.depth + 1
        if attributes and not _USUAL_ATTRIBUTES.issuperset(attributes):
            self.declare_namespaces(attributes)
        local = self.local_names.get(tag)
        if local is None:
            local = self.local_name(tag)
        if local == "c":
            if depth == self.row_depth + 1:
                reference = attributes.get("r")
                if reference:
                    letters = reference.rstrip(_ASCII_DIGITS)  # "AB" of "AB12", the same in every row
                    column = self.columns.get(letters) if letters != reference else None
                    if column is None:
                        column = _column_number(reference)
                        if letters != reference:
                            self.columns[letters] = column
                else:
                    column = self.column + 1
                self.column = column
                self.cell_depth = depth
                self.cell_type = attributes.get("t", "n")
                style = attributes.get("s")
                self.cell_style = int(style) if style else 0
                self.value = self.inline = None
        elif local == "t":
            if depth == self.item_depth + 1 or depth == self.run_depth + 1:
                self.text_parts.clear()
                self.text_depth = depth
        elif local == "is":
            if depth == self.cell_depth + 1 and self.inline is None:
                self.item_depth = depth
                self.plain = self.runs = None
        elif local == "v":
            if depth == self.cell_depth + 1 and self.value is None:
                self.text_parts.clear()
                self.text_depth = depth
        elif local == "row":
            self.start_row(attributes, depth)
        elif local == "si":
            self.item_depth = depth
            self.plain = self.runs = None
        elif local == "r" and depth == self.item_depth + 1:
            self.run_depth = depth
            self.run = None
        elif local == "dimension" and depth == 2 and self.max_rows:  # a worksheet's, not in other parts
            self.check_dimension(attributes.get("ref", ""))
        elif local == "mergeCell" and depth == 3 and self.layout is not None:  # worksheet/mergeCells/mergeCell
            self.layout.add_merge(attributes.get("ref", ""))
        elif local == "col" and depth == 3 and self.layout is not None:  # worksheet/cols/col
            self.layout.add_widths(attributes)

    def end(self, tag: str) -> None:
        depth = self.depth
        self.depth = depth - 1
        local = self.local_names.get(tag)
        if local is None:
            local = self.local_name(tag)
        if depth == self.scope_depth:
            self.scope_depth, self.namespaces, self.local_names = self.scopes.pop()
        if local == "t":
            if depth == self.text_depth:
                self.text_depth = _NOT_IN_ONE
                if depth == self.item_depth + 1:
                    self.plain = "".join(self.text_parts)
                else:
                    self.run = "".join(self.text_parts)
        elif local == "c":
            if depth == self.cell_depth:
                self.cell_depth = _NOT_IN_ONE
                column = self.column
                if column <= MAX_COLUMNS:
                    if self.cell_type == "inlineStr":
                        text = self.inline.strip() if self.inline else ""
                    else:
                        text = self.cell_text()
                    cells = self.cells
                    if column == len(cells) + 1:
                        cells.append(text)
                    else:
                        self.place(column, text)
        elif local == "is" or local == "si":
            if depth == self.item_depth:
                self.item_depth = _NOT_IN_ONE
                text = (self.plain or "") + "".join(self.runs) if self.runs else self.plain or ""
                if len(text) > MAX_TEXT_CHARACTERS:
                    raise _too_long()
                if local == "is":
                    self.inline = text
                else:  # openpyxl drops "x005F_" from shared strings (Excel's escape of "_x…_" text).
                    self.strings.append(text.replace("x005F_", "").strip())
        elif local == "v":
            if depth == self.text_depth:
                self.text_depth = _NOT_IN_ONE
                self.value = "".join(self.text_parts)
                if len(self.value) > MAX_TEXT_CHARACTERS:
                    raise _too_long()
        elif local == "row":
            if depth == self.row_depth:
                self.end_row()
        elif local == "r" and depth == self.run_depth:
            self.run_depth = _NOT_IN_ONE
            if self.run is not None:
                if self.runs is None:
                    self.runs = [self.run]
                else:
                    self.runs.append(self.run)

    def check_dimension(self, reference: str) -> None:
        """Refuse a sheet that declares more rows than a file may have ("A1:XFD1048576"); a
        declaration that cannot be read is passed over: it is never used."""
        last = reference.rpartition(":")[2]  # "XFD1048576"
        digits = last[len(last.rstrip(_ASCII_DIGITS)) :]
        if digits and (len(digits) > 9 or int(digits) > self.max_rows + 1):  # + 1: the header
            raise UnreadableFile(
                _(
                    "The sheet says it spans %(rows)s rows, more than the %(max)s a file may have: "
                    "delete the empty rows below the table and save it again."
                )
                % {"rows": f"{int(digits[:10]):,}", "max": f"{self.max_rows:,}"}
            )

    def start_row(self, attributes: dict[str, str], depth: int) -> None:
        number = attributes.get("r")
        row_number = self.row_number + 1 if number is None else _row_number(number)
        if row_number <= self.row_number:  # openpyxl silently skipped such a row
            raise UnreadableFile(_("This .xlsx file cannot be read."))
        self.row_number = row_number
        self.row_depth = depth
        self.column = 0

    def end_row(self) -> None:
        cells = self.cells
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            self.rows.append((self.row_number, cells))
            self.cells = []
        self.row_depth = _NOT_IN_ONE

    def place(self, column: int, text: str) -> None:
        """Put a cell that is not next to the row's last one: after a gap, or over another."""
        cells = self.cells
        if column > len(cells):
            cells.extend([""] * (column - 1 - len(cells)))
            cells.append(text)
        else:
            cells[column - 1] = text

    def cell_text(self) -> str:
        """What ``cell_text`` makes of the value openpyxl's ``WorkSheetParser.parse_cell`` gives
        (an inline string's is taken in ``end``)."""
        kind = self.cell_type
        value = self.value
        if not value:
            return ""
        if kind == "s":
            index = int(value)
            self.string_cells += 1
            strings = self.shared_strings
            if 0 <= index < len(strings):
                return strings[index]
            return self.shared.string(index) if self.shared else strings[index]  # reads on, or refuses
        if kind == "n":
            return self.number_text(value)
        if kind == "b":
            return str(bool(int(value)))
        if kind == "d":
            return cell_text(from_ISO8601(value))
        return value.strip()  # "str" (a formula's text), "e" (an error such as #N/A) and unknown types

    def number_text(self, value: str) -> str:
        number = float(value) if "." in value or "e" in value or "E" in value else int(value)
        if self.cell_style not in self.date_styles:
            return cell_text(number)
        try:
            moment = from_excel(number, self.epoch, timedelta=self.cell_style in self.duration_styles)
        except (OverflowError, ValueError):
            return "#VALUE!"  # openpyxl's value for a date out of range
        return cell_text(moment)
