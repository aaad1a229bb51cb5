"""The demo's inspections and construction grants are alive on the day it is seeded: this
quarter planned, past quarters done, one overdue major hazard holding money, three
construction grants in their states; a run the next day adds nothing, a run a quarter
later moves forward without duplicating anything (issue 14)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.apps import apps
from django.db.models import Count
from django.utils import timezone

from demo import construction
from demo import inspections as demo_inspections
from demo import seed as demo_seed
from inspections.models import Draw, Finding, Inspection, InspectionTask
from registry import reference_data as registry_reference_data
from registry.holds import providers_on_hold
from registry.models import ProviderHold, Resident, User
from subsidies.models import ConstructionGrant, Instalment, PaymentItem, Recovery, Repayment
from subsidies.runs import run_approve, run_refresh
from subsidies.withholding import withheld_lines

TODAY = datetime.date(2026, 12, 4)
QUARTER = (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))


@contextmanager
def on(day: datetime.date) -> Iterator[None]:
    """The register's clock on ``day`` (noon), for the services that read today."""
    moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        yield


def seed_all(day: datetime.date) -> dict[str, int]:
    with on(day):
        counts = demo_inspections.seed(day)
        counts.update(construction.seed(day))
    return counts


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for app in ("inspections", "subsidies")
        for model in apps.get_app_config(app).get_models()
    } | {"holds": ProviderHold.objects.count()}


def overdue_major_hazards(day: datetime.date) -> list[Finding]:
    return list(
        Finding.objects.filter(severity=Finding.Severity.MAJOR, deadline__lt=day)
        .exclude(status=Finding.Status.VERIFIED)
        .select_related("inspection__provider")
    )


@pytest.fixture
def demo(db: None) -> None:
    registry_reference_data.load()
    demo_seed.seed(TODAY)


@pytest.mark.django_db
def test_this_quarter_is_planned_and_the_past_quarters_are_done(demo: None) -> None:
    seed_all(TODAY)

    district = InspectionTask.objects.filter(regime__code="BT-DISTRICT-SAFETY")
    this_quarter = district.filter(period_start=QUARTER[0], period_end=QUARTER[1])
    assert this_quarter.filter(status=InspectionTask.Status.OPEN).exists()
    assert this_quarter.filter(status=InspectionTask.Status.DONE).exists()  # some visits already made
    past = InspectionTask.objects.filter(period_end__lt=TODAY)
    assert past.filter(period_start=datetime.date(2025, 10, 1)).exists()  # four quarters back
    # Nothing past is left open but, in each county, one provider's late self-inspection of
    # last month (its clerk's overdue reminder).
    late = past.filter(status=InspectionTask.Status.OPEN)
    assert late.exists() and set(late.values_list("regime__code", flat=True)) == {"BT-INTERNAL-MONTHLY"}
    counties = list(late.values_list("provider__division__code", flat=True))
    assert len(counties) == len(set(counties))
    assert not Inspection.objects.filter(inspected_on__gte=TODAY).exists()
    assert not Finding.objects.filter(rectified_on__gt=TODAY).exists()
    assert not Finding.objects.filter(verified_on__gt=TODAY).exists()
    done_now = Inspection.objects.filter(inspected_on__gte=QUARTER[0], regime__code="BT-DISTRICT-SAFETY")
    assert Finding.objects.filter(inspection__in=done_now, severity=Finding.Severity.GENERAL).exists()
    assert Finding.objects.filter(status=Finding.Status.VERIFIED, severity=Finding.Severity.GENERAL).exists()
    draws = Draw.objects.filter(name="2026年第四季度养老机构双随机抽查")
    assert draws.count() == 1 and draws.get().status == Draw.Status.FROZEN


@pytest.mark.django_db
def test_one_major_hazard_is_overdue_and_holds_its_provider(demo: None) -> None:
    seed_all(TODAY)

    hazards = overdue_major_hazards(TODAY)
    assert len(hazards) == 1
    provider = hazards[0].inspection.provider
    assert provider.status == "certified" and provider.kind == "elderly_institution"
    assert Resident.objects.filter(provider=provider, discharged_on__isnull=True).exists()
    with on(TODAY):
        assert provider in providers_on_hold()
        run = run_refresh(scheme_code="BT-OPERATING", period=datetime.date(2026, 11, 1), user=None)
        run_approve(run=run, approver=User.objects.get(username="reviewer_baotou"))
        held = withheld_lines().filter(provider=provider)
        assert held.exists() and all(line.amount > 0 for line in held)  # its November waits for the fix


@pytest.mark.django_db
def test_inspectors_have_rectifications_to_verify(demo: None) -> None:
    seed_all(TODAY)

    for username in ("inspector_kundulun", "inspector_qingshan"):
        inspector = User.objects.get(username=username)
        waiting = Finding.objects.filter(
            status=Finding.Status.RECTIFIED,
            inspection__provider__division__path__startswith=inspector.jurisdiction.path,  # type: ignore[union-attr]
        )
        assert waiting.exists(), username


@pytest.mark.django_db
def test_a_second_run_adds_nothing_and_the_next_day_only_that_days_visits(demo: None) -> None:
    seed_all(TODAY)
    counts = row_counts()

    seed_all(TODAY)
    assert row_counts() == counts

    seed_all(TODAY + datetime.timedelta(days=1))
    new = Inspection.objects.filter(inspected_on=TODAY)  # the visits made on the day that has passed
    assert Inspection.objects.count() == counts["inspections.Inspection"] + new.count()
    assert len(overdue_major_hazards(TODAY + datetime.timedelta(days=1))) == 1
    assert (
        not InspectionTask.objects.filter(inspections__isnull=False)
        .annotate(n=Count("inspections"))
        .filter(n__gt=1)
        .exists()
    )  # no task recorded twice
    assert Draw.objects.count() == 1
    assert ConstructionGrant.objects.count() == counts["subsidies.ConstructionGrant"]
    assert PaymentItem.objects.count() == counts["subsidies.PaymentItem"]


@pytest.mark.django_db
def test_a_run_a_quarter_later_moves_forward_without_duplicates(demo: None) -> None:
    seed_all(TODAY)
    later = TODAY + datetime.timedelta(days=100)  # 2027-03-14

    seed_all(later)

    district = InspectionTask.objects.filter(regime__code="BT-DISTRICT-SAFETY")
    assert district.filter(period_start=datetime.date(2027, 1, 1)).exists()
    open_past = InspectionTask.objects.filter(period_end__lt=later, status=InspectionTask.Status.OPEN)
    assert set(open_past.values_list("regime__code", flat=True)) <= {"BT-INTERNAL-MONTHLY"}  # the late ones
    hazards = overdue_major_hazards(later)
    assert len(hazards) == 1
    assert hazards[0].inspection.inspected_on > TODAY  # the old one was verified fixed, a new one found
    with on(later):
        assert hazards[0].inspection.provider in providers_on_hold()
    assert Draw.objects.filter(name="2027年第一季度养老机构双随机抽查").count() == 1
    assert Draw.objects.filter(name="2026年第四季度养老机构双随机抽查").count() == 1
    assert ConstructionGrant.objects.count() == 3
    assert not Inspection.objects.filter(inspected_on__gte=later).exists()
    counts = row_counts()
    seed_all(later)
    assert row_counts() == counts


@pytest.mark.django_db
def test_three_construction_grants_in_their_states(demo: None) -> None:
    seed_all(TODAY)

    grants = ConstructionGrant.objects.select_related("scheme", "provider")
    second_year = grants.get(scheme__code="BT-CONSTRUCT-BED", status=ConstructionGrant.Status.APPROVED)
    assert second_year.approved_on == datetime.date(2025, 10, 4)  # 14 months before today
    by_number = {i.number: i for i in second_year.instalments.all()}
    assert (by_number[1].year, by_number[1].status) == (2025, Instalment.Status.PAID)
    assert (by_number[2].year, by_number[2].status) == (2026, Instalment.Status.SCHEDULED)
    assert sum(i.amount for i in by_number.values()) == second_year.total > 0
    paid = PaymentItem.objects.get(instalment=by_number[1])
    assert paid.state == PaymentItem.State.PAID and paid.amount == by_number[1].amount
    assert paid.batch.approved_by.username == "reviewer_baotou"  # type: ignore[union-attr]

    waiting = grants.get(scheme__code="BT-CONSTRUCT-BED", status=ConstructionGrant.Status.DRAFT)
    assert waiting.prepared_by.username == "clerk_baotou" and waiting.approved_by is None
    assert waiting.provider != second_year.provider

    recovered = grants.get(scheme__code="BT-CONSTRUCT-FIXED")
    recovery = Recovery.objects.get(grant=recovered)
    assert recovery.amount == recovered.total == Decimal("50000.00")  # the station's 004:80 amount, paid
    assert recovery.opened_on == TODAY - datetime.timedelta(days=60)
    offset = Repayment.objects.get(recovery=recovery)
    assert offset.method == Repayment.Method.OFFSET and offset.amount == Decimal("30000.00")
    award_item = offset.payment_item
    assert award_item is not None and award_item.award is not None
    assert award_item.provider == recovered.provider and award_item.net_amount == 0
    assert award_item.state == PaymentItem.State.PAID
    assert recovery.status == Recovery.Status.OPEN  # 20,000 still owed
