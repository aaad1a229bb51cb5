"""How the demo pays: finance collects what is payable into a batch, the reviewer approves
it, the bank's file goes out and comes back with every item paid. Through the payment
services only (their checks, their audit entries)."""

from __future__ import annotations

from registry.models import Division, User
from subsidies.models import PaymentBatch, PaymentItem
from subsidies.payments import batch_create, batch_export, batch_reconcile

from .review import submit_and_approve


def pay_batch(*, name: str, division: Division, payer_level: str, finance: User, reviewer: User) -> PaymentBatch:
    """A batch of what is payable in ``division`` at ``payer_level``, approved and reconciled
    as paid (through the review flow). Items fully offset by a recovery move no money and are not in the bank's file."""
    batch = batch_create(name=name, division=division, payer_level=payer_level, prepared_by=finance)
    submit_and_approve(batch, maker=finance, checker=reviewer)
    batch_export(batch=batch)
    pending = batch.items.filter(state=PaymentItem.State.PENDING).order_by("pk")
    result = "item,amount,status,reason\n" + "".join(f"{i.pk},{i.net_amount},paid,\n" for i in pending if i.net_amount)
    batch_reconcile(batch=batch, data=result.encode(), filename="bank-result.csv", user=finance)
    return batch
