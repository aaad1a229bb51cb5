"""Inspection results as a roster: one row per inspection, imported all or nothing,
closing the task each result fulfils; exported and imported back unchanged."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from factories import DONGHE, ProviderFactory, division
from inspection_support import CITY_JOINT, DISTRICT_SAFETY
from openpyxl import load_workbook

from inspections.models import Inspection, InspectionTask
from inspections.planning import plan_inspections
from registry.models import ProviderKind, User
from registry.rosters.engine import Plan, apply_roster, validate_roster
from registry.rosters.formats import read_table
from registry.rosters.kinds import KINDS, export_rows
from registry.rosters.uploads import upload_apply, upload_create, upload_validate
from registry.spreadsheets import csv_bytes, xlsx_bytes
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

FORMATS = ["xlsx", "utf-8", "utf-8-sig", "gbk"]
HEADERS = {"inspections": [c.header for c in KINDS["inspections"].columns]}


def roster_file(rows: list[dict[str, str]], *, fmt: str = "xlsx") -> tuple[bytes, str]:
    header = HEADERS["inspections"]
    body = [[row.get(name, "") for name in header] for row in rows]
    if fmt == "xlsx":
        return xlsx_bytes(header, body), "results.xlsx"
    text = "\r\n".join(",".join(cells) for cells in [header, *body]) + "\r\n"
    return text.encode(fmt), "results.csv"


def plan_of(rows: list[dict[str, str]], user: User, *, fmt: str = "xlsx") -> Plan:
    return validate_roster(KINDS["inspections"], read_table(*roster_file(rows, fmt=fmt)), user=user)


def errors_of(plan: Plan) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in plan.errors]


def has_error(plan: Plan, row: int, column: str, fragment: str) -> bool:
    return any(e.row == row and e.column == column and fragment in e.message for e in plan.errors)


def result_row(provider_uscc: str, **cells: str) -> dict[str, str]:
    row = {
        "机构统一社会信用代码": provider_uscc,
        "检查类型": "旗县区安全检查",
        "检查日期": "2026-10-15",
        "检查结果": "合格",
        "检查情况": "消防通道畅通，灭火器在有效期内",
    }
    row.update(cells)
    return row


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_results_file_imports_with_history_and_closes_the_task_each_result_fulfils(
    fmt, regimes, make_provider, clerk
):
    provider = make_provider()
    plan_inspections(on=datetime.date(2026, 10, 1))
    q4_task = InspectionTask.objects.get(provider=provider, regime__code=DISTRICT_SAFETY)
    rows = [
        result_row(provider.uscc),
        result_row(provider.uscc, 检查类型=CITY_JOINT, 检查日期="2026/9/30", 检查结果="基本合格，需整改", 检查情况=""),
    ]

    plan = plan_of(rows, clerk, fmt=fmt)
    assert plan.valid, errors_of(plan)
    counts = apply_roster(plan, user=clerk)

    assert counts == {"new": 2, "changed": 0, "unchanged": 0}
    district = Inspection.objects.get(regime__code=DISTRICT_SAFETY)
    city = Inspection.objects.get(regime__code=CITY_JOINT)
    assert (district.inspected_on, district.outcome, district.recorded_by) == (
        datetime.date(2026, 10, 15),
        Inspection.Outcome.PASSED,
        clerk,
    )
    assert (city.inspected_on, city.outcome, city.summary) == (
        datetime.date(2026, 9, 30),
        Inspection.Outcome.FINDINGS,
        "",
    )
    q4_task.refresh_from_db()
    assert (district.task, q4_task.status) == (q4_task, InspectionTask.Status.DONE)
    assert city.task is not None and city.task.period_end == datetime.date(2026, 12, 31)
    assert Inspection.history.filter(history_change_reason="名册导入").count() == 2


def test_regimes_and_outcomes_in_every_spelling(regimes, make_provider, clerk):
    provider = make_provider()
    rows = [
        result_row(provider.uscc, 检查类型="District safety inspection", 检查日期="2026-01-10", 检查结果="passed"),
        result_row(provider.uscc, 检查类型="bt-district-safety", 检查日期="2026-04-10", 检查结果="Failed"),
        result_row(provider.uscc, 检查类型="旗县区安全检查", 检查日期="2026年7月10日", 检查结果="不合格"),
    ]

    plan = plan_of(rows, clerk, fmt="utf-8")

    assert plan.valid, errors_of(plan)
    assert [r.values["outcome"] for r in plan.rows] == ["passed", "failed", "failed"]
    assert {r.values["regime"].code for r in plan.rows} == {DISTRICT_SAFETY}


def test_every_bad_cell_is_reported_and_nothing_is_saved(regimes, make_provider, clerk):
    provider = make_provider()
    nursery = make_provider(kind=ProviderKind.NURSERY)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    rows = [
        result_row(provider.uscc),  # row 2: good
        result_row(provider.uscc, 检查类型="月度巡查", 检查日期="2026-02-10"),  # no such regime
        result_row(provider.uscc, 检查日期=tomorrow),  # in the future
        result_row(provider.uscc, 检查日期="2026-03-10", 检查结果="还行"),  # not an outcome
        result_row(nursery.uscc, 检查日期="2026-05-10"),  # an elderly-care regime for a nursery
        result_row(provider.uscc),  # same as row 2
    ]

    plan = plan_of(rows, clerk)

    assert has_error(plan, 3, "检查类型", "月度巡查")
    assert has_error(plan, 4, "检查日期", "晚于今天")
    assert has_error(plan, 5, "检查结果", "还行")
    assert has_error(plan, 6, "检查类型", "")
    assert has_error(plan, 7, "机构统一社会信用代码、检查类型、检查日期", "2")
    assert {e.row for e in plan.errors} == {3, 4, 5, 6, 7}
    with pytest.raises(Exception):  # noqa: B017 - the engine refuses an invalid plan
        apply_roster(plan, user=clerk)
    assert Inspection.objects.count() == 0


def test_results_of_a_provider_outside_the_jurisdiction_are_refused(regimes, clerk):
    away = ProviderFactory(division=division(DONGHE))

    plan = plan_of([result_row(away.uscc)], clerk)

    assert has_error(plan, 2, "机构统一社会信用代码", "")
    assert not plan.rows


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged_and_a_changed_outcome_is_previewed(fmt, regimes, make_provider, clerk):
    provider = make_provider()
    apply_roster(
        plan_of(
            [result_row(provider.uscc), result_row(provider.uscc, 检查日期="2026-07-01", 检查结果="基本合格，需整改")],
            clerk,
        ),
        user=clerk,
    )
    roster = KINDS["inspections"]
    rows = list(export_rows(roster, Inspection.objects.all(), may_see_personal=False))
    header = HEADERS["inspections"]
    data = xlsx_bytes(header, rows) if fmt == "xlsx" else csv_bytes(header, rows)

    assert validate_roster(roster, read_table(data, f"export.{fmt}"), user=clerk).counts == {
        "new": 0,
        "changed": 0,
        "unchanged": 2,
    }
    rows[0][3] = "不合格"
    data = xlsx_bytes(header, rows) if fmt == "xlsx" else csv_bytes(header, rows)
    plan = validate_roster(roster, read_table(data, f"export.{fmt}"), user=clerk)
    assert plan.counts == {"new": 0, "changed": 1, "unchanged": 1}
    assert [list(r.changes) for r in plan.rows if r.changes] == [["outcome"]]


def test_an_imported_outcome_stands_when_the_record_is_edited_in_the_back_office(
    regimes, make_provider, clerk, client_for, admin_form_data
):
    provider = make_provider()
    apply_roster(plan_of([result_row(provider.uscc, 检查结果="不合格")], clerk), user=clerk)
    inspection = Inspection.objects.get()
    client = client_for(clerk)
    url = reverse("admin:inspections_inspection_change", args=[inspection.pk])
    page = client.get(url)
    assert "check_" not in page.content.decode()  # no item-level checklist to fill in

    data = admin_form_data(page)
    data["summary"] = "补充说明：复查安排在下月"
    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    inspection.refresh_from_db()
    assert (inspection.summary, inspection.outcome) == ("补充说明：复查安排在下月", Inspection.Outcome.FAILED)


def test_the_command_line_imports_inspection_results(regimes, make_provider, clerk, tmp_path):
    provider = make_provider()
    data, name = roster_file([result_row(provider.uscc)], fmt="gbk")
    path = tmp_path / name
    path.write_bytes(data)

    call_command("import_roster", "inspections", str(path), "--user", clerk.username, stdout=io.StringIO())

    assert Inspection.objects.get().provider == provider


def test_the_back_office_offers_the_template_and_exports_results(regimes, make_provider, clerk, client_for):
    provider = make_provider()
    apply_roster(plan_of([result_row(provider.uscc)], clerk), user=clerk)
    client = client_for(clerk)

    changelist = client.get(reverse("admin:inspections_inspection_changelist")).content.decode()
    template = client.get(reverse("admin:inspections_inspection_import_template"))
    exported = client.post(
        reverse("admin:inspections_inspection_changelist"),
        {"action": "export_xlsx", "_selected_action": [Inspection.objects.get().pk]},
    )

    assert reverse("admin:inspections_inspection_import") in changelist
    rows = [list(r) for r in load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True)]
    assert rows[0] == HEADERS["inspections"]
    assert rows[1][1] == "旗县区安全检查"
    exported_rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert list(exported_rows[1]) == [
        provider.uscc,
        "旗县区安全检查",
        "2026-10-15",
        "合格",
        "消防通道畅通，灭火器在有效期内",
    ]


def test_a_failed_inspection_does_not_read_as_a_failed_payment_or_import():
    from django.utils import translation

    from registry.models import RosterImport
    from subsidies.models import PaymentItem

    with translation.override("zh-hans"):
        labels = {
            str(Inspection.Outcome.FAILED.label),
            str(PaymentItem.State.FAILED.label),
            str(RosterImport.Status.FAILED.label),
        }
    assert len(labels) == 3
    assert "不合格" in labels


def test_two_results_of_one_period_both_fulfil_its_task_whatever_the_chunks(regimes, make_provider, clerk, monkeypatch):
    # Rows are checked and saved in chunks; the task of a period must be linked to each of its
    # results whichever chunk each lies in (here one row per chunk).
    from registry.rosters import engine

    monkeypatch.setattr(engine, "CHUNK_ROWS", 1)
    provider = make_provider()
    plan_inspections(on=datetime.date(2026, 10, 1))
    q4_task = InspectionTask.objects.get(provider=provider, regime__code=DISTRICT_SAFETY)
    rows = [result_row(provider.uscc), result_row(provider.uscc, 检查日期="2026-11-02", 检查结果="基本合格，需整改")]

    apply_roster(plan_of(rows, clerk), user=clerk)

    assert {i.inspected_on: i.task for i in Inspection.objects.all()} == {
        datetime.date(2026, 10, 15): q4_task,
        datetime.date(2026, 11, 2): q4_task,
    }


# --- the audit trail: the import service writes it, whoever calls it --------------------------


def test_the_command_line_import_writes_one_audit_entry(regimes, make_provider, clerk, tmp_path):
    provider = make_provider()
    data, name = roster_file([result_row(provider.uscc), result_row(provider.uscc, 检查日期="2026-10-16")])
    path = tmp_path / name
    path.write_bytes(data)

    call_command("import_roster", "inspections", str(path), "--user", clerk.username, stdout=io.StringIO())

    [entry] = AuditEntry.objects.filter(action="roster.import")
    assert (entry.actor, entry.detail) == (clerk, name)
    assert entry.after == {"kind": "inspections", "new": 2, "changed": 0, "unchanged": 0}


def test_the_command_line_import_without_a_user_is_audited_as_the_command(regimes, make_provider, tmp_path):
    provider = make_provider()
    data, name = roster_file([result_row(provider.uscc)])
    path = tmp_path / name
    path.write_bytes(data)
    User.objects.create_superuser(username="root", password=None)  # whom the rows are recorded by

    call_command("import_roster", "inspections", str(path), stdout=io.StringIO())

    [entry] = AuditEntry.objects.filter(action="roster.import")
    assert (entry.actor, entry.actor_name, entry.detail) == (None, "import_roster", name)


def test_a_back_office_upload_is_audited_once_on_the_upload(regimes, make_provider, clerk):
    provider = make_provider()
    data, name = roster_file([result_row(provider.uscc)])
    upload = upload_create(kind="inspections", filename=name, data=data, user=clerk, rows=1)
    upload_validate(upload)
    upload.refresh_from_db()

    upload_apply(upload, digest=upload.digest)

    [entry] = AuditEntry.objects.filter(action="roster.import")
    assert (entry.object_type, entry.object_id, entry.actor) == ("registry.RosterImport", str(upload.pk), clerk)
    assert entry.detail == name
