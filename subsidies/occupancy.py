"""Actual occupancy of a month, by the counting rule the scheme names (DOMAIN §3).

A resident is present on every day from the admission date to the discharge date,
both included. Rules:

- ``census_day``: residents present on the census day (the scheme's day of the month,
  or the month's last day when the day is empty or past the end of a short month);
- ``min_days``: residents present at least N days of the month;
- ``pro_rata``: resident-days ÷ days in the month, to four decimal places.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from .models import OccupancyRule

QUANTITY = Decimal("0.0001")


class Stay(NamedTuple):
    """One resident's stay at one provider (a region's month holds hundreds of thousands:
    a tuple, cheap to make)."""

    id_number: str
    admitted_on: datetime.date
    discharged_on: datetime.date | None


def month_bounds(period: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = period.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months later (earlier if negative), or the last day
    of that month when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def days_present(stay: Stay, period: datetime.date) -> int:
    return _days_between(stay, *month_bounds(period))


def _days_between(stay: Stay, first: datetime.date, last: datetime.date) -> int:
    """Days of ``stay`` from ``first`` to ``last``, both included."""
    start = max(stay.admitted_on, first)
    end = min(stay.discharged_on or last, last)
    return max(0, (end - start).days + 1)


def census_date(period: datetime.date, census_day: int | None) -> datetime.date:
    first, last = month_bounds(period)
    if not census_day or census_day > last.day:
        return last
    return first.replace(day=census_day)


def count_occupancy(
    stays: Iterable[Stay],
    period: datetime.date,
    *,
    rule: str,
    min_days: int | None = None,
    census_day: int | None = None,
    exclude_ids: frozenset[str] = frozenset(),
) -> Decimal:
    """The occupancy of one provider for the month under ``rule`` (before any cap)."""
    first, last = month_bounds(period)
    stays = [s for s in stays if s.id_number not in exclude_ids]
    if rule == OccupancyRule.CENSUS_DAY:
        day = census_date(period, census_day)
        present = {
            s.id_number for s in stays if s.admitted_on <= day and (s.discharged_on is None or s.discharged_on >= day)
        }
        return Decimal(len(present))
    if rule == OccupancyRule.MIN_DAYS:
        if not min_days:
            raise ValueError("the min-days rule needs N")
        days_by_person: dict[str, int] = {}
        for stay in stays:
            days_by_person[stay.id_number] = days_by_person.get(stay.id_number, 0) + _days_between(stay, first, last)
        return Decimal(sum(1 for days in days_by_person.values() if days >= min_days))
    if rule == OccupancyRule.PRO_RATA:
        resident_days = sum(_days_between(s, first, last) for s in stays)
        return (Decimal(resident_days) / Decimal(last.day)).quantize(QUANTITY, rounding=ROUND_HALF_UP)
    raise ValueError(f"unknown occupancy rule {rule!r}")
