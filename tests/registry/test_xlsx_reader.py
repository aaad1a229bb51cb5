"""The streaming .xlsx reader gives the texts openpyxl's reading gave, fast and safely.

``iter_xlsx_rows`` replaced openpyxl's read-only mode for roster uploads. For workbooks
written by openpyxl (strings inline, or moved to a shared table as Excel keeps them) and
for sheets written out by hand (namespace prefixes, cells without references, rich text,
formulas, Strict OOXML), its rows are those of ``reference_rows``: openpyxl's read-only,
data-only values through ``formats.cell_text``, empty rows and trailing empty cells
left out, each row with its number in the sheet. Whatever a file claims or hides,
the reader answers rows or ``UnreadableFile``, and holds only a chunk of rows at a time.
"""

from __future__ import annotations

import datetime
import io
import secrets
import tracemalloc
import zipfile
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from defusedxml.ElementTree import fromstring
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.chart import BarChart, Reference
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from registry.rosters.sources import MAX_COLUMNS, UnreadableFile, cell_text
from registry.rosters.xlsx import iter_xlsx_rows
from registry.spreadsheets import xlsx_bytes

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def reference_rows(data: bytes) -> list[tuple[int, list[str]]]:
    """The rows as openpyxl's read-only mode reads them (the reading the reader replaced)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        rows = []
        # Rows missing from the sheet come as empty ones: the count is the sheet's row number.
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            cells = [cell_text(value) for value in values]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                rows.append((number, cells))
        return rows
    finally:
        workbook.close()


def read(data: bytes) -> list[tuple[int, list[str]]]:
    return list(iter_xlsx_rows(data))


def saved(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_of(rows: list[list[Any]], *, write_only: bool = False) -> bytes:
    workbook = openpyxl.Workbook(write_only=write_only)
    sheet = workbook.create_sheet() if write_only else workbook.active
    for row in rows:
        sheet.append(row)
    return saved(workbook)


def with_shared_strings(data: bytes) -> bytes:
    """The workbook as Excel keeps it: its strings in a shared table (openpyxl writes them
    inline). ElementTree writes the sheet and the table with a namespace prefix ("ns0:c")."""
    source = zipfile.ZipFile(io.BytesIO(data))
    sheet = fromstring(source.read(SHEET))
    strings: dict[str, int] = {}
    for cell in sheet.iter(f"{{{MAIN}}}c"):
        if cell.get("t") == "inlineStr":
            text, attributes = "".join(cell.itertext()), dict(cell.attrib)
            cell.clear()
            cell.attrib.update(attributes, t="s")
            ElementTree.SubElement(cell, f"{{{MAIN}}}v").text = str(strings.setdefault(text, len(strings)))
    table = ElementTree.Element(f"{{{MAIN}}}sst", count=str(len(strings)), uniqueCount=str(len(strings)))
    for text in strings:
        item = ElementTree.SubElement(ElementTree.SubElement(table, f"{{{MAIN}}}si"), f"{{{MAIN}}}t")
        item.text = text
        item.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    parts = {
        SHEET: ElementTree.tostring(sheet),
        "xl/sharedStrings.xml": ElementTree.tostring(table),
        "xl/_rels/workbook.xml.rels": source.read("xl/_rels/workbook.xml.rels").replace(
            b"</Relationships>",
            b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/sharedStrings"/></Relationships>',
        ),
        "[Content_Types].xml": source.read("[Content_Types].xml").replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'spreadsheetml.sharedStrings+xml"/></Types>',
        ),
    }
    return _zip({name: source.read(name) for name in source.namelist()} | parts)


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# A workbook written out by hand, in either flavour of OOXML: "{main}" and "{rels}" in a
# part stand for the namespaces, which Strict OOXML changes (and openpyxl does not read).
TRANSITIONAL = {
    "{main}": MAIN,
    "{rels}": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
STRICT = {
    "{main}": "http://purl.oclc.org/ooxml/spreadsheetml/main",
    "{rels}": "http://purl.oclc.org/ooxml/officeDocument/relationships",
}
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def handwritten(
    sheet_data: str,
    *,
    strings: str | None = None,
    styles: str | None = None,
    workbook_properties: str = "",
    flavour: dict[str, str] = TRANSITIONAL,
    sheet: str | None = None,
) -> bytes:
    """A workbook of one sheet holding ``sheet_data`` (the sheet's whole XML if ``sheet``)."""
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{CONTENT_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CONTENT_TYPE}.worksheet+xml"/>'
        + (
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CONTENT_TYPE}.sharedStrings+xml"/>'
            * bool(strings)
        )
        + (f'<Override PartName="/xl/styles.xml" ContentType="{CONTENT_TYPE}.styles+xml"/>' * bool(styles))
        + "</Types>",
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="{rels}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<workbook xmlns="{main}" xmlns:r="{rels}">'
        f'<workbookPr {workbook_properties}/><sheets><sheet name="名册" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/>'
        + ('<Relationship Id="rId2" Type="{rels}/sharedStrings" Target="sharedStrings.xml"/>' if strings else "")
        + ('<Relationship Id="rId3" Type="{rels}/styles" Target="/xl/styles.xml"/>' if styles else "")
        + "</Relationships>",
        SHEET: sheet or f'<worksheet xmlns="{{main}}"><sheetData>{sheet_data}</sheetData></worksheet>',
    }
    if strings:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{{main}}">{strings}</sst>'
    if styles:
        parts["xl/styles.xml"] = f'<styleSheet xmlns="{{main}}">{styles}</styleSheet>'
    for placeholder, namespace in flavour.items():
        parts = {name: part.replace(placeholder, namespace) for name, part in parts.items()}
    return _zip({name: part.encode() for name, part in parts.items()})


STYLES = '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'  # s="1": a date


def inline(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


# --- workbooks written by openpyxl ----------------------------------------------------------

TEXTS = [
    ["身份证号", "姓名", "床位号", "备注"],
    ["15020319400101123X", " 张桂兰 ", "101-1", "=not a formula?"],
    ["15020319410203456X", "李淑珍", "", "  "],
    ["line\nbreak", "tab\there", "x" * 5000, "'=A1"],
]


@pytest.mark.parametrize("write_only", [False, True], ids=["normal", "write-only"])
@pytest.mark.parametrize("shared", [False, True], ids=["inline", "shared"])
def test_strings_read_as_openpyxl_reads_them(write_only: bool, shared: bool) -> None:
    data = sheet_of(TEXTS, write_only=write_only)
    if shared:
        data = with_shared_strings(data)
        assert b"sharedStrings" in data and b"inlineStr" not in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)

    rows = read(data)

    assert rows == reference_rows(data)
    assert rows[0] == (1, TEXTS[0])
    assert rows[1] == (2, ["15020319400101123X", "张桂兰", "101-1"])  # "=…" is a formula, without a value
    assert rows[2] == (3, ["15020319410203456X", "李淑珍"])  # "" and "  " are empty: trailing, dropped


def test_a_roster_written_by_the_export_code_reads_back() -> None:
    data = xlsx_bytes(["姓名", "数量"], [["张桂兰", 3], ["李淑珍", 4.5]])

    assert read(data) == reference_rows(data) == [(1, ["姓名", "数量"]), (2, ["张桂兰", "3"]), (3, ["李淑珍", "4.5"])]


def test_dates_times_and_durations_in_builtin_and_custom_formats() -> None:
    values = [
        datetime.date(2026, 11, 23),
        datetime.datetime(2024, 3, 5, 17, 45),
        datetime.time(12, 30),
        datetime.timedelta(days=1, hours=2),
        datetime.date(1900, 2, 28),  # before Excel's phantom 1900-02-29
        datetime.date(1900, 3, 1),
    ]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(values)
    formats = ["yyyy年m月d日", "dd/mm/yyyy hh:mm", "h:mm AM/PM", "[h]:mm", "mm-dd-yy", "m/d/yy h:mm"]
    sheet.append([46349, 46349.75, 0.25, 1.5, 46349, 46349])
    for cell, number_format in zip(sheet[2], formats, strict=True):
        cell.number_format = number_format
    sheet.append([3600.5, 46349, 10**10])
    sheet["A3"].number_format = "#,##0.00"  # a number format, not a date one
    sheet["B3"].number_format = 'yyyy"年"'
    sheet["C3"].number_format = "yyyy-mm-dd"  # a "date" no calendar has
    data = saved(workbook)

    rows = read(data)

    assert rows == reference_rows(data)
    assert rows == [
        (1, ["2026-11-23", "2024-03-05", "12:30:00", "1 day, 2:00:00", "1900-02-28", "1900-03-01"]),
        (2, ["2026-11-23", "2026-11-23", "06:00:00", "1 day, 12:00:00", "2026-11-23", "2026-11-23"]),
        (3, ["3600.5", "2026-11-23", "#VALUE!"]),
    ]


def test_the_1904_date_system() -> None:
    workbook = openpyxl.Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    workbook.active.append([datetime.date(2024, 3, 5), datetime.datetime(2026, 11, 23, 8, 0)])
    data = saved(workbook)
    assert b'date1904="1"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")

    assert read(data) == reference_rows(data) == [(1, ["2024-03-05", "2026-11-23"])]


def test_numbers_booleans_and_errors() -> None:
    values = [0, -7, 120, 80.0, 3600.5, 0.1, 1e-7, 1e20, 12345678901234567890, 2**53 + 1, -0.0, True, False, "#N/A"]
    data = sheet_of([values, ["#DIV/0!", "#REF!", 1.5e300, -2.5]])

    rows = read(data)

    assert rows == reference_rows(data)
    assert rows[0][1] == [
        "0",
        "-7",
        "120",
        "80",
        "3600.5",
        "0.1",
        "1e-07",
        "100000000000000000000",
        "12345678901234569216",  # openpyxl writes integers with 16 significant digits
        "9007199254740992",
        "0",
        "True",
        "False",
        "#N/A",
    ]
    assert rows[1][1][:2] == ["#DIV/0!", "#REF!"]


def test_sparse_cells_blank_rows_and_columns_beyond_the_hundredth() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["E1"] = "a", "e"
    sheet["C4"] = "c"
    sheet["A10"] = "x"
    sheet.cell(row=12, column=MAX_COLUMNS + 1, value="beyond")
    sheet.cell(row=13, column=1, value="kept")
    sheet.cell(row=13, column=150, value="beyond")
    sheet.cell(row=14, column=MAX_COLUMNS, value="last")
    data = saved(workbook)

    rows = read(data)

    assert rows == reference_rows(data)
    assert rows == [
        (1, ["a", "", "", "", "e"]),
        (4, ["", "", "c"]),
        (10, ["x"]),
        (13, ["kept"]),
        (14, [""] * (MAX_COLUMNS - 1) + ["last"]),
    ]


def test_a_hidden_first_sheet_is_the_one_read() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["隐藏"])
    workbook.active.sheet_state = "hidden"
    workbook.create_sheet("visible").append(["可见"])
    workbook.active = 1
    data = saved(workbook)

    assert read(data) == reference_rows(data) == [(1, ["隐藏"])]


def test_a_chartsheet_first_is_passed_over() -> None:
    workbook = openpyxl.Workbook()
    data_sheet = workbook.active
    data_sheet.append(["数量", 1])
    data_sheet.append(["数量", 2])
    chart = BarChart()
    chart.add_data(Reference(data_sheet, min_col=2, min_row=1, max_row=2))
    workbook.create_chartsheet("chart", 0).add_chart(chart)
    data = saved(workbook)
    assert b"chartsheet" in zipfile.ZipFile(io.BytesIO(data)).read("xl/_rels/workbook.xml.rels")

    assert read(data) == reference_rows(data) == [(1, ["数量", "1"]), (2, ["数量", "2"])]


CELL_VALUES = st.one_of(
    st.none(),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"], include_characters="\t\n"), max_size=12),
    st.sampled_from(["=1+1", "#N/A", " 0 ", "x005F_", "_x000D_"]),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 1, 1)),
    st.datetimes(min_value=datetime.datetime(1900, 1, 1)),
)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(CELL_VALUES, max_size=6), max_size=6),
    write_only=st.booleans(),
    shared=st.booleans(),
)
def test_any_cells_written_by_openpyxl_read_as_openpyxl_reads_them(
    rows: list[list[Any]], write_only: bool, shared: bool
) -> None:
    data = sheet_of(rows, write_only=write_only)
    if shared:
        data = with_shared_strings(data)

    assert read(data) == reference_rows(data)


# --- sheets written by hand ------------------------------------------------------------------


def test_namespace_prefixes_are_resolved() -> None:
    sheet = (
        '<x:worksheet xmlns:x="{main}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>前缀</x:t></x:is></x:c>'
        '<x:c r="B1"><x:v>7</x:v></x:c></x:row>'
        # declared on an inner element; a cell of another namespace is no cell
        '<x:row r="2" xmlns:y="{main}"><y:c r="A2" t="inlineStr"><y:is><y:t>y</y:t></y:is></y:c>'
        '<c xmlns="urn:other" r="B2" t="inlineStr"><is><t>other</t></is></c>'
        '<x:c r="C2" xmlns:x="urn:other" t="inlineStr"><x:is><x:t>other</x:t></x:is></x:c></x:row>'
        '<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t>x is main again</x:t></x:is></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    data = handwritten("", sheet=sheet)

    assert read(data) == reference_rows(data) == [(1, ["前缀", "7"]), (2, ["y"]), (3, ["x is main again"])]


def test_rows_and_cells_without_references_follow_the_previous_ones() -> None:
    data = handwritten(
        "<row>" + inline("", "A1").replace(' r=""', "") + inline("C1", "C1") + "<c><v>4</v></c></row>"
        '<row r="5"><c t="inlineStr"><is><t>A5</t></is></c></row>'
        "<row><c r='B0'><v>6</v></c><c r='c6'><v>7</v></c></row>"  # a cell's row number is not read
    )

    assert read(data) == reference_rows(data) == [(1, ["A1", "", "C1", "4"]), (5, ["A5"]), (6, ["", "6", "7"])]


def test_rich_text_and_phonetic_runs_in_shared_strings() -> None:
    strings = (
        '<si><r><rPr><b/><sz val="11"/></rPr><t>张</t></r><r><t xml:space="preserve">桂兰 </t></r>'
        '<rPh sb="0" eb="1"><t>ちょう</t></rPh><phoneticPr fontId="1"/></si>'
        '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si>'
        "<si><t>a_x005F_x000D_b</t></si>"
        "<si><t/></si>"
        "<si><t>&amp; &lt;&#x4E2D;&gt; <![CDATA[<b>]]></t></si>"
    )
    cells = "".join(f'<c r="{"ABCDE"[i]}1" t="s"><v>{i}</v></c>' for i in range(5))
    data = handwritten(f'<row r="1">{cells}</row>', strings=strings)

    assert read(data) == reference_rows(data) == [(1, ["张桂兰", "東京", "a_x000D_b", "", "& <中> <b>"])]


def test_inline_rich_text_and_every_cell_type() -> None:
    data = handwritten(
        '<row r="1">'
        '<c r="A1" t="inlineStr"><is><r><t>富</t></r><r><rPr><i/></rPr><t>文本</t></r></is></c>'
        '<c r="B1"><f>1+1</f><v>2</v></c>'
        '<c r="C1" t="str"><f>"a"&amp;"b"</f><v> ab </v></c>'
        '<c r="D1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="E1" t="b"><f>TRUE()</f><v>1</v></c>'
        '<c r="F1"><f>A1</f></c>'
        '<c r="G1" t="d"><v>2026-11-23T08:30:00</v></c>'
        '<c r="H1" t="d"><v>12:30:00</v></c>'
        '<c r="I1" t="n"><v>1E3</v></c>'
        '<c r="J1" t="inlineStr"><v>ignored</v></c>'
        '<c r="K1" t="s"><v></v></c>'
        "</row>"
        # where the schema allows one <t>, <v> or <is>, openpyxl takes the last <t>, the first of the others
        '<row r="2"><c r="A2" t="inlineStr"><is><t>not</t><t>last</t></is><is><t>second</t></is></c>'
        '<c r="B2" t="inlineStr"><is><r><t>not</t><t>last</t></r><r><t> run</t></r></is></c>'
        '<c r="C2"><v>1</v><v>2</v></c></row>'
    )

    assert read(data) == reference_rows(data)
    assert read(data) == [
        (1, ["富文本", "2", "ab", "#DIV/0!", "True", "", "2026-11-23", "12:30:00", "1000"]),
        (2, ["last", "last run", "1"]),
    ]


def test_number_formats_from_a_handwritten_stylesheet() -> None:
    styles = (
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
        '<numFmt numFmtId="14" formatCode="0.00"/></numFmts>'  # a builtin date format made a number one
        '<cellStyleXfs count="1"><xf numFmtId="22"/></cellStyleXfs>'  # not cell formats: no dates
        '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/><xf numFmtId="46"/></cellXfs>'
    )
    cells = "".join(f'<c r="{"ABCDE"[i]}1" s="{i}"><v>46349.5</v></c>' for i in range(5))
    data = handwritten(f'<row r="1">{cells}</row>', styles=styles)

    expected = ["46349.5", "2026-11-23", "46349.5", "46349 days, 12:00:00", "46349.5"]
    assert read(data) == reference_rows(data) == [(1, expected)]


@pytest.mark.parametrize("properties", ['date1904="1"', 'date1904="true"', 'date1904="0"', 'date1904="false"', ""])
def test_the_date_system_as_the_workbook_properties_say(properties: str) -> None:
    data = handwritten('<row r="1"><c r="A1" s="1"><v>1</v></c></row>', styles=STYLES, workbook_properties=properties)

    assert read(data) == reference_rows(data)
    assert read(data)[0][1] == ["1904-01-02" if properties in ('date1904="1"', 'date1904="true"') else "1900-01-01"]


STRICT_CELLS = (
    '<row r="1">' + inline("A1", "严格") + '<c r="B1" t="s"><v>0</v></c><c r="C1" s="1"><v>46349</v></c></row>'
    '<row r="3"><c r="B3" t="s"><v>1</v></c></row>'
)
STRICT_STRINGS = "<si><t>共享</t></si><si><r><t>富</t></r><r><t>文本</t></r></si>"


def test_strict_ooxml_reads_as_the_same_transitional_workbook() -> None:
    """openpyxl does not read Strict OOXML (Excel's "Strict Open XML Spreadsheet"): the
    reference is the same workbook in the namespaces of the transitional flavour."""
    transitional = handwritten(STRICT_CELLS, strings=STRICT_STRINGS, styles=STYLES)
    strict = handwritten(STRICT_CELLS, strings=STRICT_STRINGS, styles=STYLES, flavour=STRICT)
    assert b"purl.oclc.org" in zipfile.ZipFile(io.BytesIO(strict)).read(SHEET)

    assert read(strict) == read(transitional) == reference_rows(transitional)
    assert read(strict) == [(1, ["严格", "共享", "2026-11-23"]), (3, ["", "富文本"])]


# --- files refused ---------------------------------------------------------------------------

GOOD_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>好</t></is></c></row>'
GOOD = handwritten('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', strings="<si><t>好</t></si>", styles=STYLES)


def _replaced(data: bytes, name: str, content: bytes | None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {each: source.read(each) for each in source.namelist()} | {name: content or b""}
    return _zip({each: part for each, part in parts.items() if not (each == name and content is None)})


def test_the_good_workbook_of_the_refusal_tests_reads() -> None:
    assert read(GOOD) == [(1, ["好"])]


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


@pytest.mark.parametrize(
    "part",
    ["_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml", SHEET],
)
@pytest.mark.parametrize(
    "doctype",
    [LAUGHS, b'<!DOCTYPE x SYSTEM "file:///etc/passwd">', b"<!DOCTYPE worksheet>"],
    ids=["entities", "external", "plain"],
)
def test_a_doctype_in_any_part_is_refused(part: str, doctype: bytes) -> None:
    original = zipfile.ZipFile(io.BytesIO(GOOD)).read(part)

    with pytest.raises(UnreadableFile, match="cannot be read"):
        read(_replaced(GOOD, part, doctype + original))


def test_an_entity_without_a_doctype_is_refused() -> None:
    with pytest.raises(UnreadableFile, match="cannot be read"):
        read(handwritten('<row r="1"><c r="A1" t="inlineStr"><is><t>&lol;</t></is></c></row>'))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (SHEET, None),
        ("xl/sharedStrings.xml", None),
        ("xl/workbook.xml", None),
        ("_rels/.rels", None),
        ("xl/_rels/workbook.xml.rels", None),
        (SHEET, b""),
        (SHEET, b"\x00\xff garbage"),
        (SHEET, zipfile.ZipFile(io.BytesIO(GOOD)).read(SHEET)[:-20]),
        ("xl/sharedStrings.xml", b"<sst><si><t>unclosed</si></sst>"),
        ("xl/styles.xml", b'<styleSheet><cellXfs><xf numFmtId="many"/></cellXfs></styleSheet>'),
        ("xl/workbook.xml", b"<workbook><sheets/></workbook>"),
        (
            "xl/workbook.xml",
            b'<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet r:id="rId9"/></sheets></workbook>',
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "-",
)
def test_missing_and_broken_parts_are_refused(name: str, content: bytes | None) -> None:
    with pytest.raises(UnreadableFile, match="cannot be read"):
        read(_replaced(GOOD, name, content))


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="A1" t="s"><v>1</v></c>',  # past the end of the table
        '<c r="A1" t="s"><v>-1</v></c>',  # openpyxl took it as the last string
        '<c r="A1" t="s"><v>first</v></c>',
        '<c r="A1"><v>12abc</v></c>',
        '<c r="A1" t="b"><v>yes</v></c>',
        '<c r="A1" t="d"><v>2026-02-30</v></c>',
        '<c r="A1" s="x"><v>1</v></c>',
        '<c r="$A$1"><v>1</v></c>',
        '<c r="1A"><v>1</v></c>',
        '<c r="A1B"><v>1</v></c>',
        '<c r="AAAA1"><v>1</v></c>',
    ],
)
def test_cells_that_cannot_be_read_refuse_the_file(cell: str) -> None:
    with pytest.raises(UnreadableFile, match="cannot be read"):
        read(handwritten(f'<row r="1">{cell}</row>', strings="<si><t>0</t></si>"))


@pytest.mark.parametrize(
    "rows", ['<row r="3"/><row r="2"/>', '<row r="2"/><row r="2"/>', '<row r="0"/>', '<row r="y"/>']
)
def test_rows_out_of_order_are_refused(rows: str) -> None:
    """openpyxl silently dropped a row whose number is not past the previous one's."""
    with pytest.raises(UnreadableFile, match="cannot be read"):
        read(handwritten(rows))


def test_a_huge_row_number_and_column_are_not_padded() -> None:
    sheet = (
        '<worksheet xmlns="{main}"><dimension ref="A1:XFD5"/><sheetData>'
        f'<row r="1" spans="1:16384">{inline("A1", "头")}</row>'
        f'<row r="1048576">{inline("XFD1048576", "far right")}{inline("B1048576", "最后")}</row>'
        "</sheetData></worksheet>"
    )

    assert read(handwritten("", sheet=sheet)) == [(1, ["头"]), (1048576, ["", "最后"])]


@pytest.mark.parametrize("reference", ["A1:XFD1048576", "A1:E500002", "$A$1:$B$99999999999999999999", "C500002"])
def test_a_sheet_declaring_more_rows_than_a_file_may_have_is_refused(reference: str) -> None:
    """Issue 23: the bank file of the review declared A1:XFD1048576 (openpyxl padded every row
    to it). The declaration is never used; one beyond ``ROSTER_MAX_ROWS`` (+ the header) is refused."""
    sheet = f'<worksheet xmlns="{{main}}"><dimension ref="{reference}"/><sheetData>{GOOD_ROW}</sheetData></worksheet>'

    with pytest.raises(UnreadableFile, match="more than the 500,000 a file may have"):
        read(handwritten("", sheet=sheet))


@pytest.mark.parametrize("reference", ["A1:E500001", "A1", "", "nonsense", "A1:XFD"])
def test_a_declared_dimension_within_the_limit_or_unreadable_is_passed_over(reference: str) -> None:
    sheet = f'<worksheet xmlns="{{main}}"><dimension ref="{reference}"/><sheetData>{GOOD_ROW}</sheetData></worksheet>'

    assert read(handwritten("", sheet=sheet)) == [(1, ["好"])]


# --- streaming ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "texts"),
    [
        ("".join(inline(f"{column}{{n}}", f"第{{n}}行 {column} " + "文字" * 20) for column in "ABCD"), True),
        # formatted but empty cells, indented: only whitespace between the tags, no row to hand out
        ("".join(f'\n{" " * 40}<c r="{column}{{n}}" s="1"/>' for column in "ABCDEFGH") + "\n  ", False),
    ],
    ids=["text", "whitespace"],
)
def test_memory_does_not_grow_with_the_rows(row: str, texts: bool) -> None:
    """40,000 rows (a sheet of over 15 MB) are read holding well under a megabyte: a chunk of rows."""
    rows_xml = "".join(f'\n  <row r="{n}">{row.format(n=n)}</row>' for n in range(2, 40_001))
    data = handwritten(f'<row r="1">{inline("A1", "头")}</row>{rows_xml}', styles=STYLES)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET).file_size > 15_000_000
    rows = iter_xlsx_rows(data)
    assert next(rows) == (1, ["头"])

    tracemalloc.start()
    try:
        count = last = 0
        for number, _cells in rows:
            count, last = count + 1, number
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert (count, last) == ((39_999, 40_000) if texts else (0, 0))
    assert peak < 1_000_000


def _with_styles_padding(padding: bytes) -> bytes:
    """A one-row workbook whose styles part carries ``padding`` before its end."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["a", "b"])
    source = io.BytesIO()
    workbook.save(source)
    original = zipfile.ZipFile(source)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in original.infolist():
            part = original.read(info.filename)
            if info.filename == "xl/styles.xml":
                part = part.replace(b"</styleSheet>", padding + b"</styleSheet>")
            archive.writestr(info.filename, part)
    return out.getvalue()


@pytest.fixture
def any_zip_ratio(settings):
    """The zip check would refuse these parts by their ratio alone: let the reader see them."""
    settings.ROSTER_MAX_ZIP_RATIO = 10_000


def test_a_styles_part_of_a_million_elements_is_read_in_little_memory(any_zip_ratio) -> None:
    # A few KB of zip that expand to 4 MB of <a/>: only the elements the reader needs are kept.
    data = _with_styles_padding(b"<extLst>" + b"<a/>" * 1_000_000 + b"</extLst>")
    assert len(data) < 50_000

    tracemalloc.start()
    try:
        rows = list(iter_xlsx_rows(data))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert rows == [(1, ["a", "b"])]
    assert peak < 5_000_000


def test_more_cell_formats_than_excel_allows_are_refused(any_zip_ratio) -> None:
    data = _with_styles_padding(b"<cellXfs>" + b'<xf numFmtId="0"/>' * 100_001 + b"</cellXfs>")

    with pytest.raises(UnreadableFile, match="cannot be read"):
        list(iter_xlsx_rows(data))


# --- what a file can make the reader hold (issue 23) -------------------------------------------


def _strings(texts: list[str]) -> str:
    return "".join(f"<si><t>{text}</t></si>" for text in texts)


def _shared(reference: str, index: int) -> str:
    return f'<c r="{reference}" t="s"><v>{index}</v></c>'


def test_strings_stored_column_by_column_read_as_the_cells_say() -> None:
    """pandas writes a sheet a column at a time, and XlsxWriter stores the strings in that
    order: the first row refers to the 12,001st string. That is no waste, and reads."""
    rows = 12_000
    texts = [f"a{n}" for n in range(rows)] + [f"b{n}" for n in range(rows)]
    sheet_data = "".join(
        f'<row r="{n + 1}">{_shared(f"A{n + 1}", n)}{_shared(f"B{n + 1}", rows + n)}</row>' for n in range(rows)
    )

    assert read(handwritten(sheet_data, strings=_strings(texts))) == [(n + 1, [f"a{n}", f"b{n}"]) for n in range(rows)]


def test_shared_strings_are_read_only_as_far_as_the_cells_refer() -> None:
    """The rest of the part is never parsed: here it is not even well-formed."""
    texts = _strings([f"{n:05d}" for n in range(10_000)])  # 180 KB: several chunks
    data = handwritten(_row := f'<row r="1">{_shared("A1", 1)}</row>', strings=texts + "<si><t>unclosed</si>")

    assert read(data) == [(1, ["00001"])]
    with pytest.raises(UnreadableFile, match="cannot be read"):  # a cell referring to the end reads it
        read(handwritten(_row.replace("<v>1</v>", "<v>9999</v>"), strings=texts + "<si><t>unclosed</si>"))


def test_a_cell_referring_beyond_what_the_sheet_has_room_for_is_refused_before_reading() -> None:
    """A sheet of N bytes has at most N // 20 cells: string 10,100 of a 100-byte sheet is waste."""
    data = handwritten(f'<row r="1">{_shared("A1", 10_100)}</row>', strings=_strings(["x"] * 10_101))

    with pytest.raises(UnreadableFile, match="far more shared texts than its first sheet uses"):
        read(data)


def test_shared_strings_far_outnumbering_the_cells_that_use_them_are_refused() -> None:
    """One cell refers to string 15,000: the sheet (300 KB of white space) has room for that
    many, so they are read; at the end of the sheet, 15,001 strings for one cell are refused."""
    sheet_data = f'<row r="1">{_shared("A1", 15_000)}</row>' + " " * 300_000
    data = handwritten(sheet_data, strings=_strings([f"{n}" for n in range(15_001)]))

    with pytest.raises(UnreadableFile, match="far more shared texts than its first sheet uses"):
        read(data)


def test_shared_strings_beyond_the_memory_limit_are_refused(settings) -> None:
    settings.ROSTER_MAX_SHARED_STRINGS_BYTES = 1024 * 1024
    texts = [secrets.token_hex(50) for _n in range(9_000)]  # 9,000 x 157 bytes: 1.4 MB held
    data = handwritten(f'<row r="1">{_shared("A1", 8_999)}</row>', strings=_strings(texts))

    with pytest.raises(UnreadableFile, match="The texts of the workbook take more than 1 MB"):
        read(data)
    assert read(handwritten(f'<row r="1">{_shared("A1", 10)}</row>', strings=_strings(texts))) == [(1, [texts[10]])]


@pytest.mark.parametrize("where", ["inline", "shared", "value", "runs"])
@pytest.mark.parametrize("length", [32_768, 200_000], ids=["in a chunk", "over chunks"])
def test_a_text_longer_than_a_cell_may_hold_is_refused(where: str, length: int) -> None:
    text = secrets.token_hex(length)[:length]  # not compressible: the ratio check lets it through
    cells = {
        "inline": (inline("A1", text), None),
        "shared": (_shared("A1", 0), f"<si><t>{text}</t></si>"),
        "value": (f'<c r="A1" t="str"><v>{text}</v></c>', None),
        "runs": (
            _shared("A1", 0),
            f"<si><r><t>{text[: length // 2]}</t></r><r><t>{text[length // 2 :]}</t></r></si>",
        ),
    }
    cell, strings = cells[where]

    with pytest.raises(UnreadableFile, match="more than 32,767 characters"):
        read(handwritten(f'<row r="1">{cell}</row>', strings=strings))


def test_the_longest_text_a_cell_may_hold_reads() -> None:
    text = secrets.token_hex(16_384)[:32_767]

    assert read(handwritten(f'<row r="1">{inline("A1", text)}</row>')) == [(1, [text])]


def _with_compressed_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with the compressed size its central directory gives ``name`` changed."""
    out = bytearray(data)
    at = 0
    while (at := out.find(b"PK\x01\x02", at)) >= 0:
        name_length = int.from_bytes(out[at + 28 : at + 30], "little")
        if out[at + 46 : at + 46 + name_length] == name.encode():
            out[at + 20 : at + 24] = size.to_bytes(4, "little")
            return bytes(out)
        at += 4
    raise AssertionError(name)


def test_a_member_claiming_more_compressed_bytes_than_the_file_has_is_refused() -> None:
    """Claiming a large compressed size would pass a ratio check; members sharing their
    compressed bytes (overlapping zip bombs) claim more than the file has in all."""
    with pytest.raises(UnreadableFile, match=r"not a valid \.xlsx file"):
        read(_with_compressed_size(GOOD, SHEET, len(GOOD)))


def test_a_member_expanding_more_than_the_ratio_allows_is_refused_whatever_the_total() -> None:
    data = handwritten(f'<row r="1">{inline("A1", "头")}</row>' + " " * 2_000_000)  # 2 MB in 3 KB
    assert len(data) < 10_000

    with pytest.raises(UnreadableFile, match="expands more than 100 times"):
        read(data)
