"""A bank that writes its result file in Chinese (issue 21): 明细编号 / 金额 / 状态 / 失败原因
and 成功 / 失败 are read as item / amount / status / reason and paid / failed."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable

import pytest
from django.utils import translation
from factories import ResidentFactory

from subsidies.bank_results import result_status
from subsidies.models import PaymentBatch, PaymentItem
from subsidies.services import batch_reconcile

pytestmark = pytest.mark.django_db

NOV = datetime.date(2026, 11, 1)


def result_file(
    rows: Iterable[Iterable[object]], header: Iterable[str] = ("item", "amount", "status", "reason")
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


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
    return batch_through("exported")


def test_a_chinese_result_file_with_success_and_failure_is_reconciled(batch, finance):
    first, second = batch.items.order_by("pk")
    data = result_file(
        [[first.pk, first.net_amount, "成功", ""], [second.pk, second.net_amount, "失败", "户名不符"]],
        header=("明细编号", "金额", "状态", "失败原因"),
    )

    assert batch_reconcile(batch=batch, data=data, filename="结果.csv", user=finance) == []

    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.CLOSED
    assert PaymentItem.objects.get(pk=first.pk).state == PaymentItem.State.PAID
    failed = PaymentItem.objects.get(pk=second.pk)
    assert (failed.state, failed.failure_reason) == (PaymentItem.State.FAILED, "户名不符")


def test_an_unknown_status_word_is_still_one_error_naming_its_row(batch, finance):
    first, second = batch.items.order_by("pk")
    data = result_file([[first.pk, first.net_amount, "成功", ""], [second.pk, second.net_amount, "处理中", ""]])

    with translation.override("en"):
        errors = batch_reconcile(batch=batch, data=data, filename="result.csv", user=finance)

    assert errors == ["row 3: status must be paid or failed"]
    assert set(batch.items.values_list("state", flat=True)) == {PaymentItem.State.PENDING}


@pytest.mark.parametrize(
    ("word", "outcome"),
    [
        ("paid", "paid"),
        ("PAID", "paid"),
        ("成功", "paid"),
        ("已支付", "paid"),
        ("失败", "failed"),
        ("Failed", "failed"),
    ],
)
def test_status_words_of_both_languages(word, outcome):
    assert result_status(word) == outcome
