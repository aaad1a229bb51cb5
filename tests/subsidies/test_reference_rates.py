"""The rate tables as ``load_reference_data`` ships them: every scheme of DOMAIN §3 with
its rates, rules and source citation; loading again creates nothing."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from subsidies.models import OccupancyRule, PayerLevel, Rate, SchemeKind, SubsidyScheme

pytestmark = pytest.mark.django_db

REGION, BAOTOU = "150000", "150200"

# code → (jurisdiction, kind, payer level, source starts with, {key: amount})
SCHEMES = {
    "IM-CONSTRUCT-BED": (
        REGION,
        SchemeKind.CONSTRUCTION_PER_BED,
        PayerLevel.REGION,
        "000:1011",
        {"new_build": "6000", "bought_renovated": "4000", "leased_5y": "2000"},
    ),
    "BT-CONSTRUCT-BED": (
        BAOTOU,
        SchemeKind.CONSTRUCTION_PER_BED,
        PayerLevel.LEAGUE_CITY,
        "004:80",
        {"new_build": "5000", "expansion": "2000"},
    ),
    "BT-CONSTRUCT-FIXED": (
        BAOTOU,
        SchemeKind.CONSTRUCTION_FIXED,
        PayerLevel.LEAGUE_CITY,
        "004:80",
        {"happiness_home": "200000", "day_care_centre": "100000", "service_station": "50000"},
    ),
    "IM-OPERATING": (
        REGION,
        SchemeKind.OPERATING,
        PayerLevel.REGION,
        "000:1044",
        {"1": "100", "2": "150", "3": "200", "4": "250", "5": "300"},
    ),
    "BT-OPERATING": (BAOTOU, SchemeKind.OPERATING, PayerLevel.LEAGUE_CITY, "004:80", {"any": "100"}),
    "IM-CAREGIVER": (
        REGION,
        SchemeKind.CAREGIVER_ALLOWANCE,
        PayerLevel.REGION,
        "000:1075",
        {"junior": "300", "intermediate": "500", "senior": "900"},
    ),
    "BT-CAREGIVER": (
        BAOTOU,
        SchemeKind.CAREGIVER_ALLOWANCE,
        PayerLevel.LEAGUE_CITY,
        "004:82",
        {"junior": "100", "intermediate": "300", "senior": "500"},
    ),
    "IM-INSURANCE-532": (REGION, SchemeKind.INSURANCE_COFUNDING, PayerLevel.REGION, "000:1065", {}),
    "BT-INSURANCE-532": (BAOTOU, SchemeKind.INSURANCE_COFUNDING, PayerLevel.LEAGUE_CITY, "004:80", {}),
    "IM-ACCIDENT-631": (REGION, SchemeKind.ACCIDENT_INSURANCE, PayerLevel.GOVERNMENT, "000:1081", {}),
    "BT-DAYCARE-AWARD": (BAOTOU, SchemeKind.AWARD, PayerLevel.LEAGUE_CITY, "004:80", {"award": "10000"}),
    # 000:1034-1040 gives no figure: no range is shipped, the bureau enters it.
    "IM-COMMUNITY-AWARD": (REGION, SchemeKind.AWARD, PayerLevel.REGION, "000:1034", {}),
}
CITATION = re.compile(r"^00[0-4]:\d+(-\d+)?")


def rates_of(code: str) -> dict[str, Decimal]:
    return dict(Rate.objects.filter(scheme__code=code).values_list("key", "amount"))


@pytest.mark.parametrize("code", sorted(SCHEMES))
def test_every_scheme_is_loaded_with_its_rates_and_source(divisions, code):
    jurisdiction, kind, payer_level, source, rates = SCHEMES[code]

    scheme = SubsidyScheme.objects.get(code=code)

    assert (scheme.jurisdiction.code, scheme.kind, scheme.payer_level) == (jurisdiction, kind, payer_level)
    assert scheme.source.startswith(source)
    assert scheme.name_zh and scheme.name_en
    assert rates_of(code) == {key: Decimal(amount) for key, amount in rates.items()}
    for rate in Rate.objects.filter(scheme=scheme):
        assert CITATION.match(rate.source), rate.source
        assert rate.effective_to is None and rate.effective_from >= scheme.effective_from


def test_per_bed_schemes_count_30_m2_a_bed_and_pay_334(divisions):
    for code in ["IM-CONSTRUCT-BED", "BT-CONSTRUCT-BED"]:
        scheme = SubsidyScheme.objects.get(code=code)
        assert scheme.area_per_bed_m2 == Decimal("30")
        assert scheme.instalment_ratios == [3, 3, 4]
    assert SubsidyScheme.objects.get(code="IM-CONSTRUCT-BED").min_lease_years == 5


def test_region_per_bed_subsidy_is_for_social_run_non_profit_institutions_only(divisions):
    scheme = SubsidyScheme.objects.get(code="IM-CONSTRUCT-BED")

    # 000:1011-1013 "社会力量举办的非营利性": not 公办, not 公建民营 (built with public money).
    assert scheme.eligibility == [
        {"legal_form": ["non_profit"], "operation_mode": ["private", "private_built_public_aid"]}
    ]
    assert "elderly_institution" in scheme.provider_kinds


def test_fixed_construction_thresholds(divisions):
    thresholds = {
        rate.key: (rate.threshold_field, rate.threshold_min, rate.provider_kinds)
        for rate in Rate.objects.filter(scheme__code="BT-CONSTRUCT-FIXED")
    }

    assert thresholds == {
        "happiness_home": ("households_served", Decimal("50"), ["happiness_home"]),
        "day_care_centre": ("floor_area_m2", Decimal("150"), ["day_care_centre"]),
        "service_station": ("floor_area_m2", Decimal("100"), ["service_station"]),
    }


def test_region_operating_rates_by_grade_are_marked_as_examples(divisions):
    rates = Rate.objects.filter(scheme__code="IM-OPERATING")

    assert rates.count() == 5
    assert all(rate.is_example for rate in rates)
    scheme = SubsidyScheme.objects.get(code="IM-OPERATING")
    # 000:1044-1052: social-run non-profits, and 公建民营 on equal terms; not 公办.
    assert scheme.eligibility == [
        {"legal_form": ["non_profit"], "operation_mode": ["private", "private_built_public_aid"]},
        {"operation_mode": ["public_built_private_run"]},
    ]


def test_baotou_operating_grant_counts_residents_present_15_days(divisions):
    scheme = SubsidyScheme.objects.get(code="BT-OPERATING")

    assert (scheme.occupancy_rule, scheme.occupancy_min_days) == (OccupancyRule.MIN_DAYS, 15)
    assert not Rate.objects.get(scheme=scheme).is_example


def test_caregiver_schemes_need_two_years_of_nursing(divisions):
    assert set(
        SubsidyScheme.objects.filter(kind=SchemeKind.CAREGIVER_ALLOWANCE).values_list("code", "min_nursing_years")
    ) == {("IM-CAREGIVER", 2), ("BT-CAREGIVER", 2)}


def test_cost_shares(divisions):
    shares = dict(
        SubsidyScheme.objects.filter(code__in=["IM-INSURANCE-532", "BT-INSURANCE-532", "IM-ACCIDENT-631"]).values_list(
            "code", "cost_shares"
        )
    )

    assert shares == {
        "IM-INSURANCE-532": [["region", 5], ["league_city", 3], ["county", 2]],
        "BT-INSURANCE-532": [["region", 5], ["league_city", 3], ["county", 2]],
        "IM-ACCIDENT-631": [["government", 6], ["institution", 3], ["caregiver", 1]],
    }


def test_daycare_award_is_a_range_of_10000_to_50000(divisions):
    rate = Rate.objects.get(scheme__code="BT-DAYCARE-AWARD")

    assert (rate.amount, rate.max_amount) == (Decimal("10000.00"), Decimal("50000.00"))


def test_award_schemes_are_for_day_care_centres_and_service_stations(divisions):
    # 004:80 "社区日间照料中心、养老服务站"; 000:1034-1040 "社区居家养老服务机构 … 以老年人日间照料中心为重点".
    kinds = dict(SubsidyScheme.objects.filter(kind=SchemeKind.AWARD).values_list("code", "provider_kinds"))

    assert kinds == {
        "BT-DAYCARE-AWARD": ["day_care_centre", "service_station"],
        "IM-COMMUNITY-AWARD": ["day_care_centre", "service_station"],
    }


def test_loading_twice_creates_nothing(divisions):
    counts = (SubsidyScheme.objects.count(), Rate.objects.count())
    out = io.StringIO()

    call_command("load_reference_data", stdout=out)

    assert (SubsidyScheme.objects.count(), Rate.objects.count()) == counts
    assert "subsidies: subsidy schemes: 0" in out.getvalue()
    assert "subsidies: rates: 0" in out.getvalue()


def test_loading_again_keeps_a_rate_edited_by_staff(divisions):
    Rate.objects.filter(scheme__code="BT-OPERATING", key="any").update(amount=Decimal("120.00"))

    call_command("load_reference_data", stdout=io.StringIO())

    assert rates_of("BT-OPERATING") == {"any": Decimal("120.00")}
