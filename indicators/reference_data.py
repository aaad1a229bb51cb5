"""The plan indicators and the 2020 census population (DOMAIN §6, §7), loaded by
``manage.py load_reference_data``. Idempotent: rows are matched by code (indicators) and by
division and year (population)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from registry.models import Division

from .models import Comparator, FormulaKey, Indicator, Nature, PopulationFigure, Unit

INDICATORS: list[dict[str, Any]] = [
    {
        "code": "nursing_bed_share",
        "name_zh": "养老机构护理型床位占比",
        "name_en": "Nursing-type bed share of elderly-care institution beds",
        "formula": FormulaKey.NURSING_BED_SHARE,
        "target": Decimal("55"),
        "comparator": Comparator.AT_LEAST,
        "nature": Nature.BINDING,
        "target_year": 2025,
        "unit": Unit.PERCENT,
        "source": "003:114-119; 002:46",
        "order": 10,
    },
    {
        "code": "childcare_places_per_1000",
        "name_zh": "每千人口拥有3岁以下婴幼儿托位数",
        "name_en": "Childcare places for children under 3 per 1,000 population",
        "formula": FormulaKey.CHILDCARE_PLACES_PER_1000,
        "target": Decimal("4.5"),
        "comparator": Comparator.AT_LEAST,
        "nature": Nature.EXPECTED,
        "target_year": 2025,
        "unit": Unit.PER_THOUSAND,
        "source": "002:32",
        "order": 20,
    },
    {
        # Monitored without a target: the seeds ask for inclusive places (002:151 "设置一定
        # 规模的普惠性托位", "增加普惠性托育服务供给"; 000:97) but set no share.
        "code": "inclusive_place_share",
        "name_zh": "普惠性托位占比",
        "name_en": "Share of childcare places that are inclusive",
        "formula": FormulaKey.INCLUSIVE_PLACE_SHARE,
        "target": None,
        "comparator": "",
        "nature": "",
        "target_year": None,
        "unit": Unit.PERCENT,
        "source": "002:151; 000:97",
        "order": 25,
    },
    {
        "code": "public_bed_share",
        "name_zh": "政府运营的养老床位占比",
        "name_en": "Share of elderly-care beds run by the government",
        "formula": FormulaKey.PUBLIC_BED_SHARE,
        "target": Decimal("50"),
        "comparator": Comparator.AT_MOST,
        "nature": Nature.EXPECTED,  # "力争"
        "target_year": 2020,
        "unit": Unit.PERCENT,
        "source": "000:578-580",
        "order": 30,
    },
    {
        "code": "day_care_coverage",
        "name_zh": "社区日间照料机构覆盖率",
        "name_en": "Community day-care coverage",
        "formula": FormulaKey.DAY_CARE_COVERAGE,
        "target": Decimal("90"),
        "comparator": Comparator.AT_LEAST,
        "nature": Nature.EXPECTED,
        "target_year": 2025,
        "unit": Unit.PERCENT,
        "source": "003:327",
        "order": 40,
    },
    {
        "code": "occupancy_by_kind",
        "name_zh": "床位入住率（按机构类型）",
        "name_en": "Bed occupancy by provider kind",
        "formula": FormulaKey.OCCUPANCY_BY_KIND,
        "target": None,
        "comparator": "",
        "nature": "",
        "target_year": None,
        "unit": Unit.PERCENT,
        "source": "DOMAIN §6",
        "order": 50,
    },
]

CENSUS_YEAR = 2020
CENSUS_SOURCE = "第七次全国人口普查 2020-11-01"
# Resident population by league/city, 2020 census (DOMAIN §7): code, name (checked), people.
CENSUS_2020: list[tuple[str, str, int]] = [
    ("150000", "内蒙古自治区", 24_049_155),
    ("150400", "赤峰市", 4_035_967),
    ("150100", "呼和浩特市", 3_446_100),
    ("150500", "通辽市", 2_873_168),
    ("150200", "包头市", 2_709_378),
    ("150700", "呼伦贝尔市", 2_242_875),
    ("150600", "鄂尔多斯市", 2_153_638),
    ("150900", "乌兰察布市", 1_706_328),
    ("150800", "巴彦淖尔市", 1_538_715),
    ("152200", "兴安盟", 1_416_929),
    ("152500", "锡林郭勒盟", 1_107_075),
    ("150300", "乌海市", 556_621),
    ("152900", "阿拉善盟", 262_361),
]


def load_indicators() -> int:
    changed = 0
    for row in INDICATORS:
        values = {k: v for k, v in row.items() if k != "code"}
        indicator, created = Indicator.objects.get_or_create(code=row["code"], defaults=values)
        if created:
            changed += 1
            continue
        # A target or name the bureau changed in the admin is theirs; the formula and the
        # citation follow the code.
        fixed = {"formula": row["formula"], "source": row["source"], "unit": row["unit"]}
        if any(getattr(indicator, k) != v for k, v in fixed.items()):
            Indicator.objects.filter(pk=indicator.pk).update(**fixed)
            changed += 1
    return changed


def load_census() -> int:
    """The 2020 census figures of the divisions loaded (matched by code and name)."""
    divisions = {d.code: d for d in Division.objects.filter(code__in=[code for code, _n, _p in CENSUS_2020])}
    changed = 0
    for code, name, population in CENSUS_2020:
        division = divisions.get(code)
        if division is None or division.name != name:
            continue
        _figure, created = PopulationFigure.objects.update_or_create(
            division=division,
            year=CENSUS_YEAR,
            defaults={"population": population, "source": CENSUS_SOURCE, "is_demo": False},
        )
        changed += created
    return changed


def load() -> dict[str, int]:
    return {"indicators": load_indicators(), "census population": load_census()}
