"""Month arithmetic shared by subsidies, inspections and the scale data (registry/periods.py).
Quarters and half years: tests/inspections/test_periods.py."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from registry.periods import add_months, end_of_day, month_bounds, parse_month, previous_month, start_of_day

D = datetime.date


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (D(2026, 11, 1), D(2026, 11, 1), D(2026, 11, 30)),  # the first day
        (D(2026, 11, 30), D(2026, 11, 1), D(2026, 11, 30)),  # the last day
        (D(2026, 12, 15), D(2026, 12, 1), D(2026, 12, 31)),
        (D(2026, 2, 28), D(2026, 2, 1), D(2026, 2, 28)),
        (D(2028, 2, 10), D(2028, 2, 1), D(2028, 2, 29)),  # leap year
        (D(2100, 2, 10), D(2100, 2, 1), D(2100, 2, 28)),  # century: not a leap year
    ],
)
def test_month_bounds(day, first, last):
    assert month_bounds(day) == (first, last)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),  # past the end of February: its last day
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 11, 1), 2, D(2027, 1, 1)),  # across the new year
        (D(2026, 1, 1), -1, D(2025, 12, 1)),
        (D(2026, 11, 1), -12, D(2025, 11, 1)),  # exactly twelve calendar months
        (D(2026, 5, 15), 0, D(2026, 5, 15)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [(D(2026, 1, 1), D(2025, 12, 1)), (D(2026, 3, 31), D(2026, 2, 1)), (D(2026, 12, 31), D(2026, 11, 1))],
)
def test_previous_month_starts_on_its_first_day(day, expected):
    assert previous_month(day) == expected


def test_parse_month():
    assert parse_month("2026-11") == D(2026, 11, 1)
    for bad in ("2026-13", "2026/11", "11-2026", ""):
        with pytest.raises(ValidationError, match="YYYY-MM"):
            parse_month(bad)


def test_a_day_runs_from_its_first_to_its_last_moment_in_local_time():
    start, end = start_of_day(D(2026, 11, 1)), end_of_day(D(2026, 11, 1))

    assert timezone.localtime(start).date() == timezone.localtime(end).date() == D(2026, 11, 1)
    assert end + datetime.timedelta(microseconds=1) == start_of_day(D(2026, 11, 2))
