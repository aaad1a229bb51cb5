"""The people of the scale data: residents whose stays cover the window (a few present
at two providers in the same month) and caregivers, with ID and phone numbers encrypted
as their fields would store them."""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from registry.models import CertificateLevel, ProviderKind, ProviderStatus
from safeguards.crypto import encrypt_text, id_number_hash, phone_hash
from safeguards.identifiers import make_id_number

from .kinds import RESIDENTIAL_KINDS
from .people import CARE_LEVEL_WEIGHTS, days, mobile, person_name, random_date, resident_categories
from .scale_providers import PlannedProvider

S = ProviderStatus
DUPLICATE_SHARE = 0.003  # residents also registered at a second provider in the same months
LONG_STAY_SHARE = 0.45  # residents admitted before the first month and still there at its start
DISCHARGED_SHARE = 0.35
RESIDENTS_PER_CAREGIVER = 10


class IdNumbers:
    """Distinct valid ID numbers: the n-th number has its own (birth date, sequence) pair."""

    def __init__(self, first_birth: datetime.date, years: int, start: int) -> None:
        self.first_birth = first_birth
        self.span = years * 365
        self.next = start

    def make(self, area_code: str) -> str:
        n = self.next
        self.next += 1
        birth = self.first_birth + days(n % self.span)
        return make_id_number(area_code, birth, (n // self.span) % 1000)


def allocate(rng: random.Random, total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (the remainder drawn at random)."""
    whole = sum(weights)
    if not whole:
        return [0] * len(weights)
    counts = [total * w // whole for w in weights]
    for index in rng.choices(range(len(weights)), weights=weights, k=total - sum(counts)):
        counts[index] += 1
    return counts


@dataclass
class PeopleContext:
    rng: random.Random
    first_month: datetime.date
    last_day: datetime.date
    area_codes: list[str]
    made: Counter[str] = field(default_factory=Counter)
    per_home: Counter[int] = field(default_factory=Counter)  # residents written per provider


def plan_stay(ctx: PeopleContext, p: PlannedProvider) -> tuple[datetime.date, datetime.date | None]:
    """Admission and discharge: some long stays from before the window, the others inside it."""
    rng = ctx.rng
    start = max(p.opened_on, p.fields.get("filed_on") or p.opened_on)
    if rng.random() < LONG_STAY_SHARE and start < ctx.first_month:
        admitted = random_date(rng, max(start, ctx.first_month - days(5 * 365)), ctx.first_month - days(1))
    else:
        admitted = random_date(rng, max(start, ctx.first_month), p.ends_on)
    discharged = None
    if p.ends_on < ctx.last_day or rng.random() < DISCHARGED_SHARE:
        discharged = min(admitted + days(rng.randint(10, 600)), p.ends_on)
        if discharged > ctx.last_day:
            discharged = None
    return admitted, discharged


def phone_columns(phone: str) -> dict[str, str]:
    """A phone number as the model stores it: its token and keyed hash, or empty."""
    return {"phone": encrypt_text(phone), "phone_hash": phone_hash(phone)} if phone else {"phone": "", "phone_hash": ""}


def resident_row(
    ctx: PeopleContext, p: PlannedProvider, number: str, stay: tuple[datetime.date, datetime.date | None]
) -> dict[str, Any]:
    rng = ctx.rng
    beds = max(p.fields["beds"], 1)
    bed = rng.randrange(beds)
    weights = CARE_LEVEL_WEIGHTS.get(p.kind, [40, 30, 20, 10])
    return {
        "provider_id": p.pk,
        "name": person_name(rng, male=int(number[16]) % 2 == 1, elderly=True),
        "id_number": encrypt_text(number),
        "id_number_hash": id_number_hash(number),
        **phone_columns(mobile(rng) if rng.random() < 0.35 else ""),
        "bed_number": f"{bed // 20 + 1}{(bed % 20) // 2 + 1:02d}-{bed % 2 + 1}",
        "admitted_on": stay[0],
        "discharged_on": stay[1],
        "care_level": rng.choices(["self_care", "partly_disabled", "disabled", "cognitively_impaired"], weights)[0],
        "categories": resident_categories(rng, p.kind, int(number[6:10])),
    }


def resident_rows(
    ctx: PeopleContext, homes: list[PlannedProvider], total: int, numbers: IdNumbers
) -> Iterator[dict[str, Any]]:
    """``total`` residents over the residential providers, in proportion to their beds.

    A few people are registered at two providers with overlapping stays (the grant run
    flags them and counts them for neither).
    """
    rng = ctx.rng
    duplicates = int(total * DUPLICATE_SHARE) if len(homes) > 1 else 0
    counts = allocate(rng, total - duplicates, [p.fields["beds"] for p in homes])
    remembered: list[tuple[str, PlannedProvider]] = []
    keep_every = max(1, (total - duplicates) // max(duplicates, 1))
    for p, count in zip(homes, counts, strict=True):
        local = p.county.code
        for _ in range(count):
            area = local if rng.random() < 0.8 else rng.choice(ctx.area_codes)
            number = numbers.make(area)
            if len(remembered) < duplicates and rng.randrange(keep_every) == 0:
                remembered.append((number, p))
            ctx.per_home[p.pk or 0] += 1
            yield resident_row(ctx, p, number, plan_stay(ctx, p))
    open_homes = [p for p in homes if p.ends_on >= ctx.last_day]
    for number, first_home in remembered:
        other = rng.choice(open_homes or homes)
        if other is first_home:
            continue
        admitted = random_date(rng, ctx.first_month, ctx.last_day)
        ctx.made["residents registered at two providers"] += 1
        ctx.per_home[other.pk or 0] += 1
        yield resident_row(ctx, other, number, (admitted, None))


def caregiver_rows(
    ctx: PeopleContext, planned: list[PlannedProvider], numbers: IdNumbers, taken: set[str]
) -> Iterator[dict[str, Any]]:
    """Caregivers of every operating provider; ID numbers are unique region-wide (``taken``
    holds the keyed hashes already in the database)."""
    rng = ctx.rng
    for p in planned:
        if p.status == S.DRAFT:
            continue
        if p.kind in ProviderKind.childcare():
            count = max(2, p.fields["childcare_places"] // 7)
        elif p.kind in RESIDENTIAL_KINDS:
            count = max(2, ctx.per_home[p.pk or 0] // RESIDENTS_PER_CAREGIVER)
        else:
            count = 2
        for _ in range(count):
            while True:
                number = numbers.make(p.county.code if rng.random() < 0.7 else rng.choice(ctx.area_codes))
                digest = id_number_hash(number)
                if digest not in taken:
                    taken.add(digest)
                    break
            employed_from = random_date(rng, p.opened_on, p.ends_on)
            nursing_since = employed_from - days(rng.randint(0, 3000))
            level = rng.choices(CertificateLevel.values, weights=[20, 45, 25, 10])[0]
            issued = min(nursing_since + days(rng.randint(90, 1500)), ctx.last_day) if level != "none" else None
            employed_to = p.ends_on if p.ends_on < ctx.last_day else None
            ctx.made["caregivers"] += 1
            yield {
                "provider_id": p.pk,
                "name": person_name(rng, male=rng.random() < 0.15, elderly=False),
                "id_number": encrypt_text(number),
                "id_number_hash": digest,
                **phone_columns(mobile(rng)),
                "certificate_level": level,
                "certificate_number": f"YL15{issued.year}{rng.randrange(10**7):07d}" if issued else "",
                "certificate_issued_on": issued,
                "nursing_since": nursing_since,
                "employed_from": employed_from,
                "employed_to": employed_to,
            }
