"""Helpers of the roster tests (``test_rosters_*.py``): valid codes, rows and files.

Rows are dicts keyed by the Chinese header, so a test spoils one cell by naming its
column. Files are built here, as a clerk would save them: .xlsx through openpyxl (with
real date and number cells where the values are dates and numbers) and CSV in UTF-8,
UTF-8 with BOM or GBK.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from registry.models import Caregiver, Provider, ProviderStatusChange, Resident, User
from registry.rosters.engine import Plan, validate_roster
from registry.rosters.formats import read_table
from registry.rosters.kinds import KINDS
from safeguards.identifiers import make_id_number, make_uscc

HEADERS: dict[str, list[str]] = {name: [c.header for c in kind.columns] for name, kind in KINDS.items()}
ALIASES: dict[str, list[str]] = {name: [c.alias for c in kind.columns] for name, kind in KINDS.items()}

# Serials far above those of ProviderFactory, so imported providers never collide with it.
_FIRST_SERIAL = 7_000_000


def uscc(serial: int, *, area: str = "150203") -> str:
    """A valid USCC of a civil-affairs private non-enterprise unit."""
    return make_uscc(authority="5", entity_type="2", area_code=area, serial=_FIRST_SERIAL + serial)


def wrong_check_character(code: str) -> str:
    """The same code with a different (wrong) last character."""
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def elderly_id(sequence: int, *, birth: datetime.date = datetime.date(1940, 1, 1), area: str = "150203") -> str:
    return make_id_number(area, birth, sequence)


def caregiver_id(sequence: int) -> str:
    return make_id_number("150202", datetime.date(1980, 6, 1), sequence)


def provider_row(serial: int, **cells: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "统一社会信用代码": uscc(serial),
        "机构名称": f"导入养老院{serial}",
        "机构类型": "养老机构",
        "营利性质": "非营利性",
        "运营方式": "民办",
        "所属区划": "150203",
        "地址": f"包头市昆都仑区阿尔丁大街{serial}号",
        "联系电话": "0472-5100000",
        "建筑面积": "2400.5",
        "床位数": "120",
        "护理型床位数": "80",
        "托位数": "0",
        "等级": "2",
        "备案日期": "",
    }
    row.update(cells)
    return row


def resident_row(sequence: int, provider_uscc: str, **cells: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "身份证号": elderly_id(sequence),
        "姓名": f"王老人{sequence}",
        "机构统一社会信用代码": provider_uscc,
        "床位号": f"B{sequence}",
        "入住日期": "2025-03-01",
        "退住日期": "",
        "照护等级": "半失能",
        "人员类别": "高龄",
        "户籍所在地": "",
    }
    row.update(cells)
    return row


def caregiver_row(sequence: int, provider_uscc: str, **cells: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "身份证号": caregiver_id(sequence),
        "姓名": f"赵护理{sequence}",
        "机构统一社会信用代码": provider_uscc,
        "证书等级": "中级",
        "证书编号": f"ZS{sequence:05d}",
        "从事护理工作起始日期": "2016-04-01",
        "入职日期": "2021-05-01",
        "离职日期": "",
    }
    row.update(cells)
    return row


def cells(header: list[str], rows: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    return [[row.get(name, "") for name in header] for row in rows]


def xlsx_file(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A workbook as Excel writes it: date/number values become real date/number cells."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([None if value == "" else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(header: list[str], rows: Iterable[Iterable[Any]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else str(v) for v in row] for row in rows])
    return buffer.getvalue().encode(encoding)


def roster_file(kind: str, rows: Iterable[Mapping[str, Any]], *, fmt: str = "xlsx", header: list[str] | None = None):
    """(bytes, filename) of a roster of ``kind``; fmt is xlsx, utf-8, utf-8-sig or gbk."""
    header = header or HEADERS[kind]
    body = cells(header, rows)
    if fmt == "xlsx":
        return xlsx_file(header, body), f"{kind}.xlsx"
    return csv_file(header, body, encoding=fmt), f"{kind}.csv"


def plan_of(kind: str, rows: Iterable[Mapping[str, Any]], user: Any, **file_options: Any) -> Plan:
    data, filename = roster_file(kind, rows, **file_options)
    return validate_roster(KINDS[kind], read_table(data, filename), user=user)


def errors_of(plan: Plan) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in plan.errors]


def has_error(plan: Plan, row: int, column: str, fragment: str) -> bool:
    return any(e.row == row and e.column == column and fragment in e.message for e in plan.errors)


def snapshot() -> dict[str, int]:
    """How many rows the roster tables (and their history tables) hold."""
    return {
        "providers": Provider.objects.count(),
        "provider history": Provider.history.count(),
        "residents": Resident.objects.count(),
        "resident history": Resident.history.count(),
        "caregivers": Caregiver.objects.count(),
        "caregiver history": Caregiver.history.count(),
        "status changes": ProviderStatusChange.objects.count(),
    }


def sheet_rows(data: bytes) -> list[list[Any]]:
    """All rows of the first sheet of an xlsx, values as stored."""
    workbook = load_workbook(io.BytesIO(data))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def logged_in(client_for: Any, user: User) -> Any:
    """``client_for(user)``, with a fresh password: staff passwords expire, and an expired
    one sends every back-office page to the password change form."""
    if hasattr(user, "password_changed_at"):
        User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
    return client_for(user)


def residents_upload(provider: Provider, count: int, *, name: str = "roster.csv", encoding: str = "gbk") -> Any:
    """A residents roster of ``count`` new people at ``provider``, as a clerk uploads it."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from factories import ResidentFactory

    from registry.rosters.kinds import export_rows

    kind = KINDS["residents"]
    residents = [ResidentFactory.build(provider=provider) for _ in range(count)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in kind.columns])
    writer.writerows(export_rows(kind, residents, may_see_personal=True))
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")
