"""The JSON Schema of each open-data field, beside the allow-list that reads it
(``public.OPEN_DATA_FIELDS``): the OpenAPI document (``openapi.py``) is built from these,
and a field added to the allow-list without a schema stops the site at start-up.

Amounts and coordinates are decimal strings ("2300.00"), as the API writes them
(``public.json_value``): a float would round a yuan amount.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .models import (
    CareMode,
    ChildcareSetting,
    DemonstrationLevel,
    FilingAuthority,
    LegalForm,
    OperationMode,
    ProviderKind,
    ProviderStatus,
    StatusReason,
)
from .occupancy import VacancyBasis
from .public import OPEN_DATA_FIELDS


def text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def code(values: list[str], description: str, *, blank: bool = False) -> dict[str, Any]:
    return {"type": "string", "enum": [*values, *([""] if blank else [])], "description": description}


def maybe(schema: dict[str, Any]) -> dict[str, Any]:
    """The same, or null (no figure)."""
    kind = schema["type"]
    return {**schema, "type": [kind, "null"]} if isinstance(kind, str) else {**schema, "type": [*kind, "null"]}


def count(description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "description": description}


DECIMAL = r"^-?\d+(\.\d+)?$"


def decimal(description: str) -> dict[str, Any]:
    return {"type": "string", "pattern": DECIMAL, "description": description}


def date(description: str) -> dict[str, Any]:
    return {"type": "string", "format": "date", "description": description}


def moment(description: str) -> dict[str, Any]:
    return {"type": "string", "format": "date-time", "description": description}


FIELD_SCHEMAS: dict[str, dict[str, Any]] = {
    "uscc": {**text("Unified social credit code (18 characters)"), "pattern": "^[0-9A-Z]{18}$"},
    "name": text("Registered name"),
    "name_mn": text("Name in Mongolian (traditional script), if the provider recorded one"),
    "kind": code(ProviderKind.values, "Kind of provider"),
    "legal_form": code(LegalForm.values, "Legal form"),
    "operation_mode": code(OperationMode.values, "Operation mode"),
    "division_code": text("Code of the administrative division the provider is registered in"),
    "league_city": text("League or city"),
    "county": text("County, district or banner"),
    "address": text("Address"),
    "phone": text("The provider's public contact phone"),
    "latitude": maybe(decimal("Latitude (WGS 84)")),
    "longitude": maybe(decimal("Longitude (WGS 84)")),
    "grade": {"type": "integer", "minimum": 0, "maximum": 5, "description": "Grade in force (0: not rated)"},
    "beds": count("Beds"),
    "nursing_beds": count("Nursing-type beds"),
    "childcare_places": count("Childcare places"),
    "day_capacity": maybe(count("People served a day (day-care centres and service stations)")),
    "vacancy_basis": code(VacancyBasis.values, "What the vacancies count: beds, childcare places or attendance"),
    "vacancies": maybe(count("Vacant beds or places on occupancy_as_of")),
    "attendance": maybe(count("People served on occupancy_as_of (day-care)")),
    "occupancy_as_of": maybe(date("The day the vacancies or attendance are counted for")),
    "places_under_1": maybe(count("Childcare places for children under 1")),
    "places_1_2": maybe(count("Childcare places for children aged 1 to 2")),
    "places_2_3": maybe(count("Childcare places for children aged 2 to 3")),
    "care_modes": text(f"Childcare service modes offered, separated by ';' ({', '.join(CareMode.values)})"),
    "inclusive_places": maybe(count("Inclusive (普惠) childcare places")),
    "inclusive_price": maybe(decimal("Price cap of an inclusive place (yuan a month)")),
    "demonstration_level": code(DemonstrationLevel.values, "Demonstration provider named by", blank=True),
    "demonstration_year": maybe({"type": "integer", "description": "Year named a demonstration provider"}),
    "childcare_setting": code(ChildcareSetting.values, "How a childcare provider is run", blank=True),
    "filing_authority": code(FilingAuthority.values, "Authority the provider is filed with", blank=True),
    "filing_number": text("Filing number"),
    "has_medical_unit": {"type": "boolean", "description": "In-house medical unit filed"},
    "monthly_fee": maybe(decimal("What one person pays a month at the cheapest options (yuan)")),
    "certified_on": maybe(date("Certified on")),
    "updated_at": moment("Last change of the provider's record"),
}

STATUS_SCHEMA = code(ProviderStatus.values, "Status in the register")
REASON_SCHEMA = code(StatusReason.values, "Why the provider left the directory", blank=True)

if set(FIELD_SCHEMAS) != set(OPEN_DATA_FIELDS):
    missing = sorted(set(OPEN_DATA_FIELDS) - set(FIELD_SCHEMAS))
    extra = sorted(set(FIELD_SCHEMAS) - set(OPEN_DATA_FIELDS))
    raise ImproperlyConfigured(f"open data fields without a schema: {missing}; schemas without a field: {extra}")


def provider_schema() -> dict[str, Any]:
    """One provider of the list (a row of the CSV), as the API writes it."""
    return {
        "type": "object",
        "properties": dict(FIELD_SCHEMAS),
        "required": list(FIELD_SCHEMAS),
        "additionalProperties": False,
    }
