"""Payment holds: opened by one app (inspections), read by another (subsidies)."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Provider, ProviderHold
from .selectors import holds_in_force


def hold_open(*, provider: Provider, source: str, reason: str) -> ProviderHold:
    """Open a hold for ``source``; opening it again while open returns the same hold."""
    existing = ProviderHold.objects.filter(provider=provider, source=source, ended_at__isnull=True).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return ProviderHold.objects.create(
                provider=provider, source=source, reason=reason, started_at=timezone.now()
            )
    except IntegrityError:  # a concurrent caller opened it first
        return ProviderHold.objects.get(provider=provider, source=source, ended_at__isnull=True)


def hold_close(*, provider: Provider, source: str) -> int:
    """Close the open hold for ``source``; returns how many were closed (0 or 1)."""
    return ProviderHold.objects.filter(provider=provider, source=source, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )


def active_holds(provider: Provider, at: datetime.datetime | None = None) -> list[ProviderHold]:
    """Holds in force at ``at`` (default now): the subsidies app pays nothing while any exist."""
    at = at or timezone.now()
    return list(ProviderHold.objects.filter(holds_in_force(at), provider=provider))
