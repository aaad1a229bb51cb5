"""Demo money for Baotou: the October 2025 operating grant run prepared by the city
clerk, approved by the reviewer, paid in a batch prepared by finance, approved by the
reviewer and reconciled as paid. Does nothing when a run already exists.

Also a demo care-level weight: disabled residents count 1.50 in BT-OPERATING from January
2026 (a demo value; the policy text gives no figure, the reference data keeps 1.00), so
a run for 2026 shows weighted lines while 2025's runs count heads."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from registry.models import CareLevel, Division, User
from registry.selectors import in_force_on
from subsidies import reference_data
from subsidies.care_weights import weight_save
from subsidies.models import CareLevelWeight, GrantRun, PayerLevel, SubsidyScheme
from subsidies.payments import batch_approve, batch_create, batch_export, batch_reconcile, batch_submit
from subsidies.runs import run_approve, run_refresh

OCTOBER = datetime.date(2025, 10, 1)  # November is left for clerks to run in the demo
DEMO_WEIGHT_FROM = datetime.date(2026, 1, 1)  # after the demo's events (2025): 2025's runs are unweighted
DEMO_WEIGHT = "1.50"


def seed_care_level_weight() -> int:
    """BT-OPERATING's demo weight for disabled residents (1 when added, 0 when present):
    the weight in force is ended the day before, then the demo weight added, through the
    audited service."""
    scheme = SubsidyScheme.objects.get(code="BT-OPERATING")
    weights = CareLevelWeight.objects.filter(scheme=scheme, care_level=CareLevel.DISABLED)
    if weights.filter(effective_from=DEMO_WEIGHT_FROM).exists():
        return 0
    current = weights.filter(in_force_on(DEMO_WEIGHT_FROM)).first()
    end = None
    if current is not None:
        end = current.effective_to
        current.effective_to = DEMO_WEIGHT_FROM - datetime.timedelta(days=1)
        weight_save(weight=current, user=None)
    weight_save(
        weight=CareLevelWeight(
            scheme=scheme,
            care_level=CareLevel.DISABLED,
            weight=Decimal(DEMO_WEIGHT),
            effective_from=DEMO_WEIGHT_FROM,
            effective_to=end,
            source="Demo value, not from the policy (000:906-908, 000:920-925 give no figure)",
            notes="Demo value, not a policy figure: shows a run weighted towards disabled residents.",
        ),
        user=None,
    )
    return 1


@transaction.atomic
def seed() -> dict[str, int]:
    reference_data.load()  # idempotent: the demo needs the schemes
    weights = seed_care_level_weight()
    if GrantRun.objects.exists():
        return {"runs": 0, "demo care-level weights": weights}
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
    return {"runs": 1, "paid items": batch.items.count(), "demo care-level weights": weights}
