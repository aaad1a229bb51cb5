"""Each formula against numbers computed by hand from the June 2025 fixture (conftest.py).

In operation on 30 June: a, b (Kundulun institutions), e (nursery), f (certified day-care
centre), g (filed day-care centre), h (public happiness home), i and j (Donghe). Not: c
(filed in July), d (suspended on 20 June).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from factories import BAOTOU, DONGHE, KUNDULUN, ProviderFactory, division
from indicator_support import JUNE

from indicators.formulas import (
    childcare_places_per_thousand,
    day_care_coverage,
    inclusive_place_share,
    nursing_bed_share,
    occupancy_by_kind,
    public_bed_share,
)
from indicators.inputs import month_inputs
from indicators.models import CommunityCount, FormulaKey, Indicator, PopulationFigure
from indicators.status import NO_TARGET, missing_message, target_status
from registry.models import Division, Provider, ProviderKind

pytestmark = pytest.mark.django_db


def at(results: dict[Any, Any], code: str, dimension: str = "") -> Any:
    return results[(division(code).pk, dimension)]


def test_nursing_bed_share_counts_institutions_in_operation_on_the_last_day(june: Any) -> None:
    results = nursing_bed_share(month_inputs(JUNE))
    # Kundulun: a 60/100 + b 20/50 (c not yet filed, d suspended, h is no institution)
    kundulun = at(results, KUNDULUN)
    assert (kundulun.numerator, kundulun.denominator, kundulun.value) == (Decimal(80), Decimal(150), Decimal("53.33"))
    assert at(results, DONGHE).value == Decimal("75.00")  # 150 / 200
    assert at(results, BAOTOU).value == Decimal("65.71")  # 230 / 350: the city sums its counties
    assert at(results, "150000").value == Decimal("65.71")


def test_public_bed_share_counts_every_elderly_kind(june: Any) -> None:
    results = public_bed_share(month_inputs(JUNE))
    assert at(results, KUNDULUN).value == Decimal("37.50")  # (b 50 + h 10) / (a 100 + b 50 + h 10)
    assert at(results, DONGHE).value == Decimal("100.00")
    assert at(results, BAOTOU).value == Decimal("72.22")  # 260 / 360


def test_a_division_without_beds_has_no_data_not_zero(june: Any) -> None:
    result = at(nursing_bed_share(month_inputs(JUNE)), "150100")  # Hohhot: no provider
    assert result.value is None
    assert result.missing == [{"input": "beds", "division": "150100", "name": "呼和浩特市"}]
    with translation.override("en"):
        assert missing_message(result.missing) == "no data: no beds in operation in 呼和浩特市"


def test_childcare_places_per_thousand_uses_the_census_of_the_city(june: Any) -> None:
    results = childcare_places_per_thousand(month_inputs(JUNE))
    baotou = at(results, BAOTOU)
    # e 90 + j 30 places; Baotou 2,709,378 people (2020 census, in force until a newer figure)
    assert (baotou.numerator, baotou.denominator) == (Decimal(120), Decimal(2_709_378))
    assert baotou.value == Decimal("0.04")


def test_childcare_places_without_population_is_no_data_naming_what_is_missing(june: Any) -> None:
    result = at(childcare_places_per_thousand(month_inputs(JUNE)), KUNDULUN)
    assert result.value is None
    assert result.missing == [{"input": "population", "year": 2025, "division": KUNDULUN, "name": "昆都仑区"}]


def test_a_county_figure_applies_from_its_year(june: Any) -> None:
    PopulationFigure.objects.create(division=division(KUNDULUN), year=2024, population=800_000, source="测试")
    PopulationFigure.objects.create(division=division(KUNDULUN), year=2026, population=10, source="测试（以后）")
    result = at(childcare_places_per_thousand(month_inputs(JUNE)), KUNDULUN)
    assert result.value == Decimal("0.11")  # 90 × 1,000 / 800,000 = 0.1125: the 2024 figure, not 2026's


def test_a_city_without_its_own_figure_is_the_sum_of_its_counties(june: Any) -> None:
    baotou = division(BAOTOU)
    PopulationFigure.objects.filter(division=baotou).delete()
    counties = list(Division.objects.filter(parent=baotou).order_by("code"))
    for county in counties:
        PopulationFigure.objects.create(division=county, year=2020, population=100_000, source="测试")
    result = at(childcare_places_per_thousand(month_inputs(JUNE)), BAOTOU)
    assert result.denominator == Decimal(100_000 * len(counties))
    assert result.value == (Decimal(120_000) / Decimal(100_000 * len(counties))).quantize(Decimal("0.01"))

    # One county's figure missing: no data, and the message names that county only.
    PopulationFigure.objects.filter(division=division(DONGHE)).delete()
    result = at(childcare_places_per_thousand(month_inputs(JUNE)), BAOTOU)
    assert result.value is None
    assert [m["name"] for m in result.missing] == ["东河区"]


def test_day_care_coverage_counts_certified_centres_capped_at_the_communities(june: Any) -> None:
    kundulun = division(KUNDULUN)
    community = Division(code="150203001001", name="测试社区", level=Division.Level.VILLAGE, parent=kundulun)
    community.save()
    # Two certified centres in one community cover it once; f (filed at the district) counts as one.
    ProviderFactory(kind=ProviderKind.DAY_CARE_CENTRE, status="certified", filed_on=JUNE, division=community)
    ProviderFactory(kind=ProviderKind.DAY_CARE_CENTRE, status="certified", filed_on=JUNE, division=community)
    CommunityCount.objects.create(division=kundulun, year=2025, communities=4, source="测试")
    result = at(day_care_coverage(month_inputs(JUNE)), KUNDULUN)
    assert (result.numerator, result.denominator, result.value) == (Decimal(2), Decimal(4), Decimal("50.00"))

    CommunityCount.objects.filter(division=kundulun).update(communities=1)
    assert at(day_care_coverage(month_inputs(JUNE)), KUNDULUN).value == Decimal("100.00")  # never above 100 %


def test_day_care_coverage_without_community_counts_is_no_data(june: Any) -> None:
    result = at(day_care_coverage(month_inputs(JUNE)), KUNDULUN)
    assert result.value is None
    assert result.missing[0]["input"] == "communities"


def test_occupancy_by_kind_counts_residents_in_care_on_the_last_day(june: Any) -> None:
    results = occupancy_by_kind(month_inputs(JUNE))
    # a: 3 in care on 30 June (one left on 15 June, one came on 1 July) in 100 beds
    assert at(results, KUNDULUN, ProviderKind.ELDERLY_INSTITUTION).value == Decimal("3.00")
    assert at(results, KUNDULUN, ProviderKind.TOWNSHIP_HOME).value == Decimal("0.00")  # b: 50 beds, nobody
    assert at(results, KUNDULUN, ProviderKind.MEDICAL_ELDERLY).value is None  # no such beds: no data
    assert at(results, DONGHE, ProviderKind.MEDICAL_ELDERLY).value == Decimal("1.00")  # 2 / 200
    assert at(results, BAOTOU, ProviderKind.MEDICAL_ELDERLY).value == Decimal("1.00")


def test_the_no_data_sentence_names_the_input_year_and_division() -> None:
    missing = [{"input": "population", "year": 2026, "division": KUNDULUN, "name": "昆都仑区"}]
    with translation.override("en"):
        assert missing_message(missing) == "no data: population of 2026 for 昆都仑区 missing"


def test_the_inclusive_place_share_divides_inclusive_places_by_the_places_in_operation(
    june: Any, make_provider: Any
) -> None:
    Provider.objects.filter(pk=june["e"].pk).update(inclusive_places=45)  # Kundulun nursery: 45 of 90
    Provider.objects.filter(pk=june["j"].pk).update(inclusive_places=30)  # Donghe: all 30
    # Not in operation on 30 June: filed in July, all 50 of its places inclusive.
    make_provider(
        ProviderKind.INFANT_CARE,
        childcare_places=50,
        inclusive_places=50,
        filed=datetime.date(2025, 7, 5),
        division=division(KUNDULUN),
    )

    results = inclusive_place_share(month_inputs(JUNE))

    kundulun = at(results, KUNDULUN)
    assert (kundulun.numerator, kundulun.denominator, kundulun.value) == (Decimal(45), Decimal(90), Decimal("50.00"))
    assert at(results, DONGHE).value == Decimal("100.00")
    baotou = at(results, BAOTOU)  # 75 / 120: the city sums its counties
    assert (baotou.numerator, baotou.denominator, baotou.value) == (Decimal(75), Decimal(120), Decimal("62.50"))


def test_the_inclusive_place_share_without_places_is_no_data_not_zero(june: Any) -> None:
    result = at(inclusive_place_share(month_inputs(JUNE)), "150100")  # Hohhot: no provider

    assert result.value is None
    assert result.missing == [{"input": "places", "division": "150100", "name": "呼和浩特市"}]
    with translation.override("en"):
        assert missing_message(result.missing) == "no data: no childcare places in operation in 呼和浩特市"


def test_the_inclusive_place_share_is_monitored_without_a_target(june: Any) -> None:
    indicator = Indicator.objects.get(code="inclusive_place_share")

    assert indicator.formula == FormulaKey.INCLUSIVE_PLACE_SHARE
    assert (indicator.target, indicator.comparator, indicator.nature) == (None, "", "")
    assert indicator.source == "002:151; 000:97"
    assert target_status(indicator, Decimal("62.50")) == NO_TARGET
