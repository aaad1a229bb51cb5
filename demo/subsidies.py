"""Demo money for Baotou: the October 2025 operating grant run prepared by the city
clerk, approved by the reviewer, paid in a batch prepared by finance, approved by the
reviewer and reconciled as paid. Does nothing when a run already exists."""

from __future__ import annotations

import datetime

from django.db import transaction

from registry.models import Division, User
from subsidies import reference_data
from subsidies.models import GrantRun, PayerLevel
from subsidies.payments import batch_approve, batch_create, batch_export, batch_reconcile, batch_submit
from subsidies.runs import run_approve, run_refresh

OCTOBER = datetime.date(2025, 10, 1)  # November is left for clerks to run in the demo


@transaction.atomic
def seed() -> dict[str, int]:
    reference_data.load()  # idempotent: the demo needs the schemes
    if GrantRun.objects.exists():
        return {"runs": 0}
    clerk = User.objects.get(username="clerk_baotou")
    reviewer = User.objects.get(username="reviewer_baotou")
    finance = User.objects.get(username="finance_baotou")
    run = run_refresh(scheme_code="BT-OPERATING", period=OCTOBER, user=clerk)
    run_approve(run=run, approver=reviewer)
    batch = batch_create(
        name="2025年10月床位运营补贴",
        division=Division.objects.get(code="150200"),
        payer_level=PayerLevel.LEAGUE_CITY,
        prepared_by=finance,
    )
    batch_submit(batch=batch, user=finance)
    batch_approve(batch=batch, approver=reviewer)
    batch_export(batch=batch)
    result = "item,amount,status,reason\n" + "".join(f"{i.pk},{i.net_amount},paid,\n" for i in batch.items.all())
    batch_reconcile(batch=batch, data=result.encode(), filename="bank-result.csv", user=finance)
    return {"runs": 1, "paid items": batch.items.count()}
