"""Children enrolled at a provider on a day: what the public register's vacancies of a
childcare provider are computed from (places by mode and age band, ``registry.ChildcarePlaces``,
less the children enrolled), and what tells its feeds that they changed.

The registry does not import this app; the functions are registered with its occupancy
hook. Each is one query whatever the number of children.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce

from registry.models import AgeBand, CareMode, Provider
from registry.selectors import count_per_provider

from .ages import BAND_LIMITS, enrolled_on, in_band_on
from .models import Child

OVER_3 = "over_3"  # the key of the children aged 3 or more in ``enrolled_by_band``


def enrolled_count(day: datetime.date) -> Coalesce:
    """The provider's (``OuterRef("pk")``) children enrolled on ``day``, as a correlated
    subquery that annotates a page of providers in the same query (0 without children)."""
    return count_per_provider(Child.objects.filter(enrolled_on(day)))


def enrolled_by_mode(provider: Provider, day: datetime.date) -> dict[str, int]:
    """Children enrolled on ``day`` per service mode; every mode is a key (0 when none)."""
    counts = dict.fromkeys(CareMode.values, 0)
    rows = (
        Child.objects.filter(enrolled_on(day), provider=provider).order_by().values_list("mode").annotate(n=Count("pk"))
    )
    for mode, n in rows:
        counts[mode] = n
    return counts


def enrolled_by_band(provider: Provider, day: datetime.date) -> dict[str, int]:
    """Children enrolled on ``day`` per age band on that day (``ages.age_band_on``); those
    aged 3 or more (36 full months) under ``"over_3"``. Every key is present (0 when none)."""
    bands: list[AgeBand | None] = [band for band, _limit in BAND_LIMITS]
    # One aggregate: a conditional count per band.
    counts = {(band.value if band else OVER_3): Count("pk", filter=in_band_on(band, day)) for band in [*bands, None]}
    result = Child.objects.filter(enrolled_on(day), provider=provider).aggregate(**counts)
    return {key: int(value or 0) for key, value in result.items()}


def providers_with_child_changes(since: datetime.datetime) -> QuerySet[Any]:
    """The ids (``provider_id``) of providers whose children were added, changed or removed
    after ``since``, from the children's history: their vacancies may have changed."""
    return Child.history.filter(history_date__gt=since).values("provider_id").distinct()
