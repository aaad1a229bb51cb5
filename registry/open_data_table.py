"""The open-data download as a person reads it (issue 21): the same allowlisted columns as
``/providers.csv`` (``public.OPEN_DATA_FIELDS``), headed by their names and with every
choice by its label and every yes/no as 是/否, in the language of the page (English under
/en/). ``/providers.csv`` stays the machine-readable file: field names and codes, as the
API gives them (docs/registry.md)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .labels import choice_label, choice_labels, field_label, yes_no
from .models import (
    CareMode,
    ChildcareSetting,
    DemonstrationLevel,
    FilingAuthority,
    LegalForm,
    OperationMode,
    Provider,
    ProviderKind,
)
from .occupancy import VacancyBasis
from .public import OPEN_DATA_FIELDS

# Columns that are not a provider field of the same name.
OPEN_DATA_HEADERS = {
    "division_code": _("division code"),
    "league_city": _("league/city"),
    "county": _("banner/county/district"),
    "phone": _("contact phone"),
    "vacancies": _("vacancies"),
    "vacancy_basis": _("vacancies counted as"),
    "attendance": _("latest daily attendance"),
    "occupancy_as_of": _("occupancy as of"),
    "vacancies_reported_by_provider": _("vacancies reported by the provider"),
    "places_under_1": _("places for children under 1"),
    "places_1_2": _("places for children of 1 to 2"),
    "places_2_3": _("places for children of 2 to 3"),
    "care_modes": _("childcare service modes"),
    "monthly_fee": _("monthly fee from (yuan)"),
}

OPEN_DATA_CHOICES: dict[str, Any] = {
    "kind": ProviderKind,
    "legal_form": LegalForm,
    "operation_mode": OperationMode,
    "vacancy_basis": VacancyBasis,
    "demonstration_level": DemonstrationLevel,
    "childcare_setting": ChildcareSetting,
    "filing_authority": FilingAuthority,
}
# Several codes in one cell, separated by ";".
OPEN_DATA_CODE_LISTS: dict[str, Any] = {"care_modes": CareMode}
OPEN_DATA_BOOLEANS = frozenset({"has_medical_unit", "vacancies_reported_by_provider"})


def open_data_header() -> list[str]:
    """The columns' names in the active language."""
    header = []
    for name in OPEN_DATA_FIELDS:
        if name in OPEN_DATA_HEADERS:
            header.append(str(OPEN_DATA_HEADERS[name]))
            continue
        try:
            header.append(field_label(Provider, name))
        except FieldDoesNotExist:
            header.append(name)
    return header


def readable_value(name: str, value: Any) -> Any:
    """One open-data value as a person reads it: a choice by its label, a boolean as 是/否."""
    if name in OPEN_DATA_CHOICES and value:
        return choice_label(value, OPEN_DATA_CHOICES[name])
    if name in OPEN_DATA_CODE_LISTS and value:
        return choice_labels(value.split(";"), OPEN_DATA_CODE_LISTS[name])
    if name in OPEN_DATA_BOOLEANS:
        return yes_no(value)
    if isinstance(value, datetime.datetime):  # the bureau's time, to the minute
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return value


def readable_open_data_row(row: dict[str, Any]) -> list[Any]:
    """``public.open_data_row`` with its codes and booleans as words."""
    return [readable_value(name, value) for name, value in row.items()]
