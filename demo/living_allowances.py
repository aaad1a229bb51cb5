"""Demo living allowances (000:1056-1063): Baotou's counties enter their monthly allowance
per category and their cost standard — DEMO VALUES, the seeds give no figures —, the
residents in extreme poverty or on dibao get their home county (户籍所在地: the county of
their ID card's area code, as for most people here), and the city clerk prepares the run
of the last closed month as a draft for the reviewer. Idempotent: rates and home counties
are only added where missing, the run only made when that month has none."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from registry.models import Division, Resident, User
from registry.selectors import in_any_category
from subsidies import reference_data
from subsidies.models import GrantRun, Rate, SubsidyScheme
from subsidies.runs import run_refresh

from .subsidies import last_closed_month

SCHEME = "IM-LIVING-ALLOWANCE"
RATES_FROM = datetime.date(2025, 1, 1)
DEMO_SOURCE = "demo value, not from the seeds (000:1056-1063 gives no figures)"
URBAN = ["150202", "150203", "150204", "150205", "150206", "150207"]
# Yuan a month: (extreme poverty, dibao, cost standard). Demo values. 达茂旗 (150223) has
# entered no standard yet: its residents' lines say so and have no make-up.
DEMO_RATES: dict[str, tuple[str, str, str | None]] = {
    **dict.fromkeys(URBAN, ("1100", "850", "1800")),
    "150221": ("950", "720", "1500"),
    "150222": ("950", "720", "1500"),
    "150223": ("950", "720", None),
}


def demo_rates(scheme: SubsidyScheme) -> int:
    created = 0
    for code, (extreme_poverty, dibao, standard) in DEMO_RATES.items():
        amounts = {"extreme_poverty": extreme_poverty, "dibao": dibao, "standard": standard}
        for key, amount in amounts.items():
            if amount is None:
                continue
            _rate, new = Rate.objects.get_or_create(
                scheme=scheme,
                key=f"{code}:{key}",
                effective_from=RATES_FROM,
                defaults={"amount": Decimal(amount), "is_example": True, "source": DEMO_SOURCE},
            )
            created += new
    return created


def demo_home_counties(scheme: SubsidyScheme) -> int:
    """The home county of Baotou's residents of the scheme's categories that have none."""
    counties = {d.code: d for d in Division.objects.filter(level=Division.Level.COUNTY, code__in=DEMO_RATES)}
    updated = 0
    residents = Resident.objects.filter(
        in_any_category(scheme.resident_categories),
        home_county__isnull=True,
        provider__division__path__startswith="150000/150200/",
    )
    for resident in residents.order_by("pk"):
        county = counties.get(resident.id_number[:6])
        if county is not None:
            updated += Resident.objects.filter(pk=resident.pk).update(home_county=county)
    return updated


@transaction.atomic
def seed(today: datetime.date) -> dict[str, int]:
    reference_data.load()  # idempotent: the scheme
    scheme = SubsidyScheme.objects.get(code=SCHEME)
    summary = {"demo rates": demo_rates(scheme), "home counties": demo_home_counties(scheme), "runs": 0}
    month = last_closed_month(today)
    if not GrantRun.objects.filter(scheme=scheme, period=month).exists():
        clerk = User.objects.get(username="clerk_baotou")
        run = run_refresh(scheme_code=SCHEME, period=month, division_code="150200", user=clerk)
        summary["runs"] = 1
        summary["lines"] = run.lines.count()
    return summary
