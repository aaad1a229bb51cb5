"""Rate tables: which scheme applies to a provider and which rate was in force."""

from __future__ import annotations

import datetime

from django.db.models import Q

from registry.models import Provider, ProviderStatus

from .models import Rate, SubsidyScheme


class RateNotFound(LookupError):
    pass


def in_force(on: datetime.date) -> Q:
    return Q(effective_from__lte=on) & (Q(effective_to__isnull=True) | Q(effective_to__gte=on))


def scheme_by_code(code: str) -> SubsidyScheme:
    return SubsidyScheme.objects.select_related("jurisdiction").get(code=code)


def rate_for(scheme: SubsidyScheme, key: str, on: datetime.date) -> Rate:
    """The rate of ``scheme`` for ``key`` in force on ``on``; the latest start wins."""
    rate = scheme.rates.filter(in_force(on), key=key).order_by("-effective_from").first()
    if rate is None:
        raise RateNotFound(f"{scheme.code}: no rate for {key!r} on {on.isoformat()}")
    return rate


def rates_in_force(scheme: SubsidyScheme, on: datetime.date) -> dict[str, Rate]:
    """Every key's rate in force on ``on`` (one query; for runs over many providers)."""
    rates: dict[str, Rate] = {}
    for rate in scheme.rates.filter(in_force(on)).order_by("key", "-effective_from"):
        rates.setdefault(rate.key, rate)
    return rates


def matches_eligibility(scheme: SubsidyScheme, provider: Provider) -> bool:
    """Kind, jurisdiction, legal form / operation mode alternatives and filing of the scheme."""
    if scheme.provider_kinds and provider.kind not in scheme.provider_kinds:
        return False
    if not provider.division.path.startswith(scheme.jurisdiction.path):
        return False
    if scheme.eligibility and not any(
        all(str(getattr(provider, attribute)) in allowed for attribute, allowed in alternative.items())
        for alternative in scheme.eligibility
    ):
        return False
    # Filing required: a provider still in draft has not filed yet.
    return not (scheme.filing_required and provider.status == ProviderStatus.DRAFT)


def eligible_providers_q(scheme: SubsidyScheme) -> Q:
    """The same rule as ``matches_eligibility`` as a query filter (for runs)."""
    q = Q(division__path__startswith=scheme.jurisdiction.path)
    if scheme.provider_kinds:
        q &= Q(kind__in=scheme.provider_kinds)
    if scheme.eligibility:
        alternatives = Q()
        for alternative in scheme.eligibility:
            alternatives |= Q(**{f"{attribute}__in": allowed for attribute, allowed in alternative.items()})
        q &= alternatives
    return q
