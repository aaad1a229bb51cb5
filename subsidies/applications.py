"""What a provider may apply for itself through the portal (issue 18): the construction
grants it could receive, as (scheme, rate key) pairs — the schemes in force whose
jurisdiction, provider kinds and eligibility it meets (``rates.eligible_providers_q``),
with their rates in force for its kind. The clerk then turns an accepted application
into a prepared grant (``instalments.grant_prepare``), which the reviewer approves."""

from __future__ import annotations

import datetime

from django.db.models import Q

from registry.models import Provider

from .instalments import CONSTRUCTION_KINDS
from .models import Rate, SubsidyScheme
from .rate_keys import rate_key_label
from .rates import eligible_providers_q


def construction_options(provider: Provider, day: datetime.date) -> list[tuple[str, str]]:
    """[("SCHEME-CODE|rate_key", "scheme name · key in words")] the provider may apply for."""
    in_force = Q(effective_from__lte=day) & (Q(effective_to__isnull=True) | Q(effective_to__gte=day))
    options = []
    for scheme in SubsidyScheme.objects.filter(in_force, kind__in=CONSTRUCTION_KINDS).order_by("code"):
        if not Provider.objects.filter(pk=provider.pk).filter(eligible_providers_q(scheme)).exists():
            continue
        rates = Rate.objects.filter(in_force, scheme=scheme).order_by("key")
        for rate in rates:
            if rate.provider_kinds and provider.kind not in rate.provider_kinds:
                continue
            options.append((f"{scheme.code}|{rate.key}", f"{scheme.name} · {rate_key_label(rate.key)}"))
    return options
