"""Every subsidy download goes the one export path: recorded once (``DataExport``) and
audited once; the grant lines of ``run_operating_grants --output`` are the admin's file's
first columns."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from downloads import file_bytes
from factories import ResidentFactory
from openpyxl import load_workbook

from registry.models import DataExport
from safeguards.models import AuditEntry
from subsidies.models import GrantRun, PaymentBatch
from subsidies.services import run_refresh

pytestmark = pytest.mark.django_db

BT = "BT-OPERATING"
NOV = datetime.date(2026, 11, 1)


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def act(client, model: str, action: str, objects) -> object:
    url = reverse(f"admin:subsidies_{model}_changelist")
    return client.post(url, {"action": action, "_selected_action": [str(o.pk) for o in objects]})


def exports_and_audits(action: str) -> tuple[list[DataExport], list[AuditEntry]]:
    return list(DataExport.objects.all()), list(AuditEntry.objects.filter(action=action))


@pytest.fixture
def provider(make_provider):
    """Certified, three residents all November: Baotou pays it 300.00 for November."""
    provider = make_provider(
        bank_name="中国银行包头分行", bank_account_name="幸福养老院", bank_account_number="6222021234567890123"
    )
    for _ in range(3):
        ResidentFactory(provider=provider)
    return provider


def test_the_command_writes_the_admin_grant_line_file_without_its_detail(provider, superuser, client_for, tmp_path):
    path = tmp_path / "lines.csv"
    call_command(
        "run_operating_grants", "--period", "2026-11", "--scheme", BT, "--output", str(path), stdout=io.StringIO()
    )
    run = GrantRun.objects.get()

    response = act(client_for(superuser), "grantrun", "export_lines", [run])

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="grant-lines.csv"'
    admin_rows = rows_of(file_bytes(response))
    assert admin_rows == [
        [
            "uscc",
            "provider",
            "counted_residents",
            "rate",
            "amount",
            "holds",
            "scheme",
            "period",
            "kind",
            "subject",
            "flags",
        ],
        [provider.uscc, provider.name, "3", "100.00", "300.00", "", BT, "2026-11", run.lines.get().kind, "", ""],
    ]
    assert rows_of(path.read_bytes()) == [row[:6] for row in admin_rows]


def test_the_command_records_its_file_as_an_export_without_a_user(provider, tmp_path):
    path = tmp_path / "lines.csv"

    call_command(
        "run_operating_grants", "--period", "2026-11", "--scheme", BT, "--output", str(path), stdout=io.StringIO()
    )

    [record], [entry] = exports_and_audits("data.export")
    assert (record.what, record.file_format, record.rows, record.exported_by) == ("grant-lines", "csv", 1, None)
    assert (entry.actor, entry.actor_name, entry.after["rows"]) == (None, "run_operating_grants", 1)


def test_the_grant_line_download_is_recorded_and_audited_once(provider, superuser, client_for):
    run = run_refresh(scheme_code=BT, period=NOV)

    file_bytes(act(client_for(superuser), "grantrun", "export_lines", [run]))

    [record], [entry] = exports_and_audits("data.export")
    assert (record.what, record.rows, record.personal_data, record.exported_by) == ("grant-lines", 1, False, superuser)
    assert (entry.actor, entry.object_id) == (superuser, str(record.pk))


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_each_payment_file_download_is_recorded_and_audited_once(
    file_format, provider, approved_run, batch_through, superuser, client_for
):
    approved_run(BT, NOV)
    batch = batch_through("approved")
    client = client_for(superuser)

    first = file_bytes(act(client, "paymentbatch", f"export_{file_format}", [batch]))
    again = file_bytes(act(client, "paymentbatch", f"export_{file_format}", [batch]))

    if file_format == "csv":
        assert first == again
        assert [row[5] for row in rows_of(first)[1:]] == ["300.00"]
    else:  # a workbook's bytes hold the second it was written: compare what it says
        first_rows, again_rows = (
            list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)) for data in (first, again)
        )
        assert first_rows == again_rows
        assert [row[5] for row in first_rows[1:]] == ["300.00"]
    records, entries = exports_and_audits("batch.export")
    assert [(r.what, r.file_format, r.rows, r.exported_by) for r in records] == 2 * [
        (f"payment-batch-{batch.pk}", file_format, 1, superuser)
    ]
    assert [(e.actor, e.object_id, e.after["state"]) for e in entries] == 2 * [
        (superuser, str(batch.pk), PaymentBatch.State.EXPORTED)
    ]
    assert not AuditEntry.objects.filter(action="data.export").exists()


def test_the_ledger_download_is_recorded_and_audited_once(provider, superuser, client_for):
    response = act(client_for(superuser), "providerledger", "export_ledger", [provider])

    rows = rows_of(file_bytes(response))
    assert rows == [
        ["uscc", "provider", "paid", "pending", "withheld", "recovered", "owed"],
        [provider.uscc, provider.name, "0.00", "0.00", "0.00", "0.00", "0.00"],
    ]
    [record], [entry] = exports_and_audits("data.export")
    assert (record.what, record.rows, record.exported_by) == ("provider-ledger", 1, superuser)
    assert entry.actor == superuser
