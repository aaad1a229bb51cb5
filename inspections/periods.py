"""Period arithmetic: the month, quarter or half year containing a day."""

from __future__ import annotations

import calendar
import datetime

from .models import Frequency

MONTHS_PER_PERIOD: dict[str, int] = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.HALF_YEARLY: 6}


def period_bounds(day: datetime.date, frequency: str) -> tuple[datetime.date, datetime.date]:
    """First and last day of the period of ``frequency`` that contains ``day``.

    >>> period_bounds(datetime.date(2028, 2, 10), "quarterly")
    (datetime.date(2028, 1, 1), datetime.date(2028, 3, 31))
    >>> period_bounds(datetime.date(2026, 11, 23), "half_yearly")
    (datetime.date(2026, 7, 1), datetime.date(2026, 12, 31))
    """
    months = MONTHS_PER_PERIOD[frequency]
    first_month = (day.month - 1) // months * months + 1
    last_month = first_month + months - 1
    start = datetime.date(day.year, first_month, 1)
    end = datetime.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])
    return start, end


def period_label(start: datetime.date, frequency: str) -> str:
    if frequency == Frequency.MONTHLY:
        return f"{start:%Y-%m}"
    if frequency == Frequency.QUARTERLY:
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return f"{start.year} H{(start.month - 1) // 6 + 1}"
