"""Credit standing: a blacklisted provider receives no subsidy while listed (DOMAIN §2)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from .models import CreditRecord, Provider
from .selectors import covers


def blacklisted_providers(provider_ids: Iterable[int], on: datetime.date) -> frozenset[int]:
    """Which of these providers are on the blacklist on ``on`` (one query)."""
    records = CreditRecord.objects.filter(
        covers(on, on, start="start_on", end="end_on"),
        provider_id__in=list(provider_ids),
        kind=CreditRecord.Kind.BLACKLIST,
        withdrawn_on__isnull=True,  # annulled on objection: it never stood (registry.disclosure)
    )
    return frozenset(records.values_list("provider_id", flat=True))


def is_blacklisted(provider: Provider, on: datetime.date) -> bool:
    return provider.pk in blacklisted_providers([provider.pk], on)
