"""One function per formula key, each named for its rule (docs/indicators.md). Each takes
the month's inputs (``inputs.month_inputs``: a constant number of grouped queries) and
returns every division's result at once, keyed by (division id, dimension).

A result without a value lists what is missing (``Missing``) — never a 0 for an unknown:
a population or community count not entered, or no beds to divide by.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from registry.models import Division, OperationMode, ProviderKind, ProviderStatus

from .inputs import MonthInputs, Tree, resolve_figure
from .models import FormulaKey

K = ProviderKind
# Elderly-care institutions (养老机构, 003:114-119): the residential kinds. Happiness homes,
# day-care centres and service stations are community facilities, not institutions.
INSTITUTION_KINDS = frozenset({K.ELDERLY_INSTITUTION, K.TOWNSHIP_HOME, K.MEDICAL_ELDERLY})
# Occupancy is shown per residential kind (the kinds whose residents stay overnight).
RESIDENTIAL_KINDS = (K.ELDERLY_INSTITUTION, K.TOWNSHIP_HOME, K.MEDICAL_ELDERLY)
# Day-care coverage counts certified community day-care centres (003:327).
COVERING_KIND, COVERING_STATUS = K.DAY_CARE_CENTRE, ProviderStatus.CERTIFIED

HUNDRED, THOUSAND = Decimal(100), Decimal(1000)
CENT = Decimal("0.01")

# What a result may miss: an input not entered for a year, or nothing to divide by.
POPULATION, COMMUNITIES, BEDS, PLACES = "population", "communities", "beds", "places"


@dataclass
class Result:
    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    # [{"input": "population", "year": 2026, "division": "150203", "name": "昆都仑区"}, …]
    missing: list[dict[str, Any]] = field(default_factory=list)


Results = dict[tuple[int, str], Result]


def _missing(what: str, tree: Tree, division_ids: list[int], year: int | None = None) -> list[dict[str, Any]]:
    entries = []
    for division_id in division_ids:
        node = tree.nodes[division_id]
        entry: dict[str, Any] = {"input": what, "division": node.code, "name": node.name}
        if year is not None:
            entry["year"] = year
        entries.append(entry)
    return entries


def _ratio(numerator: int, denominator: int, scale: Decimal) -> Decimal:
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def _share(data: MonthInputs, division_id: int, part: int, whole: int, of: str = BEDS) -> Result:
    """``part`` as a percentage of ``whole`` (beds, or places with ``of=PLACES``); nothing
    to divide by: no data, saying so."""
    if whole == 0:
        return Result(None, Decimal(part), Decimal(0), _missing(of, data.tree, [division_id]))
    return Result(_ratio(part, whole, HUNDRED), Decimal(part), Decimal(whole))


def nursing_bed_share(data: MonthInputs) -> Results:
    """Nursing-type beds as a share of the beds of elderly-care institutions (≥ 55 % by
    2025, binding: 003:114-119, 002:46)."""
    totals = data.rollup(
        (g.path, part, amount)
        for g in data.groups
        if g.kind in INSTITUTION_KINDS
        for part, amount in (("nursing", g.nursing_beds), ("all", g.beds))
    )
    return {
        (d, ""): _share(data, d, totals.get(d, {}).get("nursing", 0), totals.get(d, {}).get("all", 0))
        for d in data.tree.nodes
    }


def public_bed_share(data: MonthInputs) -> Results:
    """Beds of government-run (公办) providers as a share of all elderly-care beds (≤ 50 %,
    000:578-580: "政府运营的养老床位数占本地区养老床位总数的比例不超过50%")."""
    elderly = K.elderly()
    totals = data.rollup(
        (g.path, part, g.beds)
        for g in data.groups
        if g.kind in elderly
        for part in (("public", "all") if g.mode == OperationMode.PUBLIC else ("all",))
    )
    return {
        (d, ""): _share(data, d, totals.get(d, {}).get("public", 0), totals.get(d, {}).get("all", 0))
        for d in data.tree.nodes
    }


def childcare_places_per_thousand(data: MonthInputs) -> Results:
    """Places of the infant-care kinds × 1,000 / the resident population in force for the
    month's year (4.5 by 2025, expected: 002:32)."""
    childcare = K.childcare()
    places = data.rollup((g.path, "places", g.places) for g in data.groups if g.kind in childcare)
    results: Results = {}
    for d in data.tree.nodes:
        count = places.get(d, {}).get("places", 0)
        population = resolve_figure(data.tree, data.population, d)
        if population.value is None:
            missing = _missing(POPULATION, data.tree, population.missing, data.year)
            results[(d, "")] = Result(None, Decimal(count), None, missing)
        else:
            results[(d, "")] = Result(
                _ratio(count, population.value, THOUSAND), Decimal(count), Decimal(population.value)
            )
    return results


def inclusive_place_share(data: MonthInputs) -> Results:
    """Inclusive (普惠) places as a share of the places of the infant-care kinds in
    operation (the same providers as the places per 1,000). Monitored, no target: the plan
    asks for "一定规模的普惠性托位" and more inclusive supply (002:151; 000:97 gives inclusive
    providers priority) but sets no number. No places: no data, never 0 %."""
    childcare = K.childcare()
    totals = data.rollup(
        (g.path, part, amount)
        for g in data.groups
        if g.kind in childcare
        for part, amount in (("inclusive", g.inclusive_places), ("all", g.places))
    )
    return {
        (d, ""): _share(data, d, totals.get(d, {}).get("inclusive", 0), totals.get(d, {}).get("all", 0), PLACES)
        for d in data.tree.nodes
    }


def occupancy_by_kind(data: MonthInputs) -> Results:
    """Residents in care on the month's last day / beds, one result per residential kind
    (dimension = the kind); no target."""
    beds = data.rollup((g.path, g.kind, g.beds) for g in data.groups if g.kind in RESIDENTIAL_KINDS)
    residents = data.rollup((path, kind, n) for path, kind, n in data.residents if kind in RESIDENTIAL_KINDS)
    return {
        (d, kind): _share(data, d, residents.get(d, {}).get(kind, 0), beds.get(d, {}).get(kind, 0))
        for d in data.tree.nodes
        for kind in RESIDENTIAL_KINDS
    }


def day_care_coverage(data: MonthInputs) -> Results:
    """Communities covered by a certified day-care centre / communities (≥ 90 %, 003:327).

    A centre filed at a community (village-level division) covers that community, however
    many centres it has; a centre filed at a higher level counts as one community. The
    covered count never exceeds the communities entered."""
    village_centres: set[str] = set()
    other_centres: list[tuple[str, str, int]] = []
    for g in data.groups:
        if g.kind == COVERING_KIND and g.status == COVERING_STATUS:
            if g.level == Division.Level.VILLAGE:
                village_centres.add(g.path)
            else:
                other_centres.append((g.path, "covered", g.providers))
    covered = data.rollup([*other_centres, *((path, "covered", 1) for path in village_centres)])
    results: Results = {}
    for d in data.tree.nodes:
        count = covered.get(d, {}).get("covered", 0)
        communities = resolve_figure(data.tree, data.communities, d)
        if communities.value is None:
            missing = _missing(COMMUNITIES, data.tree, communities.missing, data.year)
            results[(d, "")] = Result(None, Decimal(count), None, missing)
        else:
            count = min(count, communities.value)
            results[(d, "")] = Result(
                _ratio(count, communities.value, HUNDRED), Decimal(count), Decimal(communities.value)
            )
    return results


FORMULAS: dict[str, Callable[[MonthInputs], Results]] = {
    FormulaKey.NURSING_BED_SHARE: nursing_bed_share,
    FormulaKey.CHILDCARE_PLACES_PER_1000: childcare_places_per_thousand,
    FormulaKey.PUBLIC_BED_SHARE: public_bed_share,
    FormulaKey.OCCUPANCY_BY_KIND: occupancy_by_kind,
    FormulaKey.DAY_CARE_COVERAGE: day_care_coverage,
    FormulaKey.INCLUSIVE_PLACE_SHARE: inclusive_place_share,
}
