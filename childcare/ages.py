"""A child's age on a day: in full months, as an age band of childcare places, and the
flag of a child who has reached 3 and so no longer belongs in infant care.

Infant care is for children under 3 (000:36-38, "3岁以下婴幼儿"); places are offered by
age band (registry ``AgeBand``: under 1, 1-2, 2-3 years). The rules, in words:

- *age in full months*: the months from the birth date to the day, a month counting once
  its day of the month is reached. A child born on 31 January is one month old on 1 March
  (February has no 31st); one born on 29 February has its first birthday on 1 March in a
  year without a 29 February, as a Chinese age in full years (周岁) is counted from the
  day after the birthday.
- *age band on a day*: under 12 full months → under 1; 12-23 → 1 to 2; 24-35 → 2 to 3;
  from 36 full months, no band: the child is 3.
- *flagged over 3*: from the first day of the month of the 3rd birthday (issue 17: "a child
  over 3 is flagged at the month they turn 3"), so that a provider has the month to arrange
  the move to kindergarten. That month is always the birth month, 29 February births
  included (flagged from 1 February).

Each rule has a Python function (for one child) and, where lists need it, a query builder
that says the same thing with a date bound on ``birth_date`` (no per-row Python), tested
to agree (``tests/childcare/test_ages.py``).
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from registry.models import AgeBand
from registry.periods import add_months

from .models import Child

# The band's upper bound in full months: a child younger than this is in the band.
BAND_LIMITS: tuple[tuple[AgeBand, int], ...] = (
    (AgeBand.UNDER_1, 12),
    (AgeBand.ONE_TO_TWO, 24),
    (AgeBand.TWO_TO_THREE, 36),
)
THREE_YEARS_IN_MONTHS = 36


def age_in_months(birth_date: datetime.date, day: datetime.date) -> int:
    """Full months from ``birth_date`` to ``day`` (negative before birth)."""
    months = (day.year - birth_date.year) * 12 + (day.month - birth_date.month)
    return months - 1 if day.day < birth_date.day else months


def born_by_for_age(day: datetime.date, months: int) -> datetime.date:
    """The latest birth date of a child aged at least ``months`` full months on ``day``:
    ``age_in_months(b, day) >= months`` exactly when ``b <= born_by_for_age(day, months)``
    (the same day ``months`` earlier, the month's last day when it is shorter)."""
    return add_months(day, -months)


def age_band_on(birth_date: datetime.date, day: datetime.date) -> AgeBand | None:
    """The age band of places a child belongs to on ``day``; None from 3 years (36 months)."""
    months = age_in_months(birth_date, day)
    for band, limit in BAND_LIMITS:
        if months < limit:
            return band
    return None


def over_three_from(birth_date: datetime.date) -> datetime.date:
    """The day from which a child is flagged as aged 3: the first of the month of the 3rd
    birthday (always the birth month, three years on)."""
    return datetime.date(birth_date.year + 3, birth_date.month, 1)


def is_flagged_over_three(birth_date: datetime.date, day: datetime.date) -> bool:
    return over_three_from(birth_date) <= day


# --- the same rules as query filters ---------------------------------------------------------


def enrolled_on(day: datetime.date, *, prefix: str = "") -> Q:
    """Children enrolled on ``day``: enrolled that day or before, not left before it (a child
    is enrolled on the day of enrolment and on the day of leaving)."""
    return Q(**{f"{prefix}enrolled_on__lte": day}) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gte": day})
    )


def flagged_over_three_on(day: datetime.date, *, prefix: str = "") -> Q:
    """Children flagged as aged 3 on ``day``: ``over_three_from(birth) <= day`` holds exactly
    for births before the first day of the month after ``day``'s, three years earlier."""
    next_month = add_months(day.replace(day=1), 1)
    return Q(**{f"{prefix}birth_date__lt": add_months(next_month, -THREE_YEARS_IN_MONTHS)})


def over_three_still_enrolled(day: datetime.date) -> Q:
    """Children enrolled on ``day`` and flagged as aged 3 that day: the clerk's list to act
    on (the workbench counts it; the children list's "aged 3 or over" filter shows it)."""
    return enrolled_on(day) & flagged_over_three_on(day)


def in_band_on(band: AgeBand | None, day: datetime.date, *, prefix: str = "") -> Q:
    """Children of ``band`` on ``day`` (None: aged 3 or more, in full months)."""
    field = f"{prefix}birth_date"
    lower = 0
    for each, limit in BAND_LIMITS:
        if each == band:
            # Younger than ``limit`` months, and at least ``lower`` months old.
            return Q(**{f"{field}__gt": born_by_for_age(day, limit)}) & Q(
                **{f"{field}__lte": born_by_for_age(day, lower)}
            )
        lower = limit
    return Q(**{f"{field}__lte": born_by_for_age(day, THREE_YEARS_IN_MONTHS)})


def children_enrolled(day: datetime.date) -> QuerySet[Child]:
    return Child.objects.filter(enrolled_on(day))
