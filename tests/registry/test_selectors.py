"""The shared read rules (registry/selectors.py) on their edge days: the first day, the last
day, the day after the end, open-ended rows, and each as one SQL query."""

from __future__ import annotations

import datetime

import pytest
from factories import (
    CreditRecordFactory,
    FeeItemFactory,
    ProviderFactory,
    ProviderHoldFactory,
    ResidentFactory,
    noon,
)

from registry.models import CreditRecord, FeeItem, Provider, ProviderHold, Resident
from registry.periods import end_of_day, start_of_day
from registry.selectors import covers, holds_in_force, in_care_during, in_care_on, in_force_on, residents_in_care

pytestmark = pytest.mark.django_db

D = datetime.date
FIRST, LAST = D(2024, 3, 1), D(2024, 3, 31)
ONE_DAY = datetime.timedelta(days=1)
ONE_SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def provider(divisions) -> Provider:
    return ProviderFactory()


def fees_on(day: datetime.date) -> set[str]:
    return set(FeeItem.objects.filter(in_force_on(day)).values_list("name", flat=True))


def residents_on(day: datetime.date) -> set[str]:
    return set(Resident.objects.filter(in_care_on(day)).values_list("name", flat=True))


# --- in force on a day -----------------------------------------------------------------------


def test_an_item_is_in_force_from_its_first_to_its_last_day_both_included(provider):
    FeeItemFactory(provider=provider, name="March", effective_from=FIRST, effective_to=LAST)

    assert fees_on(FIRST - ONE_DAY) == set()
    assert fees_on(FIRST) == {"March"}
    assert fees_on(LAST) == {"March"}
    assert fees_on(LAST + ONE_DAY) == set()


def test_an_item_without_an_end_stays_in_force(provider):
    FeeItemFactory(provider=provider, name="open", effective_from=FIRST, effective_to=None)

    assert fees_on(FIRST - ONE_DAY) == set()
    assert fees_on(FIRST) == {"open"}
    assert fees_on(D(2099, 12, 31)) == {"open"}


def test_a_one_day_item_is_in_force_on_that_day_only(provider):
    FeeItemFactory(provider=provider, name="one day", effective_from=FIRST, effective_to=FIRST)

    assert [fees_on(day) for day in (FIRST - ONE_DAY, FIRST, FIRST + ONE_DAY)] == [set(), {"one day"}, set()]


def test_in_force_through_a_relation(provider, divisions):
    other = ProviderFactory()
    FeeItemFactory(provider=provider, effective_from=FIRST, effective_to=LAST)
    FeeItemFactory(provider=other, effective_from=LAST + ONE_DAY)

    def providers_with_fees_on(day):
        return set(Provider.objects.filter(in_force_on(day, prefix="fee_items__")).distinct())

    assert providers_with_fees_on(LAST) == {provider}
    assert providers_with_fees_on(LAST + ONE_DAY) == {other}


def test_a_blacklisting_is_in_force_on_its_days_through_covers(provider):
    CreditRecordFactory(provider=provider, start_on=FIRST, end_on=LAST)

    def listed(first, last):
        return CreditRecord.objects.filter(covers(first, last, start="start_on", end="end_on")).exists()

    assert not listed(D(2024, 2, 1), FIRST - ONE_DAY)
    assert listed(D(2024, 2, 1), FIRST)  # a period touching the first day
    assert listed(LAST, D(2024, 4, 30))  # a period touching the last day
    assert not listed(LAST + ONE_DAY, D(2024, 4, 30))


# --- in care on a day ------------------------------------------------------------------------


def test_a_resident_is_in_care_on_the_admission_and_the_discharge_day(provider):
    ResidentFactory(provider=provider, name="March", admitted_on=FIRST, discharged_on=LAST)

    assert residents_on(FIRST - ONE_DAY) == set()
    assert residents_on(FIRST) == {"March"}
    assert residents_on(LAST) == {"March"}
    assert residents_on(LAST + ONE_DAY) == set()


def test_a_resident_never_discharged_stays_in_care(provider):
    ResidentFactory(provider=provider, name="staying", admitted_on=FIRST, discharged_on=None)

    assert residents_on(FIRST - ONE_DAY) == set()
    assert residents_on(D(2099, 12, 31)) == {"staying"}


@pytest.mark.parametrize(
    ("admitted_on", "discharged_on", "in_march"),
    [
        (D(2024, 1, 1), FIRST - ONE_DAY, False),  # gone the day before the month
        (D(2024, 1, 1), FIRST, True),  # discharged on the first day
        (LAST, None, True),  # admitted on the last day
        (LAST + ONE_DAY, None, False),  # admitted the day after
        (D(2024, 1, 1), None, True),  # through the whole month
        (D(2024, 3, 10), D(2024, 3, 12), True),  # inside it
    ],
)
def test_in_care_during_a_month(provider, admitted_on, discharged_on, in_march):
    ResidentFactory(provider=provider, admitted_on=admitted_on, discharged_on=discharged_on)

    assert Resident.objects.filter(in_care_during(FIRST, LAST)).exists() is in_march


def test_residents_in_care_counts_every_provider_in_one_query(provider, divisions, django_assert_num_queries):
    empty = ProviderFactory()
    ResidentFactory(provider=provider, admitted_on=FIRST, discharged_on=LAST)
    ResidentFactory(provider=provider, admitted_on=LAST, discharged_on=None)
    ResidentFactory(provider=provider, admitted_on=D(2023, 1, 1), discharged_on=FIRST - ONE_DAY)

    def counts(day):
        with django_assert_num_queries(1):
            return dict(Provider.objects.annotate(n=residents_in_care(day)).values_list("pk", "n"))

    assert counts(FIRST - ONE_DAY) == {provider.pk: 1, empty.pk: 0}
    assert counts(FIRST) == {provider.pk: 1, empty.pk: 0}
    assert counts(LAST) == {provider.pk: 2, empty.pk: 0}
    assert counts(LAST + ONE_DAY) == {provider.pk: 1, empty.pk: 0}


# --- holds in force over a period ------------------------------------------------------------


@pytest.fixture
def march_hold(provider) -> ProviderHold:
    """A hold from noon on 1 March to noon on 31 March."""
    return ProviderHoldFactory(provider=provider, started_at=noon(FIRST), ended_at=noon(LAST))


def held(start: datetime.datetime, end: datetime.datetime | None = None) -> bool:
    return ProviderHold.objects.filter(holds_in_force(start, end)).exists()


def test_a_hold_is_in_force_from_the_moment_it_starts_until_the_moment_it_ends(march_hold):
    assert not held(march_hold.started_at - ONE_SECOND)
    assert held(march_hold.started_at)
    assert held(march_hold.ended_at - ONE_SECOND)
    assert not held(march_hold.ended_at)  # ended: no longer holding at that instant


def test_an_open_hold_stays_in_force(provider):
    hold = ProviderHoldFactory(provider=provider, started_at=start_of_day(FIRST), ended_at=None)

    assert not held(hold.started_at - ONE_SECOND)
    assert held(end_of_day(D(2099, 12, 31)))


@pytest.mark.parametrize(
    ("first", "last", "in_force"),
    [
        (D(2024, 2, 1), FIRST - ONE_DAY, False),  # February: over before it started
        (D(2024, 2, 1), FIRST, True),  # a period whose last day is the start day
        (LAST, D(2024, 4, 30), True),  # a period whose first day is the end day
        (LAST + ONE_DAY, D(2024, 4, 30), False),  # the day after it ended
        (D(2024, 3, 10), D(2024, 3, 10), True),  # one day inside it
    ],
)
def test_holds_in_force_over_whole_days(march_hold, first, last, in_force):
    assert held(start_of_day(first), end_of_day(last)) is in_force


def test_a_hold_ended_at_midnight_does_not_hold_the_next_day(provider):
    ProviderHoldFactory(provider=provider, started_at=start_of_day(FIRST), ended_at=start_of_day(LAST + ONE_DAY))

    assert held(start_of_day(LAST), end_of_day(LAST))
    assert not held(start_of_day(LAST + ONE_DAY), end_of_day(D(2024, 4, 30)))
