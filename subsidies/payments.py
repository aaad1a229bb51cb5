"""Payment batches: draft → submitted → approved (by none of the people who created,
collected or submitted the batch: maker_checker.py) → exported → reconciled.

What a batch may hold is decided here, whoever asks (DOMAIN §7): never a line or an
instalment of a provider whose payments are paused (``registry.holds.providers_on_hold``:
an open major hazard, a blacklisting, a lapsed licence), never a month that has not
ended, never a month before the provider was filed. A paused provider's lines are not
lost: they are collected by the first batch after the hold ends.

Unique constraints on ``PaymentItem`` make a second payment of the same (scheme,
provider, period), instalment, grant line or award impossible; a failed item frees its source
for a later batch. Open recoveries are offset against a provider's items.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.exports import ExportTable, export_chunks, plain_table
from registry.holds import hold_reasons_now, providers_on_hold
from registry.models import Division, Provider, ProviderStatus, User
from registry.rosters.formats import Source, read_rows
from safeguards.audit import audit_record

from .bank_results import result_headers, result_row
from .maker_checker import add_preparer, refuse_preparer
from .models import Award, GrantLine, GrantRun, Instalment, PaymentBatch, PaymentItem, Recovery, Repayment
from .recoveries import claim_everything_paid

State = PaymentBatch.State
CLOSED = [ProviderStatus.CLOSED, ProviderStatus.REVOKED]  # closed providers never receive new money
# The payment file's columns, in the language of the page that exports it (issue 21: a bank
# clerk reads 明细编号, not "item"). The bank's result file gives the item and amount back
# under these names or the other names bank_results.RESULT_COLUMN_ALIASES accepts.
PAYMENT_FILE_HEADER = [
    gettext_lazy("item no."),
    gettext_lazy("payee"),
    gettext_lazy("unified social credit code"),
    gettext_lazy("bank"),
    gettext_lazy("account number"),
    gettext_lazy("amount"),
    gettext_lazy("memo"),
]


def _not_yet_paid() -> Q:
    return ~Q(payment_items__state__in=[PaymentItem.State.PENDING, PaymentItem.State.PAID])


def _item_for_line(batch: PaymentBatch, line: GrantLine) -> PaymentItem:
    provider = line.provider
    return PaymentItem(
        batch=batch,
        provider=provider,
        scheme=line.scheme,
        period=line.period,
        grant_line=line,
        line_kind=line.kind,
        subject=line.subject,
        amount=line.amount,
        payee=provider.bank_account_name or provider.name,
        bank_name=provider.bank_name,
        bank_account_number=provider.bank_account_number,
        memo=f"{line.scheme.code} {line.period:%Y-%m}" + (" adj" if line.kind == GrantLine.Kind.ADJUSTMENT else ""),
    )


def _item_for_instalment(batch: PaymentBatch, instalment: Instalment) -> PaymentItem:
    provider = instalment.grant.provider
    return PaymentItem(
        batch=batch,
        provider=provider,
        scheme=instalment.grant.scheme,
        period=datetime.date(instalment.year, 1, 1),
        instalment=instalment,
        amount=instalment.amount,
        payee=provider.bank_account_name or provider.name,
        bank_name=provider.bank_name,
        bank_account_number=provider.bank_account_number,
        memo=f"{instalment.grant.scheme.code} #{instalment.number}/{instalment.year}",
    )


def _award_items(batch: PaymentBatch) -> list[PaymentItem]:
    """Approved operating awards (awards.py) of the batch's payer level and division not yet
    in a pending or paid item, of a provider neither closed nor on hold: one item each, for
    the year evaluated."""
    awards = (
        Award.objects.filter(
            status=Award.Status.APPROVED,
            evaluation__scheme__payer_level=batch.payer_level,
            evaluation__provider__division__path__startswith=batch.division.path,
            amount__gt=0,
        )
        .exclude(evaluation__provider__status__in=CLOSED)
        .exclude(evaluation__provider__in=providers_on_hold().values("pk"))
        .filter(_not_yet_paid())
        .select_related("evaluation__provider", "evaluation__scheme")
        .order_by("evaluation__provider__name", "evaluation__year")
    )
    items = []
    for award in awards:
        provider, scheme, year = award.evaluation.provider, award.evaluation.scheme, award.evaluation.year
        items.append(
            PaymentItem(
                batch=batch,
                provider=provider,
                scheme=scheme,
                period=datetime.date(year, 1, 1),
                award=award,
                amount=award.amount,
                payee=provider.bank_account_name or provider.name,
                bank_name=provider.bank_name,
                bank_account_number=provider.bank_account_number,
                memo=f"{scheme.code} {year}",
            )
        )
    return items


def _apply_offsets(items: list[PaymentItem]) -> None:
    """Offset each provider's open recoveries (that allow it) against its items."""
    provider_ids = {item.provider_id for item in items}
    remaining: dict[int, Decimal] = defaultdict(Decimal)
    for recovery in Recovery.objects.filter(
        provider_id__in=provider_ids, status=Recovery.Status.OPEN, offset_allowed=True
    ).annotate(repaid=Sum("repayments__amount")):
        remaining[recovery.provider_id] += recovery.amount - (recovery.repaid or Decimal("0"))
    pending_offsets = (
        PaymentItem.objects.filter(provider_id__in=provider_ids, state=PaymentItem.State.PENDING, offset__gt=0)
        .values("provider_id")
        .annotate(total=Sum("offset"))
    )
    for row in pending_offsets:
        remaining[row["provider_id"]] -= row["total"]
    for item in items:
        offset = min(item.amount, max(remaining[item.provider_id], Decimal("0")))
        item.offset = offset
        remaining[item.provider_id] -= offset


def batchable_lines() -> QuerySet[GrantLine]:
    """Approved lines a batch may take today if their provider is not on hold: payable (an
    amount, no blocker), of a month that has ended and is not before the provider was
    filed, of a provider neither closed nor paid already."""
    this_month = timezone.localdate().replace(day=1)
    return (
        GrantLine.objects.filter(run__status=GrantRun.Status.APPROVED, amount__gt=0, holds=[])
        .filter(period__lt=this_month)  # months are paid after they happen
        .filter(provider__filed_on__isnull=False, period__gte=TruncMonth("provider__filed_on"))
        .exclude(provider__status__in=CLOSED)
        .filter(_not_yet_paid())
    )


def payable_lines(*, division: Division, payer_level: str) -> QuerySet[GrantLine]:
    """``batchable_lines`` of ``division`` paid at ``payer_level``, of providers not on hold."""
    return (
        batchable_lines()
        .filter(batch_scope(division=division, payer_level=payer_level))
        .exclude(provider__in=providers_on_hold().values("pk"))
    )


def batch_scope(*, division: Division, payer_level: str) -> Q:
    """The grant lines a batch of ``division`` at ``payer_level`` takes (held or not)."""
    # A line paid by another division (a resident's home county, 000:1056-1063) goes into
    # that division's batches; the others into those of the provider's division.
    in_division = Q(payer_division__isnull=True, provider__division__path__startswith=division.path) | Q(
        payer_division__path__startswith=division.path
    )
    return in_division & (Q(payer_level=payer_level) | Q(payer_level="", scheme__payer_level=payer_level))


def payable_instalments(*, division: Division, payer_level: str) -> QuerySet[Instalment]:
    """Released instalments a batch may take today: of this year or earlier, of a provider
    neither closed nor on hold, not yet paid."""
    return (
        Instalment.objects.filter(
            status=Instalment.Status.RELEASED,
            grant__scheme__payer_level=payer_level,
            grant__provider__division__path__startswith=division.path,
            amount__gt=0,
            year__lte=timezone.localdate().year,
        )
        .exclude(grant__provider__status__in=CLOSED)
        .exclude(grant__provider__in=providers_on_hold().values("pk"))
        .filter(_not_yet_paid())
    )


@transaction.atomic
def batch_create(*, name: str, division: Division, payer_level: str, prepared_by: User) -> PaymentBatch:
    """A draft batch of every payable approved line and released instalment not yet paid;
    ``prepared_by`` is its first preparer."""
    batch = PaymentBatch.objects.create(name=name, division=division, payer_level=payer_level, prepared_by=prepared_by)
    batch_collect(batch, user=prepared_by)
    return batch


@transaction.atomic
def batch_collect(batch: PaymentBatch, *, user: User | None = None) -> int:
    """Put into a draft batch what is payable and not yet in any pending or paid item, and
    take out the items of providers put on hold since; ``user`` becomes one of the batch's
    preparers."""
    if batch.state != State.DRAFT:
        raise ValidationError(_("Only a draft batch can be changed."))
    add_preparer(batch, user)
    withdraw_held_items(batch, user=user)
    lines = payable_lines(division=batch.division, payer_level=batch.payer_level).select_related("provider", "scheme")
    instalments = payable_instalments(division=batch.division, payer_level=batch.payer_level).select_related(
        "grant__provider", "grant__scheme"
    )
    items = [_item_for_line(batch, line) for line in lines.order_by("provider__name", "period")]
    items += [_item_for_instalment(batch, i) for i in instalments]
    items += _award_items(batch)
    _apply_offsets(items)
    PaymentItem.objects.bulk_create(items)
    return len(items)


def withdraw_held_items(batch: PaymentBatch, *, user: User | None) -> dict[str, list[str]]:
    """Take the items of providers now on hold out of a batch not yet approved (they stay
    payable and return in a batch after the hold ends): provider name → reasons."""
    held = hold_reasons_now(batch.items.values_list("provider_id", flat=True).distinct())
    if not held:
        return {}
    items = batch.items.filter(provider_id__in=held)
    names = dict(items.values_list("provider_id", "provider__name").distinct())
    withdrawn = {names[pk]: reasons for pk, reasons in held.items()}
    count = items.count()
    items.delete()
    audit_record("batch.withhold", actor=user, obj=batch, after={"items": count, "providers": withdrawn})
    return withdrawn


def _locked(batch: PaymentBatch) -> PaymentBatch:
    return PaymentBatch.objects.select_for_update().get(pk=batch.pk)


@transaction.atomic
def batch_submit(*, batch: PaymentBatch, user: User) -> PaymentBatch:
    locked = _locked(batch)
    if locked.state != State.DRAFT:
        raise ValidationError(_("Only a draft batch can be submitted."))
    if not locked.items.exists():
        raise ValidationError(_("The batch has nothing to pay."))
    locked.state = State.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["state", "submitted_at"])
    add_preparer(locked, user)  # the submitter vouches for the batch: a maker, never its checker
    audit_record(
        "batch.submit", actor=user, obj=locked, before={"state": State.DRAFT}, after={"state": State.SUBMITTED}
    )
    return locked


@transaction.atomic
def batch_approve(*, batch: PaymentBatch, approver: User) -> PaymentBatch:
    """Approve a submitted batch. None of its preparers can; of two concurrent approvals
    one wins and the other is told the batch is no longer awaiting approval."""
    locked = _locked(batch)
    refuse_preparer(locked, approver)
    if not approver.has_perm("subsidies.approve_paymentbatch"):
        raise PermissionDenied(_("You do not have permission to approve payment batches."))
    if locked.state != State.SUBMITTED:
        raise ValidationError(_("This batch is not awaiting approval."))
    # No line of a provider on hold is approved into a batch (DOMAIN §7): a hold opened
    # since the batch was collected takes that provider's items out before approval.
    withdraw_held_items(locked, user=approver)
    if not locked.items.exists():
        raise ValidationError(_("Every item of this batch belongs to a provider on hold: nothing is left to approve."))
    locked.state = State.APPROVED
    locked.approved_by = approver
    locked.approved_at = timezone.now()
    locked.save(update_fields=["state", "approved_by", "approved_at"])
    audit_record(
        "batch.approve", actor=approver, obj=locked, before={"state": State.SUBMITTED}, after={"state": State.APPROVED}
    )
    return locked


def _payment_rows(batch: PaymentBatch) -> list[list[object]]:
    return [
        [item.pk, item.payee, item.provider.uscc, item.bank_name, item.bank_account_number, item.net_amount, item.memo]
        for item in batch.items.select_related("provider").order_by("pk")
        if item.net_amount > 0
    ]


@transaction.atomic
def batch_payment_file(*, batch: PaymentBatch) -> tuple[PaymentBatch, ExportTable]:
    """Mark an approved batch exported (under its lock) and give the bank's payment file:
    the batch as it is now, and the table to hand to ``registry.exports``."""
    locked = _locked(batch)
    if locked.state not in {State.APPROVED, State.EXPORTED}:
        raise ValidationError(_("Only an approved batch can be exported."))
    if locked.state == State.APPROVED:
        locked.state = State.EXPORTED
        locked.exported_at = timezone.now()
        locked.save(update_fields=["state", "exported_at"])
    header = [str(column) for column in PAYMENT_FILE_HEADER]
    table = plain_table(what=f"payment-batch-{locked.pk}", header=header, rows=_payment_rows(locked))
    return locked, table


@transaction.atomic
def batch_export(*, batch: PaymentBatch, file_format: str = "csv", user: User | None = None) -> bytes:
    """The bank's payment file (CSV UTF-8 with BOM, or xlsx), formula-safe, as bytes: the
    same file, recorded and audited the same way, as the back-office's download."""
    locked, table = batch_payment_file(batch=batch)
    chunks = export_chunks(
        user=user,
        table=table,
        file_format=file_format,
        audit_action="batch.export",
        audit_obj=locked,
        audit_after={"state": locked.state},
    )
    return b"".join(chunks)


def _settle(item: PaymentItem, *, paid: bool, reason: str, user: User, on: datetime.date) -> None:
    item.state = PaymentItem.State.PAID if paid else PaymentItem.State.FAILED
    item.failure_reason = "" if paid else reason
    item.settled_at = timezone.now()
    item.save(update_fields=["state", "failure_reason", "settled_at"])
    if paid and item.instalment_id:
        instalment = Instalment.objects.select_related("grant").get(pk=item.instalment_id)
        instalment.status = Instalment.Status.PAID
        instalment.save(update_fields=["status"])
        for recovery in Recovery.objects.filter(grant=instalment.grant):
            claim_everything_paid(recovery)
    if paid and item.offset > 0:
        _record_offset(item, user=user, on=on)


def _record_offset(item: PaymentItem, *, user: User, on: datetime.date) -> None:
    remaining = item.offset
    for recovery in Recovery.objects.filter(
        provider_id=item.provider_id, status=Recovery.Status.OPEN, offset_allowed=True
    ).order_by("opened_on", "pk"):
        owed = recovery.amount - (recovery.repayments.aggregate(s=Sum("amount"))["s"] or Decimal("0"))
        take = min(owed, remaining)
        if take <= 0:
            continue
        Repayment.objects.create(
            recovery=recovery,
            method=Repayment.Method.OFFSET,
            amount=take,
            received_on=on,
            payment_item=item if remaining == item.offset else None,
            reference=f"item {item.pk}",
            recorded_by=user,
        )
        remaining -= take
        if take == owed:
            recovery.status = Recovery.Status.SETTLED
            recovery.save(update_fields=["status"])
        if remaining <= 0:
            break


def _parse_result_row(
    number: int, row: dict[str, str], items: dict[int, PaymentItem]
) -> tuple[str, PaymentItem | None]:
    """(error message or "", item) for one reconciliation row."""
    try:
        item = items.get(int(row.get("item", "")))
    except ValueError:
        return _("row %(n)d: item is not a number") % {"n": number}, None
    if item is None:
        return _("row %(n)d: unknown item %(item)s") % {"n": number, "item": row.get("item")}, None
    try:
        amount = Decimal(row.get("amount", ""))
    except InvalidOperation:
        return _("row %(n)d: amount is not a number") % {"n": number}, None
    if amount != item.net_amount:
        return _("row %(n)d: amount %(got)s does not match %(expected)s") % {
            "n": number,
            "got": amount,
            "expected": item.net_amount,
        }, None
    if row.get("status", "").lower() not in {"paid", "failed"}:
        return _("row %(n)d: status must be paid or failed") % {"n": number}, None
    return "", item


EXTRA_RESULT_ROWS = 1000
# The bank result file's columns (item, amount, status, reason) and the words for them, in
# either language: bank_results.py. They find its header row below title rows (``read_rows``).


@transaction.atomic
def batch_reconcile(*, batch: PaymentBatch, data: Source, filename: str, user: User) -> list[str]:
    """Mark items paid or failed from the bank's result file (columns item, amount,
    status, reason), given as the uploaded file (read in chunks) or its bytes, through the
    roster uploads' reader and its limits. All or nothing: any unknown or mismatched row and
    nothing changes; the errors name the rows as the spreadsheet numbers them (the header
    is the row, among the first ten, naming most of the columns; title and blank rows
    count). An unreadable file raises ``UnreadableFile``."""
    locked = _locked(batch)
    if locked.state != State.EXPORTED:
        raise ValidationError(_("Only an exported batch can be reconciled."))
    items = {item.pk: item for item in locked.items.filter(state=PaymentItem.State.PENDING)}
    errors, decisions = [], []
    seen: set[int] = set()
    # One row per pending item, and up to EXTRA_RESULT_ROWS more reported as errors; a file
    # with more is refused as it is read, at the first row past them (issue 23).
    rows = read_rows(data, filename, max_rows=len(items) + EXTRA_RESULT_ROWS, headers=result_headers())
    for record in rows:
        number = record.number
        row = result_row(record)  # a bank's Chinese headers and 成功/失败 read as item … status paid/failed
        error, item = _parse_result_row(number, row, items)
        if item is not None and item.pk in seen:
            error = _("row %(n)d: item %(item)s appears twice") % {"n": number, "item": item.pk}
        if error:
            errors.append(error)
        elif item is not None:
            seen.add(item.pk)
            decisions.append((item, row["status"].lower() == "paid", row.get("reason", "")))
    if errors:
        transaction.set_rollback(True)
        return errors
    today = timezone.localdate()
    for item, paid, reason in decisions:
        _settle(item, paid=paid, reason=reason, user=user, on=today)
    # Items fully offset by a recovery move no money and are not in the bank's file:
    # they are settled with the batch, and the offset is recorded.
    for item in locked.items.filter(state=PaymentItem.State.PENDING):
        if item.net_amount == 0:
            _settle(item, paid=True, reason="", user=user, on=today)
    if not locked.items.filter(state=PaymentItem.State.PENDING).exists():
        locked.state = State.CLOSED
        locked.save(update_fields=["state"])
    audit_record(
        "batch.reconcile",
        actor=user,
        obj=locked,
        after={
            "paid": sum(1 for _i, paid, _r in decisions if paid),
            "failed": sum(1 for _i, paid, _r in decisions if not paid),
        },
    )
    return []


def provider_ledger(provider: Provider) -> dict[str, Decimal]:
    """Totals for one provider: paid, pending, withheld, recovered, owed."""
    return provider_ledgers([provider.pk])[provider.pk]


def provider_ledgers(provider_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """``provider_ledger`` for many providers in five grouped queries, however many they are."""
    ids = list(provider_ids)
    zero = Decimal("0.00")

    def totals(queryset: QuerySet[Any], provider_field: str) -> dict[int, Decimal]:
        rows = queryset.filter(**{f"{provider_field}__in": ids}).order_by().values(provider_field)
        return {row[provider_field]: row["s"] for row in rows.annotate(s=Sum("amount"))}

    paid = totals(PaymentItem.objects.filter(state=PaymentItem.State.PAID), "provider_id")
    pending = totals(PaymentItem.objects.filter(state=PaymentItem.State.PENDING), "provider_id")
    withheld = totals(Instalment.objects.filter(status=Instalment.Status.WITHHELD), "grant__provider_id")
    claimed = totals(Recovery.objects.exclude(status=Recovery.Status.WAIVED), "provider_id")
    recovered = totals(Repayment.objects.all(), "recovery__provider_id")
    ledgers = {}
    for pk in ids:
        got, back = claimed.get(pk) or zero, recovered.get(pk) or zero
        ledgers[pk] = {
            "paid": paid.get(pk) or zero,
            "pending": pending.get(pk) or zero,
            "withheld": withheld.get(pk) or zero,
            "recovered": back,
            "owed": got - back,
        }
    return ledgers
