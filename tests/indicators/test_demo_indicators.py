"""The demo's indicator inputs are labelled demo values, and the demo takes 24 months."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from factories import BAOTOU, KUNDULUN

from demo import indicators as demo_indicators
from indicators.models import CommunityCount, Indicator, IndicatorSnapshot, PopulationFigure
from registry.periods import add_months, previous_month

pytestmark = pytest.mark.django_db


def test_the_demo_enters_baotous_counties_as_demo_values_and_takes_24_months(divisions: Any) -> None:
    Indicator.objects.all().delete()  # as on an empty database: the demo loads them itself
    today = timezone.localdate()
    demo_indicators.seed(today)

    county = PopulationFigure.objects.get(division__code=KUNDULUN)
    assert county.is_demo and "演示" in county.source
    assert CommunityCount.objects.filter(division__parent__code=BAOTOU, is_demo=True).count() == len(
        [d for d in divisions.values() if d.parent_id == divisions[BAOTOU].pk]
    )
    census = PopulationFigure.objects.get(division__code=BAOTOU)
    assert not census.is_demo and census.population == 2_709_378
    months = sorted(set(IndicatorSnapshot.objects.values_list("month", flat=True)))
    assert len(months) == 24 and months[-1] == previous_month(today)
    assert months[0] == add_months(months[-1], -23)

    snapshots = IndicatorSnapshot.objects.count()
    demo_indicators.seed(today)  # again the same day: nothing new
    assert IndicatorSnapshot.objects.count() == snapshots
