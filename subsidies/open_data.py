"""The subsidies' key of a provider's open-data record (``/api/providers/<uscc>/``): public
money paid to the provider, by year and scheme, as its page shows it (issue 19). Paid to
the provider whatever its status now (DOMAIN §7 "Public disclosure")."""

from __future__ import annotations

from typing import Any

from registry.models import Provider
from registry.open_data_api import array_of
from registry.open_data_schema import decimal, text
from registry.public import json_value
from registry.public_sections import ApiSection, register_api_section

from .views import provider_subsidies_section


def provider_subsidies(provider: Provider) -> list[dict[str, Any]]:
    return [
        {
            "year": row["year"],
            "scheme": row["scheme__code"],
            "scheme_name": row["scheme__name_zh"],
            "scheme_name_en": row["scheme__name_en"],
            "paid": json_value(row["total"]),
        }
        for row in provider_subsidies_section(provider)["subsidies"]
    ]


def register() -> None:
    register_api_section(
        ApiSection(
            "subsidies",
            provider_subsidies,
            array_of(
                {
                    "year": {"type": "integer", "description": "Year of the months paid for"},
                    "scheme": text("Code of the subsidy scheme"),
                    "scheme_name": text("Name of the scheme (Chinese)"),
                    "scheme_name_en": text("Name of the scheme (English)"),
                    "paid": decimal("Paid in that year (yuan)"),
                },
                "Subsidies paid to the provider, by year and scheme",
            ),
            order=40,
        )
    )
