"""The concerns' key of a provider's open-data record (``/api/providers/<uscc>/``): how many
concerns citizens raised, by year, category and outcome (``statistics.py``). Counts only."""

from __future__ import annotations

from registry.open_data_api import array_of
from registry.open_data_schema import code
from registry.public_sections import ApiSection, register_api_section

from .models import Category, Outcome
from .statistics import OPEN, provider_concern_counts


def register() -> None:
    register_api_section(
        ApiSection(
            "concerns",
            provider_concern_counts,
            array_of(
                {
                    "year": {"type": "integer", "description": "Year the concerns were received"},
                    "category": code(Category.values, "What the concerns were about"),
                    "outcome": code([*Outcome.values, OPEN], "How they ended, or open"),
                    "count": {"type": "integer", "minimum": 1, "description": "How many"},
                },
                "Concerns received about the provider, latest year first (counts only)",
            ),
            order=70,
        )
    )
