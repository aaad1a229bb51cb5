"""Demo money for Baotou: the October 2025 operating grant run prepared by the city
clerk, approved by the reviewer, paid in a batch prepared by finance, approved by the
reviewer and reconciled as paid. Then the 2025 operating awards 以奖代补 (004:80): one
approved and put in a batch awaiting approval, one still a draft awaiting approval. Each
part does nothing when it already exists."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from registry.models import Division, Provider, User
from subsidies import reference_data
from subsidies.awards import award_approve, award_prepare
from subsidies.models import Award, GrantRun, PayerLevel
from subsidies.payments import batch_approve, batch_create, batch_export, batch_reconcile, batch_submit
from subsidies.runs import run_approve, run_refresh

OCTOBER = datetime.date(2025, 10, 1)  # November is left for clerks to run in the demo
AWARD_YEAR = 2025
EVALUATED_ON = datetime.date(2025, 12, 20)  # the demo's events end on 2025-12-31
EVALUATOR = "包头市养老服务第三方评估组"
# (provider, score, amount, approved?): inside BT-DAYCARE-AWARD's 10,000-50,000 (004:80).
AWARDS = [
    ("昆都仑区社区老年人日间照料中心(少先路)", Decimal("92.5"), Decimal("45000.00"), True),
    ("青山区幸福路街道养老服务站", Decimal("78"), Decimal("20000.00"), False),
]


@transaction.atomic
def seed() -> dict[str, int]:
    reference_data.load()  # idempotent: the demo needs the schemes
    counts = {"runs": 0} if GrantRun.objects.exists() else _october_run()
    return {**counts, **_operating_awards()}


def _october_run() -> dict[str, int]:
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


def _operating_awards() -> dict[str, int]:
    """The city clerk records the 2025 evaluations and awards; the reviewer approves the
    first; finance puts it in a batch and submits it for approval."""
    if Award.objects.exists():
        return {"operating awards": 0}
    clerk = User.objects.get(username="clerk_baotou")
    reviewer = User.objects.get(username="reviewer_baotou")
    finance = User.objects.get(username="finance_baotou")
    for name, score, amount, approved in AWARDS:
        award = award_prepare(
            provider=Provider.objects.get(name=name),
            scheme_code="BT-DAYCARE-AWARD",
            year=AWARD_YEAR,
            evaluated_on=EVALUATED_ON,
            score=score,
            evaluator=EVALUATOR,
            evaluator_organisation="包头市民政局",
            notes="日间照料、助餐、文体活动开展情况良好" if approved else "",
            amount=amount,
            user=clerk,
        )
        if approved:
            award_approve(award=award, approver=reviewer)
    batch = batch_create(
        name="2025年度日间照料中心和养老服务站运营奖补",
        division=Division.objects.get(code="150200"),
        payer_level=PayerLevel.LEAGUE_CITY,
        prepared_by=finance,
    )
    if batch.items.exists():
        batch_submit(batch=batch, user=finance)
    return {"operating awards": len(AWARDS), "award batch items": batch.items.count()}
