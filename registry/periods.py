"""Calendar arithmetic, written once: months, quarters, half years, years, whole days.

Subsidies pay by the month, inspections plan by the month, quarter, half year or year, and the
scale data counts months back from an anchor; they all call these. Pure functions, no
database: ``registry`` imports neither ``subsidies`` nor ``inspections``, so the period
names below are plain strings (inspections' ``Frequency`` values are the same strings).
"""

from __future__ import annotations

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

MONTHLY, QUARTERLY, HALF_YEARLY, YEARLY = "monthly", "quarterly", "half_yearly", "yearly"
# A period that repeats (ad hoc has none: asking for its bounds is a KeyError).
MONTHS_PER_PERIOD: dict[str, int] = {MONTHLY: 1, QUARTERLY: 3, HALF_YEARLY: 6, YEARLY: 12}


def last_day_of_month(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def month_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the month containing ``day``."""
    return day.replace(day=1), last_day_of_month(day.year, day.month)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months later (earlier when negative); a day past
    the end of a shorter month becomes its last day (31 January + 1 month: 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def previous_month(day: datetime.date) -> datetime.date:
    """The first day of the month before the one containing ``day``."""
    return add_months(day.replace(day=1), -1)


def week_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of the week containing ``day`` (the week a Chinese office counts)."""
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def parse_month(value: str) -> datetime.date:
    """``2026-11`` → 2026-11-01; a clear message for anything else."""
    try:
        return datetime.datetime.strptime(value, "%Y-%m").replace(tzinfo=datetime.UTC).date()
    except ValueError:
        raise ValidationError(_("A period is written YYYY-MM, e.g. 2026-11.")) from None


def years_later(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def period_bounds(day: datetime.date, period: str) -> tuple[datetime.date, datetime.date]:
    """First and last day of the month, quarter, half year or year (``period``) containing ``day``.

    >>> period_bounds(datetime.date(2028, 2, 10), "quarterly")
    (datetime.date(2028, 1, 1), datetime.date(2028, 3, 31))
    >>> period_bounds(datetime.date(2026, 11, 23), "half_yearly")
    (datetime.date(2026, 7, 1), datetime.date(2026, 12, 31))
    """
    months = MONTHS_PER_PERIOD[period]
    first_month = (day.month - 1) // months * months + 1
    return datetime.date(day.year, first_month, 1), last_day_of_month(day.year, first_month + months - 1)


def period_label(start: datetime.date, period: str) -> str:
    """``2028-02``, ``2026 Q1``, ``2026 H2`` or ``2026`` for the period starting ``start``."""
    if period == MONTHLY:
        return f"{start:%Y-%m}"
    if period == QUARTERLY:
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    if period == YEARLY:
        return f"{start.year}"
    return f"{start.year} H{(start.month - 1) // 6 + 1}"


def start_of_day(day: datetime.date) -> datetime.datetime:
    """The first moment of ``day`` in the register's time zone."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last moment of ``day`` in the register's time zone."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=timezone.get_current_timezone())
