"""The childcare block of a provider's public page (issue 17): places by age band and
service mode with the vacancies of each mode, fees per mode, inclusive places and their
price cap, demonstration status and the filing with the health commission.

Counts only: no child, guardian or staff member is read here by name or number.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.utils import timezone

from registry.models import AgeBand, CareMode, FeeItem, Provider
from registry.selectors import in_force_on

from .enrolment import enrolled_by_mode


def provider_childcare_section(provider: Provider) -> dict[str, Any]:
    """Nothing for an elderly-care provider (the template then renders nothing)."""
    if not provider.is_childcare:
        return {}
    today = timezone.localdate()
    places: dict[tuple[str, str], int] = {
        (row["mode"], row["age_band"]): row["n"]
        for row in provider.childcare_place_offers.filter(places__gt=0)
        .values("mode", "age_band")
        .annotate(n=Sum("places"))
    }
    enrolled = enrolled_by_mode(provider, today)
    fees = list(
        FeeItem.objects.filter(in_force_on(today), provider=provider)
        .exclude(care_mode="")
        .order_by("care_mode", "amount")
    )
    modes = []
    for mode in CareMode:
        by_band = [places.get((mode.value, band.value), 0) for band in AgeBand]
        mode_fees = [fee for fee in fees if fee.care_mode == mode.value]
        if not any(by_band) and not mode_fees:
            continue
        total = sum(by_band)
        children = enrolled.get(mode.value, 0)
        modes.append(
            {
                "label": mode.label,
                "by_band": by_band,
                "total": total,
                "enrolled": children,
                "vacant": max(total - children, 0),
                "fees": mode_fees,
            }
        )
    return {
        "provider": provider,
        "bands": [band.label for band in AgeBand],
        "modes": modes,
        "as_of": today,
        "health_filing": provider.filing_authority == "health_commission" and bool(provider.filing_number),
    }
