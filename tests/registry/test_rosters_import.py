"""Validating and importing rosters (``validate_roster`` → plan → ``apply_roster``).

For every kind: a good file imports (rows and history rows created); every kind of bad
cell is reported as row + column header + message and nothing at all is saved; the
plan's counts are what the import then does; an export imports back unchanged.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from factories import DONGHE, CaregiverFactory, ProviderFactory, ResidentFactory, division
from rosters_support import (
    ALIASES,
    HEADERS,
    caregiver_id,
    caregiver_row,
    elderly_id,
    errors_of,
    has_error,
    plan_of,
    provider_row,
    resident_row,
    roster_file,
    snapshot,
    uscc,
    wrong_check_character,
)
from stdnum.cn import ric

from registry.models import (
    Caregiver,
    CareLevel,
    CertificateLevel,
    LegalForm,
    OperationMode,
    Provider,
    ProviderKind,
    ProviderStatus,
    ProviderStatusChange,
    Resident,
)
from registry.rosters.engine import apply_roster, validate_roster
from registry.rosters.formats import read_table
from registry.rosters.kinds import KINDS, export_rows
from registry.spreadsheets import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

FORMATS = ["xlsx", "utf-8", "utf-8-sig", "gbk"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def away(divisions):
    """A provider in Donghe: outside the Kundulun clerk's jurisdiction."""
    return ProviderFactory(name="东河颐养院", division=division(DONGHE))


def good_rows(kind: str, provider_uscc: str, first: int = 1, count: int = 3) -> list[dict]:
    if kind == "providers":
        return [provider_row(n) for n in range(first, first + count)]
    make = resident_row if kind == "residents" else caregiver_row
    return [make(n, provider_uscc) for n in range(first, first + count)]


def import_file(kind, rows, user, **options):
    plan = plan_of(kind, rows, user, **options)
    assert plan.valid, errors_of(plan)
    return plan, apply_roster(plan, user=user)


# --- good files ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["providers", "residents", "caregivers"])
def test_a_good_file_imports_with_history(kind, fmt, home, clerk):
    model = KINDS[kind].model
    before = model.objects.count()

    _plan, counts = import_file(kind, good_rows(kind, home.uscc), clerk, fmt=fmt)

    assert counts == {"new": 3, "changed": 0, "unchanged": 0}
    assert model.objects.count() == before + 3
    history = model.history.filter(history_type="+", history_change_reason="名册导入")
    assert history.count() == 3
    assert {h.history_user_id for h in history} == {clerk.pk}


def test_imported_providers_hold_the_parsed_values(home, clerk):
    import_file("providers", [provider_row(1, 备案日期="")], clerk)

    provider = Provider.objects.get(uscc=uscc(1))
    assert provider.name == "导入养老院1"
    assert provider.kind == ProviderKind.ELDERLY_INSTITUTION
    assert provider.legal_form == LegalForm.NON_PROFIT
    assert provider.operation_mode == OperationMode.PRIVATE
    assert provider.division.code == "150203"
    assert provider.floor_area_m2 == Decimal("2400.5")
    assert (provider.beds, provider.nursing_beds, provider.childcare_places, provider.grade) == (120, 80, 0, 2)
    assert provider.registration_authority == "civil_affairs"
    assert provider.status == ProviderStatus.DRAFT  # no filing date: a draft
    assert provider.filed_on is None


def test_a_filing_date_files_a_new_provider_through_the_lifecycle(home, clerk):
    import_file("providers", [provider_row(1, 备案日期="2025-06-30")], clerk)

    provider = Provider.objects.get(uscc=uscc(1))
    assert provider.status == ProviderStatus.FILED
    assert provider.filed_on == datetime.date(2025, 6, 30)
    change = ProviderStatusChange.objects.get(provider=provider)
    assert (change.action, change.effective_on, change.actor) == ("file", datetime.date(2025, 6, 30), clerk)


def test_an_import_does_not_change_the_filing_date_of_an_existing_provider(home, clerk):
    import_file("providers", [provider_row(1, 备案日期="2025-06-30")], clerk)

    plan = plan_of("providers", [provider_row(1, 备案日期="2020-01-01")], clerk)

    assert plan.counts == {"new": 0, "changed": 0, "unchanged": 1}
    apply_roster(plan, user=clerk)
    assert Provider.objects.get(uscc=uscc(1)).filed_on == datetime.date(2025, 6, 30)


def test_imported_residents_and_caregivers_hold_the_parsed_values(home, clerk):
    import_file(
        "residents",
        [resident_row(1, home.uscc, 退住日期="2025-09-30", 照护等级="失能", 人员类别="高龄、低保对象")],
        clerk,
    )
    import_file("caregivers", [caregiver_row(1, home.uscc, 证书等级="高级", 离职日期="2025-12-31")], clerk)

    resident = Resident.objects.get(id_number=elderly_id(1))
    assert resident.provider == home
    assert (resident.admitted_on, resident.discharged_on) == (datetime.date(2025, 3, 1), datetime.date(2025, 9, 30))
    assert resident.care_level == CareLevel.DISABLED
    assert resident.categories == ["advanced_age", "dibao"]
    caregiver = Caregiver.objects.get(id_number=caregiver_id(1))
    assert caregiver.certificate_level == CertificateLevel.SENIOR
    assert caregiver.nursing_since == datetime.date(2016, 4, 1)
    assert caregiver.employed_to == datetime.date(2025, 12, 31)


@pytest.mark.parametrize("kind", ["providers", "residents", "caregivers"])
def test_english_aliases_are_accepted_as_headers_in_any_order(kind, home, clerk):
    rows = good_rows(kind, home.uscc, count=1)
    renamed = [
        {alias.upper(): row[header] for header, alias in zip(HEADERS[kind], ALIASES[kind], strict=True)} for row in rows
    ]
    header = list(reversed([alias.upper() for alias in ALIASES[kind]]))

    plan = plan_of(kind, renamed, clerk, header=header, fmt="utf-8")

    assert plan.valid, errors_of(plan)
    assert plan.counts["new"] == 1


def test_optional_columns_may_be_left_out(home, clerk):
    required = [c.header for c in KINDS["providers"].columns if c.required]

    plan = plan_of("providers", [provider_row(1)], clerk, header=required)

    assert plan.valid, errors_of(plan)
    apply_roster(plan, user=clerk)
    assert Provider.objects.get(uscc=uscc(1)).beds == 0


# --- bad cells -------------------------------------------------------------------------


def _checked(body: str) -> str:
    """An ID number with the right check character for its first 17 characters."""
    return body + ric.calc_check_digit(body + "0")


def _bad_cases():
    """(kind, cells to spoil, column, message fragment); the provider cell "HOME"/"AWAY"
    is replaced by the home/away provider's code."""
    return [
        ("providers", {"统一社会信用代码": wrong_check_character(uscc(2))}, "统一社会信用代码", "check character"),
        ("providers", {"统一社会信用代码": "123"}, "统一社会信用代码", "18 characters"),
        ("providers", {"机构类型": "火星基地"}, "机构类型", "is not one of"),
        ("providers", {"营利性质": "半营利"}, "营利性质", "is not one of"),
        ("providers", {"所属区划": "159999"}, "所属区划", "No division “159999” in your jurisdiction"),
        ("providers", {"所属区划": "150202"}, "所属区划", "No division “150202” in your jurisdiction"),
        ("providers", {"床位数": "50", "护理型床位数": "60"}, "护理型床位数", "cannot exceed the total number of beds"),
        ("providers", {"床位数": "一百"}, "床位数", "not a whole number"),
        ("providers", {"建筑面积": "大约300"}, "建筑面积", "not a number"),
        ("providers", {"等级": "7"}, "等级", "A grade is 0 to 5"),
        ("providers", {"备案日期": "2025-02-30"}, "备案日期", "is not a date"),
        ("providers", {"机构名称": ""}, "机构名称", "This cell is required"),
        ("providers", {"机构名称": "名" * 201}, "机构名称", "Longer than 200 characters"),
        ("providers", {"地址": "钢铁大街\x001号"}, "地址", "control character"),
        ("residents", {"身份证号": wrong_check_character(elderly_id(2))}, "身份证号", "check character is wrong"),
        ("residents", {"身份证号": _checked("15020319400230123")}, "身份证号", "not a real birth date"),
        ("residents", {"入住日期": "上个月"}, "入住日期", "is not a date"),
        ("residents", {"入住日期": ""}, "入住日期", "This cell is required"),
        (
            "residents",
            {"入住日期": "2025-03-01", "退住日期": "2025-02-28"},
            "退住日期",
            "cannot be before the admission date",
        ),
        ("residents", {"照护等级": "很好"}, "照护等级", "is not one of"),
        ("residents", {"人员类别": "高龄、富豪"}, "人员类别", "“富豪” is not one of"),
        ("residents", {"机构统一社会信用代码": uscc(99)}, "机构统一社会信用代码", "No provider with this code"),
        ("residents", {"机构统一社会信用代码": "AWAY"}, "机构统一社会信用代码", "No provider with this code"),
        ("residents", {"姓名": "王\x00老人"}, "姓名", "control character"),
        ("caregivers", {"身份证号": wrong_check_character(caregiver_id(2))}, "身份证号", "check character is wrong"),
        ("caregivers", {"证书等级": "特级"}, "证书等级", "is not one of"),
        ("caregivers", {"入职日期": "2021-13-01"}, "入职日期", "is not a date"),
        ("caregivers", {"从事护理工作起始日期": "很久以前"}, "从事护理工作起始日期", "is not a date"),
        (
            "caregivers",
            {"入职日期": "2021-05-01", "离职日期": "2021-04-30"},
            "离职日期",
            "cannot be before its start",
        ),
        ("caregivers", {"机构统一社会信用代码": uscc(99)}, "机构统一社会信用代码", "No provider with this code"),
        ("caregivers", {"机构统一社会信用代码": "AWAY"}, "机构统一社会信用代码", "No provider with this code"),
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "gbk"])
@pytest.mark.parametrize(
    ("kind", "spoil", "column", "fragment"),
    _bad_cases(),
    ids=[f"{case[0]}-{case[2]}-{i}" for i, case in enumerate(_bad_cases())],
)
def test_a_bad_cell_is_reported_by_row_and_column_and_nothing_is_saved(
    kind, spoil, column, fragment, fmt, home, away, clerk
):
    codes = {"HOME": home.uscc, "AWAY": away.uscc}
    if fmt == "xlsx" and any("\x00" in str(value) for value in spoil.values()):
        fmt = "utf-8"  # a worksheet cannot hold NUL; CSV can
    rows = good_rows(kind, home.uscc, count=3)
    rows[1].update({header: codes.get(value, value) for header, value in spoil.items()})
    before = snapshot()

    plan = plan_of(kind, rows, clerk, fmt=fmt)

    # the spoiled row is the file's row 3 (the header is row 1); the others are fine
    assert has_error(plan, 3, column, fragment), errors_of(plan)
    assert {e.row for e in plan.errors} == {3}
    with pytest.raises(ValidationError, match="nothing was saved"):
        apply_roster(plan, user=clerk)
    assert snapshot() == before


def test_the_elderly_id_rule_accepts_an_area_code_younger_than_the_holder(home, clerk):
    """150203 (Kundulun) was created in 1983; a resident born in 1940 is registered there."""
    number = elderly_id(7, birth=datetime.date(1940, 5, 17))
    assert number.startswith("15020319400517")
    assert not ric.is_valid(number)  # python-stdnum alone would refuse it

    import_file("residents", [resident_row(7, home.uscc, 身份证号=number)], clerk)

    assert Resident.objects.get(id_number=number).provider == home


def test_an_unknown_area_code_is_still_refused(home, clerk):
    number = elderly_id(8, area="159999")

    plan = plan_of("residents", [resident_row(8, home.uscc, 身份证号=number)], clerk)

    assert has_error(plan, 2, "身份证号", "159999 is not a known administrative division code")


def test_every_error_of_every_row_is_reported_at_once(home, clerk):
    rows = good_rows("residents", home.uscc, count=5)
    rows[0]["身份证号"] = wrong_check_character(rows[0]["身份证号"])
    rows[0]["照护等级"] = "?"
    rows[2]["入住日期"] = "soon"
    rows[4]["机构统一社会信用代码"] = uscc(99)
    before = snapshot()

    plan = plan_of("residents", rows, clerk)

    assert [(e.row, e.column) for e in plan.errors] == [
        (2, "照护等级"),
        (2, "身份证号"),
        (4, "入住日期"),
        (6, "机构统一社会信用代码"),
    ]
    assert str(plan.errors[2]) == "row 4, 入住日期: “soon” is not a date (write 2026-11-23)."
    with pytest.raises(ValidationError):
        apply_roster(plan, user=clerk)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("kind", "key_column"),
    [("providers", "统一社会信用代码"), ("residents", "身份证号、机构统一社会信用代码"), ("caregivers", "身份证号")],
)
def test_duplicates_inside_the_file(kind, key_column, home, clerk):
    rows = good_rows(kind, home.uscc, count=3)
    rows.append(dict(rows[0], 姓名="另一个名字") if kind != "providers" else dict(rows[0], 机构名称="另一家"))
    before = snapshot()

    plan = plan_of(kind, rows, clerk)

    assert errors_of(plan) == [(5, key_column, "Same as row 2.")]
    with pytest.raises(ValidationError):
        apply_roster(plan, user=clerk)
    assert snapshot() == before


def test_the_same_person_at_two_providers_is_no_duplicate_for_residents(home, clerk):
    other = ProviderFactory()
    rows = [resident_row(1, home.uscc), resident_row(1, other.uscc)]

    _plan, counts = import_file("residents", rows, clerk)

    assert counts["new"] == 2


def test_an_id_number_with_a_lower_case_x_is_the_same_person(home, clerk):
    number = elderly_id(123)
    assert number == "15020319400101123X"
    resident = ResidentFactory(
        provider=home, id_number=number, bed_number="B123", admitted_on=datetime.date(2025, 3, 1)
    )

    plan = plan_of("residents", [resident_row(123, home.uscc, 身份证号=number.lower(), 姓名=resident.name)], clerk)

    assert plan.valid, errors_of(plan)
    assert plan.counts["new"] == 0
    assert plan.rows[0].values["id_number"] == number


@pytest.mark.parametrize("kind", ["providers", "residents", "caregivers"])
def test_a_missing_required_column_is_reported_on_the_header_row(kind, home, clerk):
    required = [c.header for c in KINDS[kind].columns if c.required]
    for missing in required:
        header = [h for h in HEADERS[kind] if h != missing]
        before = snapshot()

        plan = plan_of(kind, good_rows(kind, home.uscc), clerk, header=header)

        assert errors_of(plan) == [(1, missing, "This required column is missing.")]
        assert plan.rows == []
        with pytest.raises(ValidationError):
            apply_roster(plan, user=clerk)
        assert snapshot() == before


# --- jurisdiction ------------------------------------------------------------------------


def test_a_provider_outside_the_jurisdiction_cannot_be_updated(away, clerk):
    row = provider_row(1, 统一社会信用代码=away.uscc, 所属区划="150203")
    before = snapshot()

    plan = plan_of("providers", [row], clerk)

    assert errors_of(plan) == [(2, "统一社会信用代码", "This record belongs outside your jurisdiction.")]
    assert snapshot() == before
    away.refresh_from_db()
    assert away.division.code == DONGHE


def test_a_caregiver_employed_outside_the_jurisdiction_cannot_be_moved_in(home, away, clerk):
    caregiver = CaregiverFactory(provider=away)

    plan = plan_of("caregivers", [caregiver_row(1, home.uscc, 身份证号=caregiver.id_number)], clerk)

    assert errors_of(plan) == [(2, "身份证号", "This record belongs outside your jurisdiction.")]


def test_the_other_district_clerk_imports_into_their_own_district(home, away, outsider):
    plan = plan_of("residents", [resident_row(1, away.uscc), resident_row(2, home.uscc)], outsider)

    assert errors_of(plan) == [(3, "机构统一社会信用代码", "No provider with this code in your jurisdiction.")]


def test_a_division_may_be_named_instead_of_coded(home, clerk):
    import_file("providers", [provider_row(1, 所属区划="昆都仑区")], clerk)

    assert Provider.objects.get(uscc=uscc(1)).division.code == "150203"


def test_the_command_line_without_a_user_sees_every_district(away):
    plan = plan_of("residents", [resident_row(1, away.uscc)], None)

    assert plan.valid, errors_of(plan)


# --- choices and dates ---------------------------------------------------------------------


def test_choice_cells_accept_the_chinese_label_the_english_label_and_the_code(home, clerk):
    spellings = [
        ("养老机构", "非营利性", "民办"),
        ("Elderly-care institution", "Non-profit", "Private"),
        ("elderly_institution", "non_profit", "private"),
        ("ELDERLY-CARE INSTITUTION", "NON_PROFIT", " private "),
    ]
    rows = [
        provider_row(n, 机构类型=kind, 营利性质=form, 运营方式=mode)
        for n, (kind, form, mode) in enumerate(spellings, start=1)
    ]

    import_file("providers", rows, clerk, fmt="utf-8")

    imported = Provider.objects.filter(uscc__in=[uscc(n) for n in range(1, 5)])
    assert {(p.kind, p.legal_form, p.operation_mode) for p in imported} == {
        ("elderly_institution", "non_profit", "private")
    }


def test_resident_and_caregiver_choices_in_every_spelling(home, clerk):
    residents = [
        resident_row(1, home.uscc, 照护等级="半失能", 人员类别="高龄、低保对象"),
        resident_row(
            2, home.uscc, 照护等级="Partly disabled", 人员类别="Advanced age, Minimum-living-allowance recipient"
        ),
        resident_row(3, home.uscc, 照护等级="partly_disabled", 人员类别="advanced_age dibao"),
        resident_row(4, home.uscc, 照护等级="半失能", 人员类别="dibao；高龄/advanced_age"),
    ]
    caregivers = [
        caregiver_row(1, home.uscc, 证书等级="中级"),
        caregiver_row(2, home.uscc, 证书等级="Intermediate"),
        caregiver_row(3, home.uscc, 证书等级="intermediate"),
    ]

    import_file("residents", residents, clerk)
    import_file("caregivers", caregivers, clerk)

    assert {(r.care_level, tuple(r.categories)) for r in Resident.objects.filter(provider=home)} == {
        ("partly_disabled", ("advanced_age", "dibao"))
    }
    assert set(Caregiver.objects.filter(provider=home).values_list("certificate_level", flat=True)) == {"intermediate"}


DATE_SPELLINGS = [
    "2024-03-05",
    "2024/03/05",
    "2024.03.05",
    "2024年03月05日",
    "2024-3-5",
    "2024/3/5",
    "2024年3月5日",
    "45356",  # an Excel serial day number, as text
]


@pytest.mark.parametrize("fmt", ["utf-8", "xlsx"])
def test_dates_in_every_documented_format(fmt, home, clerk):
    rows = [resident_row(n, home.uscc, 入住日期=text) for n, text in enumerate(DATE_SPELLINGS, start=1)]

    import_file("residents", rows, clerk, fmt=fmt)

    assert set(Resident.objects.filter(provider=home).values_list("admitted_on", flat=True)) == {
        datetime.date(2024, 3, 5)
    }


def test_real_excel_date_and_number_cells(home, clerk):
    residents = [
        resident_row(1, home.uscc, 入住日期=datetime.date(2024, 3, 5), 退住日期=datetime.datetime(2025, 1, 2)),
        resident_row(2, home.uscc, 入住日期=45356),  # a number cell holding the serial
    ]
    providers = [
        provider_row(1, 床位数=150, 护理型床位数=90.0, 建筑面积=1234.5, 等级=3, 备案日期=datetime.date(2025, 2, 1))
    ]

    import_file("residents", residents, clerk, fmt="xlsx")
    import_file("providers", providers, clerk, fmt="xlsx")

    first, second = Resident.objects.filter(provider=home).order_by("name")
    assert (first.admitted_on, first.discharged_on) == (datetime.date(2024, 3, 5), datetime.date(2025, 1, 2))
    assert second.admitted_on == datetime.date(2024, 3, 5)
    provider = Provider.objects.get(uscc=uscc(1))
    assert (provider.beds, provider.nursing_beds, provider.grade) == (150, 90, 3)
    assert provider.floor_area_m2 == Decimal("1234.50")
    assert provider.filed_on == datetime.date(2025, 2, 1)


# --- preview = import ---------------------------------------------------------------------


def _mixed_rows(kind: str, home: Provider) -> tuple[list[dict], dict[str, int]]:
    """Rows 1-2 exist unchanged, row 3 exists and changes, rows 4-5 are new."""
    rows = good_rows(kind, home.uscc, count=5)
    import_file(kind, rows[:3], None)
    changed = {"providers": {"床位数": "200"}, "residents": {"照护等级": "失能"}, "caregivers": {"证书等级": "高级"}}
    rows[2].update(changed[kind])
    return rows, {"new": 2, "changed": 1, "unchanged": 2}


@pytest.mark.parametrize("kind", ["providers", "residents", "caregivers"])
def test_the_preview_counts_are_what_the_import_does(kind, home, clerk):
    rows, expected = _mixed_rows(kind, home)
    before = snapshot()

    preview = plan_of(kind, rows, clerk)

    assert preview.counts == expected
    assert snapshot() == before  # a preview saves nothing

    plan = plan_of(kind, rows, clerk)
    assert plan.digest == preview.digest
    assert apply_roster(plan, user=clerk, expected_digest=preview.digest) == expected
    model = KINDS[kind].model
    assert model.objects.count() == before[kind] + 2
    assert model.history.count() == before[f"{kind[:-1]} history"] + 3
    again = plan_of(kind, rows, clerk)
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 5}


def test_a_changed_row_lists_each_field_before_and_after(home, clerk):
    import_file("providers", [provider_row(1)], clerk)

    plan = plan_of("providers", [provider_row(1, 床位数="200", 等级="4", 机构名称="新名字", 联系电话="")], clerk)

    (row,) = plan.rows
    assert row.action == "changed"
    assert row.changes == {
        "name": ("导入养老院1", "新名字"),
        "contact_phone": ("0472-5100000", ""),
        "beds": ("120", "200"),
        "grade": ("2", "4"),
    }
    apply_roster(plan, user=clerk)
    provider = Provider.objects.get(uscc=uscc(1))
    assert (provider.name, provider.contact_phone, provider.beds, provider.grade) == ("新名字", "", 200, 4)
    latest = provider.history.first()
    assert (latest.history_type, latest.history_change_reason, latest.history_user) == ("~", "名册导入", clerk)


def test_an_update_moves_the_providers_updated_at(home, clerk):
    import_file("providers", [provider_row(1)], clerk)
    Provider.objects.filter(uscc=uscc(1)).update(updated_at=timezone.now() - datetime.timedelta(days=3))
    stale = Provider.objects.get(uscc=uscc(1)).updated_at

    import_file("providers", [provider_row(1, 床位数="200")], clerk)

    assert Provider.objects.get(uscc=uscc(1)).updated_at > stale


def test_the_plan_is_refused_if_the_data_changed_since_the_preview(home, clerk):
    rows, _expected = _mixed_rows("residents", home)
    preview = plan_of("residents", rows, clerk)
    Resident.objects.filter(id_number=elderly_id(1), provider=home).update(bed_number="Z9")
    before = snapshot()

    plan = plan_of("residents", rows, clerk)
    with pytest.raises(ValidationError, match="changed since the preview"):
        apply_roster(plan, user=clerk, expected_digest=preview.digest)

    assert snapshot() == before
    assert not Resident.objects.filter(id_number=elderly_id(4)).exists()


# --- round trip ------------------------------------------------------------------------------


@pytest.fixture
def registry_rows(home):
    """A variety of rows of every kind, with optional cells filled and empty."""
    filed = ProviderFactory(
        name='=HYPERLINK("http://evil")',
        floor_area_m2=Decimal("1234.50"),
        grade=4,
        childcare_places=12,
        contact_phone="+86 472 5100000",
        kind=ProviderKind.NURSERY,
        legal_form=LegalForm.FOR_PROFIT,
        operation_mode=OperationMode.PUBLIC_BUILT_PRIVATE_RUN,
        registration_authority="market_regulation",
    )
    Provider.objects.filter(pk=filed.pk).update(status=ProviderStatus.FILED, filed_on=datetime.date(2024, 6, 1))
    ResidentFactory(provider=home, categories=["dibao", "advanced_age"], discharged_on=datetime.date(2025, 1, 31))
    ResidentFactory(provider=home, bed_number="", care_level=CareLevel.COGNITIVELY_IMPAIRED, name="@某某")
    ResidentFactory(provider=filed, name="-王")
    CaregiverFactory(provider=home, certificate_level=CertificateLevel.NONE, certificate_number="", nursing_since=None)
    CaregiverFactory(provider=filed, employed_to=datetime.date(2025, 12, 31), name="+李")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["providers", "residents", "caregivers"])
def test_an_export_imports_back_unchanged(kind, fmt, registry_rows, clerk):
    roster = KINDS[kind]
    objects = list(roster.model.objects.all())
    rows = list(export_rows(roster, objects, may_see_personal=True))
    header = [c.header for c in roster.columns]
    data = xlsx_bytes(header, rows) if fmt == "xlsx" else csv_bytes(header, rows)

    plan = validate_roster(roster, read_table(data, f"export.{fmt}"), user=clerk)

    assert plan.valid, errors_of(plan)
    assert plan.counts == {"new": 0, "changed": 0, "unchanged": len(objects)}, [r.changes for r in plan.rows]


def test_a_masked_export_cannot_be_imported(registry_rows, clerk):
    roster = KINDS["residents"]
    rows = list(export_rows(roster, Resident.objects.all(), may_see_personal=False))
    assert all("********" in row[0] for row in rows)

    plan = validate_roster(roster, read_table(csv_bytes(HEADERS["residents"], rows), "masked.csv"), user=clerk)

    assert {e.column for e in plan.errors} == {"身份证号"}
    assert len(plan.errors) == len(rows)


def test_the_error_messages_are_translated(home, clerk):
    with translation.override("zh-hans"):
        plan = plan_of("residents", [resident_row(1, home.uscc, 入住日期="昨天")], clerk)

        assert str(plan.errors[0]).startswith("第2行，入住日期：")


def test_the_roster_file_helper_builds_what_it_says(home, clerk):
    data, filename = roster_file("residents", [resident_row(1, home.uscc)], fmt="gbk")
    assert filename.endswith(".csv")
    assert read_table(data, filename)[0] == HEADERS["residents"]
