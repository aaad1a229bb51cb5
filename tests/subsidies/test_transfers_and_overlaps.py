"""Same person, two providers (DOMAIN §7): a transfer is paid once, at the right home; stays
that share days are flagged and counted nowhere until a clerk decides which is right, and
the next run then pays the right home (issue 13)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from factories import DONGHE, ResidentFactory

from registry.models import OverlapDecision, Resident
from registry.overlaps import overlap_decide, overlapping_stays
from registry.staff import roles
from safeguards.models import AuditEntry
from subsidies.models import GrantLine, OccupancyRule, SubsidyScheme
from subsidies.services import run_refresh

pytestmark = pytest.mark.django_db

D = datetime.date
OCT = D(2026, 10, 1)
NOV = D(2026, 11, 1)
BT = "BT-OPERATING"  # 100 yuan a resident present at least 15 days of the month (004:80)


def line(run, provider) -> GrantLine:
    return run.lines.get(provider=provider, kind=GrantLine.Kind.REGULAR)


def quantities(run, *providers) -> list[Decimal]:
    return [line(run, p).quantity for p in providers]


@pytest.fixture
def homes(make_provider):
    return make_provider(name="甲养老院"), make_provider(name="乙养老院")


def move(first, second, *, leaves_on, arrives_on) -> tuple[Resident, Resident]:
    at_first = ResidentFactory(provider=first, admitted_on=D(2025, 1, 1), discharged_on=leaves_on)
    at_second = ResidentFactory(provider=second, id_number=at_first.id_number, admitted_on=arrives_on)
    return at_first, at_second


def test_a_transfer_on_the_tenth_is_not_a_duplicate_and_is_paid_once_where_more_days_were_spent(homes):
    home_a, home_b = homes
    move(home_a, home_b, leaves_on=D(2026, 11, 10), arrives_on=D(2026, 11, 11))

    run = run_refresh(scheme_code=BT, period=NOV)

    # 10 days at A (< 15), 20 days at B: B counts them, nobody is flagged.
    assert quantities(run, home_a, home_b) == [Decimal(0), Decimal(1)]
    assert line(run, home_a).flags == [] and line(run, home_b).flags == []


def test_a_transfer_with_enough_days_at_both_is_counted_once_at_the_home_with_more_days(homes):
    home_a, home_b = homes
    SubsidyScheme.objects.filter(code=BT).update(occupancy_min_days=10)
    move(home_a, home_b, leaves_on=D(2026, 11, 18), arrives_on=D(2026, 11, 19))  # 18 days at A, 12 at B

    run = run_refresh(scheme_code=BT, period=NOV)

    assert quantities(run, home_a, home_b) == [Decimal(1), Decimal(0)]
    assert line(run, home_b).basis["residents_counted_at_another_provider"] == 1


def test_a_tie_goes_to_the_later_home(homes):
    home_a, home_b = homes
    SubsidyScheme.objects.filter(code=BT).update(occupancy_min_days=15)
    move(home_a, home_b, leaves_on=D(2026, 11, 15), arrives_on=D(2026, 11, 16))  # 15 days each

    run = run_refresh(scheme_code=BT, period=NOV)

    assert quantities(run, home_a, home_b) == [Decimal(0), Decimal(1)]


def test_under_pro_rata_each_home_gets_its_own_days(homes):
    home_a, home_b = homes
    SubsidyScheme.objects.filter(code=BT).update(occupancy_rule=OccupancyRule.PRO_RATA)
    move(home_a, home_b, leaves_on=D(2026, 11, 10), arrives_on=D(2026, 11, 11))

    run = run_refresh(scheme_code=BT, period=NOV)

    assert quantities(run, home_a, home_b) == [Decimal("0.3333"), Decimal("0.6667")]


def test_stays_sharing_one_day_are_a_conflict_flagged_on_both_and_counted_on_neither(homes):
    home_a, home_b = homes
    at_a, at_b = move(home_a, home_b, leaves_on=D(2026, 11, 11), arrives_on=D(2026, 11, 11))

    run = run_refresh(scheme_code=BT, period=NOV)

    assert quantities(run, home_a, home_b) == [Decimal(0), Decimal(0)]
    assert [f["providers"] for f in line(run, home_a).flags] == [sorted([home_a.pk, home_b.pk])]
    assert [f["providers"] for f in line(run, home_b).flags] == [sorted([home_a.pk, home_b.pk])]
    assert set(overlapping_stays()) == {at_a, at_b}


def test_a_clerks_decision_pays_the_right_home_in_the_next_run(homes, clerk, approved_run):
    home_a, home_b = homes
    # A never recorded the discharge; B admitted the person on 1 October.
    at_a = ResidentFactory(provider=home_a, admitted_on=D(2025, 1, 1))
    at_b = ResidentFactory(provider=home_b, id_number=at_a.id_number, admitted_on=OCT)
    october = approved_run(BT, OCT)
    assert quantities(october, home_a, home_b) == [Decimal(0), Decimal(0)]

    overlap_decide(kept=at_b, user=clerk, note="乙养老院入住合同及甲养老院出院证明")

    assert list(overlapping_stays()) == []
    november = run_refresh(scheme_code=BT, period=NOV)
    assert quantities(november, home_a, home_b) == [Decimal(0), Decimal(1)]
    assert line(november, home_a).flags == [] and line(november, home_b).flags == []
    # October, approved while undecided, is made good through an adjustment to B only.
    [adjustment] = november.lines.filter(kind=GrantLine.Kind.ADJUSTMENT)
    assert (adjustment.provider, adjustment.period, adjustment.amount) == (home_b, OCT, Decimal("100.00"))
    entry = AuditEntry.objects.get(action="overlap.decide")
    assert entry.after["kept"] == home_b.name and entry.after["set_aside"] == home_a.name


def test_a_decision_sets_aside_only_the_shared_days(homes, clerk):
    home_a, home_b = homes
    # Recorded at A until the 25th, at B from the 5th: A is right until the 4th only.
    _at_a, at_b = move(home_a, home_b, leaves_on=D(2026, 11, 25), arrives_on=D(2026, 11, 5))
    SubsidyScheme.objects.filter(code=BT).update(occupancy_rule=OccupancyRule.PRO_RATA)

    overlap_decide(kept=at_b, user=clerk, note="核对护理记录")
    run = run_refresh(scheme_code=BT, period=NOV)

    assert quantities(run, home_a, home_b) == [Decimal("0.1333"), Decimal("0.8667")]  # 4 and 26 days


def test_a_decision_needs_a_reason_an_overlap_and_a_clerk_who_sees_both_homes(homes, clerk, make_staff):
    home_a, home_b = homes
    _at_a, at_b = move(home_a, home_b, leaves_on=D(2026, 11, 20), arrives_on=D(2026, 11, 10))

    with pytest.raises(ValidationError) as error:
        overlap_decide(kept=at_b, user=clerk, note=" ")
    assert "note" in error.value.message_dict

    transferred_a, transferred_b = move(home_a, home_b, leaves_on=D(2026, 11, 9), arrives_on=D(2026, 11, 10))
    with translation.override("en"), pytest.raises(ValidationError, match="share no day"):
        overlap_decide(kept=transferred_b, set_aside=[transferred_a], user=clerk, note="核对")

    other_district = make_staff(roles.DISTRICT_CLERK, DONGHE)
    with pytest.raises(PermissionDenied):
        overlap_decide(kept=at_b, user=other_district, note="核对")
    assert not OverlapDecision.objects.exists()
