"""A child's age on a day: the age band of places (under 1, 1-2, 2-3 years, none from 3)
and the flag of a child aged 3, from the first day of the month of the 3rd birthday —
each a Python rule for one child and a date bound for lists, which agree."""

from __future__ import annotations

import datetime

import pytest
from childcare_support import ChildFactory

from childcare.ages import (
    age_band_on,
    age_in_months,
    children_enrolled,
    flagged_over_three_on,
    in_band_on,
    is_flagged_over_three,
    over_three_from,
    over_three_still_enrolled,
)
from childcare.models import Child
from registry.models import AgeBand

D = datetime.date
UNDER_1, ONE_TO_TWO, TWO_TO_THREE = AgeBand.UNDER_1, AgeBand.ONE_TO_TWO, AgeBand.TWO_TO_THREE


@pytest.mark.parametrize(
    ("day", "band"),
    [
        (D(2023, 5, 10), UNDER_1),  # the day of birth
        (D(2024, 5, 9), UNDER_1),  # the day before the 1st birthday: 11 full months
        (D(2024, 5, 10), ONE_TO_TWO),  # the 1st birthday
        (D(2024, 5, 11), ONE_TO_TWO),
        (D(2025, 5, 9), ONE_TO_TWO),  # the day before the 2nd birthday: 23 months
        (D(2025, 5, 10), TWO_TO_THREE),  # the 2nd birthday
        (D(2025, 5, 11), TWO_TO_THREE),
        (D(2026, 5, 9), TWO_TO_THREE),  # 35 months: still under 3
        (D(2026, 5, 10), None),  # the 3rd birthday: no band
        (D(2027, 1, 1), None),
    ],
)
def test_the_age_band_turns_on_each_birthday(day, band):
    assert age_band_on(D(2023, 5, 10), day) == band


@pytest.mark.parametrize(
    ("day", "months", "band"),
    [
        (D(2025, 2, 28), 11, UNDER_1),  # no 29 February in 2025: the birthday is 1 March
        (D(2025, 3, 1), 12, ONE_TO_TWO),
        (D(2026, 2, 28), 23, ONE_TO_TWO),
        (D(2026, 3, 1), 24, TWO_TO_THREE),
        (D(2027, 2, 28), 35, TWO_TO_THREE),
        (D(2027, 3, 1), 36, None),
        (D(2028, 2, 29), 48, None),  # a leap year again: the birthday itself
    ],
)
def test_a_child_born_on_29_february_has_its_birthday_on_1_march_in_other_years(day, months, band):
    assert age_in_months(D(2024, 2, 29), day) == months
    assert age_band_on(D(2024, 2, 29), day) == band


def test_a_month_counts_once_its_day_is_reached_or_the_month_has_ended():
    assert age_in_months(D(2025, 1, 31), D(2025, 2, 28)) == 0  # February has no 31st
    assert age_in_months(D(2025, 1, 31), D(2025, 3, 1)) == 1
    assert age_in_months(D(2025, 1, 15), D(2025, 2, 14)) == 0
    assert age_in_months(D(2025, 1, 15), D(2025, 2, 15)) == 1


@pytest.mark.parametrize(
    ("birth", "flagged_from"),
    [
        (D(2023, 5, 20), D(2026, 5, 1)),
        (D(2023, 5, 1), D(2026, 5, 1)),
        (D(2023, 12, 31), D(2026, 12, 1)),
        (D(2024, 2, 29), D(2027, 2, 1)),  # the birth month, whatever the calendar does with the 29th
    ],
)
def test_a_child_is_flagged_from_the_first_day_of_the_month_of_the_third_birthday(birth, flagged_from):
    assert over_three_from(birth) == flagged_from
    assert not is_flagged_over_three(birth, flagged_from - datetime.timedelta(days=1))
    assert is_flagged_over_three(birth, flagged_from)
    assert is_flagged_over_three(birth, flagged_from + datetime.timedelta(days=40))


def test_the_flag_comes_before_the_birthday_while_the_band_waits_for_it():
    birth = D(2023, 5, 20)
    day = D(2026, 5, 10)  # ten days before the 3rd birthday

    assert is_flagged_over_three(birth, day)
    assert age_band_on(birth, day) == TWO_TO_THREE


# --- the query builders agree with the rules -----------------------------------------------------


def _births() -> list[datetime.date]:
    """Every third day over 15 months, and the edges: month ends, a 29 February, the 31sts."""
    births = [D(2022, 12, 1) + datetime.timedelta(days=3 * n) for n in range(150)]
    births += [D(2023, 1, 31), D(2023, 2, 28), D(2023, 3, 1), D(2023, 3, 31), D(2023, 4, 30), D(2023, 12, 31)]
    births += [D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 1), D(2024, 1, 31)]
    return births


def _days() -> list[datetime.date]:
    days = [D(2023, 6, 1) + datetime.timedelta(days=23 * n) for n in range(60)]
    days += [D(2025, 2, 28), D(2025, 3, 1), D(2026, 1, 31), D(2026, 2, 1), D(2026, 2, 28), D(2026, 3, 1)]
    days += [D(2026, 11, 30), D(2026, 12, 1), D(2027, 1, 31), D(2027, 2, 1), D(2027, 2, 28), D(2027, 3, 1)]
    return days


@pytest.mark.django_db
def test_the_sql_flag_and_bands_agree_with_the_python_rules_over_years_of_days(nursery):
    children = [
        ChildFactory(provider=nursery, birth_date=birth, enrolled_on=max(birth, D(2023, 1, 1))) for birth in _births()
    ]

    for day in _days():
        flagged = set(Child.objects.filter(flagged_over_three_on(day)).values_list("pk", flat=True))
        assert flagged == {c.pk for c in children if is_flagged_over_three(c.birth_date, day)}, day
        for band in (UNDER_1, ONE_TO_TWO, TWO_TO_THREE, None):
            in_band = set(Child.objects.filter(in_band_on(band, day)).values_list("pk", flat=True))
            expected = {c.pk for c in children if c.birth_date <= day and age_band_on(c.birth_date, day) == band}
            assert in_band == expected, (day, band)


@pytest.mark.django_db
def test_a_child_is_enrolled_from_the_enrolment_day_to_the_leaving_day(nursery):
    child = ChildFactory(provider=nursery, enrolled_on=D(2025, 9, 1), left_on=D(2026, 6, 30))

    assert not children_enrolled(D(2025, 8, 31)).exists()
    assert list(children_enrolled(D(2025, 9, 1))) == [child]
    assert list(children_enrolled(D(2026, 6, 30))) == [child]
    assert not children_enrolled(D(2026, 7, 1)).exists()


@pytest.mark.django_db
def test_only_children_still_enrolled_are_listed_as_aged_three(nursery):
    staying = ChildFactory(provider=nursery, birth_date=D(2023, 3, 15), enrolled_on=D(2025, 9, 1))
    ChildFactory(provider=nursery, birth_date=D(2023, 3, 20), enrolled_on=D(2025, 9, 1), left_on=D(2026, 2, 28))
    ChildFactory(provider=nursery, birth_date=D(2023, 4, 2), enrolled_on=D(2025, 9, 1))  # flagged from 1 April

    listed = Child.objects.filter(over_three_still_enrolled(D(2026, 3, 1)))

    assert list(listed) == [staying]
