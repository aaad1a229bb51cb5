"""The workbook a rejected roster upload offers (issue 14, "Error workbook"): the clerk's own
sheet — title rows, columns in their order, merged title, widths — with each problem as a
comment on its cell and the cell filled light red, every message of a row also in one
"Errors" column at the right; corrected and uploaded again, it imports."""

from __future__ import annotations

import io
import tempfile
import tracemalloc

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from rosters_support import ALIASES, HEADERS, csv_file, logged_in, resident_row, roster_file, wrong_check_character

from registry.models import DataExport, RosterImport
from registry.rosters.error_workbook import write_error_workbook
from registry.rosters.kinds import KINDS
from safeguards.identifiers import mask_id_number
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

RESIDENTS = HEADERS["residents"]
ID, DISCHARGED = RESIDENTS.index("身份证号") + 1, RESIDENTS.index("退住日期") + 1  # sheet columns
ERRORS = len(RESIDENTS) + 1  # the errors column, right of the clerk's
TITLE = "包头市昆都仑区养老机构入住老人花名册（2026年11月）"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def as_clerk(clerk, client_for):
    return logged_in(client_for, clerk)


def upload(client, data: bytes, filename: str) -> RosterImport:
    response = client.post(reverse("admin:registry_resident_import"), {"roster": SimpleUploadedFile(filename, data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return RosterImport.objects.latest("pk")


def error_sheet(client, record: RosterImport):
    response = client.get(reverse("admin:registry_resident_import_errors", args=[record.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).worksheets[0]


def marks(sheet) -> dict[str, tuple[str, bool]]:
    """Every cell with a comment or a fill: coordinate → (comment text, filled)."""
    found = {}
    for row in sheet.iter_rows():
        for cell in row:
            filled = cell.fill.fill_type == "solid"
            if cell.comment is not None or filled:
                found[cell.coordinate] = (cell.comment.text if cell.comment else "", filled)
    return found


def values(sheet, row: int, last: int) -> list[str]:
    return ["" if cell.value is None else str(cell.value) for cell in sheet[row][:last]]


def message(record: RosterImport, row: int, column: str) -> str:
    """The message the check recorded for a cell (its wording is the check's, not this test's)."""
    return next(m for r, c, m in record.errors if (r, c) == (row, column))


def title_rows_workbook(rows: list[dict[str, str]]) -> bytes:
    """A roster as districts write it: a merged title on row 1, row 2 blank, headers on row 3,
    a wide name column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(RESIDENTS))
    sheet.append([])
    sheet.append(RESIDENTS)
    for row in rows:
        sheet.append([row[name] or None for name in RESIDENTS])
    sheet.column_dimensions["B"].width = 24
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_each_problem_is_marked_on_its_cell_and_the_corrected_workbook_imports(home, as_clerk):
    rows = [resident_row(n, home.uscc) for n in range(1, 5)]
    valid_id = rows[1]["身份证号"]
    rows[1]["身份证号"] = wrong_check_character(valid_id)
    rows[3]["入住日期"], rows[3]["退住日期"] = "2025-03-01", "2025-01-01"
    data, filename = roster_file("residents", rows)
    record = upload(as_clerk, data, filename)
    assert record.status == RosterImport.Status.REJECTED
    assert [(r, c) for r, c, _m in record.errors] == [(3, "身份证号"), (5, "退住日期")]

    sheet = error_sheet(as_clerk, record)

    # exactly the two cells: filled, with the recorded message as their comment
    assert marks(sheet) == {
        sheet.cell(3, ID).coordinate: (message(record, 3, "身份证号"), True),
        sheet.cell(5, DISCHARGED).coordinate: (message(record, 5, "退住日期"), True),
    }
    assert values(sheet, 1, ERRORS) == [*RESIDENTS, "Errors"]  # the clerk's columns, in order
    assert [values(sheet, n, ERRORS - 1) for n in range(2, 6)] == [[r[h] for h in RESIDENTS] for r in rows]
    assert [sheet.cell(n, ERRORS).value for n in range(2, 6)] == [
        None,
        f"身份证号: {message(record, 3, '身份证号')}",
        None,
        f"退住日期: {message(record, 5, '退住日期')}",
    ]

    # the clerk corrects the two cells and uploads the workbook again, errors column and all
    sheet.cell(3, ID).value = valid_id
    sheet.cell(5, DISCHARGED).value = None
    fixed = io.BytesIO()
    sheet.parent.save(fixed)
    again = upload(as_clerk, fixed.getvalue(), "名册-已改.xlsx")
    assert (again.status, again.errors, again.counts["new"]) == (RosterImport.Status.PREVIEWED, [], 4)


def test_title_rows_merged_title_and_widths_are_kept_with_the_header_on_row_3(home, as_clerk):
    rows = [resident_row(n, home.uscc) for n in range(1, 4)]
    record = upload(as_clerk, title_rows_workbook(rows), "名册.xlsx")
    # What the check records of this file when it takes row 3 as the header: two cells wrong.
    recorded = [[5, "身份证号", "ID number: the check character is wrong."], [6, "入住日期", "Not a date."]]
    RosterImport.objects.filter(pk=record.pk).update(
        status=RosterImport.Status.REJECTED, errors=recorded, error_count=2
    )
    record.refresh_from_db()

    sheet = error_sheet(as_clerk, record)

    assert sheet["A1"].value == TITLE and [str(r) for r in sheet.merged_cells.ranges] == [
        f"A1:{get_column_letter(ERRORS - 1)}1"
    ]
    assert values(sheet, 2, ERRORS) == [""] * ERRORS
    assert values(sheet, 3, ERRORS) == [*RESIDENTS, "Errors"]
    assert [values(sheet, n, ERRORS - 1) for n in range(4, 7)] == [[r[h] for h in RESIDENTS] for r in rows]
    assert marks(sheet) == {
        "A5": ("ID number: the check character is wrong.", True),
        sheet.cell(6, RESIDENTS.index("入住日期") + 1).coordinate: ("Not a date.", True),
    }
    assert sheet.cell(6, ERRORS).value == "入住日期: Not a date."
    assert sheet.column_dimensions["B"].width == 24


def test_a_masked_copy_for_a_clerk_without_the_personal_data_permission_even_below_title_rows(home, clerk, client_for):
    rows = [resident_row(n, home.uscc) for n in range(1, 3)]
    clerk.groups.clear()
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["add_resident", "change_resident"]))
    client = logged_in(client_for, clerk)
    record = upload(client, title_rows_workbook(rows), "名册.xlsx")
    RosterImport.objects.filter(pk=record.pk).update(
        status=RosterImport.Status.REJECTED, errors=[[4, "身份证号", "Wrong."]], error_count=1
    )

    sheet = error_sheet(client, record)

    assert [sheet.cell(n, ID).value for n in (4, 5)] == [mask_id_number(r["身份证号"]) for r in rows]
    assert sheet["A1"].value == TITLE  # the title is not a data row
    export = DataExport.objects.get(what="residents-errors")
    assert (export.personal_data, export.exported_by) == (False, clerk)
    assert AuditEntry.objects.filter(action="data.export", object_id=str(record.pk)).count() == 1


def test_a_csv_upload_becomes_a_marked_workbook_of_its_rows_as_written(home, as_clerk):
    rows = [resident_row(n, home.uscc) for n in range(1, 4)]
    rows[2]["入住日期"] = "not a date"
    lines = csv_file(RESIDENTS, [[r[h] for h in RESIDENTS] for r in rows]).decode().split("\r\n")
    data = "\r\n".join([*lines[:2], "", *lines[2:]]).encode()  # a blank line: row 3 is blank
    record = upload(as_clerk, data, "名册.csv")
    assert [(r, c) for r, c, _m in record.errors] == [(5, "入住日期")]

    sheet = error_sheet(as_clerk, record)

    assert values(sheet, 1, ERRORS) == [*RESIDENTS, "Errors"]
    assert values(sheet, 3, ERRORS) == [""] * ERRORS
    assert values(sheet, 5, ERRORS - 1) == [rows[2][h] for h in RESIDENTS]
    admitted = sheet.cell(5, RESIDENTS.index("入住日期") + 1).coordinate
    assert marks(sheet) == {admitted: (message(record, 5, "入住日期"), True)}


def test_a_row_problem_is_noted_on_the_key_cells_and_the_file_problems_head_the_errors_column(home, as_clerk):
    rows = [resident_row(n, home.uscc) for n in range(1, 4)]
    rows[2]["身份证号"] = rows[0]["身份证号"]  # the same resident twice
    data, filename = roster_file("residents", rows)
    record = upload(as_clerk, data, filename)
    key = next(c for r, c, _m in record.errors if r == 4)
    assert key.startswith("身份证号")
    recorded = [[0, "", "Part of the file cannot be read."], [2, "", "A row problem."], *record.errors]
    RosterImport.objects.filter(pk=record.pk).update(errors=recorded, error_count=9)
    record.refresh_from_db()

    sheet = error_sheet(as_clerk, record)

    duplicate = message(record, 4, key)
    assert sheet.cell(1, ERRORS).value == "Errors (the first 3 of 9)；Part of the file cannot be read."
    assert sheet.cell(2, ERRORS).value == "A row problem."
    assert sheet["A2"].comment.text == "A row problem." and sheet["A2"].fill.fill_type is None
    key_cells = {sheet.cell(4, RESIDENTS.index(name) + 1).coordinate for name in key.split("、")}
    assert {cell for cell, (text, filled) in marks(sheet).items() if text == duplicate and filled} == key_cells
    assert sheet.cell(4, ERRORS).value == f"{key}: {duplicate}"


def test_formula_like_text_is_written_as_text(home, as_clerk):
    rows = [resident_row(1, home.uscc, 姓名='=HYPERLINK("http://x")', 入住日期="soon")]
    data, filename = roster_file("residents", rows, fmt="utf-8")
    record = upload(as_clerk, data, filename)

    sheet = error_sheet(as_clerk, record)

    assert sheet.cell(2, RESIDENTS.index("姓名") + 1).value == '\'=HYPERLINK("http://x")'
    assert sheet.cell(2, RESIDENTS.index("姓名") + 1).data_type == "s"


def test_the_workbook_of_a_long_file_is_written_in_flat_memory():
    """Streamed from the reader to openpyxl's write-only sheet: four times the rows, not
    more memory (measured: 5.7 MB for 10,000 rows and for 40,000)."""

    def peak(rows: int) -> int:
        data, filename = roster_file("residents", [resident_row(n, "52150203MJ0000001X") for n in range(rows)])
        record = RosterImport(filename=filename, errors=[[n, "姓名", "Wrong."] for n in range(2, 502)], error_count=500)
        tracemalloc.start()
        try:
            with tempfile.TemporaryFile() as out:
                write_error_workbook(
                    upload=record, kind=KINDS["residents"], file=io.BytesIO(data), out=out, may_see_personal=True
                )
                assert out.tell() > len(data) / 2
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(1_000), peak(4_000)
    assert large < small * 1.3, f"{small / 2**20:.1f} MB, {large / 2**20:.1f} MB"


@pytest.mark.parametrize("errors_header", ["错误", "错误说明", "Errors；Part of the file cannot be read."])
def test_the_errors_column_left_in_a_corrected_file_is_ignored_by_the_import(home, as_clerk, errors_header):
    rows = [resident_row(n, home.uscc) for n in range(1, 3)]
    data, filename = roster_file(
        "residents",
        [{**row, errors_header: "身份证号: ID number: the check character is wrong."} for row in rows],
        header=[*RESIDENTS, errors_header],
    )

    record = upload(as_clerk, data, filename)

    assert (record.status, record.errors, record.counts["new"]) == (RosterImport.Status.PREVIEWED, [], 2)


def test_the_header_row_the_upload_recorded_is_where_the_errors_column_is_headed(home):
    """``header_row`` (the row the import read the headers from, when it records it) wins
    over looking for the row naming the most columns: here row 1 (Chinese headers) and row 2
    (the English aliases) name as many, and looking would take row 1."""
    workbook = Workbook()
    workbook.active.append(RESIDENTS)
    workbook.active.append(ALIASES["residents"])
    workbook.active.append([resident_row(1, home.uscc)[name] or None for name in RESIDENTS])
    data = io.BytesIO()
    workbook.save(data)
    record = RosterImport(filename="名册.xlsx", errors=[[3, "姓名", "Wrong."]], error_count=1)

    def written(header_row: int | None):
        out = io.BytesIO()
        write_error_workbook(
            upload=record,
            kind=KINDS["residents"],
            file=io.BytesIO(data.getvalue()),
            out=out,
            may_see_personal=True,
            header_row=header_row,
        )
        return load_workbook(io.BytesIO(out.getvalue())).worksheets[0]

    recorded, looked_for = written(2), written(None)

    assert [recorded.cell(1, ERRORS).value, recorded.cell(2, ERRORS).value] == [None, "Errors"]
    assert [looked_for.cell(1, ERRORS).value, looked_for.cell(2, ERRORS).value] == ["Errors", None]
    assert marks(recorded) == {recorded.cell(3, RESIDENTS.index("姓名") + 1).coordinate: ("Wrong.", True)}


def test_a_merge_crossing_the_errors_column_stops_short_of_it_and_one_beyond_moves_past_it(home):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([TITLE])
    sheet.append(RESIDENTS)
    sheet.append([resident_row(1, home.uscc)[name] or None for name in RESIDENTS])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ERRORS + 2)  # wider than the table
    sheet.cell(3, ERRORS + 1).value = "备注"  # a note right of the table, merged over two cells
    sheet.merge_cells(start_row=3, start_column=ERRORS + 1, end_row=3, end_column=ERRORS + 2)
    data = io.BytesIO()
    workbook.save(data)
    out = io.BytesIO()
    record = RosterImport(filename="名册.xlsx", errors=[[3, "姓名", "Wrong."]], error_count=1)

    write_error_workbook(
        upload=record, kind=KINDS["residents"], file=io.BytesIO(data.getvalue()), out=out, may_see_personal=True
    )

    marked = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    last, after = get_column_letter(ERRORS - 1), get_column_letter(ERRORS + 2)
    assert sorted(str(r) for r in marked.merged_cells.ranges) == sorted(
        [f"A1:{last}1", f"{after}3:{get_column_letter(ERRORS + 3)}3"]
    )
    assert marked.cell(3, ERRORS).value == "姓名: Wrong."
    assert marked.cell(3, ERRORS + 2).value == "备注"
