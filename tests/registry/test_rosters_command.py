"""``manage.py import_roster KIND FILE [--dry-run] [--user USERNAME]``.

Exit 0 when imported, 1 when any row is invalid (each printed as ``row N, COLUMN:
message``; nothing saved), 2 when the file cannot be read.
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from factories import DONGHE, ProviderFactory, division
from rosters_support import (
    HEADERS,
    caregiver_row,
    elderly_id,
    logged_in,
    provider_row,
    resident_row,
    roster_file,
    sheet_rows,
    snapshot,
    uscc,
)

from registry.models import Caregiver, Provider, ProviderStatus, Resident
from registry.rosters.kinds import EXAMPLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(divisions):
    return ProviderFactory()


def run(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the command."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_roster", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    else:
        code = 0
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, kind: str, rows: list[dict], **options) -> Path:
    data, filename = roster_file(kind, rows, **options)
    path = tmp_path / filename
    path.write_bytes(data)
    return path


def test_a_good_file_exits_0(home, clerk, tmp_path):
    path = write(tmp_path, "residents", [resident_row(n, home.uscc) for n in range(1, 4)], fmt="gbk")

    code, out, err = run("residents", str(path), "--user", clerk.username)

    assert (code, err) == (0, "")
    assert out.strip() == "imported: new 3, changed 0, unchanged 0"
    assert Resident.objects.filter(provider=home).count() == 3
    assert set(Resident.history.filter(provider_id=home.pk).values_list("history_user_id", flat=True)) == {clerk.pk}


def test_an_invalid_row_exits_1_printing_row_and_column_and_saves_nothing(home, clerk, tmp_path):
    rows = [resident_row(n, home.uscc) for n in range(1, 5)]
    rows[1]["入住日期"] = "上个月"
    rows[3]["照护等级"] = "很好"
    path = write(tmp_path, "residents", rows)
    before = snapshot()

    with translation.override("en"):
        code, out, err = run("residents", str(path), "--user", clerk.username)

    assert code == 1
    assert out.splitlines() == [
        "row 3, 入住日期: “上个月” is not a date (write 2026-11-23).",
        "row 5, 照护等级: “很好” is not one of: Self-care、Partly disabled、Disabled、Cognitively impaired.",
    ]
    assert "2 error(s); nothing was saved" in err
    assert snapshot() == before


def test_row_errors_are_printed_in_the_active_language(home, clerk, tmp_path):
    rows = [resident_row(1, home.uscc, 入住日期="昨天")]
    path = write(tmp_path, "residents", rows)

    with translation.override("zh-hans"):
        code, out, _err = run("residents", str(path))

    assert code == 1
    assert out.startswith("第2行，入住日期：")
    assert "昨天" in out


def test_a_missing_column_exits_1_on_row_1(home, tmp_path):
    header = [h for h in HEADERS["caregivers"] if h != "入职日期"]
    path = write(tmp_path, "caregivers", [caregiver_row(1, home.uscc)], header=header, fmt="utf-8-sig")

    with translation.override("en"):
        code, out, _err = run("caregivers", str(path))

    assert code == 1
    assert out.strip() == "row 1, 入职日期: This required column is missing."
    assert not Caregiver.objects.exists()


def test_user_limits_the_rows_to_their_jurisdiction(divisions, clerk, tmp_path):
    away = ProviderFactory(division=division(DONGHE))
    path = write(tmp_path, "caregivers", [caregiver_row(1, away.uscc)])

    with translation.override("en"):
        code, out, _err = run("caregivers", str(path), "--user", clerk.username)
        without_user = run("caregivers", str(path), "--dry-run")

    assert code == 1
    assert out.strip() == "row 2, 机构统一社会信用代码: No provider with this code in your jurisdiction."
    assert without_user[0] == 0  # the whole database, without --user


def test_without_user_a_new_providers_filing_is_recorded_under_the_first_superuser(divisions, superuser, tmp_path):
    path = write(tmp_path, "providers", [provider_row(1, 备案日期="2025-06-30")])

    code, _out, _err = run("providers", str(path))

    provider = Provider.objects.get(uscc=uscc(1))
    assert code == 0
    assert (provider.status, provider.filed_on) == (ProviderStatus.FILED, datetime.date(2025, 6, 30))
    assert provider.status_changes.get().actor == superuser


def test_without_user_or_superuser_a_filing_date_is_refused_not_dropped(divisions, tmp_path):
    path = write(tmp_path, "providers", [provider_row(1), provider_row(2, 备案日期="2025-06-30")])

    with translation.override("en"):
        code, out, _err = run("providers", str(path))

    assert code == 1
    assert out.strip() == (
        "row 3, 备案日期: No one to record the filing under: import as a staff user (--user), or create a superuser."
    )
    assert not Provider.objects.filter(uscc__in=[uscc(1), uscc(2)]).exists()  # all or nothing


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("roster.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
        ("roster.xlsx", b"PK\x03\x04 garbage, not a workbook"),
        ("roster.xlsx", b"\x00\x01\x02 random bytes"),
        ("roster.csv", b""),
    ],
)
def test_an_unreadable_file_exits_2(divisions, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)

    code, out, err = run("providers", str(path))

    assert code == 2
    assert out == ""
    assert str(path) in err


def test_a_missing_file_or_unknown_user_exits_2(divisions, clerk, tmp_path):
    assert run("providers", str(tmp_path / "nowhere.xlsx"))[0] == 2
    path = write(tmp_path, "providers", [provider_row(1)])

    code, _out, err = run("providers", str(path), "--user", "nobody")

    assert code == 2
    assert "nobody" in err
    assert not Provider.objects.filter(uscc=uscc(1)).exists()


def test_an_unknown_kind_is_a_usage_error(divisions, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_roster", "pets", str(tmp_path / "x.csv"))


def test_the_dry_run_reports_what_the_import_then_does(home, clerk, tmp_path):
    existing = [provider_row(n) for n in range(1, 4)]
    run("providers", str(write(tmp_path, "providers", existing)), "--user", clerk.username)
    rows = [*existing, provider_row(4), provider_row(5)]
    rows[0] = provider_row(1, 床位数="150", 机构名称="改名养老院")
    path = write(tmp_path, "providers", rows, fmt="utf-8")
    before = snapshot()

    with translation.override("en"):
        dry_code, dry_out, _err = run("providers", str(path), "--dry-run", "--user", clerk.username)
        assert snapshot() == before
        code, out, _err = run("providers", str(path), "--user", clerk.username)

    assert dry_code == code == 0
    assert dry_out.splitlines() == [
        "row 2: name: 导入养老院1 → 改名养老院; beds: 120 → 150",
        "dry run: new 2, changed 1, unchanged 2; nothing saved",
    ]
    assert out.strip() == "imported: new 2, changed 1, unchanged 2"
    assert Provider.objects.get(uscc=uscc(1)).beds == 150
    assert Provider.objects.count() == before["providers"] + 2


# --- the templates ---------------------------------------------------------------------------


def test_each_template_downloads_and_its_example_row_imports_cleanly(divisions, clerk, client_for, tmp_path):
    client = logged_in(client_for, clerk)
    for kind, model in (("providers", "provider"), ("residents", "resident"), ("caregivers", "caregiver")):
        response = client.get(reverse(f"admin:registry_{model}_import_template"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert f'filename="{kind}-template.xlsx"' in response["Content-Disposition"]
        rows = sheet_rows(response.content)
        assert rows[0] == HEADERS[kind]
        assert [("" if v is None else str(v)) for v in rows[1]] == EXAMPLES[kind]
        path = tmp_path / f"{kind}-template.xlsx"
        path.write_bytes(response.content)

        with translation.override("en"):
            code, out, err = run(kind, str(path), "--user", clerk.username)

        assert (code, err) == (0, ""), out
        assert out.strip() == "imported: new 1, changed 0, unchanged 0"

    provider = Provider.objects.get(uscc=EXAMPLES["providers"][0])
    assert provider.status == ProviderStatus.FILED
    resident = Resident.objects.get(id_number=EXAMPLES["residents"][0])
    assert resident.provider == provider
    assert sorted(resident.categories) == ["advanced_age", "dibao"]
    assert Caregiver.objects.get(id_number=EXAMPLES["caregivers"][0]).provider == provider


def test_an_import_of_an_already_imported_file_changes_nothing(home, clerk, tmp_path):
    path = write(tmp_path, "residents", [resident_row(n, home.uscc) for n in range(1, 3)])
    assert run("residents", str(path))[0] == 0
    before = snapshot()

    with translation.override("en"):
        code, out, _err = run("residents", str(path))

    assert (code, out.strip()) == (0, "imported: new 0, changed 0, unchanged 2")
    assert snapshot() == before
    assert Resident.objects.filter(id_number=elderly_id(1)).count() == 1
