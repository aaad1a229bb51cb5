"""Demo money for Baotou: the October 2025 operating grant run prepared by the city
clerk, approved by the reviewer, paid in a batch prepared by finance, approved by the
reviewer and reconciled as paid. Does nothing when a run already exists.

Two people moved between Kundulun homes in October: one a clean transfer (counted once,
where they spent more days), one whose first home never recorded the discharge (the
stays overlap: flagged, counted nowhere, waiting in *Overlapping stays* for a clerk). A
third home let its food business licence lapse on 30 November 2025: it is on hold, and
its October line waits in *Withheld lines* instead of being paid.

Then the 2025 operating awards 以奖代补 (004:80): one approved and put in a batch awaiting
approval, one still a draft awaiting approval. Each part does nothing when it already
exists.

Also a demo care-level weight: disabled residents count 1.50 in BT-OPERATING from January
2026 (a demo value; the policy text gives no figure, the reference data keeps 1.00), so
a run for 2026 shows weighted lines while 2025's runs count heads. And two caregivers'
accident insurance policies (demo/accident_policies.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from demo.accident_policies import seed_accident_policies
from registry.models import CareLevel, Division, Licence, Provider, ProviderStatus, Resident, User
from registry.selectors import in_force_on
from subsidies import reference_data
from subsidies.awards import award_approve, award_prepare
from subsidies.care_weights import weight_save
from subsidies.models import Award, CareLevelWeight, GrantRun, PayerLevel, SubsidyScheme
from subsidies.payments import batch_approve, batch_create, batch_export, batch_reconcile, batch_submit
from subsidies.runs import run_approve, run_refresh

OCTOBER = datetime.date(2025, 10, 1)  # November is left for clerks to run in the demo
LAPSED_ON = datetime.date(2025, 11, 30)
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
    clerk = User.objects.get(username="clerk_baotou")
    policies = {"accident policies": seed_accident_policies(clerk)}
    weights = {"demo care-level weights": _care_level_weight()}
    counts = {"runs": 0} if GrantRun.objects.exists() else _october_run()
    return {**counts, **_operating_awards(), **weights, **policies}


def _october_run() -> dict[str, int]:
    clerk = User.objects.get(username="clerk_baotou")
    reviewer = User.objects.get(username="reviewer_baotou")
    finance = User.objects.get(username="finance_baotou")
    moves = _people_who_moved()
    _a_licence_lapses()
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
    return {"runs": 1, "paid items": batch.items.count(), "residents who moved": moves}


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


def _people_who_moved() -> int:
    """A transfer on 10/11 October and an overlap from 20 October between two Kundulun homes."""
    homes = list(
        Provider.objects.filter(
            division__code="150203", status=ProviderStatus.CERTIFIED, kind="elderly_institution"
        ).order_by("uscc")[:2]
    )
    if len(homes) < 2:
        return 0
    first, second = homes
    stays = list(
        Resident.objects.filter(provider=first, admitted_on__lt=OCTOBER, discharged_on__isnull=True).order_by("pk")[:2]
    )
    moved_on = {0: (datetime.date(2025, 10, 10), datetime.date(2025, 10, 11)), 1: (None, datetime.date(2025, 10, 20))}
    for index, stay in enumerate(stays):
        left_on, arrived_on = moved_on[index]
        if left_on:
            stay.discharged_on = left_on
            stay.save(update_fields=["discharged_on"])
        Resident.objects.create(
            provider=second,
            name=stay.name,
            id_number=stay.id_number,
            admitted_on=arrived_on,
            care_level=stay.care_level,
            categories=stay.categories,
        )
    return len(stays)


def _a_licence_lapses() -> None:
    """The third Kundulun home with a canteen lets its food licence end on 30 November
    2025 and does not renew it."""
    licences = Licence.objects.filter(
        provider__division__code="150203",
        provider__status=ProviderStatus.CERTIFIED,
        provider__kind="elderly_institution",
        kind=Licence.Kind.FOOD_BUSINESS,
        issued_on__lte=LAPSED_ON,
    ).order_by("provider__uscc", "-issued_on")
    providers = list(dict.fromkeys(licences.values_list("provider_id", flat=True)))
    if len(providers) < 3:
        return
    latest = licences.filter(provider_id=providers[2]).first()
    if latest is None:
        return
    Licence.objects.filter(provider_id=providers[2], kind=Licence.Kind.FOOD_BUSINESS, issued_on__gt=LAPSED_ON).delete()
    latest.expires_on = LAPSED_ON
    latest.save(update_fields=["expires_on"])


DEMO_WEIGHT_FROM = datetime.date(2026, 1, 1)  # after the demo's events (2025): 2025's runs are unweighted
DEMO_WEIGHT = "1.50"


def _care_level_weight() -> int:
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
