"""Period arithmetic: the month, quarter, half year or year containing a day (pure functions)."""

from __future__ import annotations

import datetime
import itertools

import pytest

from inspections.models import Frequency
from registry.periods import period_bounds, period_label

D = datetime.date
M, Q, H, Y = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.HALF_YEARLY, Frequency.YEARLY


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (D(2026, 1, 1), D(2026, 1, 1), D(2026, 1, 31)),
        (D(2026, 2, 14), D(2026, 2, 1), D(2026, 2, 28)),
        (D(2028, 2, 10), D(2028, 2, 1), D(2028, 2, 29)),  # leap year
        (D(2028, 2, 29), D(2028, 2, 1), D(2028, 2, 29)),
        (D(2100, 2, 3), D(2100, 2, 1), D(2100, 2, 28)),  # not a leap year (century)
        (D(2000, 2, 3), D(2000, 2, 1), D(2000, 2, 29)),  # leap year (400)
        (D(2026, 4, 30), D(2026, 4, 1), D(2026, 4, 30)),
        (D(2026, 12, 31), D(2026, 12, 1), D(2026, 12, 31)),
    ],
)
def test_months(day, start, end):
    assert period_bounds(day, M) == (start, end)


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (D(2026, 1, 1), D(2026, 1, 1), D(2026, 3, 31)),
        (D(2028, 2, 29), D(2028, 1, 1), D(2028, 3, 31)),
        (D(2026, 3, 31), D(2026, 1, 1), D(2026, 3, 31)),  # Mar 31 / Apr 1
        (D(2026, 4, 1), D(2026, 4, 1), D(2026, 6, 30)),
        (D(2026, 6, 30), D(2026, 4, 1), D(2026, 6, 30)),  # Jun 30 / Jul 1
        (D(2026, 7, 1), D(2026, 7, 1), D(2026, 9, 30)),
        (D(2026, 9, 30), D(2026, 7, 1), D(2026, 9, 30)),
        (D(2026, 10, 1), D(2026, 10, 1), D(2026, 12, 31)),
        (D(2026, 12, 31), D(2026, 10, 1), D(2026, 12, 31)),  # Dec 31
    ],
)
def test_quarters(day, start, end):
    assert period_bounds(day, Q) == (start, end)


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (D(2026, 1, 1), D(2026, 1, 1), D(2026, 6, 30)),
        (D(2028, 2, 29), D(2028, 1, 1), D(2028, 6, 30)),
        (D(2026, 3, 31), D(2026, 1, 1), D(2026, 6, 30)),
        (D(2026, 4, 1), D(2026, 1, 1), D(2026, 6, 30)),
        (D(2026, 6, 30), D(2026, 1, 1), D(2026, 6, 30)),  # Jun 30 / Jul 1
        (D(2026, 7, 1), D(2026, 7, 1), D(2026, 12, 31)),
        (D(2026, 11, 23), D(2026, 7, 1), D(2026, 12, 31)),
        (D(2026, 12, 31), D(2026, 7, 1), D(2026, 12, 31)),  # Dec 31
    ],
)
def test_halves(day, start, end):
    assert period_bounds(day, H) == (start, end)


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (D(2026, 1, 1), D(2026, 1, 1), D(2026, 12, 31)),
        (D(2028, 2, 29), D(2028, 1, 1), D(2028, 12, 31)),
        (D(2026, 12, 31), D(2026, 1, 1), D(2026, 12, 31)),  # Dec 31 / Jan 1
        (D(2027, 1, 1), D(2027, 1, 1), D(2027, 12, 31)),
    ],
)
def test_years(day, start, end):
    assert period_bounds(day, Y) == (start, end)


@pytest.mark.parametrize("frequency", [M, Q, H, Y])
def test_every_day_of_a_leap_year_lies_in_exactly_one_period_that_tiles_the_year(frequency):
    day, periods = D(2028, 1, 1), []
    while day.year == 2028:
        start, end = period_bounds(day, frequency)
        assert start <= day <= end
        if not periods or periods[-1] != (start, end):
            periods.append((start, end))
        day += datetime.timedelta(days=1)
    assert periods[0][0] == D(2028, 1, 1) and periods[-1][1] == D(2028, 12, 31)
    for (_, end), (next_start, _) in itertools.pairwise(periods):
        assert next_start == end + datetime.timedelta(days=1)
    assert len(periods) == {M: 12, Q: 4, H: 2, Y: 1}[frequency]
    assert sum((end - start).days + 1 for start, end in periods) == 366


def test_ad_hoc_has_no_period():
    with pytest.raises(KeyError):
        period_bounds(D(2026, 1, 1), Frequency.AD_HOC)


@pytest.mark.parametrize(
    ("start", "frequency", "label"),
    [
        (D(2028, 2, 1), M, "2028-02"),
        (D(2026, 1, 1), Q, "2026 Q1"),
        (D(2026, 4, 1), Q, "2026 Q2"),
        (D(2026, 10, 1), Q, "2026 Q4"),
        (D(2026, 1, 1), H, "2026 H1"),
        (D(2026, 7, 1), H, "2026 H2"),
        (D(2026, 1, 1), Y, "2026"),
    ],
)
def test_labels(start, frequency, label):
    assert period_label(start, frequency) == label
