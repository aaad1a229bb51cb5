"""The concerns block of a provider's public page: this provider's concerns counted by
year, category and outcome (one aggregated query, ``statistics.provider_concern_counts``),
and the way to raise one, or why it cannot be raised here."""

from __future__ import annotations

from typing import Any

from registry.models import Provider, ProviderStatus

from .cases import may_receive_concerns
from .statistics import outcome_headings, provider_concern_counts, year_tables


def provider_concerns_section(provider: Provider) -> dict[str, Any]:
    if provider.status == ProviderStatus.DRAFT:
        return {}
    return {
        "provider": provider,
        "may_raise": may_receive_concerns(provider),
        "years": year_tables(provider_concern_counts(provider)),
        "headings": outcome_headings(),
    }
