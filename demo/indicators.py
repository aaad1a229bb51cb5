"""The demo's indicator inputs and snapshots: population and community counts for Baotou's
county-level units, marked as demo values (made up, not statistics: the bureau enters the
real ones), then the snapshots of the last 24 closed months.

The snapshots are a backfill: every past month is read with today's capacities (beds,
nursing beds, places) and the lifecycle and residents of that month (docs/indicators.md).
Idempotent: figures are matched by division and year, a month already taken is skipped."""

from __future__ import annotations

import datetime

from indicators import reference_data
from indicators.models import CommunityCount, Indicator, PopulationFigure
from indicators.snapshots import last_closed_month, take_months
from registry.models import Division
from registry.periods import previous_month

from .baotou import BAOTOU

DEMO_YEAR = 2020
DEMO_SOURCE = "演示数值（非统计数据，由民政局录入真实数值）"
SNAPSHOT_MONTHS = 24
# code → (resident population, communities): demo values in a plausible range.
DEMO_FIGURES: dict[str, tuple[int, int]] = {
    "150202": (520_000, 60),
    "150203": (800_000, 90),
    "150204": (520_000, 55),
    "150205": (30_000, 8),
    "150206": (25_000, 6),
    "150207": (300_000, 40),
    "150221": (270_000, 35),
    "150222": (140_000, 20),
    "150223": (90_000, 15),
    "150271": (15_000, 4),
}
OTHER_UNIT = (20_000, 5)  # a unit of Baotou not listed above


def seed_figures() -> int:
    created = 0
    for division in Division.objects.filter(parent__code=BAOTOU).order_by("code"):
        population, communities = DEMO_FIGURES.get(division.code, OTHER_UNIT)
        demo = {"source": DEMO_SOURCE, "is_demo": True}
        _p, made = PopulationFigure.objects.get_or_create(
            division=division, year=DEMO_YEAR, defaults={"population": population, **demo}
        )
        created += made
        _c, made = CommunityCount.objects.get_or_create(
            division=division, year=DEMO_YEAR, defaults={"communities": communities, **demo}
        )
        created += made
    return created


def seed(today: datetime.date) -> dict[str, int]:
    if not Indicator.objects.exists():  # a demo on an empty database: the indicators and the census
        reference_data.load()
    created = seed_figures()
    last = min(previous_month(today), last_closed_month())
    taken = take_months(last=last, months=SNAPSHOT_MONTHS)
    return {"demo figures created": created, **taken}
