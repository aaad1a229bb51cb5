"""Fuzzing roster imports with bad files and bad cells (issue 7, "bad input").

Whatever a district uploads — any bytes, a truncated or garbled workbook, a CSV in an
odd encoding, cells with control characters, very long text, formulas, impossible dates
and numbers — ``read_table`` returns a table or raises ``UnreadableFile``;
``validate_roster`` never raises but reports row errors; a plan with any error is
refused by ``apply_roster`` and nothing at all is saved; a valid plan saves exactly the
rows it counted, and checking the same file again finds every row unchanged.
Hypothesis generates the files from valid rows of every roster kind, spoiling cells.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import translation
from factories import CaregiverFactory, FeeItemFactory, ProviderFactory, ResidentFactory
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from rosters_support import ALIASES, HEADERS, caregiver_row, provider_row, resident_row, xlsx_file

from childcare.models import Child
from inspections.models import Inspection, Regime
from registry.models import CareMode, ProviderKind, ProviderStatus, ProviderStatusChange, Resident, User
from registry.rosters import sources, xlsx
from registry.rosters.engine import CHANGED, NEW, UNCHANGED, Plan, apply_roster, validate_roster
from registry.rosters.formats import Table, UnreadableFile, parse_date, parse_int, read_table
from registry.rosters.kinds import KINDS, export_rows
from safeguards.identifiers import make_id_number

# A few dozen examples per test keep the suite fast; search deeper with, for example,
# FUZZ_EXAMPLES=2000 pytest tests/registry/test_fuzz_imports.py
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no example database to replay from: a failure prints its example (and @example keeps it)
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --------------------------------------------------------------------------- files


def table_or_unreadable(data: bytes, filename: str) -> Table | None:
    """``read_table``'s answer: a rectangular table of text, or UnreadableFile (None)."""
    try:
        header, rows = read_table(data, filename)
    except UnreadableFile as error:
        assert str(error)
        return None
    assert header and all(isinstance(name, str) for name in header)
    assert all(len(row) == len(header) and all(isinstance(cell, str) for cell in row) for row in rows)
    return header, rows


FILENAMES = st.sampled_from(["名册.xlsx", "roster.XLSX", "名册.csv", "roster.txt", "roster.pdf", "roster", ".xlsx"])


@FUZZ
@given(data=st.binary(max_size=3000), filename=FILENAMES)
@example(data=b"PK\x05\x06" + b"\x00" * 18, filename="r.xlsx")  # an empty zip: no workbook in it
@example(data=b"\xff\xfe" + "名单".encode("utf-16-le"), filename="r.csv")
@example(data=b'"unterminated\r\n', filename="r.csv")
def test_any_bytes_are_a_table_or_unreadable(data: bytes, filename: str) -> None:
    table_or_unreadable(data, filename)


def _workbook() -> bytes:
    header = HEADERS["providers"]
    return xlsx_file(header, [[provider_row(n).get(name, "") for name in header] for n in (1, 2)])


WORKBOOK = _workbook()
PARTS = [info.filename for info in zipfile.ZipFile(io.BytesIO(WORKBOOK)).infolist()]


@FUZZ
@given(cut=st.integers(0, len(WORKBOOK) - 1))
@example(cut=len(WORKBOOK) - 1)
@example(cut=len(WORKBOOK) // 2)
def test_a_truncated_workbook_is_unreadable(cut: int) -> None:
    assert table_or_unreadable(WORKBOOK[:cut], "名册.xlsx") is None


@FUZZ
@given(changes=st.lists(st.tuples(st.integers(0, len(WORKBOOK) - 1), st.integers(0, 255)), min_size=1, max_size=30))
def test_a_workbook_with_garbled_bytes_is_a_table_or_unreadable(changes: list[tuple[int, int]]) -> None:
    data = bytearray(WORKBOOK)
    for position, value in changes:
        data[position] = value
    table_or_unreadable(bytes(data), "名册.xlsx")


def _rezip(replace: dict[str, bytes], *, drop: str | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(WORKBOOK))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in PARTS:
            if name != drop:
                archive.writestr(name, replace.get(name, source.read(name)))
    return buffer.getvalue()


@FUZZ
@given(
    part=st.sampled_from(PARTS),
    content=st.one_of(
        st.binary(max_size=500),
        st.text(max_size=200).map(str.encode),
        st.sampled_from(
            [
                b"",
                b"<?xml version='1.0'?>",
                b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><x>&a;</x>',
                b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
            ]
        ),
    ),
    keep=st.floats(0, 1),
    drop=st.booleans(),
)
def test_a_workbook_with_a_garbled_part_is_a_table_or_unreadable(
    part: str, content: bytes, keep: float, drop: bool
) -> None:
    original = zipfile.ZipFile(io.BytesIO(WORKBOOK)).read(part)
    garbled = original[: int(len(original) * keep)] + content  # a truncated part, then rubbish
    table_or_unreadable(_rezip({part: garbled}, drop=part if drop else None), "名册.xlsx")


SHEET = "xl/worksheets/sheet1.xml"
formats_cell_text = sources.cell_text
CELL_TYPES = st.sampled_from(["n", "s", "str", "b", "e", "d", "inlineStr", None])
VALUES = st.one_of(
    st.sampled_from(["1e999", "-1e999", "inf", "nan", "NaN", "1e308", "4.9e-324", "99999999999999999999", "-1", ""]),
    st.sampled_from(["0", "1", "2958465", "2958466", "-693594", "1900-02-29", "9999-12-31T23:59:59", "0000-01-01"]),
    st.floats().map(repr),
    st.integers().map(str),
    st.text(alphabet="0123456789.eE+-:TZ ", max_size=12),
)


@FUZZ
@pytest.mark.django_db
@given(cells=st.lists(st.tuples(CELL_TYPES, VALUES), min_size=1, max_size=14))
@example(cells=[("n", "1e999")])  # a number Excel cannot hold reads as float("inf")
@example(cells=[("d", "9999-12-31T23:59:59")])
def test_a_sheet_with_odd_typed_cells_reads_and_validates(cells: list[tuple[str | None, str]]) -> None:
    """Cells as the XML of a sheet has them: numbers, dates, booleans, errors, shared-string
    indexes, whatever they say. Under the providers' header, then checked as a roster."""
    header = "".join(
        f'<c r="{_column(i)}1" t="inlineStr"><is><t>{name}</t></is></c>' for i, name in enumerate(HEADERS["providers"])
    )
    row = "".join(
        f'<c r="{_column(i)}2"{f" t={chr(34)}{kind}{chr(34)}" if kind else ""}><v>{value}</v></c>'
        for i, (kind, value) in enumerate(cells)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{header}</row><row r="2">{row}</row></sheetData></worksheet>'
    )
    table = table_or_unreadable(_rezip({SHEET: sheet.encode()}), "名册.xlsx")
    if table is not None:
        validate_roster(KINDS["providers"], table, user=None).digest  # noqa: B018  # never raises


def _column(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


@pytest.mark.parametrize("dimension", ["", '<dimension ref="A1:AZ1048576"/>'], ids=["no claim", "the claim"])
def test_a_sheet_claiming_a_huge_size_is_read_for_what_it_holds(monkeypatch: Any, dimension: str) -> None:
    """A 5 KB workbook whose sheet claims A1:AZ1048576 made openpyxl hand over a million
    rows padded to 52 cells, each made text: 16 s and 570 MB (all the memory there is
    for A1:XFD1048576). Now only the rows and columns the sheet holds are read, and a claim
    of more rows than a file may have (``ROSTER_MAX_ROWS``) is refused (issue 23)."""
    header = "".join(
        f'<c r="{_column(i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADERS["fees"])
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dimension}<sheetData>"
        f'<row r="1">{header}</row>'
        '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>最后一行</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    made_text: list[Any] = []

    def cell_text(value: Any) -> str:
        made_text.append(value)
        return formats_cell_text(value)

    monkeypatch.setattr(xlsx, "cell_text", cell_text)  # the name the reader calls

    table = table_or_unreadable(_rezip({SHEET: sheet.encode()}), "名册.xlsx")

    assert table == (None if dimension else (HEADERS["fees"], [["最后一行"] + [""] * (len(HEADERS["fees"]) - 1)]))
    assert len(made_text) < 20


CSV_TEXT = st.lists(
    st.lists(st.text(max_size=12), min_size=1, max_size=4),
    min_size=1,
    max_size=5,
)
ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "gb18030",
    "gbk",
    "big5",
    "shift_jis",
    "euc-kr",
    "utf-16",
    "utf-16-be",
    "utf-32",
    "latin-1",
    "cp1252",
    "koi8-r",
    "utf-7",
]


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


@FUZZ
@given(rows=CSV_TEXT, encoding=st.sampled_from(ENCODINGS))
def test_a_csv_in_any_encoding_is_a_table_or_unreadable(rows: list[list[str]], encoding: str) -> None:
    table_or_unreadable(csv_text(rows).encode(encoding, errors="replace"), "名册.csv")


PLAIN_TEXT = st.text(
    alphabet=st.one_of(st.characters(categories=["L", "N", "S"]), st.sampled_from(' ,"\n\r;|—。，')), max_size=12
)


@FUZZ
@given(rows=st.lists(st.lists(PLAIN_TEXT, min_size=3, max_size=3), min_size=1, max_size=5), bom=st.booleans())
def test_a_utf8_csv_reads_back_as_written(rows: list[list[str]], bom: bool) -> None:
    written = [[cell.strip() for cell in row] for row in rows]
    written = [row for row in written if any(row)]
    data = csv_text(rows).encode("utf-8-sig" if bom else "utf-8")

    table = table_or_unreadable(data, "名册.csv")

    if not written:
        assert table is None
    else:
        assert table is not None
        header, body = table
        assert [header, *body] == [[cell.lstrip("\ufeff") for cell in written[0]], *written[1:]]


# --------------------------------------------------------------------------- cells

CONTROL_CHARACTERS = [
    "\x00",
    "\x01",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x1f",
    "\x7f",
    "\x85",
    "\u2028",
    "\u200b",
    "\ufeff",
]
FORMULAS = [
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    "'=A1",
    "''=A1",
    '=HYPERLINK("http://example.com","x")',
    "=cmd|' /C calc'!A0",
    "\t=1",
    "'",
]
ODD_NUMBERS = [
    "NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "1e999999",
    "1e999999999",
    "-1e999999999",
    "1e-999999999",
    "9" * 30,
    "9" * 5000,
    "2147483648",
    "0.001",
    "1,234.5",
    "１２０",
    "٣",
    "²",
    "0x1F",
    "1_000",
    "−5",  # a Unicode minus
    "+5",
    "5.",
    ".5",
    "-0",
    "1e2",
]
ODD_DATES = [
    "2026-02-30",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026年13月1日",
    "2026-11-23T00:00",
    "20000",
    "20001",
    "46349",
    "79999",
    "80000",
    "²²²²²",
    "４６３４９",
    "٢٠٢٦-١١-٢٣",
    "２０２６年１１月２３日",
    "2099-01-01",
]
_ID = make_id_number("150203", datetime.date(1940, 1, 1), 12)
ODD_CODES = [
    _ID.translate(str.maketrans("0123456789", "０１２３４５６７８９")),  # the same number, in fullwidth
    _ID[:10] + "²" + _ID[11:],
    _ID[:-1] + "x",
    f" {_ID[:6]} {_ID[6:14]} {_ID[14:]} ",
    "52150203MJ0000001C".lower(),
    "５２１５０２０３ＭＪ００００００１Ｃ",
    "52150203-MJ000000-1C",
]
LENGTHS = [19, 20, 21, 29, 30, 31, 49, 50, 51, 60, 61, 100, 101, 200, 201, 255, 256, 2000, 2001, 40_000]

NASTY = st.one_of(
    st.text(max_size=20),
    st.tuples(st.text(max_size=5), st.sampled_from(CONTROL_CHARACTERS), st.text(max_size=5)).map("".join),
    st.sampled_from(FORMULAS),
    st.sampled_from(ODD_NUMBERS),
    st.sampled_from(ODD_DATES),
    st.sampled_from(ODD_CODES),
    st.sampled_from(LENGTHS).map(lambda n: "长" * n),
    st.sampled_from(
        ["养老机构", "non_profit", "FOR PROFIT", "公办", "失能", "高龄 低保对象", "高级", "每日", "不合格"]
    ),
)
# What an .xlsx may hold besides text: numbers, dates, times, booleans.
TYPED = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(2**70), 2**70),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.booleans(),
)

FORMATS = ["xlsx", "utf-8", "utf-8-sig", "gb18030"]


class World:
    """The clerk's district with one record of every kind, whose exports start each file."""

    def __init__(self, clerk: User, rows: dict[str, list[dict[str, str]]]) -> None:
        self.clerk = clerk
        self.rows = rows

    def __repr__(self) -> str:  # short, in Hypothesis' report of a failing example
        return "World()"


@pytest.fixture
def world(divisions: Any, clerk: User) -> World:
    home = ProviderFactory(name="昆都仑幸福院", status=ProviderStatus.CERTIFIED)
    nursery = ProviderFactory(name="昆都仑阳光托育园", kind=ProviderKind.NURSERY, beds=0, nursing_beds=0)
    regime = Regime.objects.get(code="BT-DISTRICT-SAFETY")
    toddler_birth = datetime.date(2024, 6, 15)
    existing = {
        "providers": [home],
        "residents": [ResidentFactory(provider=home)],
        "caregivers": [CaregiverFactory(provider=home)],
        "fees": [FeeItemFactory(provider=home)],
        "inspections": [
            Inspection.objects.create(
                provider=home,
                regime=regime,
                inspected_on=datetime.date(2025, 11, 3),
                outcome=Inspection.Outcome.PASSED,
                recorded_by=clerk,
            )
        ],
        "children": [
            Child.objects.create(
                provider=nursery,
                name="王小宝",
                id_number=make_id_number("150203", toddler_birth, 1),
                birth_date=toddler_birth,
                mode=CareMode.FULL_DAY,
                enrolled_on=datetime.date(2025, 9, 1),
                guardian_name="王伟",
                phone="13700000001",
            )
        ],
    }
    rows: dict[str, list[dict[str, str]]] = {}
    for name, objects in existing.items():
        exported = export_rows(KINDS[name], objects, may_see_personal=True)
        rows[name] = [dict(zip(HEADERS[name], cells, strict=True)) for cells in exported]
    for n in range(1, 4):
        rows["providers"].append(provider_row(n))
        rows["residents"].append(resident_row(n, home.uscc))
        rows["caregivers"].append(caregiver_row(n, home.uscc))
        rows["fees"].append(
            {
                "机构统一社会信用代码": home.uscc,
                "收费类型": "床位费",
                "收费项目": f"双人间床位费{n}",
                "金额": "1200.50",
                "计费单位": "每月",
                "执行日期": "2026-01-01",
                "截止日期": "",
            }
        )
        rows["inspections"].append(
            {
                "机构统一社会信用代码": home.uscc,
                "检查类型": regime.name_zh,
                "检查日期": f"2025-12-0{n}",
                "检查结果": "合格",
                "检查情况": "消防设施完好",
            }
        )
        rows["children"].append(
            {
                "姓名": f"李小宝{n}",
                "证件号码（身份证或出生医学证明）": f"M51012345{n}"
                if n == 3
                else make_id_number("150203", toddler_birth, 10 + n),
                "机构统一社会信用代码": nursery.uscc,
                "出生日期": toddler_birth.isoformat(),
                "托育类型": "半日托",
                "入托日期": "2026-01-05",
                "离托日期": "",
                "班级": "",
                "监护人": f"李家长{n}",
                "监护人电话": "",
            }
        )
    return World(clerk, rows)


class RosterFile:
    """A generated file: shown as its cells when Hypothesis reports a failing example."""

    def __init__(self, kind: str, fmt: str, header: list[str], body: list[list[Any]]) -> None:
        self.kind, self.fmt, self.header, self.body = kind, fmt, header, body

    def __repr__(self) -> str:
        return f"RosterFile({self.kind!r}, {self.fmt!r}, header={self.header!r}, body={self.body!r})"

    def content(self) -> tuple[bytes, str]:
        if self.fmt == "xlsx":  # an .xlsx cannot hold control characters at all
            header = [ILLEGAL_CHARACTERS_RE.sub("", name) for name in self.header]
            body = [[ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row] for row in self.body]
            return xlsx_file(header, body), f"{self.kind}.xlsx"
        text = csv_text([self.header, *[[str(v) for v in row] for row in self.body]])
        return text.encode(self.fmt), f"{self.kind}.csv"


@st.composite
def roster(draw: st.DrawFn, kind: str, base: list[dict[str, str]]) -> RosterFile:
    """A file of ``kind``: valid rows (existing, then new) with some cells spoiled, under
    Chinese or English headers in any order, maybe a column missing or an unknown one."""
    chinese = HEADERS[kind]
    written = list(chinese if draw(st.booleans()) else ALIASES[kind])
    if draw(st.booleans()):
        written = [name.upper() for name in written]
    columns = draw(st.permutations(list(zip(written, chinese, strict=True))))
    if draw(st.integers(0, 4)) == 0:
        columns.pop(draw(st.integers(0, len(columns) - 1)))
    if draw(st.integers(0, 4)) == 0:
        columns.insert(draw(st.integers(0, len(columns))), (draw(NASTY), ""))
    fmt = draw(st.sampled_from(FORMATS))
    body: list[list[Any]] = []
    for n in draw(st.lists(st.integers(0, len(base) - 1), max_size=5)):  # repeats are duplicate rows
        row: dict[str, Any] = dict(base[n])
        for name in draw(st.lists(st.sampled_from(chinese), max_size=3)):
            row[name] = draw(st.one_of(NASTY, TYPED) if fmt == "xlsx" else NASTY)
        body.append([row.get(name, draw(NASTY)) for _written, name in columns])
    return RosterFile(kind, fmt, [name for name, _chinese in columns], body)


def counts(kind: str) -> dict[str, int]:
    """Rows of every table an import may write (the kind's model and history, lifecycle)."""
    model: type[Model] = KINDS[kind].model
    return {
        "rows": model._default_manager.count(),
        "history": model.history.count(),  # type: ignore[attr-defined]
        "status changes": ProviderStatusChange.objects.count(),
    }


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each example starts from the same database."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


PYTHON_MESSAGES = re.compile(r"invalid literal|base 10|Exceeds the limit|object has no attribute|Traceback|\[<class")


def check_import(kind: str, data: bytes, filename: str, user: User | None) -> Plan | None:
    table = table_or_unreadable(data, filename)
    if table is None:
        return None
    before = counts(kind)

    plan = validate_roster(KINDS[kind], table, user=user)  # never raises
    assert plan.digest and all(str(error) for error in plan.errors)
    # Each message is the app's own, not Python's ("invalid literal for int() with base 10").
    assert not [e for e in plan.errors if PYTHON_MESSAGES.search(e.message)], plan.errors

    if not plan.valid:
        with pytest.raises(ValidationError):
            apply_roster(plan, user=user)
        assert counts(kind) == before, "nothing saved"
        return plan
    done = apply_roster(plan, user=user)
    after = counts(kind)
    filed = sum(1 for row in plan.rows if row.action == NEW and row.values.get("filed_on"))
    assert done == plan.counts
    assert after["rows"] == before["rows"] + plan.count(NEW)
    assert after["history"] == before["history"] + plan.count(NEW) + plan.count(CHANGED) + filed
    assert after["status changes"] == before["status changes"] + filed
    again = validate_roster(KINDS[kind], table, user=user)
    assert again.valid, again.errors
    assert again.counts == {NEW: 0, CHANGED: 0, UNCHANGED: len(plan.rows)}, [r.changes for r in again.rows]
    return plan


@FUZZ
@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(KINDS))
@given(data=st.data())
def test_any_roster_is_refused_whole_or_imported_exactly(world: World, kind: str, data: st.DataObject) -> None:
    assert set(KINDS) == {"providers", "residents", "caregivers", "fees", "inspections", "children"}
    file = data.draw(roster(kind, world.rows[kind]), label="file")
    user = data.draw(st.sampled_from([world.clerk, None]), label="user")

    with rolled_back():
        plan = check_import(kind, *file.content(), user)

    event("unreadable" if plan is None else "valid" if plan.valid else "refused")


# --------------------------------------------------------------------------- regressions


def csv_roster(kind: str, rows: list[dict[str, str]]) -> bytes:
    return csv_text([HEADERS[kind], *[[row.get(name, "") for name in HEADERS[kind]] for row in rows]]).encode()


@pytest.mark.parametrize("text", ["1e999999", "1e999999999", "9" * 19])
def test_a_count_too_large_for_any_roster_is_refused_before_int(text: str) -> None:
    # int(Decimal("1e999999")) took minutes: one such cell held up a worker.
    with translation.override("en"), pytest.raises(ValueError, match="is too large"):
        parse_int(text)


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "9" * 5000])
@pytest.mark.parametrize("column", ["床位数", "等级", "建筑面积"])
def test_a_number_no_count_or_area_can_be_is_a_row_error(world: World, column: str, text: str) -> None:
    rows = [{**world.rows["providers"][1], column: text}]

    plan = check_import("providers", csv_roster("providers", rows), "p.csv", world.clerk)

    assert plan is not None and [(e.row, e.column) for e in plan.errors] == [(2, column)]


@pytest.mark.parametrize("text", ["²", "²²²²²", "9" * 5000])
def test_a_date_of_odd_digits_is_reported_as_not_a_date(text: str) -> None:
    # Was Python's own message: "invalid literal for int() with base 10: '²'", "Exceeds the limit …".
    with translation.override("en"), pytest.raises(ValueError, match="is not a date"):
        parse_date(text)


@pytest.mark.django_db
@pytest.mark.parametrize("other", ["²", "١"])  # a superscript two, an Arabic-Indic one
def test_an_id_number_is_ascii_digits(world: World, other: str) -> None:
    """ "²" passed isdigit() and then failed int() with Python's message in the roster, and
    as a server error in a form (validators may raise ValidationError only)."""
    existing = world.rows["residents"][0]
    spoilt = existing["身份证号"][:10] + other + existing["身份证号"][11:]

    with translation.override("en"):
        plan = check_import("residents", csv_roster("residents", [{**existing, "身份证号": spoilt}]), "r.csv", None)
        resident = Resident.objects.get()
        resident.id_number = spoilt
        with pytest.raises(ValidationError, match="must be digits"):
            resident.full_clean()

    assert plan is not None
    assert [(e.row, e.column) for e in plan.errors] == [(2, "身份证号")]
    assert "must be digits" in plan.errors[0].message


@pytest.mark.django_db
def test_an_id_number_in_fullwidth_digits_is_the_same_number(world: World) -> None:
    existing = world.rows["residents"][0]
    fullwidth = existing["身份证号"].translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))

    plan = check_import("residents", csv_roster("residents", [{**existing, "身份证号": fullwidth}]), "r.csv", None)

    assert plan is not None and plan.counts == {NEW: 0, CHANGED: 0, UNCHANGED: 1}
