"""Reading roster files: encodings, real Excel cells, date/number cells, and files refused.

``read_table`` turns an .xlsx (first sheet) or a CSV (UTF-8 with or without BOM, or GBK)
into (header, rows) of text; anything it cannot read safely — wrong type, garbage, too
big, a zip bomb, XML entities — is an ``UnreadableFile``, refused before it is parsed.
"""

from __future__ import annotations

import datetime
import io
import re
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation
from factories import ProviderFactory
from rosters_support import csv_file, xlsx_file

from registry.models import Division
from registry.rosters.formats import UnreadableFile, parse_date, parse_decimal, parse_int, read_table
from registry.rosters.kinds import KINDS
from registry.rosters.resources import ProviderResource
from registry.spreadsheets import csv_bytes, xlsx_bytes

HEADER = ["身份证号", "姓名", "床位号"]
ROWS = [["15020319400101123X", "张桂兰", "101-1"], ["15020319410203456X", "李淑珍", "102"]]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- CSV encodings -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_accepted_encoding_reads_the_same(encoding):
    data = csv_file(HEADER, ROWS, encoding=encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    if encoding in ("gbk", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # really GBK bytes, not UTF-8 in disguise

    assert read_table(data, "名册.csv") == (HEADER, ROWS)


def test_csv_cells_are_stripped_empty_rows_dropped_and_rows_padded_to_the_header():
    data = "身份证号,姓名,床位号\r\n,,\r\n 15020319400101123X , 张桂兰 \r\n\r\n15020319410203456X,李淑珍,102,extra\r\n"

    header, rows = read_table(data.encode(), "x.CSV")

    assert header == HEADER
    assert rows == [["15020319400101123X", "张桂兰", ""], ["15020319410203456X", "李淑珍", "102"]]


def test_a_txt_file_is_read_as_csv():
    assert read_table(csv_file(HEADER, ROWS), "roster.txt") == (HEADER, ROWS)


def test_formula_escaped_cells_of_an_export_read_back_as_the_original_text():
    # Exports write "'=..." so that spreadsheets do not run it; importing undoes that.
    names = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "'quoted", "it's", "\n=1+1", " =cmd", "\t@SUM(1)"]
    for data, filename in (
        (csv_bytes(["姓名"], [[n] for n in names]), "e.csv"),
        (xlsx_bytes(["姓名"], [[n] for n in names]), "e.xlsx"),
    ):
        _header, rows = read_table(data, filename)
        assert [row[0] for row in rows] == names


# --- xlsx cells ----------------------------------------------------------------------


def test_xlsx_date_number_and_empty_cells_become_text():
    data = xlsx_file(
        ["日期", "时间", "整数", "小数", "整的小数", "空", "文本"],
        [[datetime.date(2026, 11, 23), datetime.datetime(2024, 3, 5, 0, 0), 120, 3600.5, 80.0, None, " 昆都仑 "]],
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].is_date  # a real Excel date cell, not text
    assert sheet["C2"].data_type == "n"

    _header, rows = read_table(data, "cells.xlsx")

    assert rows == [["2026-11-23", "2024-03-05", "120", "3600.5", "80", "", "昆都仑"]]


def test_only_the_first_sheet_is_read():
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名"])
    workbook.active.append(["第一页"])
    other = workbook.create_sheet("second")
    other.append(["姓名"])
    other.append(["第二页"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert read_table(buffer.getvalue(), "two.xlsx") == (["姓名"], [["第一页"]])


# --- dates and numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2026-11-23", "2026/11/23", "2026.11.23", "2026年11月23日", "46349"],
)
def test_every_documented_date_format(text):
    assert parse_date(text) == datetime.date(2026, 11, 23)


@pytest.mark.parametrize("text", ["2024-3-5", "2024/3/5", "2024.3.5", "2024年3月5日"])
def test_dates_without_leading_zeros(text):
    assert parse_date(text) == datetime.date(2024, 3, 5)


@pytest.mark.parametrize("text", ["2026-02-30", "23.11.2026", "11/23/2026", "昨天", "2026-11", "123", "2026-11-23x"])
def test_what_is_not_a_date(text):
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(text)


def test_whole_numbers_and_decimals():
    assert parse_int("120") == 120
    assert parse_int("120.0") == 120
    assert parse_decimal("1,234.50") == Decimal("1234.50")
    for bad in ("abc", "1.5", "-3"):
        with pytest.raises(ValueError, match="whole number"):
            parse_int(bad)
    with pytest.raises(ValueError, match="not a number"):
        parse_decimal("about 300")
    with pytest.raises(ValueError, match="cannot be negative"):
        parse_decimal("-1")


# --- files refused -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n", "roster.pdf", "Upload an .xlsx or .csv file."),
        (b"this is not a zip file at all", "roster.xlsx", "not a valid .xlsx"),
        (b"PK\x03\x04garbage", "roster.xlsx", "not a valid .xlsx"),
        (b"", "roster.csv", "empty"),
        (b"\r\n,,\r\n", "roster.csv", "empty"),
        (b"\xff\xfe\xff\xff", "roster.csv", "neither UTF-8 nor GBK"),
    ],
)
def test_unreadable_files(data, filename, message):
    with pytest.raises(UnreadableFile, match=message):
        read_table(data, filename)


def test_a_zip_that_is_not_a_workbook_is_unreadable():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")

    with pytest.raises(UnreadableFile, match="cannot be read"):
        read_table(buffer.getvalue(), "roster.xlsx")


def _rewrite_zip(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, content if info.filename == name else source.read(info.filename))
    return out.getvalue()


def test_a_workbook_with_a_broken_sheet_is_unreadable():
    good = xlsx_file(HEADER, ROWS)
    sheet = zipfile.ZipFile(io.BytesIO(good)).read("xl/worksheets/sheet1.xml")
    broken = _rewrite_zip(good, "xl/worksheets/sheet1.xml", sheet[: len(sheet) // 2])

    with pytest.raises(UnreadableFile, match="cannot be read"):
        read_table(broken, "broken.xlsx")


def test_xml_entities_in_a_workbook_are_refused():
    """openpyxl parses through defusedxml: a 'billion laughs' sheet is refused, not expanded."""
    assert openpyxl.DEFUSEDXML
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
    )
    bomb = _rewrite_zip(xlsx_file(HEADER, ROWS), "xl/worksheets/sheet1.xml", laughs)

    with pytest.raises(UnreadableFile):
        read_table(bomb, "laughs.xlsx")


def test_an_upload_above_the_size_limit_is_refused(settings):
    settings.ROSTER_MAX_UPLOAD_BYTES = 1024 * 1024
    data = csv_file(HEADER, ROWS * 20_000)
    assert len(data) > 1024 * 1024

    with pytest.raises(UnreadableFile, match="larger than 1 MB"):
        read_table(data, "big.csv")


def test_a_workbook_with_too_many_parts_is_refused(settings):
    settings.ROSTER_MAX_ZIP_ENTRIES = 5
    data = xlsx_file(HEADER, ROWS)
    assert len(zipfile.ZipFile(io.BytesIO(data)).infolist()) > 5

    with pytest.raises(UnreadableFile, match="too many parts"):
        read_table(data, "parts.xlsx")


def _zip_of_zeros(megabytes: int) -> bytes:
    """An 'xlsx' whose worksheet expands to ``megabytes`` MB of zeros (compresses ~1000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as entry:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                entry.write(chunk)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return _zip_of_zeros(300)


def test_a_zip_bomb_is_refused_in_under_a_second(zip_bomb):
    assert len(zip_bomb) < 1024 * 1024  # under a megabyte on the wire, 300 MB expanded

    started = time.perf_counter()
    with pytest.raises(UnreadableFile, match="expands to more than the allowed size"):
        read_table(zip_bomb, "bomb.xlsx")
    elapsed = time.perf_counter() - started

    assert elapsed < 1.0


def test_the_expansion_limit_is_a_setting(settings):
    settings.ROSTER_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    small_bomb = _zip_of_zeros(3)

    started = time.perf_counter()
    with pytest.raises(UnreadableFile, match="expands"):
        read_table(small_bomb, "bomb.xlsx")
    assert time.perf_counter() - started < 1.0

    # An ordinary workbook stays well below it.
    assert read_table(xlsx_file(HEADER, ROWS), "ok.xlsx") == (HEADER, ROWS)


# docs/import-formats.md documents every roster's columns; the resources declare them.
IMPORT_FORMATS = Path(__file__).resolve().parents[2] / "docs" / "import-formats.md"


def model_field(cell: str) -> str:
    """The field a table row names: "`regime` (code, …)" → "regime"."""
    return cell.split("`")[1]


def documented_rosters() -> dict[str, dict[str, object]]:
    """Each ``## `kind` — label`` section of the document: its key and its table's rows
    (header, alias, required, model field)."""
    rosters: dict[str, dict[str, object]] = {}
    for section in re.split(r"^## ", IMPORT_FORMATS.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]:
        title = re.match(r"`(\w+)` — (\S+)", section)
        if title is None:
            continue
        key = re.search(r"^Key: (.+?)\.", section, flags=re.MULTILINE)
        rows = [
            [cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in section.splitlines()
            if line.startswith("| ") and not line.startswith(("| 中文表头", "| ---"))
        ]
        rosters[title[1]] = {
            "label": title[2],
            "key": key[1].split("、") if key else None,
            "columns": [
                (header, alias, required == "yes", model_field(field)) for header, alias, required, field in rows
            ],
        }
    return rosters


def test_the_import_formats_document_says_what_the_resources_declare():
    declared = {
        kind.name: {
            "label": kind.label,
            "key": [kind.column(name).header for name in kind.key],
            "columns": [(c.header, c.alias, c.required, c.field) for c in kind.columns],
        }
        for kind in KINDS.values()
    }
    assert documented_rosters() == declared


def test_a_roster_resource_exports_what_the_roster_reads_back(english):
    # The resource's headers and rows are the roster's: read back, the cells are the same
    # values (choices as Chinese labels, dates in ISO form, codes as written).
    provider = ProviderFactory.build(division=Division(code="150203", name="昆都仑区"), legal_form="for_profit")
    header = ProviderResource.headers()
    rows = list(ProviderResource.rows([provider], may_see_personal=False))
    read_header, read_rows = read_table(csv_bytes(header, rows), "providers.csv")

    assert read_header == [c.header for c in KINDS["providers"].columns]
    assert read_rows[0][header.index("营利性质")] == "营利性"
    assert read_rows[0][header.index("所属区划")] == "150203"
    columns = KINDS["providers"].columns
    values = {c.field: c.parse(cell) for c, cell in zip(columns, read_rows[0], strict=True) if cell}
    assert (values["uscc"], values["legal_form"], values["beds"]) == (provider.uscc, "for_profit", 100)
