"""Clawback (000:1024-1026): change of use cancels what is unpaid and claims back what was
paid; repayments by transfer; offsets against later payments; overpaid months found by
roster corrections become claims at run approval."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from factories import KUNDULUN, ResidentFactory, division

from registry.models import ProviderStatusChange
from safeguards.models import AuditEntry
from subsidies.models import GrantLine, Instalment, PayerLevel, PaymentBatch, PaymentItem, Recovery, Repayment
from subsidies.services import (
    batch_create,
    batch_export,
    batch_reconcile,
    change_of_use_recover,
    instalments_review,
    provider_ledger,
    repayment_record,
)
from subsidies.tasks import recover_from_closures

pytestmark = pytest.mark.django_db

Action = ProviderStatusChange.Action
D = datetime.date
OCT = D(2026, 10, 1)
NOV = D(2026, 11, 1)
S = Instalment.Status


def today():
    return timezone.localdate()


def statuses(grant):
    return list(grant.instalments.order_by("number").values_list("status", flat=True))


def recover(provider, user, reason="改作他用：改建为酒店"):
    return change_of_use_recover(provider=provider, reason=reason, on=today(), user=user)


def open_recovery(provider, user, amount):
    return Recovery.objects.create(
        provider=provider, reason="多拨补贴", amount=Decimal(amount), opened_on=today(), opened_by=user
    )


@pytest.fixture
def provider(make_provider):
    return make_provider()


@pytest.fixture
def paid_grant(provider, approved_grant, batch_through):
    """BT-CONSTRUCT-BED 50,000.00; instalment 1 (15,000.00) released and paid."""
    grant = approved_grant(provider)
    instalments_review(year=today().year, on=today())
    batch_through("closed")
    assert statuses(grant) == [S.PAID, S.SCHEDULED, S.SCHEDULED]
    return grant


# --- change of use ------------------------------------------------------------------------


def test_change_of_use_cancels_unpaid_instalments_and_claims_what_was_paid(paid_grant, provider, clerk):
    [recovery] = recover(provider, clerk)

    assert statuses(paid_grant) == [S.PAID, S.CANCELLED, S.CANCELLED]
    assert set(paid_grant.instalments.filter(status=S.CANCELLED).values_list("withheld_reason", flat=True)) == {
        "改作他用：改建为酒店"
    }
    recovery.refresh_from_db()
    assert (recovery.provider, recovery.grant, recovery.amount, recovery.status) == (
        provider,
        paid_grant,
        Decimal("15000.00"),
        Recovery.Status.OPEN,
    )
    assert provider_ledger(provider)["owed"] == Decimal("15000.00")


def test_change_of_use_twice_claims_once(paid_grant, provider, clerk):
    [first] = recover(provider, clerk)
    before = list(paid_grant.instalments.values_list("pk", "status"))

    [again] = recover(provider, clerk)

    assert again.pk == first.pk
    assert Recovery.objects.count() == 1
    assert list(paid_grant.instalments.values_list("pk", "status")) == before


def test_a_second_run_keeps_the_first_cancellation(paid_grant, provider, clerk):
    recover(provider, clerk, reason="改作他用")
    first = list(paid_grant.instalments.values_list("number", "status", "withheld_reason", "decided_on"))

    change_of_use_recover(provider=provider, reason="再次核查", on=today() + datetime.timedelta(days=1), user=None)

    assert list(paid_grant.instalments.values_list("number", "status", "withheld_reason", "decided_on")) == first


def test_the_daily_task_claims_from_closed_providers_once(paid_grant, provider, lifecycle):
    lifecycle(provider, Action.CLOSE, today())

    assert recover_from_closures.delay().get() == 1
    recover_from_closures.delay().get()

    recovery = Recovery.objects.get()
    assert (recovery.grant, recovery.amount, recovery.opened_by) == (paid_grant, Decimal("15000.00"), None)
    assert statuses(paid_grant) == [S.PAID, S.CANCELLED, S.CANCELLED]


def test_the_daily_task_leaves_open_providers_alone(paid_grant, provider):
    assert recover_from_closures.delay().get() == 0
    assert not Recovery.objects.exists()
    assert statuses(paid_grant) == [S.PAID, S.SCHEDULED, S.SCHEDULED]


def test_change_of_use_before_any_payment_cancels_everything_and_claims_nothing(provider, approved_grant, clerk):
    grant = approved_grant(provider)
    instalments_review(year=today().year, on=today())  # instalment 1 released, not paid

    assert recover(provider, clerk) == []

    assert statuses(grant) == [S.CANCELLED] * 3
    assert not Recovery.objects.exists()


def test_change_of_use_needs_a_reason(paid_grant, provider, clerk):
    with pytest.raises(ValidationError):
        recover(provider, clerk, reason="  ")
    assert statuses(paid_grant) == [S.PAID, S.SCHEDULED, S.SCHEDULED]


def test_after_a_change_of_use_later_reviews_release_nothing(paid_grant, provider, clerk):
    recover(provider, clerk)

    assert instalments_review(year=today().year + 2, on=today()) == {"released": 0, "withheld": 0, "cancelled": 0}
    assert statuses(paid_grant) == [S.PAID, S.CANCELLED, S.CANCELLED]


def test_money_paid_after_a_change_of_use_is_claimed_too(
    paid_grant, provider, clerk, finance, batch_approver, bank_result
):
    from subsidies.services import batch_approve, batch_submit

    paid_grant.instalments.filter(number=2).update(year=today().year)  # a year on: instalment 2 is due
    instalments_review(year=today().year, on=today())  # instalment 2 released…
    batch = batch_create(
        name="建设补贴", division=division(KUNDULUN), payer_level=PayerLevel.LEAGUE_CITY, prepared_by=finance
    )
    assert batch.items.get().instalment.number == 2  # …and waiting in a draft batch
    [recovery] = recover(provider, clerk)
    assert recovery.amount == Decimal("15000.00")
    batch_submit(batch=batch, user=finance)
    batch_approve(batch=batch, approver=batch_approver)
    batch_export(batch=batch)
    rows = [(item.pk, item.net_amount, "paid", "") for item in batch.items.all()]
    assert batch_reconcile(batch=batch, data=bank_result(rows), filename="r.csv", user=finance) == []
    recover(provider, clerk)  # e.g. the daily run again

    paid = sum(PaymentItem.objects.filter(instalment__grant=paid_grant, state="paid").values_list("amount", flat=True))
    claimed = sum(Recovery.objects.filter(grant=paid_grant).values_list("amount", flat=True))
    assert paid == Decimal("30000.00")
    assert claimed == paid


# --- repayments ---------------------------------------------------------------------------


def test_a_partial_then_a_full_repayment_settles_the_claim(paid_grant, provider, clerk, finance):
    [recovery] = recover(provider, clerk)

    repayment_record(recovery=recovery, amount=Decimal("5000.00"), received_on=today(), user=finance, reference="回单1")
    recovery.refresh_from_db()
    assert recovery.status == Recovery.Status.OPEN
    assert provider_ledger(provider)["owed"] == Decimal("10000.00")

    repayment_record(recovery=recovery, amount=Decimal("10000.00"), received_on=today(), user=finance)
    recovery.refresh_from_db()
    assert recovery.status == Recovery.Status.SETTLED
    assert list(recovery.repayments.order_by("amount").values_list("method", "amount")) == [
        (Repayment.Method.TRANSFER, Decimal("5000.00")),
        (Repayment.Method.TRANSFER, Decimal("10000.00")),
    ]
    ledger = provider_ledger(provider)
    assert (ledger["recovered"], ledger["owed"]) == (Decimal("15000.00"), Decimal("0.00"))


@pytest.mark.parametrize("amount", ["0.00", "-1.00", "15000.01"])
def test_a_repayment_must_be_between_one_fen_and_what_is_owed(paid_grant, provider, clerk, finance, amount):
    [recovery] = recover(provider, clerk)

    with pytest.raises(ValidationError) as error:
        repayment_record(recovery=recovery, amount=Decimal(amount), received_on=today(), user=finance)

    assert "amount" in error.value.message_dict
    assert not Repayment.objects.exists()


def test_a_settled_claim_takes_no_more_repayments(paid_grant, provider, clerk, finance):
    [recovery] = recover(provider, clerk)
    repayment_record(recovery=recovery, amount=Decimal("15000.00"), received_on=today(), user=finance)

    with pytest.raises(ValidationError):
        repayment_record(recovery=recovery, amount=Decimal("1.00"), received_on=today(), user=finance)


# --- overpaid months and offsets ----------------------------------------------------------


@pytest.fixture
def operating(make_provider):
    provider = make_provider()
    for _ in range(3):
        ResidentFactory(provider=provider)
    return provider


def test_a_negative_adjustment_at_approval_opens_a_claim_offset_in_the_next_batch(
    operating, approved_run, batch_through, bank_result, finance
):
    batch_through_october = approved_run("BT-OPERATING", OCT)
    assert batch_through_october.lines.get().amount == Decimal("300.00")
    october_batch = batch_through("closed", name="10月")
    assert october_batch.items.get().state == PaymentItem.State.PAID
    resident = operating.residents.order_by("pk").first()
    resident.discharged_on = D(2026, 10, 5)  # the roster is corrected: left on 5 October
    resident.save()

    with translation.override("en"):
        november = approved_run("BT-OPERATING", NOV)

    assert november.lines.get(kind=GrantLine.Kind.ADJUSTMENT).amount == Decimal("-100.00")
    recovery = Recovery.objects.get()
    assert (recovery.provider, recovery.amount, recovery.grant, recovery.status) == (
        operating,
        Decimal("100.00"),
        None,
        Recovery.Status.OPEN,
    )
    assert "2026-10" in recovery.reason

    batch = batch_through("exported", name="11月")
    item = batch.items.get()
    assert (item.amount, item.offset, item.net_amount) == (Decimal("200.00"), Decimal("100.00"), Decimal("100.00"))
    file_rows = batch_export(batch=batch).decode("utf-8-sig").splitlines()
    assert file_rows[1].split(",")[5] == "100.00"

    errors = batch_reconcile(
        batch=batch, data=bank_result([(item.pk, "100.00", "paid", "")]), filename="r.csv", user=finance
    )

    assert errors == []
    recovery.refresh_from_db()
    assert recovery.status == Recovery.Status.SETTLED
    repayment = recovery.repayments.get()
    assert (repayment.method, repayment.amount, repayment.payment_item) == (
        Repayment.Method.OFFSET,
        Decimal("100.00"),
        item,
    )
    ledger = provider_ledger(operating)
    assert (ledger["recovered"], ledger["owed"]) == (Decimal("100.00"), Decimal("0.00"))


def test_an_offset_is_not_taken_twice_while_the_first_is_pending(operating, approved_run, finance, clerk):
    open_recovery(operating, clerk, "100.00")
    approved_run("BT-OPERATING", NOV)
    first = batch_create(
        name="11月", division=division(KUNDULUN), payer_level=PayerLevel.LEAGUE_CITY, prepared_by=finance
    )
    approved_run("BT-OPERATING", OCT)

    second = batch_create(
        name="10月", division=division(KUNDULUN), payer_level=PayerLevel.LEAGUE_CITY, prepared_by=finance
    )

    assert first.items.get().offset == Decimal("100.00")
    assert second.items.get().offset == Decimal("0.00")


def test_a_claim_larger_than_one_item_is_spread_over_the_providers_items(operating, approved_run, finance, clerk):
    open_recovery(operating, clerk, "450.00")
    approved_run("BT-OPERATING", OCT)
    approved_run("BT-OPERATING", NOV)

    batch = batch_create(
        name="合并", division=division(KUNDULUN), payer_level=PayerLevel.LEAGUE_CITY, prepared_by=finance
    )

    assert sorted(batch.items.values_list("amount", "offset")) == sorted(
        [(Decimal("300.00"), Decimal("300.00")), (Decimal("300.00"), Decimal("150.00"))]
    )


def test_a_claim_that_may_not_be_offset_is_not(operating, approved_run, finance, clerk):
    recovery = open_recovery(operating, clerk, "100.00")
    recovery.offset_allowed = False
    recovery.save()
    approved_run("BT-OPERATING", NOV)

    batch = batch_create(
        name="11月", division=division(KUNDULUN), payer_level=PayerLevel.LEAGUE_CITY, prepared_by=finance
    )

    assert batch.items.get().offset == Decimal("0.00")


def test_a_failed_payment_does_not_count_as_an_offset(
    operating, approved_run, batch_through, bank_result, finance, clerk
):
    recovery = open_recovery(operating, clerk, "100.00")
    approved_run("BT-OPERATING", NOV)
    batch = batch_through("exported")
    item = batch.items.get()

    batch_reconcile(
        batch=batch, data=bank_result([(item.pk, "200.00", "failed", "账户冻结")]), filename="r.csv", user=finance
    )

    recovery.refresh_from_db()
    assert recovery.status == Recovery.Status.OPEN and not recovery.repayments.exists()
    retry = batch_create(
        name="重付", division=division(KUNDULUN), payer_level=PayerLevel.LEAGUE_CITY, prepared_by=finance
    )
    assert retry.items.get().offset == Decimal("100.00")


def test_an_item_fully_offset_is_settled_with_the_batch(
    operating, make_provider, approved_run, batch_through, bank_result, finance, clerk
):
    other = make_provider()
    ResidentFactory(provider=other)
    recovery = open_recovery(operating, clerk, "500.00")
    approved_run("BT-OPERATING", NOV)
    batch = batch_through("approved")
    exported = batch_export(batch=batch).decode("utf-8-sig").splitlines()[1:]
    assert len(exported) == 1  # only the other provider's 100.00 is transferred
    rows = [(line.split(",")[0], line.split(",")[5], "paid", "") for line in exported]

    assert batch_reconcile(batch=batch, data=bank_result(rows), filename="r.csv", user=finance) == []

    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.CLOSED
    assert recovery.repayments.get().amount == Decimal("300.00")


# --- the audit trail ----------------------------------------------------------------------


def audit(action):
    return list(AuditEntry.objects.filter(action=action))


def test_a_change_of_use_writes_one_audit_entry_and_its_rerun_none(paid_grant, provider, clerk):
    [recovery] = recover(provider, clerk)
    recover(provider, clerk)

    [entry] = audit("recovery.change_of_use")
    assert (entry.object_type, entry.object_id, entry.actor) == ("registry.Provider", str(provider.pk), clerk)
    assert entry.after["instalments_cancelled"] == 2
    assert entry.after["recoveries_opened"] == [{"id": recovery.pk, "amount": "15000.00"}]
    assert entry.detail == "改作他用：改建为酒店"


def test_each_repayment_writes_one_audit_entry(paid_grant, provider, clerk, finance):
    [recovery] = recover(provider, clerk)

    repayment_record(recovery=recovery, amount=Decimal("5000.00"), received_on=today(), user=finance, reference="回单1")
    repayment_record(recovery=recovery, amount=Decimal("10000.00"), received_on=today(), user=finance)

    entries = sorted(audit("recovery.repay"), key=lambda e: e.pk)
    assert [(e.object_id, e.actor, e.after["amount"], e.after["status"]) for e in entries] == [
        (str(recovery.pk), finance, "5000.00", "open"),
        (str(recovery.pk), finance, "10000.00", "settled"),
    ]


def test_a_claim_raised_by_a_later_payment_writes_one_audit_entry(
    paid_grant, provider, clerk, finance, batch_approver, bank_result
):
    from subsidies.services import batch_approve, batch_submit

    paid_grant.instalments.filter(number=2).update(year=today().year)
    instalments_review(year=today().year, on=today())
    batch = batch_create(
        name="建设补贴", division=division(KUNDULUN), payer_level=PayerLevel.LEAGUE_CITY, prepared_by=finance
    )
    [recovery] = recover(provider, clerk)
    batch_submit(batch=batch, user=finance)
    batch_approve(batch=batch, approver=batch_approver)
    batch_export(batch=batch)
    rows = [(item.pk, item.net_amount, "paid", "") for item in batch.items.all()]
    assert batch_reconcile(batch=batch, data=bank_result(rows), filename="r.csv", user=finance) == []

    [entry] = audit("recovery.raise")
    assert entry.object_id == str(recovery.pk)
    assert (entry.before["amount"], entry.after["amount"]) == ("15000.00", "30000.00")


def test_an_overpayment_claim_at_approval_writes_one_audit_entry_on_the_run(operating, approved_run, batch_through):
    approved_run("BT-OPERATING", OCT)
    batch_through("closed", name="10月")
    resident = operating.residents.order_by("pk").first()
    resident.discharged_on = D(2026, 10, 5)
    resident.save()

    november = approved_run("BT-OPERATING", NOV)

    recovery = Recovery.objects.get()
    [entry] = audit("recovery.overpayment")
    assert (entry.object_type, entry.object_id) == ("subsidies.GrantRun", str(november.pk))
    assert entry.after["recoveries_opened"] == [{"id": recovery.pk, "amount": "100.00"}]
