"""Concurrency on a real PostgreSQL: two approvals of one batch give one approval; two
batches created at once never pay a line twice. Each thread uses (and closes) its own
database connection, so these tests commit for real (``transaction=True``)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError
from django.db.models import Count
from factories import KUNDULUN, ResidentFactory, division
from threads import race

from subsidies.models import ConstructionGrant, Instalment, PayerLevel, PaymentBatch, PaymentItem
from subsidies.services import batch_approve, batch_create, batch_submit, grant_approve, grant_prepare

# serialized_rollback: the flush after each test would otherwise drop the role groups
# that migrations created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NOV = datetime.date(2026, 11, 1)


@pytest.fixture
def paid_lines(make_provider, approved_run):
    """Three Kundulun providers with an approved November operating line each."""
    for _ in range(3):
        provider = make_provider()
        ResidentFactory.create_batch(2, provider=provider)
    run = approved_run("BT-OPERATING", NOV)
    assert run.lines.count() == 3
    return run


def test_two_concurrent_approvals_of_one_batch_give_one(paid_lines, finance, make_approver):
    batch = batch_create(
        name="11月", division=division(KUNDULUN), payer_level=PayerLevel.LEAGUE_CITY, prepared_by=finance
    )
    batch_submit(batch=batch, user=finance)
    first, second = make_approver("approve_paymentbatch"), make_approver("approve_paymentbatch")

    results = race(
        lambda: batch_approve(batch=PaymentBatch.objects.get(pk=batch.pk), approver=first),
        lambda: batch_approve(batch=PaymentBatch.objects.get(pk=batch.pk), approver=second),
    )

    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["error", "ok"], results
    [error] = [value for kind, value in results if kind == "error"]
    assert isinstance(error, ValidationError)
    [winner] = [value for kind, value in results if kind == "ok"]
    batch.refresh_from_db()
    assert batch.state == PaymentBatch.State.APPROVED
    assert batch.approved_by_id == winner.approved_by_id
    assert batch.history.filter(state=PaymentBatch.State.APPROVED).count() == 1


def test_two_batches_created_at_once_pay_each_line_once(paid_lines, finance, make_staff):
    other_finance = make_staff(None, KUNDULUN)

    results = race(
        lambda: batch_create(
            name="A", division=division(KUNDULUN), payer_level=PayerLevel.LEAGUE_CITY, prepared_by=finance
        ),
        lambda: batch_create(
            name="B", division=division(KUNDULUN), payer_level=PayerLevel.LEAGUE_CITY, prepared_by=other_finance
        ),
    )

    for kind, value in results:
        assert kind == "ok" or isinstance(value, IntegrityError | OperationalError), results
    assert any(kind == "ok" for kind, _value in results)
    per_line = PaymentItem.objects.values("grant_line").annotate(n=Count("pk"))
    assert sorted(row["n"] for row in per_line) == [1, 1, 1]
    assert set(PaymentItem.objects.values_list("grant_line_id", flat=True)) == set(
        paid_lines.lines.values_list("pk", flat=True)
    )


def test_two_concurrent_approvals_of_one_grant_schedule_one_set_of_instalments(make_provider, clerk, make_approver):
    grant = grant_prepare(
        provider=make_provider(),
        scheme_code="BT-CONSTRUCT-BED",
        basis="new_build",
        beds_claimed=10,
        floor_area_m2=300,
        prepared_by=clerk,
    )
    first, second = make_approver("approve_constructiongrant"), make_approver("approve_constructiongrant")

    results = race(
        lambda: grant_approve(grant=ConstructionGrant.objects.get(pk=grant.pk), approver=first),
        lambda: grant_approve(grant=ConstructionGrant.objects.get(pk=grant.pk), approver=second),
    )

    assert sorted(kind for kind, _value in results) == ["error", "ok"], results
    assert all(isinstance(value, ValidationError) for kind, value in results if kind == "error")
    assert Instalment.objects.filter(grant=grant).count() == 3
