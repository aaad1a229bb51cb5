"""Fire-safety status of a provider: accepted, filed, exempt (computed) or missing.

The exemption (000:439-447) applies to a building built and used before a cut-off date
and never altered since, OR with a floor area at or below a threshold, OR an investment
at or below a threshold ("以下" read as inclusive, the tests as either/or). The
thresholds are data (``FireExemptionRule``) for the provider's jurisdiction.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import FireExemptionRule, Licence, Provider
from .selectors import in_force_on

STATUS_LABELS = {
    "accepted": _("Fire acceptance passed"),
    "filed": _("Fire filing done"),
    "exempt": _("Exempt from fire filing"),
    "missing": _("No fire acceptance or filing"),
}


def applicable_fire_exemption_rule(provider: Provider, on: datetime.date) -> FireExemptionRule | None:
    """The rule in force on ``on`` for the nearest jurisdiction containing the provider."""
    codes = [code for code in provider.division.path.split("/") if code]
    rules = FireExemptionRule.objects.filter(in_force_on(on), jurisdiction__code__in=codes).select_related(
        "jurisdiction"
    )
    return max(rules, key=lambda r: (len(r.jurisdiction.path), r.effective_from), default=None)


def is_fire_filing_exempt(provider: Provider, on: datetime.date | None = None) -> bool:
    on = on or timezone.localdate()
    rule = applicable_fire_exemption_rule(provider, on)
    if rule is None:
        return False
    old_and_unaltered = (
        provider.built_on is not None and provider.built_on < rule.built_before and provider.last_altered_on is None
    )
    small_area = provider.floor_area_m2 is not None and provider.floor_area_m2 <= rule.max_floor_area_m2
    small_investment = provider.investment_yuan is not None and provider.investment_yuan <= rule.max_investment_yuan
    return old_and_unaltered or small_area or small_investment


def fire_safety_status(provider: Provider, on: datetime.date | None = None) -> str:
    on = on or timezone.localdate()
    current = {lic.kind for lic in provider.licences.all() if lic.is_current(on)}
    if Licence.Kind.FIRE_ACCEPTANCE in current:
        return "accepted"
    if Licence.Kind.FIRE_FILING in current:
        return "filed"
    if is_fire_filing_exempt(provider, on):
        return "exempt"
    return "missing"
