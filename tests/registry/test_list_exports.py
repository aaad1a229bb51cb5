"""Every registry changelist exports its filtered rows (xlsx and CSV): Chinese column
titles, readable cells, only rows inside the user's jurisdiction, formula-safe, audited."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from downloads import file_bytes
from factories import DONGHE, CreditRecordFactory, LicenceFactory, ProviderFactory, ProviderHoldFactory, division
from openpyxl import load_workbook

from registry.models import CreditRecord, DataExport, Licence
from registry.staff import roles
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db


def export_all(client, model: str, action: str, **filters: str):
    """The changelist's "select all N" with its filters in the URL, then the action."""
    url = reverse(f"admin:registry_{model}_changelist")
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return client.post(
        f"{url}?{query}" if query else url, {"action": action, "select_across": "1", "_selected_action": ["0"]}
    )


def rows_of(response) -> list[list[str]]:
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(file_bytes(response).decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(file_bytes(response))).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("action", ["export_xlsx", "export_csv"])
def test_licences_export_the_filtered_rows_of_the_jurisdiction_with_chinese_titles(
    action, divisions, clerk, client_for
):
    home = ProviderFactory(name="昆都仑幸福院")
    away = ProviderFactory(name="东河颐养院", division=division(DONGHE))
    LicenceFactory(provider=home, number="JY0001", expires_on=datetime.date(2027, 6, 30))
    LicenceFactory(provider=home, kind=Licence.Kind.LIABILITY_INSURANCE, number="BX0002")
    LicenceFactory(provider=away, number="JY0003")

    response = export_all(client_for(clerk), "licence", action, kind__exact=Licence.Kind.FOOD_BUSINESS)

    assert response.status_code == 200
    rows = rows_of(response)
    assert rows[0] == ["机构", "类型", "编号", "发证日期", "到期日期"]
    assert rows[1:] == [["昆都仑幸福院", str(Licence.Kind.FOOD_BUSINESS.label), "JY0001", "2023-01-01", "2027-06-30"]]
    record = DataExport.objects.get()
    assert (record.what, record.rows, record.personal_data, record.exported_by) == ("licence", 1, False, clerk)
    assert AuditEntry.objects.filter(action="data.export", actor=clerk).count() == 1


def test_a_cell_that_would_run_as_a_formula_is_written_as_text(divisions, clerk, client_for):
    CreditRecordFactory(provider=ProviderFactory(), source='=HYPERLINK("http://evil.example","点我")')

    rows = rows_of(export_all(client_for(clerk), "creditrecord", "export_csv"))

    assert rows[1][-1] == '\'=HYPERLINK("http://evil.example","点我")'
    assert rows[1][1] == str(CreditRecord.Kind.BLACKLIST.label)


def test_holds_and_the_lifecycle_log_export_times_in_beijing_time(divisions, clerk, client_for, superuser):
    from registry.lifecycle import provider_transition
    from registry.models import ProviderStatusChange

    provider = ProviderFactory()
    ProviderHoldFactory(provider=provider, started_at=datetime.datetime(2026, 3, 1, 1, 30, tzinfo=datetime.UTC))
    provider_transition(
        provider=provider,
        action=ProviderStatusChange.Action.FILE,
        reason="备案",
        effective_on=datetime.date(2026, 3, 2),
        actor=superuser,
        check_permission=False,
    )
    client = client_for(clerk)

    holds = rows_of(export_all(client, "providerhold", "export_xlsx"))
    log = rows_of(export_all(client, "providerstatuschange", "export_xlsx"))

    assert holds[1][3] == "2026-03-01 09:30:00" and holds[1][4] == ""
    assert log[1][4] == "2026-03-02"
    assert len(log) == 2


def test_divisions_export_within_the_jurisdiction(divisions, make_staff, client_for):
    sysadmin = make_staff(roles.SYSTEM_ADMIN, "150203")

    rows = rows_of(export_all(client_for(sysadmin), "division", "export_csv"))

    assert rows[0][:2] == ["区划代码", "名称"]
    assert [r[0] for r in rows[1:]] == ["150203"]
    assert rows[1][-1] == "是"  # a standard GB/T 2260 unit


def test_a_user_who_may_not_view_a_list_cannot_export_it(divisions, make_staff, client_for):
    LicenceFactory(provider=ProviderFactory())
    finance = make_staff(roles.FINANCE, "150203")

    response = export_all(client_for(finance), "licence", "export_csv")

    assert response.status_code in {302, 403}
    assert not DataExport.objects.exists()


def test_an_export_takes_the_same_queries_for_few_or_many_rows(divisions, clerk, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(clerk)

    def queries_for(licences: int) -> int:
        for _ in range(licences):
            LicenceFactory(provider=ProviderFactory())
        with CaptureQueriesContext(connection) as captured:
            response = export_all(client, "licence", "export_csv")
            assert response.status_code == 200
            file_bytes(response)  # the rows are read as the file streams
        return len(captured)

    assert queries_for(2) == queries_for(12)
