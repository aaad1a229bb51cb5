"""The children roster (托育幼儿名册): imported under its Chinese headers all rows or none,
every refused row named with its column, previewed before anything is saved, and exported
with the identifier and the guardian's phone masked for a user who may not see them."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from childcare_support import ChildFactory, ClassFactory, NurseryFactory
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from downloads import file_bytes
from factories import DONGHE, ProviderFactory, division

from childcare.models import Child
from registry.models import CareMode, DataExport, RosterImport
from registry.rosters.engine import NEW, UNCHANGED, apply_roster, validate_roster
from registry.rosters.formats import read_table
from registry.rosters.kinds import KINDS
from registry.spreadsheets import xlsx_bytes
from safeguards.identifiers import make_id_number, mask_id_number, mask_phone
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

D = datetime.date
KIND = KINDS["children"]
HEADER = [c.header for c in KIND.columns]


@pytest.fixture(autouse=True)
def english():
    """Messages in English (the roster's headers and labels stay Chinese)."""
    with translation.override("en"):
        yield


def child_id(n: int, birth: str = "2024-06-15") -> str:
    return make_id_number("150203", D.fromisoformat(birth), n)


def child_row(n: int, provider_uscc: str, **cells: str) -> dict[str, str]:
    birth = cells.get("出生日期", "2024-06-15")
    row = {
        "姓名": f"李小宝{n}",
        "证件号码（身份证或出生医学证明）": child_id(n, birth),
        "机构统一社会信用代码": provider_uscc,
        "出生日期": birth,
        "托育类型": "全日托",
        "入托日期": "2025-09-01",
        "离托日期": "",
        "班级": "",
        "监护人": f"李家长{n}",
        "监护人电话": f"1360000{n:04d}",
    }
    row.update(cells)
    return row


def roster(rows, fmt: str = "xlsx") -> tuple[bytes, str]:
    body = [[row.get(name, "") for name in HEADER] for row in rows]
    if fmt == "xlsx":
        return xlsx_bytes(HEADER, body), "托育幼儿名册.xlsx"
    text = "\r\n".join(",".join(cells) for cells in [HEADER, *body]) + "\r\n"
    return text.encode(fmt), "托育幼儿名册.csv"


def plan_of(rows, user, fmt: str = "xlsx"):
    return validate_roster(KIND, read_table(*roster(rows, fmt)), user=user)


def errors_of(plan) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in plan.errors]


@pytest.mark.parametrize("fmt", ["xlsx", "gbk", "utf-8-sig"])
def test_a_roster_under_its_chinese_headers_imports_every_child_with_history(fmt, nursery, clerk):
    ClassFactory(provider=nursery, name="托小班一班")
    rows = [
        child_row(1, nursery.uscc, 班级="托小班一班"),
        child_row(2, nursery.uscc, 托育类型="半日托", 出生日期="2025-01-20"),
        child_row(3, nursery.uscc, 托育类型="计时托", 离托日期="2026-01-31"),
        child_row(4, nursery.uscc, 托育类型="临时托", **{"证件号码（身份证或出生医学证明）": "m510123456"}),
    ]

    plan = plan_of(rows, clerk, fmt)
    assert plan.valid, errors_of(plan)
    assert apply_roster(plan, user=clerk) == {"new": 4, "changed": 0, "unchanged": 0}

    children = {c.name: c for c in Child.objects.filter(provider=nursery).select_related("childcare_class")}
    assert [children[f"李小宝{n}"].mode for n in range(1, 5)] == [
        CareMode.FULL_DAY,
        CareMode.HALF_DAY,
        CareMode.HOURLY,
        CareMode.TEMPORARY,
    ]
    assert children["李小宝1"].childcare_class.name == "托小班一班"
    assert children["李小宝2"].birth_date == D(2025, 1, 20)
    assert children["李小宝3"].left_on == D(2026, 1, 31)
    assert children["李小宝4"].id_number == "M510123456"  # a birth-certificate number, as stored
    assert Child.objects.filter(id_number=child_id(1)).get().guardian_name == "李家长1"  # found by its hash
    assert Child.history.filter(history_user=clerk, history_change_reason="名册导入").count() == 4
    assert AuditEntry.objects.filter(action="roster.import", after__kind="children").count() == 1
    # The same file again: every row is found and unchanged.
    assert plan_of(rows, clerk, fmt).counts == {"new": 0, "changed": 0, "unchanged": 4}


def test_the_service_modes_are_also_read_as_the_draft_opinion_writes_them(nursery, clerk):
    rows = [child_row(1, nursery.uscc, 托育类型="全日制"), child_row(2, nursery.uscc, 托育类型="计时制")]

    plan = plan_of(rows, clerk)

    assert plan.valid, errors_of(plan)
    assert [row.values["mode"] for row in plan.rows] == [CareMode.FULL_DAY, CareMode.HOURLY]
    assert {(alias, label) for (_column, alias, label) in plan.readings} == {("全日制", "全日托"), ("计时制", "计时托")}


def test_every_refused_row_is_named_with_its_column_and_nothing_is_saved(nursery, clerk):
    elderly = ProviderFactory(name="昆都仑幸福院")
    ClassFactory(provider=nursery, name="乳儿班")
    ClassFactory(provider=NurseryFactory(), name="托大班")  # another provider's class
    rows = [
        child_row(1, nursery.uscc),  # valid
        child_row(2, nursery.uscc, **{"证件号码（身份证或出生医学证明）": child_id(2)[:-1] + "0"}),
        child_row(3, nursery.uscc, 出生日期="2025-10-01", 入托日期="2025-09-01"),
        child_row(4, nursery.uscc, 班级="托大班"),
        child_row(5, nursery.uscc, 出生日期="2022-08-31", 入托日期="2025-09-01"),  # three on 31 August
        child_row(6, elderly.uscc),
        child_row(1, nursery.uscc),  # row 2 again
        child_row(8, nursery.uscc, 托育类型="全托班"),
        child_row(9, nursery.uscc, 出生日期="2024-06-16", **{"证件号码（身份证或出生医学证明）": child_id(9)}),
    ]
    before = Child.objects.count(), Child.history.count()

    plan = plan_of(rows, clerk)

    errors = errors_of(plan)
    columns = {(row, column) for row, column, _message in errors}
    assert columns == {
        (3, "证件号码（身份证或出生医学证明）"),
        (4, "入托日期"),
        (5, "班级"),
        (6, "入托日期"),
        (7, "机构统一社会信用代码"),
        (8, "证件号码（身份证或出生医学证明）、机构统一社会信用代码"),
        (9, "托育类型"),
        (10, "出生日期"),
    }, errors
    messages = {row: message for row, _column, message in errors}
    assert "birth-certificate number" in messages[3]
    assert "before being born" in messages[4]
    assert "托大班" in messages[5]
    assert "already 3" in messages[6]
    assert "not an infant-care provider" in messages[7]
    assert "Same as row 2" in messages[8]
    assert "ID number" in messages[10]
    with pytest.raises(ValidationError):
        apply_roster(plan, user=clerk)
    assert (Child.objects.count(), Child.history.count()) == before


def test_a_child_already_three_is_refused_on_the_enrolment_date_not_the_day_before_the_birthday(nursery, clerk):
    plan = plan_of([child_row(1, nursery.uscc, 出生日期="2022-09-01", 入托日期="2025-08-31")], clerk)

    assert plan.valid, errors_of(plan)  # two days short of three: enrolled (and flagged from 1 September)


def test_a_provider_outside_the_jurisdiction_is_refused(divisions, clerk):
    donghe = NurseryFactory(division=division(DONGHE))

    plan = plan_of([child_row(1, donghe.uscc)], clerk)

    assert errors_of(plan) == [(2, "机构统一社会信用代码", "No provider with this code in your jurisdiction.")]


def test_the_preview_saves_nothing_and_confirming_saves_what_it_showed(nursery, clerk, client_for):
    client = client_for(clerk)
    data, filename = roster([child_row(n, nursery.uscc) for n in range(1, 4)], "gbk")

    response = client.post(reverse("admin:childcare_child_import"), {"roster": SimpleUploadedFile(filename, data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])

    assert page.context["counts"] == {"new": 3, "changed": 0, "unchanged": 0}
    assert "3 new, 0 changed, 0 unchanged." in page.content.decode()
    assert not Child.objects.exists()
    upload = RosterImport.objects.get()
    assert (upload.kind, upload.status) == ("children", RosterImport.Status.PREVIEWED)

    done = client.post(page.request["PATH_INFO"], {"digest": upload.digest})

    assert done["Location"] == reverse("admin:childcare_child_changelist")
    assert Child.objects.filter(provider=nursery).count() == 3


def test_the_import_page_explains_the_identifier_column(nursery, clerk, client_for):
    html = client_for(clerk).get(reverse("admin:childcare_child_import")).content.decode()

    assert "<td>证件号码（身份证或出生医学证明）</td><td>id or birth certificate number</td>" in html
    assert "birth-certificate number (a capital letter and nine digits)" in html


def export(client, action: str = "export_csv"):
    data = {"action": action, "export_choice": "full", "reason": "核对托育名单", "select_across": "1"}
    return client.post(reverse("admin:childcare_child_changelist"), {**data, "_selected_action": ["0"]})


def csv_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(file_bytes(response).decode("utf-8-sig"))))


def test_a_user_without_the_personal_data_permission_exports_masked_numbers(nursery, reviewer, client_for):
    child = ChildFactory(provider=nursery, phone="13912345678")
    ChildFactory(provider=nursery, id_number="M510123456", birth_date=D(2024, 1, 5))

    response = export(client_for(reviewer))

    rows = csv_of(response)
    assert rows[0] == HEADER
    identifiers = sorted(row[1] for row in rows[1:])
    assert identifiers == sorted([mask_id_number(child.id_number), "M*******56"])
    assert mask_phone("13912345678") in {row[9] for row in rows[1:]}
    body = file_bytes(response)
    assert child.id_number.encode() not in body and b"13912345678" not in body and b"M510123456" not in body
    audit = DataExport.objects.get()
    assert (audit.what, audit.rows, audit.personal_data, audit.exported_by) == ("children", 2, False, reviewer)


def test_the_clerks_export_imports_back_unchanged(nursery, clerk, client_for):
    group = ClassFactory(provider=nursery, name="托大班")
    ChildFactory(provider=nursery, childcare_class=group, mode=CareMode.HALF_DAY)
    ChildFactory(provider=nursery, id_number="M510123456", birth_date=D(2024, 1, 5), left_on=D(2026, 1, 9))

    rows = csv_of(export(client_for(clerk)))
    plan = validate_roster(KIND, (rows[0], rows[1:]), user=clerk)

    assert rows[1][4] in {"半日托", "全日托"}  # the service mode as its Chinese label
    assert plan.valid, errors_of(plan)
    assert plan.counts == {NEW: 0, "changed": 0, UNCHANGED: 2}


def test_a_blank_template_offers_the_service_modes_as_a_list(nursery, clerk, client_for):
    from openpyxl import load_workbook

    response = client_for(clerk).get(reverse("admin:childcare_child_import_template"))

    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet["C2"].value == nursery.uscc  # the example names the clerk's own provider
    options = workbook["选项"]
    assert [cell.value for cell in options["A"]][1:] == ["全日托", "半日托", "计时托", "临时托"]
