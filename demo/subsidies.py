"""Demo money for Baotou, as of the day the demo runs (``today``).

The operating grant (BT-OPERATING) is paid a month after the month it pays for: the last
closed month's run is prepared by the city clerk and waits for the reviewer; the months
before it are approved by the reviewer and paid in a batch of their own, prepared by
finance, approved by the reviewer and reconciled as paid. A run on a later day catches up:
the run that was waiting is approved and paid, and the months closed since are run, the
newest left waiting (at most ``CATCH_UP_MONTHS`` back).

In the first paid month two people moved between two Kundulun homes: one a clean transfer
(counted once, where they spent more days), one whose first home never recorded the
discharge (the stays overlap: flagged, counted nowhere, waiting in *Overlapping stays* for
a clerk). A third home let its food business licence lapse at the end of that month: it is
on hold, and its lines wait in *Withheld lines* instead of being paid.

Then last year's operating awards 以奖代补 (004:80): one approved and put in a batch awaiting
approval, one still a draft awaiting approval. A demo care-level weight: disabled residents
count 1.50 in BT-OPERATING from the month waiting for review (a demo value; the policy text
gives no figure, the reference data keeps 1.00), so that run shows weighted lines while the
paid ones count heads. And two caregivers' accident insurance policies
(demo/accident_policies.py). Each part does nothing when it is already there."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TypeVar

from django.db import transaction
from django.db.models import Model, Q

from demo.accident_policies import seed_accident_policies
from registry.holds import providers_on_hold
from registry.models import CareLevel, Division, Licence, Provider, Resident, User
from registry.periods import add_months
from registry.selectors import in_force_on
from subsidies import reference_data
from subsidies.awards import award_prepare
from subsidies.care_weights import weight_save
from subsidies.models import Award, CareLevelWeight, GrantRun, PayerLevel, SubsidyScheme
from subsidies.payments import (
    batch_create,
    payable_lines,
)
from subsidies.runs import run_refresh

from .baotou import CHANGE_REASON, FOOD_LICENCE_LAPSES, MOVED_FROM, MOVED_TO, SYSTEM_USERNAME
from .payments import pay_batch
from .review import submit, submit_and_approve

M = TypeVar("M", bound=Model)
SCHEME = "BT-OPERATING"
PAID_MONTHS = 2  # closed months before the one waiting for review, paid at the first run
CATCH_UP_MONTHS = 12
EVALUATOR = "包头市养老服务第三方评估组"
# (provider, score, amount, approved?): inside BT-DAYCARE-AWARD's 10,000-50,000 (004:80).
AWARDS = [
    ("昆都仑区社区老年人日间照料中心(少先路)", Decimal("92.5"), Decimal("45000.00"), True),
    ("青山区幸福路街道养老服务站", Decimal("78"), Decimal("20000.00"), False),
]
DEMO_WEIGHT = "1.50"
DEMO_WEIGHT_SOURCE = "Demo value, not from the policy (000:906-908, 000:920-925 give no figure)"


def last_closed_month(today: datetime.date) -> datetime.date:
    """The first day of the month before ``today``'s: the newest month a run may pay."""
    return add_months(today.replace(day=1), -1)


def first_paid_month(today: datetime.date) -> datetime.date:
    """The month the demo's moves and lapse happen in: the oldest month paid at the first run."""
    return add_months(last_closed_month(today), -PAID_MONTHS)


def _staff(username: str) -> User:
    return User.objects.get(username=username)


@transaction.atomic
def seed(today: datetime.date) -> dict[str, int]:
    reference_data.load()  # idempotent: the demo needs the schemes
    clerk = _staff("clerk_baotou")
    policies = {"accident policies": seed_accident_policies(clerk, first_paid_month(today))}
    weights = {"demo care-level weights": _care_level_weight(last_closed_month(today))}
    moves = {"residents who moved": _people_who_moved(first_paid_month(today))}
    lapses = {"lapsed licences": _a_licence_lapses(add_months(first_paid_month(today), 1) - datetime.timedelta(1))}
    awards = _operating_awards(today)  # before the monthly batches, which would take the award
    return {**policies, **weights, **moves, **lapses, **awards, **_monthly_runs(today)}


def months_to_run(today: datetime.date) -> list[datetime.date]:
    """The closed months the demo's runs cover on ``today``: from the month after the newest
    approved run (or the first paid month) to the last closed month."""
    newest = last_closed_month(today)
    approved = (
        GrantRun.objects.filter(scheme__code=SCHEME, status=GrantRun.Status.APPROVED, period__lte=newest)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    month = add_months(approved, 1) if approved else first_paid_month(today)
    month = max(month, add_months(newest, -CATCH_UP_MONTHS))
    months = []
    while month <= newest:
        months.append(month)
        month = add_months(month, 1)
    return months


def _monthly_runs(today: datetime.date) -> dict[str, int]:
    """Run every month to cover; approve and pay all but the newest, which waits for review."""
    clerk, reviewer, finance = _staff("clerk_baotou"), _staff("reviewer_baotou"), _staff("finance_baotou")
    months = months_to_run(today)
    counts = {"runs prepared": 0, "runs paid": 0, "paid items": 0}
    for month in months:
        run = GrantRun.objects.filter(scheme__code=SCHEME, period=month, division__code="150200").first()
        if run is None:
            run = run_refresh(scheme_code=SCHEME, period=month, user=clerk)
            counts["runs prepared"] += 1
        if month == months[-1]:
            submit(run, clerk)
            break  # the last closed month waits for the reviewer: submitted
        submit_and_approve(run, maker=clerk, checker=reviewer)
        counts["paid items"] += _pay(month, finance, reviewer)
        counts["runs paid"] += 1
    return counts


def _pay(month: datetime.date, finance: User, reviewer: User) -> int:
    """Finance pays what is payable in a batch named for the month; the bank says all paid."""
    city = Division.objects.get(code="150200")
    if not payable_lines(division=city, payer_level=PayerLevel.LEAGUE_CITY).exists():
        return 0  # every line held or earning nothing: no batch
    name = f"{month.year}年{month.month}月床位运营补贴"
    batch = pay_batch(name=name, division=city, payer_level=PayerLevel.LEAGUE_CITY, finance=finance, reviewer=reviewer)
    return batch.items.count()


def _operating_awards(today: datetime.date) -> dict[str, int]:
    """The city clerk records last year's evaluations and awards (once); the reviewer approves
    the first; finance puts it in a batch and submits it for approval (when it can be paid:
    not while its provider is on hold)."""
    year = today.year - 1
    prepared = 0
    if not Award.objects.filter(evaluation__year=year).exists():
        prepared = _prepare_awards(today, year)
    finance = _staff("finance_baotou")
    city = Division.objects.get(code="150200")
    waiting = Award.objects.filter(
        evaluation__year=year, status=Award.Status.APPROVED, evaluation__provider__in=providers_on_hold().values("pk")
    )
    unpaid = Award.objects.filter(evaluation__year=year, status=Award.Status.APPROVED, payment_items__isnull=True)
    if not unpaid.exists() or unpaid.count() == waiting.count():
        return {"operating awards": prepared, "award batch items": 0}
    batch = batch_create(
        name=f"{year}年度日间照料中心和养老服务站运营奖补",
        division=city,
        payer_level=PayerLevel.LEAGUE_CITY,
        prepared_by=finance,
    )
    submit(batch, finance)
    return {"operating awards": prepared, "award batch items": batch.items.count()}


def _prepare_awards(today: datetime.date, year: int) -> int:
    clerk, reviewer = _staff("clerk_baotou"), _staff("reviewer_baotou")
    for index, (name, score, amount, approved) in enumerate(AWARDS):
        award = award_prepare(
            provider=Provider.objects.get(name=name),
            scheme_code="BT-DAYCARE-AWARD",
            year=year,
            evaluated_on=today - datetime.timedelta(days=20 - 12 * index),
            score=score,
            evaluator=EVALUATOR,
            evaluator_organisation="包头市民政局",
            notes="日间照料、助餐、文体活动开展情况良好" if approved else "",
            amount=amount,
            user=clerk,
        )
        if approved:
            submit_and_approve(award, maker=clerk, checker=reviewer)
        else:
            submit(award, clerk)  # waits for the reviewer
    return len(AWARDS)


def _people_who_moved(month: datetime.date) -> int:
    """A transfer on the 10th/11th of ``month`` and an overlap from the 20th between two
    Kundulun homes (once: nothing when someone of the first home is in the second)."""
    first = Provider.objects.filter(name=MOVED_FROM).first()
    second = Provider.objects.filter(name=MOVED_TO).first()
    if first is None or second is None:
        return 0
    people = Resident.objects.filter(provider=first).values("id_number_hash")
    if Resident.objects.filter(provider=second, id_number_hash__in=people).exists():
        return 0
    stays = list(
        Resident.objects.filter(provider=first, admitted_on__lt=month, discharged_on__isnull=True).order_by("pk")[:2]
    )
    moved_on = {0: (month.replace(day=10), month.replace(day=11)), 1: (None, month.replace(day=20))}
    for index, stay in enumerate(stays):
        left_on, arrived_on = moved_on[index]
        if left_on:
            stay.discharged_on = left_on
            _by_the_demo(stay).save(update_fields=["discharged_on"])
        arrival = Resident(
            provider=second,
            name=stay.name,
            id_number=stay.id_number,
            admitted_on=arrived_on,
            care_level=stay.care_level,
            categories=stay.categories,
        )
        _by_the_demo(arrival).save()
    return len(stays)


def _a_licence_lapses(lapsed_on: datetime.date) -> int:
    """A home with a canteen lets its food licence end on ``lapsed_on`` and does not renew
    it (once: nothing when its food licence has already lapsed)."""
    licences = Licence.objects.filter(provider__name=FOOD_LICENCE_LAPSES, kind=Licence.Kind.FOOD_BUSINESS)
    latest = licences.filter(issued_on__lte=lapsed_on).order_by("-issued_on").first()
    next_day = lapsed_on + datetime.timedelta(days=1)
    valid_after = licences.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=next_day), issued_on__lte=next_day)
    if latest is None or not valid_after.exists():
        return 0
    for renewal in licences.filter(issued_on__gt=lapsed_on):
        _by_the_demo(renewal).delete()
    latest.expires_on = lapsed_on
    _by_the_demo(latest).save(update_fields=["expires_on"])
    return 1


def _by_the_demo(row: M) -> M:
    """``row``, its next history record attributed to the demo's system user (as the
    providers the demo writes are), not to nobody."""
    setattr(row, "_history_user", _staff(SYSTEM_USERNAME))  # noqa: B010 - simple_history's attribute
    setattr(row, "_change_reason", CHANGE_REASON)  # noqa: B010
    return row


def _care_level_weight(starts: datetime.date) -> int:
    """BT-OPERATING's demo weight for disabled residents from ``starts`` (1 when added, 0
    when a demo weight is there): the weight in force is ended the day before, then the
    demo weight added, through the audited service."""
    scheme = SubsidyScheme.objects.get(code=SCHEME)
    weights = CareLevelWeight.objects.filter(scheme=scheme, care_level=CareLevel.DISABLED)
    if weights.filter(source=DEMO_WEIGHT_SOURCE).exists():
        return 0
    current = weights.filter(in_force_on(starts)).first()
    end = None
    if current is not None:
        end = current.effective_to
        current.effective_to = starts - datetime.timedelta(days=1)
        weight_save(weight=current, user=None)
    weight_save(
        weight=CareLevelWeight(
            scheme=scheme,
            care_level=CareLevel.DISABLED,
            weight=Decimal(DEMO_WEIGHT),
            effective_from=starts,
            effective_to=end,
            source=DEMO_WEIGHT_SOURCE,
            notes="Demo value, not a policy figure: shows a run weighted towards disabled residents.",
        ),
        user=None,
    )
    return 1
