"""Actual occupancy of a month, by the counting rule the scheme names (DOMAIN §3).

A resident is present on every day from the admission date to the discharge date,
both included. Rules:

- ``census_day``: residents present on the census day (the scheme's day of the month,
  or the month's last day when the day is empty or past the end of a short month);
- ``min_days``: residents present at least N days of the month;
- ``pro_rata``: resident-days ÷ days in the month, to four decimal places.

``weighted=True`` counts each resident at their stay's care-level weight instead of once
(``care_weights.py``): census day and min days add the weight (a person with two stays
adds the larger), pro rata adds weight × days.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from registry.periods import month_bounds

from .models import OccupancyRule

QUANTITY = Decimal("0.0001")


class Stay(NamedTuple):
    """One resident's stay at one provider (a region's month holds hundreds of thousands:
    a tuple, cheap to make)."""

    id_number: str
    admitted_on: datetime.date
    discharged_on: datetime.date | None
    weight: Decimal = Decimal(1)  # the care level's weight (care_weights.py); 1: counted once


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
    weighted: bool = False,
) -> Decimal:
    """The occupancy of one provider for the month under ``rule`` (before any cap);
    ``weighted``: each resident counts their stay's weight."""
    first, last = month_bounds(period)
    stays = [s for s in stays if s.id_number not in exclude_ids]
    if rule == OccupancyRule.CENSUS_DAY:
        day = census_date(period, census_day)
        present = {
            s.id_number for s in stays if s.admitted_on <= day and (s.discharged_on is None or s.discharged_on >= day)
        }
        if weighted:
            return _weight_of_people(s for s in stays if s.admitted_on <= day <= (s.discharged_on or day))
        return Decimal(len(present))
    if rule == OccupancyRule.MIN_DAYS:
        if not min_days:
            raise ValueError("the min-days rule needs N")
        days_by_person: dict[str, int] = {}
        for stay in stays:
            days_by_person[stay.id_number] = days_by_person.get(stay.id_number, 0) + _days_between(stay, first, last)
        if weighted:
            return _weight_of_people(s for s in stays if days_by_person[s.id_number] >= min_days)
        return Decimal(sum(1 for days in days_by_person.values() if days >= min_days))
    if rule == OccupancyRule.PRO_RATA:
        if weighted:
            weighted_days = sum((s.weight * _days_between(s, first, last) for s in stays), Decimal(0))
            return (weighted_days / Decimal(last.day)).quantize(QUANTITY, rounding=ROUND_HALF_UP)
        resident_days = sum(_days_between(s, first, last) for s in stays)
        return (Decimal(resident_days) / Decimal(last.day)).quantize(QUANTITY, rounding=ROUND_HALF_UP)
    raise ValueError(f"unknown occupancy rule {rule!r}")


def _weight_of_people(stays: Iterable[Stay]) -> Decimal:
    """The counted people's weights: each person once, at the larger weight of their stays."""
    weights: dict[str, Decimal] = {}
    for stay in stays:
        weights[stay.id_number] = max(stay.weight, weights.get(stay.id_number, stay.weight))
    return sum(weights.values(), Decimal(0))
