"""Demo construction grants for Baotou (004:80; docs/subsidies.md), relative to the day the
demo is first seeded (``seed(today)``):

* a home in its **second year** of a per-bed grant (BT-CONSTRUCT-BED, 3:3:4): approved
  about 14 months before today (in January of last year when today is in January or
  February), instalment 1 released by the yearly review and paid through a payment batch
  (prepared by finance, approved by the reviewer, exported, reconciled as paid);
  instalment 2, of this year, waits for the yearly review;
* a second home's per-bed grant **awaiting approval**, prepared by the city clerk;
* a service station's fixed grant (BT-CONSTRUCT-FIXED, one instalment) **recovered after
  a change of use**: approved about 20 months before today and paid, then the change of
  use recorded 60 days before today (the grant is claimed back), and the station's
  operating award 以奖代补 evaluated 20 days before today is **offset** against the claim
  when its payment batch is paid (``payments._apply_offsets``): no money moves, the claim
  shrinks by the award.

Each part is created once, through the subsidies services, and recognised on a later run
by its scheme and state (a later run adds nothing: the grants age with the calendar).
Providers are chosen by query (kind, operation mode, certified, filed before the date
needed, no pause of payments), in USCC order.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from registry.holds import providers_on_hold
from registry.models import Provider, ProviderKind, ProviderStatus, User
from registry.periods import add_months
from subsidies import reference_data
from subsidies.awards import award_prepare
from subsidies.instalments import grant_prepare, instalments_review
from subsidies.models import Award, ConstructionGrant, Recovery
from subsidies.rates import rate_for, scheme_by_code, who_may_receive
from subsidies.recoveries import change_of_use_recover
from subsidies.review import return_to_preparer

from .payments import pay_batch
from .review import RETURN_REASON, submit, submit_and_approve

PER_BED = "BT-CONSTRUCT-BED"
FIXED = "BT-CONSTRUCT-FIXED"
AWARD = "BT-DAYCARE-AWARD"
M2_PER_BED = Decimal("32")  # the demo's new wings: a little over the 30 m² a bed counts (004:80)
STATION_FLOOR_AREA = Decimal("126")  # over the 100 m² a station needs for its award (004:80)
RELEASED_AFTER_DAYS = 20  # the yearly review after approval
CHANGE_OF_USE_DAYS = 60  # before today
AWARD_EVALUATED_DAYS = 20  # before today
AWARD_AMOUNT = Decimal("30000.00")  # inside BT-DAYCARE-AWARD's 10,000-50,000 (004:80)
CHANGE_OF_USE = "养老服务站二层活动室改作商铺出租，改变了建设补贴设施的用途，依规追回补贴。"


class Staff:
    def __init__(self) -> None:
        self.clerk = User.objects.get(username="clerk_baotou")
        self.reviewer = User.objects.get(username="reviewer_baotou")
        self.finance = User.objects.get(username="finance_baotou")


def second_year_approval(today: datetime.date) -> datetime.date:
    """About 14 months before today, inside last year: instalment 2 is this year's."""
    approved = add_months(today, -14)
    return approved if approved.year == today.year - 1 else datetime.date(today.year - 1, 1, 8)


def candidates(scheme_code: str, kinds: list[str], filed_before: datetime.date, basis: str) -> list[Provider]:
    """Certified providers of ``kinds`` filed before ``filed_before`` that may receive the
    scheme (its rule and its rate's kinds), with no pause of payments and no grant of it."""
    scheme = scheme_by_code(scheme_code)
    rate = rate_for(scheme, basis, timezone.localdate())
    providers = (
        Provider.objects.filter(status=ProviderStatus.CERTIFIED, kind__in=kinds, filed_on__lt=filed_before)
        .exclude(pk__in=providers_on_hold().values("pk"))
        .exclude(construction_grants__scheme=scheme)
        .select_related("division")
        .order_by("uscc")
    )
    return [p for p in providers if not who_may_receive(scheme, p, rate=rate)]


def approve_and_pay_first_instalment(grant: ConstructionGrant, approved_on: datetime.date, staff: Staff) -> None:
    submit_and_approve(grant, maker=staff.clerk, checker=staff.reviewer, on=approved_on)
    instalments_review(year=approved_on.year, on=approved_on + datetime.timedelta(days=RELEASED_AFTER_DAYS))
    pay_batch(
        name=f"{approved_on.year}年养老服务设施建设补贴（{grant.provider.division.name}）",
        division=grant.provider.division,
        payer_level=grant.scheme.payer_level,
        finance=staff.finance,
        reviewer=staff.reviewer,
    )


def per_bed_grant(provider: Provider, staff: Staff) -> ConstructionGrant:
    beds = min(provider.beds or 1, 60)
    return grant_prepare(
        provider=provider,
        scheme_code=PER_BED,
        basis="new_build",
        beds_claimed=beds,
        floor_area_m2=beds * M2_PER_BED,
        prepared_by=staff.clerk,
    )


def grant_in_its_second_year(today: datetime.date, staff: Staff) -> int:
    if ConstructionGrant.objects.filter(scheme__code=PER_BED, status=ConstructionGrant.Status.APPROVED).exists():
        return 0
    approved_on = second_year_approval(today)
    homes = candidates(PER_BED, [ProviderKind.ELDERLY_INSTITUTION], approved_on, "new_build")
    if not homes:
        return 0
    approve_and_pay_first_instalment(per_bed_grant(homes[0], staff), approved_on, staff)
    return 1


def grant_awaiting_approval(today: datetime.date, staff: Staff) -> int:
    if ConstructionGrant.objects.filter(scheme__code=PER_BED, status=ConstructionGrant.Status.DRAFT).exists():
        return 0
    homes = candidates(PER_BED, [ProviderKind.ELDERLY_INSTITUTION], today, "new_build")
    if not homes:
        return 0
    # Submitted, and returned by the reviewer with a reason the clerk reads on its page.
    grant = submit(per_bed_grant(homes[-1], staff), staff.clerk)
    return_to_preparer(obj=grant, user=staff.reviewer, reason=RETURN_REASON)
    return 1


def grant_recovered_after_change_of_use(today: datetime.date, staff: Staff) -> int:
    """The station's grant paid, its change of use recorded, its award offset."""
    if Recovery.objects.filter(grant__scheme__code=FIXED).exists():
        return 0
    approved_on = add_months(today, -20)
    evaluated_on = today - datetime.timedelta(days=AWARD_EVALUATED_DAYS)
    stations = [
        s
        for s in candidates(FIXED, [ProviderKind.SERVICE_STATION], approved_on, "service_station")
        if not Award.objects.filter(evaluation__provider=s, evaluation__year=evaluated_on.year).exists()
    ]
    if not stations:
        return 0
    station = stations[-1]
    grant = grant_prepare(
        provider=station,
        scheme_code=FIXED,
        basis="service_station",
        beds_claimed=0,
        floor_area_m2=STATION_FLOOR_AREA,
        prepared_by=staff.clerk,
    )
    approve_and_pay_first_instalment(grant, approved_on, staff)
    change_of_use_recover(
        provider=station,
        reason=CHANGE_OF_USE,
        on=today - datetime.timedelta(days=CHANGE_OF_USE_DAYS),
        user=staff.clerk,
    )
    award = award_prepare(
        provider=station,
        scheme_code=AWARD,
        year=evaluated_on.year,
        evaluated_on=evaluated_on,
        score=Decimal("81.5"),
        evaluator="包头市养老服务第三方评估组",
        evaluator_organisation="包头市民政局",
        notes="助餐、上门服务开展正常；二层活动室已改变用途，不计入评估。",
        amount=AWARD_AMOUNT,
        user=staff.clerk,
    )
    submit_and_approve(award, maker=staff.clerk, checker=staff.reviewer)
    pay_batch(
        name=f"{evaluated_on.year}年养老服务站运营奖补（{station.division.name}）",
        division=station.division,
        payer_level=grant.scheme.payer_level,
        finance=staff.finance,
        reviewer=staff.reviewer,
    )
    return 1


@transaction.atomic
def seed(today: datetime.date | None = None) -> dict[str, int]:
    """The demo's three construction grants as of ``today`` (default: the register's today)."""
    today = today or timezone.localdate()
    reference_data.load()  # idempotent: the demo needs the schemes
    staff = Staff()
    return {
        # The recovered one first: its payment batches then hold nothing of the others.
        "construction grants recovered": grant_recovered_after_change_of_use(today, staff),
        "construction grants in their second year": grant_in_its_second_year(today, staff),
        "construction grants awaiting approval": grant_awaiting_approval(today, staff),
    }
