"""Bank result files as banks and districts save them (issue 14): a title row and blank
rows above the header, blank rows between results. The header is found by the file's
columns (item, amount, status, reason); errors name the rows as the spreadsheet does."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import translation
from factories import ResidentFactory
from openpyxl import Workbook

from subsidies.models import PaymentBatch, PaymentItem
from subsidies.services import batch_reconcile

pytestmark = pytest.mark.django_db

NOV = datetime.date(2026, 11, 1)
TITLE = "中国银行包头分行代发结果（2026年11月）"


@pytest.fixture
def batch(make_provider, approved_run, batch_through):
    """An exported batch paying two Kundulun providers for November."""
    for name in ("幸福养老院", "夕阳红养老院"):
        provider = make_provider(
            bank_name="中国银行包头分行", bank_account_name=name, bank_account_number="6222021234567890123"
        )
        for _ in range(3):
            ResidentFactory(provider=provider)
    approved_run("BT-OPERATING", NOV)
    exported = batch_through("exported")
    assert exported.items.count() == 2
    return exported


def result_workbook(rows: list[list[object]]) -> bytes:
    """Row 1 a merged title, row 2 blank, row 3 the header, then ``rows`` as given ([] blank)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([TITLE])
    sheet.merge_cells("A1:D1")
    sheet.append([])
    sheet.append(["item", "amount", "status", "reason"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_result_file_with_a_title_and_blank_rows_is_reconciled(batch, finance):
    first, second = batch.items.order_by("pk")
    data = result_workbook(
        [
            [first.pk, float(first.net_amount), "paid", None],
            [],
            [second.pk, float(second.net_amount), "failed", "户名不符"],
        ]
    )

    assert batch_reconcile(batch=batch, data=data, filename="result.xlsx", user=finance) == []

    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.CLOSED  # every item has its result
    assert PaymentItem.objects.get(pk=first.pk).state == PaymentItem.State.PAID
    assert PaymentItem.objects.get(pk=second.pk).state == PaymentItem.State.FAILED


def test_errors_name_the_rows_as_the_spreadsheet_numbers_them(batch, finance):
    first, second = batch.items.order_by("pk")
    data = result_workbook([[first.pk, float(first.net_amount), "paid", None], [], [], [second.pk, 1.0, "paid", None]])

    with translation.override("en"):
        errors = batch_reconcile(batch=batch, data=data, filename="result.xlsx", user=finance)

    # title 1, blank 2, header 3, first item 4, blank 5 and 6, second item 7
    assert errors == [f"row 7: amount 1 does not match {second.net_amount}"]
    assert set(batch.items.values_list("state", flat=True)) == {PaymentItem.State.PENDING}  # nothing changed


def test_a_csv_result_file_with_blank_lines_names_its_rows_too(batch, finance):
    first, _second = batch.items.order_by("pk")
    data = f"{TITLE}\r\n\r\nitem,amount,status,reason\r\n\r\n{first.pk},{first.net_amount},lost,\r\n".encode()

    with translation.override("en"):
        errors = batch_reconcile(batch=batch, data=data, filename="result.csv", user=finance)

    assert errors == ["row 5: status must be paid or failed"]
