"""Demo money for Baotou: the October 2025 operating grant run prepared by the city
clerk, approved by the reviewer, paid in a batch prepared by finance, approved by the
reviewer and reconciled as paid. Does nothing when a run already exists.

Also two caregivers' accident insurance policies whose cover starts in November 2025, so
that a clerk's run of IM-ACCIDENT-631 for that month shows the county's 6/10 (000:1081-1083).
Each is added once (by insurer and number)."""

from __future__ import annotations

import datetime

from django.db import transaction

from registry.accident_policies import accident_policy_save
from registry.models import AccidentPolicy, Caregiver, Division, Provider, User
from subsidies import reference_data
from subsidies.models import GrantRun, PayerLevel
from subsidies.payments import batch_approve, batch_create, batch_export, batch_reconcile, batch_submit
from subsidies.runs import run_approve, run_refresh

OCTOBER = datetime.date(2025, 10, 1)  # November is left for clerks to run in the demo

# (provider, insurer, number, cover starts, premium, caregivers covered): demo values.
ACCIDENT_POLICIES = [
    (
        "昆都仑区阳光颐养院",
        "中国人寿保险股份有限公司包头分公司",
        "YW-2025-BT-0311",
        datetime.date(2025, 11, 3),
        "1260.00",
        3,
    ),
    (
        "东河区仁爱养老院",
        "中国人民财产保险股份有限公司包头分公司",
        "PEAC2025150202-0087",
        datetime.date(2025, 11, 15),
        "833.33",
        2,
    ),
]


def seed_accident_policies(clerk: User) -> int:
    """The demo's accident policies not there yet, recorded through the service."""
    created = 0
    for name, insurer, number, starts_on, premium, covered in ACCIDENT_POLICIES:
        provider = Provider.objects.filter(name=name).first()
        if provider is None or AccidentPolicy.objects.filter(insurer=insurer, number=number).exists():
            continue
        caregivers = list(Caregiver.objects.filter(provider=provider).order_by("pk")[:covered])
        if not caregivers:
            continue
        accident_policy_save(
            provider=provider,
            insurer=insurer,
            number=number,
            starts_on=starts_on,
            ends_on=starts_on.replace(year=starts_on.year + 1) - datetime.timedelta(days=1),
            premium_yuan=premium,
            caregivers=caregivers,
            user=clerk,
        )
        created += 1
    return created


@transaction.atomic
def seed() -> dict[str, int]:
    reference_data.load()  # idempotent: the demo needs the schemes
    clerk = User.objects.get(username="clerk_baotou")
    policies = seed_accident_policies(clerk)
    if GrantRun.objects.exists():
        return {"runs": 0, "accident policies": policies}
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
    return {"runs": 1, "paid items": batch.items.count(), "accident policies": policies}
