"""The people of a planned demo provider: residents of the residential homes and the
caregivers of every provider, with valid ID numbers and believable careers."""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from typing import Any

from registry.models import CareLevel, CertificateLevel, ProviderKind
from safeguards.identifiers import make_id_number, validate_id_number

from .baotou import BAOTOU_ID_AREAS, DISTRICTS
from .kinds import RESIDENTIAL_KINDS
from .people import CARE_LEVEL_WEIGHTS, add_years, days, mobile, person_name, random_date, resident_categories
from .providers import ProviderPlan


def unique_id_number(
    rng: random.Random,
    area_codes: Sequence[str],
    first_year: int,
    last_year: int,
    *,
    male: bool,
    used: set[str],
    today: datetime.date,
) -> str:
    """A valid ID number not in ``used`` (and add it there); odd sequence digit = male."""
    while True:
        birth = random_date(rng, datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31))
        sequence = rng.randrange(500) * 2 + (1 if male else 0)
        number = make_id_number(rng.choice(area_codes), birth, sequence)
        if number not in used:
            validate_id_number(number, today=today)
            used.add(number)
            return number


def bed_labels(beds: int) -> list[str]:
    """``101-1``, ``101-2``, ``102-1`` …: ten two-bed rooms per floor."""
    return [f"{n // 20 + 1}{(n % 20) // 2 + 1:02d}-{n % 2 + 1}" for n in range(beds)]


# Share of beds taken in a home that operates (a draft home has a few people already),
# and of beds where someone stayed before the current resident.
OCCUPANCY = (0.60, 0.95)
PREVIOUS_STAYS = 0.15


def plan_residents(rng: random.Random, plan: ProviderPlan) -> list[dict[str, Any]]:
    """Residents filling 60-95 % of an operating home's beds (a few in a draft); everyone
    has left a closed or revoked provider. Some beds were someone else's before: that
    stay ended before the current one began."""
    kind = plan.listing.kind
    if kind not in RESIDENTIAL_KINDS:
        return []
    beds = plan.fields["beds"]
    low, high = OCCUPANCY
    in_care = round(beds * rng.uniform(low, high)) if plan.steps else min(rng.randint(5, 12), beds - 1)
    areas = DISTRICTS[plan.listing.division].id_areas
    used: set[str] = set()

    def stay(bed: str, admitted: datetime.date, discharged: datetime.date | None) -> dict[str, Any]:
        male = rng.random() < 0.45
        local = rng.random() < 0.8
        id_number = unique_id_number(
            rng, areas if local else BAOTOU_ID_AREAS, 1930, 1960, male=male, used=used, today=plan.anchor
        )
        return {
            "name": person_name(rng, male=male, elderly=True),
            "id_number": id_number,
            "phone": mobile(rng) if rng.random() < 0.35 else "",
            "bed_number": bed,
            "admitted_on": admitted,
            "discharged_on": discharged,
            "care_level": rng.choices(CareLevel.values, weights=CARE_LEVEL_WEIGHTS[kind])[0],
            "categories": resident_categories(rng, kind, int(id_number[6:10])),
        }

    closed = plan.ends_on < plan.last_day
    earliest = max(plan.opened_on, plan.ends_on - days(6 * 365))
    residents = []
    for bed in rng.sample(bed_labels(beds), in_care):
        admitted = random_date(rng, earliest, plan.ends_on)
        residents.append(stay(bed, admitted, random_date(rng, admitted, plan.ends_on) if closed else None))
    earlier = []
    for current in rng.sample(residents, round(in_care * PREVIOUS_STAYS)):
        left = current["admitted_on"] - days(rng.randint(1, 60))
        if left - days(90) > earliest:
            earlier.append(stay(current["bed_number"], random_date(rng, earliest, left - days(90)), left))
    return residents + earlier


def caregiver_count(plan: ProviderPlan) -> int:
    if plan.listing.kind in ProviderKind.childcare():
        return max(2, min(10, plan.fields["childcare_places"] // 7))
    if plan.residents:  # about one caregiver to five residents in a home, more in small ones
        return max(2, min(60, len(plan.residents) // 5))
    return 0


def plan_caregivers(rng: random.Random, plan: ProviderPlan, used_ids: set[str]) -> list[dict[str, Any]]:
    """2-10 caregivers; about a quarter started nursing less than two years before the anchor."""
    childcare = plan.listing.kind in ProviderKind.childcare()
    areas = DISTRICTS[plan.listing.division].id_areas + BAOTOU_ID_AREAS
    two_years_ago = add_years(plan.anchor, -2) + days(1)
    caregivers = []
    for _ in range(caregiver_count(plan)):
        male = rng.random() < (0.05 if childcare else 0.15)
        id_number = unique_id_number(rng, areas, 1965, 2000, male=male, used=used_ids, today=plan.anchor)
        adult = add_years(datetime.date(int(id_number[6:10]), 12, 31), 18)
        latest_start = plan.ends_on - days(30)
        if latest_start > two_years_ago and rng.random() < 0.25:
            employed_from = random_date(rng, max(two_years_ago, plan.opened_on), latest_start)
            nursing_since = employed_from
        else:
            employed_from = random_date(rng, max(plan.opened_on, adult), latest_start)
            nursing_since = max(adult, employed_from - days(rng.randint(0, 3000)))
        level = rng.choices(CertificateLevel.values, weights=[20, 45, 25, 10])[0]
        certified = level != CertificateLevel.NONE
        issued = min(nursing_since + days(rng.randint(90, 1500)), plan.last_day) if certified else None
        employed_to = None
        if plan.ends_on < plan.last_day:
            employed_to = plan.ends_on
        elif rng.random() < 0.1:
            employed_to = random_date(rng, employed_from, plan.last_day)
        employed_from = min(employed_from, plan.ends_on)
        caregivers.append(
            {
                "name": person_name(rng, male=male, elderly=False),
                "id_number": id_number,
                "phone": mobile(rng) if rng.random() < 0.9 else "",
                "certificate_level": level,
                "certificate_number": certificate_number(rng, level, childcare, issued),
                "certificate_issued_on": issued,
                "nursing_since": nursing_since,
                "employed_from": employed_from,
                "employed_to": employed_to,
            }
        )
    return caregivers


def certificate_number(rng: random.Random, level: str, childcare: bool, issued: datetime.date | None) -> str:
    if issued is None:
        return ""
    level_digit: dict[str, str] = {
        CertificateLevel.JUNIOR: "5",
        CertificateLevel.INTERMEDIATE: "4",
        CertificateLevel.SENIOR: "3",
    }
    trade = "BY" if childcare else "YL"  # 保育师 / 养老护理员
    return f"{trade}1502{issued.year}{level_digit[level]}{rng.randrange(10**6):06d}"
