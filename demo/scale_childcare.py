"""Infant care at region scale (issue 17), for the benchmark: every operating childcare
provider's places by service mode and age band (adding up to its places, as
``demo.childcare`` splits them), and children enrolled at 70-95 % of them, so that the
public directory's vacant places are counted from real rows. Written with COPY like the
rest of ``demo.scale``; its own ``random.Random`` leaves the other tables' data as it was.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from typing import Any

from registry.models import ProviderKind, ProviderStatus
from safeguards.crypto import encrypt_text, id_number_hash

from .childcare import BAND_MONTHS, add_months, bands_of, modes_of, split
from .people import days, mobile, person_name, random_date
from .scale_people import phone_columns
from .scale_providers import PlannedProvider

OPERATING = {ProviderStatus.FILED, ProviderStatus.CERTIFIED, ProviderStatus.SUSPENDED}


def childcare_providers(planned: list[PlannedProvider]) -> list[PlannedProvider]:
    return [
        p
        for p in planned
        if p.kind in ProviderKind.childcare() and p.status in OPERATING and p.fields["childcare_places"] > 0
    ]


def place_rows(seed: int, providers: list[PlannedProvider]) -> Iterator[dict[str, Any]]:
    for p in providers:
        rng = random.Random(f"{seed}:places:{p.pk}")
        for mode, mode_places in split(p.fields["childcare_places"], modes_of(rng, p.kind)).items():
            for band, places in split(mode_places, bands_of(p.kind)).items():
                if places:
                    yield {"provider_id": p.pk, "mode": mode, "age_band": band, "places": places}


def child_rows(seed: int, providers: list[PlannedProvider], last_day: datetime.date) -> Iterator[dict[str, Any]]:
    """Children enrolled at 70-95 % of each provider's places, under 3 on ``last_day``.
    The identifier is a birth-certificate number: unique by construction (a serial)."""
    serial = 0
    for p in providers:
        rng = random.Random(f"{seed}:children:{p.pk}")
        for row in place_rows(seed, [p]):
            for _ in range(round(row["places"] * rng.uniform(0.7, 0.95))):
                serial += 1
                youngest, oldest = BAND_MONTHS[row["age_band"]]
                birth = random_date(rng, add_months(last_day, -oldest), add_months(last_day, -youngest))
                identifier = f"S{serial:09d}"
                earliest = max(birth + days(183), p.opened_on, last_day - days(400))
                yield {
                    "provider_id": p.pk,
                    "name": person_name(rng, male=rng.random() < 0.5, elderly=False),
                    "id_number": encrypt_text(identifier),
                    "id_number_hash": id_number_hash(identifier),
                    **phone_columns(mobile(rng)),
                    "birth_date": birth,
                    "mode": row["mode"],
                    "enrolled_on": random_date(rng, min(earliest, last_day), last_day),
                    "left_on": None,  # operating providers only
                    "guardian_name": person_name(rng, male=rng.random() < 0.3, elderly=False),
                    "childcare_class_id": None,
                }
