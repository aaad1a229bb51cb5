"""Rosters as districts really write them (issue 14): a title row, a note and a blank row
above the header, a 序号 column, dates as 20260301 or in full-width digits, the short forms
clerks type for a choice (低保, 五保, 部分失能), and ID numbers that a spreadsheet stored as
numbers. The workbook below is built as Excel and WPS save one: a merged title cell,
shared strings, date cells with a date format and ID numbers formatted as text."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook
from rosters_support import HEADERS, csv_file, elderly_id, logged_in, resident_row, roster_file, wrong_check_character
from stdnum.cn.ric import calc_check_digit

from registry.models import CareLevel, Resident, ResidentCategory, RosterImport
from registry.rosters.aliases import CHOICE_ALIASES
from registry.rosters.cells import _labels, categories, choice, header_key, id_number, stored_as_number
from registry.rosters.engine import known_headers, validate_roster
from registry.rosters.formats import find_header, parse_date, read_rows, read_table, stream_table
from registry.rosters.kinds import KINDS

pytestmark = pytest.mark.django_db

TITLE = "包头市昆都仑区养老机构入住老人花名册（2026年11月）"
NOTE = "填报单位：昆都仑区民政局    填报日期：2026年11月5日"
RESIDENTS = KINDS["residents"]
STORED_AS_NUMBER = "This ID number was stored as a number and lost its last digits; format the column as text."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def number(row: object) -> object:
    """The spreadsheet row number a header or row carries (``formats.Header``, ``formats.Row``)."""
    return getattr(row, "number", None)


def readings(parse: Callable[[str], object], text: str) -> object:
    """What a cell parser says the aliases in ``text`` were read as."""
    return getattr(parse, "readings", lambda _text: None)(text)


def workbook_as_saved(rows: list[list[object]], *, blank_after: int | None = None) -> bytes:
    """A residents roster as a district saves it from Excel or WPS: row 1 a title merged
    across every column, row 2 blank, row 3 a note, row 4 the header with 序号 first, the
    rows from row 5 (a blank row after the ``blank_after``-th one). Text goes to shared
    strings, dates are date cells formatted yyyy/m/d, ID numbers are cells formatted as text."""
    header = ["序号", *HEADERS["residents"]]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "2026年11月"
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append([])
    sheet.append([NOTE])
    sheet.append(header)
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *[None if value == "" else value for value in row]])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy/m/d"
        sheet.cell(sheet.max_row, 2).number_format = "@"  # 身份证号, typed as text
        if number == blank_after:
            sheet.append([])
    for letter, width in zip("ABCDEFGHIJ", (6, 22, 10, 22, 8, 12, 12, 10, 16, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def resident_cells(sequence: int, provider_uscc: str, **cells: object) -> list[object]:
    row: dict[str, object] = {
        **resident_row(sequence, provider_uscc),
        "入住日期": datetime.date(2026, 3, sequence),
        "照护等级": "部分失能",
        "人员类别": "低保、五保",
    }
    row.update(cells)
    return [row[name] for name in HEADERS["residents"]]


def upload(client, data: bytes, filename: str = "昆都仑区11月花名册.xlsx"):
    url = reverse("admin:registry_resident_import")
    response = client.post(url, {"roster": SimpleUploadedFile(filename, data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page


# --- the workbook Excel and WPS save, through the back-office ------------------------------


def test_a_roster_saved_by_excel_with_a_title_note_and_serial_numbers_imports(home, clerk, client_for):
    client = logged_in(client_for, clerk)
    rows = [resident_cells(n, home.uscc) for n in range(1, 4)]

    page = upload(client, workbook_as_saved(rows, blank_after=1))

    html = page.content.decode()
    record = RosterImport.objects.get()
    assert (record.status, record.errors, record.counts) == (
        RosterImport.Status.PREVIEWED,
        [],
        {"new": 3, "changed": 0, "unchanged": 0},
    )
    assert "Header: row 4" in html
    assert "人员类别：低保 → 低保对象（3 rows）" in html
    assert "人员类别：五保 → 特困人员（3 rows）" in html
    assert "照护等级：部分失能 → 半失能（3 rows）" in html

    done = client.post(page.request["PATH_INFO"], {"digest": record.digest})

    assert done.status_code == 302
    imported = Resident.objects.filter(provider=home).order_by("admitted_on")
    assert [(r.admitted_on, r.care_level, sorted(r.categories)) for r in imported] == [
        (datetime.date(2026, 3, n), CareLevel.PARTLY_DISABLED, ["dibao", "extreme_poverty"]) for n in range(1, 4)
    ]


def test_errors_in_such_a_workbook_name_the_rows_the_clerk_sees(home, clerk, client_for):
    client = logged_in(client_for, clerk)
    rows = [resident_cells(n, home.uscc) for n in range(1, 4)]
    good = str(rows[2][0])
    rows[2][0] = wrong_check_character(good)  # the third resident: row 8 (title, blank, note, header, blank)
    rows[0][HEADERS["residents"].index("照护等级")] = "卧床"

    page = upload(client, workbook_as_saved(rows, blank_after=2))

    assert [(e.row, e.column, e.message) for e in page.context["errors"]] == [
        (5, "照护等级", "“卧床” is not one of: Self-care、Partly disabled、Disabled、Cognitively impaired."),
        (8, "身份证号", f"the check character is wrong (expected {good[-1]})."),
    ]
    assert "Header: row 4" in page.content.decode()


def test_a_title_row_above_a_csv_roster_is_skipped_and_rows_keep_their_numbers(home):
    header = HEADERS["residents"]
    rows = [[resident_row(n, home.uscc)[h] for h in header] for n in (1, 2)]
    rows[1][0] = "1.50203E+17"  # how Excel shows an ID number stored as a number, saved to CSV
    data = csv_file([TITLE], [[], header, *rows])  # the title row 1, a blank row 2, the header row 3

    plan = validate_roster(RESIDENTS, read_table(data, "名册.csv", headers=known_headers(RESIDENTS)), user=None)

    assert plan.header_row == 3
    assert [(e.row, e.column, e.message) for e in plan.errors] == [(5, "身份证号", STORED_AS_NUMBER)]


def test_a_header_with_a_required_column_missing_is_reported_on_its_own_row(home):
    header = [h for h in HEADERS["residents"] if h != "入住日期"]
    data = csv_file([TITLE], [[NOTE], header, [resident_row(1, home.uscc)[h] for h in header]])

    plan = validate_roster(RESIDENTS, read_table(data, "名册.csv", headers=known_headers(RESIDENTS)), user=None)

    assert [(e.row, e.column) for e in plan.errors] == [(3, "入住日期")]


def test_the_command_line_says_which_row_is_the_header_and_what_aliases_were_read(home, tmp_path: Path):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(workbook_as_saved([resident_cells(n, home.uscc, 人员类别="特困") for n in (1, 2)]))
    out = io.StringIO()

    call_command("import_roster", "residents", str(path), "--dry-run", stdout=out, stderr=io.StringIO())

    assert out.getvalue().splitlines() == [
        "Header: row 4",
        "人员类别：特困 → 特困人员（2 rows）",
        "照护等级：部分失能 → 半失能（2 rows）",
        "dry run: new 2, changed 0, unchanged 0; nothing saved",
    ]


# --- finding the header row ---------------------------------------------------------------


def test_the_header_is_the_row_naming_the_most_known_headers_the_earliest_on_a_tie():
    known = ["身份证号", "姓名", "入住日期"]

    assert find_header([[TITLE], ["姓名"], ["身份证号", "姓名"], ["身份证号 ", "姓名"]], known) == 2
    assert find_header([[TITLE], [NOTE]], known) == 0  # none: the first row, its columns reported missing
    assert find_header([["ＩＤ Number"], ["序号", "姓　名"]], ["id number", "姓名"]) == 0


def test_the_header_is_looked_for_in_the_first_ten_non_empty_rows_only(home):
    header = HEADERS["residents"]
    titles = [[f"说明第{n}行"] for n in range(1, 11)]
    data = csv_file([TITLE], [*titles, header, [resident_row(1, home.uscc)[h] for h in header]])

    found, rows = stream_table(data, "x.csv", headers=known_headers(RESIDENTS))

    assert (found, number(found)) == ([TITLE], 1)
    assert number(next(rows)) == 2


def test_without_known_headers_the_first_non_empty_row_is_the_header():
    data = csv_file([TITLE], [["item", "amount"], ["1", "2"]])

    header, rows = stream_table(data, "x.csv")

    assert (header, number(header), [(number(r), list(r)) for r in rows]) == (
        [TITLE],
        1,
        [(2, ["item"]), (3, ["1"])],
    )


def test_read_rows_finds_the_header_and_numbers_rows_as_the_spreadsheet():
    data = csv_file(["银行代发结果"], [[], ["item", "amount", "status", "reason"], [], ["7", "300.00", "paid", ""]])

    rows = list(read_rows(data, "result.csv", headers=["item", "amount", "status", "reason"]))

    assert [(row.number, dict(row)) for row in rows] == [
        (5, {"item": "7", "amount": "300.00", "status": "paid", "reason": ""})
    ]


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "20260301",
        "２０２６－０３－０１",
        "２０２６年３月１日",
        "２０２６年０３月０１日",
        "２０２６/３/１",
        "２０２６０３０１",
        "46082",  # Excel's day number, a date cell formatted as text
        "46082.0",
        "４６０８２",
        " 2026-3-1 ",
    ],
)
def test_dates_as_clerks_write_them(text):
    assert parse_date(text) == datetime.date(2026, 3, 1)


@pytest.mark.parametrize("text", ["20260230", "20261301", "2026030", "٢٠٢٦-٠٣-٠١", "46082.5", "１２３"])
def test_what_is_still_not_a_date(text):
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(text)


def test_an_eight_digit_date_in_a_roster_is_read(home):
    row = resident_row(1, home.uscc, 入住日期="20260301", 退住日期="２０２６年１１月３０日")
    data, filename = roster_file("residents", [row], fmt="utf-8")

    plan = validate_roster(RESIDENTS, read_table(data, filename), user=None)

    assert plan.valid, plan.errors
    assert (plan.rows[0].values["admitted_on"], plan.rows[0].values["discharged_on"]) == (
        datetime.date(2026, 3, 1),
        datetime.date(2026, 11, 30),
    )


# --- choice aliases -----------------------------------------------------------------------


ALIASES = [
    (choices, code, alias)
    for choices, table in CHOICE_ALIASES.items()
    for code, names in table.items()
    for alias in names
]


@pytest.mark.parametrize(("choices", "code", "alias"), ALIASES, ids=[alias for _c, _code, alias in ALIASES])
def test_every_alias_reads_as_its_choice(choices, code, alias):
    parse = choice(choices)

    assert parse(alias) == code
    assert readings(parse, alias) == [(alias, _chinese(choices, code))]


def _chinese(choices, code) -> str:
    with translation.override("zh-hans"):
        return str(choices(code).label)


@pytest.mark.parametrize(
    ("choices", "alias", "code"),
    [
        (ResidentCategory, "低保", ResidentCategory.DIBAO),
        (ResidentCategory, "五保", ResidentCategory.EXTREME_POVERTY),
        (ResidentCategory, "特困", ResidentCategory.EXTREME_POVERTY),
        (CareLevel, "部分失能", CareLevel.PARTLY_DISABLED),
        (CareLevel, "半失能", CareLevel.PARTLY_DISABLED),  # the label itself
    ],
)
def test_the_short_forms_the_issue_names(choices, alias, code):
    assert choice(choices)(alias) == code


def test_no_alias_names_two_choices_or_hides_a_label():
    for choices, table in CHOICE_ALIASES.items():
        labels = _labels(choices)
        seen: dict[str, str] = {}
        for code, names in table.items():
            assert code in choices.values
            for alias in names:
                key = header_key(alias)
                assert labels.get(key, code) == code, f"{alias} is the label of another {choices.__name__}"
                assert seen.setdefault(key, code) == code, f"{alias} names two {choices.__name__}"


def test_a_label_or_code_is_not_reported_as_an_alias():
    assert readings(choice(ResidentCategory), "低保对象") == []
    assert readings(choice(CareLevel), "partly_disabled") == []


def test_categories_read_aliases_and_labels_together():
    assert categories("低保，五保 高龄") == ["advanced_age", "dibao", "extreme_poverty"]
    assert readings(categories, "低保、高龄") == [("低保", "低保对象")]


def test_an_unknown_short_form_is_still_an_error(home):
    plan = validate_roster(
        RESIDENTS, read_table(*roster_file("residents", [resident_row(1, home.uscc, 人员类别="困难")])), user=None
    )

    assert [(e.row, e.column) for e in plan.errors] == [(2, "人员类别")]
    assert "“困难” is not one of" in plan.errors[0].message


# --- ID numbers a spreadsheet stored as numbers -------------------------------------------


def lost_digits(number: str) -> str:
    """The ID number as a spreadsheet keeps it as a number: 15 significant digits."""
    return number[:15] + "000"


def an_id_whose_last_digits_matter() -> str:
    """A valid ID number, all digits, that saving as a number spoils: its 15-digit form
    (ending in 000) has a wrong check digit."""
    for sequence in range(1, 200):
        number = elderly_id(sequence)
        if number[-1] != "X" and not number.endswith("000") and calc_check_digit(lost_digits(number)) != "0":
            return number
    raise AssertionError("no such ID number")


@pytest.mark.parametrize("shown", ["1.50203E+17", "1.50203194001011E+17", "１.５０２０３Ｅ＋１７", "1.50203e17"])
def test_an_id_number_in_scientific_notation_was_stored_as_a_number(shown):
    with pytest.raises(ValueError, match="stored as a number and lost its last digits"):
        id_number(shown)


def test_an_id_number_ending_in_000_with_a_wrong_check_digit_was_stored_as_a_number():
    number = lost_digits(an_id_whose_last_digits_matter())

    with pytest.raises(ValueError) as raised:
        id_number(number)

    assert str(raised.value) == STORED_AS_NUMBER


def test_an_id_number_with_a_mistyped_check_digit_is_still_a_wrong_check_digit():
    good = an_id_whose_last_digits_matter()
    typo = wrong_check_character(good)

    with pytest.raises(ValueError) as raised:
        id_number(typo)

    assert str(raised.value) == f"the check character is wrong (expected {good[-1]})."
    assert not stored_as_number(typo)


@pytest.mark.parametrize("as_float", [True, False], ids=["double", "whole number"])
def test_an_id_number_in_a_number_cell_of_an_xlsx_was_stored_as_a_number(home, as_float):
    kept = int(lost_digits(an_id_whose_last_digits_matter()))  # what Excel keeps of a number: 15 digits
    cells = resident_cells(1, home.uscc)
    cells[0] = float(kept) if as_float else kept  # <v>1.50203194001011e+17</v> or <v>150203194001011000</v>
    workbook = Workbook()
    workbook.active.append(HEADERS["residents"])
    workbook.active.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)

    plan = validate_roster(RESIDENTS, read_table(buffer.getvalue(), "名册.xlsx"), user=None)

    assert [(e.row, e.column, e.message) for e in plan.errors] == [(2, "身份证号", STORED_AS_NUMBER)]


# --- messages say the column once ---------------------------------------------------------


def test_a_message_names_its_column_once(home):
    good = elderly_id(1)
    row = resident_row(1, home.uscc, 身份证号=wrong_check_character(good))
    data, filename = roster_file("residents", [row])

    with translation.override("zh-hans"):
        chinese = validate_roster(RESIDENTS, read_table(data, filename), user=None).errors
        assert [str(e) for e in chinese] == [f"第2行，身份证号：校验码错误（应为{good[-1]}）。"]
    english = validate_roster(RESIDENTS, read_table(data, filename), user=None).errors

    assert [str(e) for e in english] == [f"row 2, 身份证号: the check character is wrong (expected {good[-1]})."]


def test_a_providers_uscc_message_names_its_column_once(divisions):
    from rosters_support import provider_row, uscc

    good = uscc(1)
    row = provider_row(1, 统一社会信用代码=wrong_check_character(good))

    with translation.override("zh-hans"):
        errors = validate_roster(KINDS["providers"], read_table(*roster_file("providers", [row])), user=None).errors

    assert [(e.column, e.message.startswith("统一社会信用代码")) for e in errors] == [("统一社会信用代码", False)]


def test_the_import_formats_document_lists_every_alias():
    document = (Path(__file__).resolve().parents[2] / "docs" / "import-formats.md").read_text(encoding="utf-8")
    section = document.split("## Short forms of choices")[1].split("\n## ")[0]
    lines = [
        line for line in section.splitlines() if line.startswith("| ") and not line.startswith(("| ---", "| column"))
    ]
    listed = {alias for line in lines for alias in _cells(line.split("|")[3])}

    assert listed == {alias for _choices, _code, alias in ALIASES}


def _cells(text: str) -> list[str]:
    return [alias.strip() for group in text.split(" / ") for alias in group.split("、") if alias.strip()]
