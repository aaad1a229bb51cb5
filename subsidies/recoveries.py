"""Clawback (000:1024-1026): a provider that changes the use of a subsidised building, or
closes, repays what it received; future instalments are cancelled. Recoveries may be
repaid by transfer or offset against later payments (see payments.py).

Each service here writes its own audit entry (``recovery.*``) when it changes something;
a re-run that finds nothing to do writes none."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from registry.models import Provider, ProviderStatus, User
from safeguards.audit import audit_record

from .models import ConstructionGrant, GrantLine, GrantRun, Instalment, PaymentItem, Recovery, Repayment


def _paid_on_grant(grant: ConstructionGrant) -> Decimal:
    total = PaymentItem.objects.filter(instalment__grant=grant, state=PaymentItem.State.PAID).aggregate(s=Sum("amount"))
    return total["s"] or Decimal("0.00")


@transaction.atomic
def change_of_use_recover(*, provider: Provider, reason: str, on: datetime.date, user: User | None) -> list[Recovery]:
    """Cancel every unpaid instalment of the provider's grants and claim back what was paid.

    Idempotent: one recovery per grant (a unique constraint); running it again finds
    nothing left to cancel and the claims already open. Writes one
    ``recovery.change_of_use`` audit entry (on the provider) when it cancels or opens anything.
    """
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for this change.")})
    recoveries, cancelled, opened = [], 0, []
    grants = provider.construction_grants.select_for_update().filter(status=ConstructionGrant.Status.APPROVED)
    for grant in grants:
        # Already cancelled ones keep their first decision (date and reason): a re-run
        # (the daily task) must not re-date them.
        unpaid = grant.instalments.exclude(status__in=[Instalment.Status.PAID, Instalment.Status.CANCELLED]).exclude(
            payment_items__state__in=[PaymentItem.State.PENDING, PaymentItem.State.PAID]
        )
        for instalment in unpaid:
            instalment.status, instalment.withheld_reason, instalment.decided_on = (
                Instalment.Status.CANCELLED,
                reason,
                on,
            )
            instalment.save(update_fields=["status", "withheld_reason", "decided_on"])
            cancelled += 1
        paid = _paid_on_grant(grant)
        if paid > 0:
            recovery, created = Recovery.objects.get_or_create(
                grant=grant,
                defaults={"provider": provider, "reason": reason, "amount": paid, "opened_on": on, "opened_by": user},
            )
            if created:
                opened.append(recovery)
            recoveries.append(claim_everything_paid(recovery, user=user))
    if cancelled or opened:
        audit_record(
            "recovery.change_of_use",
            actor=user,
            obj=provider,
            after={
                "on": on.isoformat(),
                "instalments_cancelled": cancelled,
                "recoveries_opened": [{"id": r.pk, "amount": str(r.amount)} for r in opened],
            },
            detail=reason,
        )
    return recoveries


def claim_everything_paid(recovery: Recovery, *, user: User | None = None) -> Recovery:
    """Raise a grant's claim to all that was paid on it, including a payment that was
    already on its way to the bank when the change of use was recorded. Writes one
    ``recovery.raise`` audit entry when it raises the claim."""
    if recovery.grant is None or recovery.status == Recovery.Status.WAIVED:
        return recovery
    paid = _paid_on_grant(recovery.grant)
    if paid > recovery.amount:
        before = {"amount": str(recovery.amount), "status": recovery.status}
        recovery.amount = paid
        recovery.status = Recovery.Status.OPEN
        recovery.save(update_fields=["amount", "status"])
        audit_record(
            "recovery.raise",
            actor=user,
            obj=recovery,
            before=before,
            after={"amount": str(recovery.amount), "status": recovery.status},
        )
    return recovery


def recover_from_closed_providers(*, on: datetime.date, user: User | None = None) -> int:
    """Open recoveries for closed or revoked providers whose grants were paid (daily task)."""
    providers = Provider.objects.filter(
        status__in=[ProviderStatus.CLOSED, ProviderStatus.REVOKED],
        construction_grants__status=ConstructionGrant.Status.APPROVED,
        construction_grants__recoveries__isnull=True,
    ).distinct()
    count = 0
    for provider in providers:
        reason = _("Provider %(status)s on %(date)s.") % {
            "status": ProviderStatus(provider.status).label,
            "date": provider.status_changed_on,
        }
        count += len(change_of_use_recover(provider=provider, reason=reason, on=on, user=user))
    return count


def recoveries_for_overpayments(run: GrantRun, *, user: User, on: datetime.date) -> list[Recovery]:
    """A negative adjustment line is money paid too much: claim it back.
    Writes one ``recovery.overpayment`` audit entry (on the run) when it opens any."""
    recoveries = []
    for line in run.lines.filter(kind=GrantLine.Kind.ADJUSTMENT, amount__lt=0).select_related("scheme", "provider"):
        recoveries.append(
            Recovery.objects.create(
                provider=line.provider,
                reason=_("Overpaid %(scheme)s for %(period)s (roster correction).")
                % {"scheme": line.scheme.code, "period": f"{line.period:%Y-%m}"},
                amount=-line.amount,
                opened_on=on,
                opened_by=user,
            )
        )
    if recoveries:
        audit_record(
            "recovery.overpayment",
            actor=user,
            obj=run,
            after={"recoveries_opened": [{"id": r.pk, "amount": str(r.amount)} for r in recoveries]},
        )
    return recoveries


def recovery_owed(recovery: Recovery) -> Decimal:
    repaid = recovery.repayments.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    return recovery.amount - repaid


@transaction.atomic
def repayment_record(
    *, recovery: Recovery, amount: Decimal, received_on: datetime.date, user: User, reference: str = ""
) -> Repayment:
    """Record money the provider transferred back; settles the claim when fully repaid.
    Writes one ``recovery.repay`` audit entry."""
    locked = Recovery.objects.select_for_update().get(pk=recovery.pk)
    if locked.status != Recovery.Status.OPEN:
        raise ValidationError(_("This recovery is not open."))
    owed = recovery_owed(locked)
    if amount <= 0 or amount > owed:
        raise ValidationError({"amount": _("Enter an amount between 0.01 and %(owed)s.") % {"owed": owed}})
    repayment = Repayment.objects.create(
        recovery=locked,
        method=Repayment.Method.TRANSFER,
        amount=amount,
        received_on=received_on,
        reference=reference,
        recorded_by=user,
    )
    if amount == owed:
        locked.status = Recovery.Status.SETTLED
        locked.save(update_fields=["status"])
    audit_record(
        "recovery.repay",
        actor=user,
        obj=locked,
        after={
            "amount": str(amount),
            "received_on": received_on.isoformat(),
            "owed": str(owed - amount),
            "status": locked.status,
        },
        detail=reference,
    )
    return repayment
