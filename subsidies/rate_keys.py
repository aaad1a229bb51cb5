"""A rate's key as words (issue 21). Its own module so that the models (``Rate.__str__``)
and the labels of the rest of subsidies can both read it without a cycle."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from registry.labels import choice_label, division_name
from registry.models import CertificateLevel, PremisesBasis, ProviderKind, ResidentCategory

# Rate keys that are neither a premises basis, a provider kind nor a certificate level.
OTHER_RATE_KEYS = {
    "leased_5y": _("Leased, 5 years or more"),
    "any": _("Any grade"),
    "award": _("Award"),
    "standard": _("Cost standard"),
}

# The provider attributes a rate's threshold may test (instalments.construction_quote).
THRESHOLD_FIELDS = ("floor_area_m2", "households_served")


def rate_key_label(key: str) -> str:
    """A rate's key as words: ``new_build`` → 新建, ``150203:dibao`` → 东河区 低保对象, ``3`` → 3级."""
    county, sep, rest = key.partition(":")
    if sep:  # a county's own rate (living allowances, living_allowances.rate_key)
        return f"{division_name(county)} {rate_key_label(rest)}"
    if key.isdigit():
        return str(_("grade %(grade)s") % {"grade": key})
    labels = {
        **dict(PremisesBasis.choices),
        **dict(ProviderKind.choices),
        **dict(CertificateLevel.choices),
        **dict(ResidentCategory.choices),
        **OTHER_RATE_KEYS,
    }
    return choice_label(key, labels)
