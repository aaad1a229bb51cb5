"""Credit standing: a blacklisted provider receives no subsidy while listed (DOMAIN §2)."""

from __future__ import annotations

import datetime

from django.db.models import Q

from .models import CreditRecord, Provider


def is_blacklisted(provider: Provider, on: datetime.date) -> bool:
    return (
        CreditRecord.objects.filter(provider=provider, kind=CreditRecord.Kind.BLACKLIST, start_on__lte=on)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=on))
        .exists()
    )
