"""Counting actual occupancy (DOMAIN §3): census day, min days (N), pro rata — exact at
month ends, in February and in leap years. A stay includes its admission and discharge days."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from registry.periods import month_bounds
from subsidies.occupancy import Stay, census_date, count_occupancy, days_present

D = datetime.date
NOV = D(2026, 11, 1)  # 30 days
DEC = D(2026, 12, 1)  # 31 days


def stay(admitted, discharged=None, id_number="150203194001011234"):
    return Stay(id_number, admitted, discharged)


def people(*ranges):
    """One stay per person: ``people((admitted, discharged), …)``."""
    return [stay(a, d, id_number=f"P{i:03d}") for i, (a, d) in enumerate(ranges)]


# --- month bounds and census day ----------------------------------------------------------


@pytest.mark.parametrize(
    "period, last",
    [(D(2026, 11, 1), D(2026, 11, 30)), (D(2026, 2, 1), D(2026, 2, 28)), (D(2028, 2, 1), D(2028, 2, 29))],
)
def test_month_bounds(period, last):
    assert month_bounds(period) == (period, last)


@pytest.mark.parametrize(
    "period, census_day, expected",
    [
        (D(2026, 2, 1), 31, D(2026, 2, 28)),  # past the end of February: the last day
        (D(2028, 2, 1), 31, D(2028, 2, 29)),
        (D(2028, 2, 1), 29, D(2028, 2, 29)),
        (D(2027, 2, 1), 29, D(2027, 2, 28)),
        (D(2026, 11, 1), 31, D(2026, 11, 30)),
        (D(2026, 11, 1), None, D(2026, 11, 30)),  # empty: the last day
        (D(2026, 11, 1), 15, D(2026, 11, 15)),
        (D(2026, 11, 1), 1, D(2026, 11, 1)),
    ],
)
def test_census_date(period, census_day, expected):
    assert census_date(period, census_day) == expected


def test_census_day_counts_who_is_present_on_that_day():
    stays = people(
        (D(2026, 1, 1), None),  # present
        (D(2026, 11, 15), None),  # admitted on the census day: present
        (D(2026, 1, 1), D(2026, 11, 15)),  # discharged on the census day: present
        (D(2026, 1, 1), D(2026, 11, 14)),  # gone the day before
        (D(2026, 11, 16), None),  # arrives the day after
    )

    assert count_occupancy(stays, NOV, rule="census_day", census_day=15) == Decimal(3)


def test_census_day_31_in_february_counts_the_last_day():
    stays = people((D(2026, 2, 28), None), (D(2026, 1, 1), D(2026, 2, 27)))

    assert count_occupancy(stays, D(2026, 2, 1), rule="census_day", census_day=31) == Decimal(1)


# --- days present at month boundaries -----------------------------------------------------


@pytest.mark.parametrize(
    "admitted, discharged, days",
    [
        (D(2026, 11, 30), None, 1),  # admitted on the last day
        (D(2026, 1, 1), D(2026, 11, 1), 1),  # discharged on the first day
        (D(2026, 11, 1), D(2026, 11, 1), 1),  # in and out the same day
        (D(2026, 1, 1), None, 30),
        (D(2026, 1, 1), D(2026, 10, 31), 0),  # gone before the month
        (D(2026, 12, 1), None, 0),  # arrives after it
        (D(2026, 11, 10), D(2026, 11, 20), 11),
    ],
)
def test_days_present_include_both_the_admission_and_the_discharge_day(admitted, discharged, days):
    assert days_present(stay(admitted, discharged), NOV) == days


def test_admitted_on_the_last_day_and_discharged_on_the_first_day_count_a_day_each():
    stays = people((D(2026, 11, 30), None), (D(2026, 1, 1), D(2026, 11, 1)))

    assert count_occupancy(stays, NOV, rule="pro_rata") == Decimal("0.0667")  # 2 / 30
    assert count_occupancy(stays, NOV, rule="min_days", min_days=1) == Decimal(2)


# --- min days (N) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "period, admitted, counted",
    [
        (NOV, D(2026, 11, 16), 1),  # 16-30: 15 days
        (NOV, D(2026, 11, 17), 0),  # 14 days
        (DEC, D(2026, 12, 17), 1),  # 17-31: 15 days
        (DEC, D(2026, 12, 18), 0),
        (D(2027, 2, 1), D(2027, 2, 14), 1),  # 14-28: 15 days
        (D(2027, 2, 1), D(2027, 2, 15), 0),
        (D(2028, 2, 1), D(2028, 2, 15), 1),  # 15-29 in a leap year: 15 days
        (D(2028, 2, 1), D(2028, 2, 16), 0),
    ],
)
def test_min_days_15_counts_a_resident_present_exactly_15_days(period, admitted, counted):
    assert count_occupancy([stay(admitted)], period, rule="min_days", min_days=15) == Decimal(counted)


@pytest.mark.parametrize("discharged, counted", [(D(2026, 11, 15), 1), (D(2026, 11, 14), 0)])
def test_min_days_counts_discharges_from_the_first_day(discharged, counted):
    assert count_occupancy([stay(D(2026, 1, 1), discharged)], NOV, rule="min_days", min_days=15) == Decimal(counted)


def test_two_stays_of_one_person_in_a_month_add_up():
    # 1-8 and 20-27 November: 8 + 8 = 16 days, one person.
    stays = [stay(D(2026, 11, 1), D(2026, 11, 8)), stay(D(2026, 11, 20), D(2026, 11, 27))]

    assert count_occupancy(stays, NOV, rule="min_days", min_days=15) == Decimal(1)
    assert count_occupancy(stays, NOV, rule="pro_rata") == Decimal("0.5333")  # 16 / 30
    assert count_occupancy(stays, NOV, rule="census_day", census_day=10) == Decimal(0)
    assert count_occupancy(stays, NOV, rule="census_day", census_day=20) == Decimal(1)


def test_two_short_stays_of_one_person_below_n_do_not_count():
    stays = [stay(D(2026, 11, 1), D(2026, 11, 7)), stay(D(2026, 11, 20), D(2026, 11, 26))]  # 7 + 7

    assert count_occupancy(stays, NOV, rule="min_days", min_days=15) == Decimal(0)


def test_min_days_without_n_is_refused():
    with pytest.raises(ValueError):
        count_occupancy([stay(D(2026, 1, 1))], NOV, rule="min_days")


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError):
        count_occupancy([stay(D(2026, 1, 1))], NOV, rule="beds_made")


# --- pro rata -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "period, ranges, expected",
    [
        (NOV, [(D(2026, 11, 21), None)], "0.3333"),  # 10 / 30
        (NOV, [(D(2026, 11, 11), None)], "0.6667"),  # 20 / 30 = 0.66666… half-up
        (NOV, [(D(2026, 1, 1), None), (D(2026, 11, 16), None)], "1.5000"),  # 30 + 15
        (D(2028, 2, 1), [(D(2027, 1, 1), None)], "1.0000"),  # the whole of a 29-day February
        (D(2028, 2, 1), [(D(2028, 2, 15), None)], "0.5172"),  # 15 / 29
        (D(2027, 2, 1), [(D(2027, 2, 15), None)], "0.5000"),  # 14 / 28
        (D(2026, 2, 1), [(D(2026, 2, 28), None)], "0.0357"),  # 1 / 28
    ],
)
def test_pro_rata_is_resident_days_over_days_in_month_to_four_places(period, ranges, expected):
    result = count_occupancy(people(*ranges), period, rule="pro_rata")

    assert result == Decimal(expected)
    assert str(result) == expected  # four decimal places


def test_excluded_ids_are_not_counted_by_any_rule():
    stays = people((D(2026, 1, 1), None), (D(2026, 1, 1), None))
    excluded = frozenset({"P001"})

    assert count_occupancy(stays, NOV, rule="min_days", min_days=15, exclude_ids=excluded) == Decimal(1)
    assert count_occupancy(stays, NOV, rule="census_day", exclude_ids=excluded) == Decimal(1)
    assert count_occupancy(stays, NOV, rule="pro_rata", exclude_ids=excluded) == Decimal("1.0000")
