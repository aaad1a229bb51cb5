"""The open data in the shape of the Human Services Data Specification (HSDS 3.0,
Open Referral): a zip of CSV files, one per table, for directories and referral tools
that read HSDS (issue 19).

Each certified provider is one organisation, one location (its premises, with the
address and coordinates), one phone and one service (its kind of care), linked by
``service_at_location``. Identifiers are UUIDs derived from the USCC (``uuid5``), so they
stay the same from one download to the next. ``datapackage.json`` lists the tables and
says when the data were taken (``created``). Only the allow-listed public fields are read
(``public.OPEN_DATA_FIELDS``' row): no personal data.
"""

from __future__ import annotations

import datetime
import io
import json
import uuid
import zipfile
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from .models import Provider, ProviderKind
from .public import open_data_row
from .spreadsheets import csv_bytes

HSDS_VERSION = "3.0"
NAMESPACE = uuid.UUID("6f1c1f5e-2c4b-5a8e-9d61-5e0a6b1d2c19")  # this register's; any fixed UUID would do

TABLES: dict[str, list[str]] = {
    "organizations": ["id", "name", "alternate_name", "description", "tax_id", "legal_status", "website"],
    "locations": ["id", "location_type", "organization_id", "name", "latitude", "longitude"],
    "addresses": ["id", "location_id", "address_1", "city", "region", "state_province", "country", "address_type"],
    "phones": ["id", "location_id", "organization_id", "number", "type"],
    "services": [
        "id",
        "organization_id",
        "name",
        "description",
        "status",
        "fees_description",
        "accreditations",
        "licenses",
        "capacity",
        "last_modified",
    ],
    "service_at_location": ["id", "service_id", "location_id"],
}


def hsds_id(uscc: str, table: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{uscc}/{table}"))


def provider_rows(provider: Any, names: dict[str, str], page_url: str) -> dict[str, list[Any]]:
    """The rows of each table for one annotated certified provider (``public_providers``)."""
    row = open_data_row(provider, names)
    uscc = row["uscc"]
    organization, location, service = (hsds_id(uscc, t) for t in ("organization", "location", "service"))
    kind = str(ProviderKind(row["kind"]).label)
    grade = _("%(grade)s-star grade") % {"grade": row["grade"]} if row["grade"] else ""
    fee = _("From %(fee)s yuan a month") % {"fee": row["monthly_fee"]} if row["monthly_fee"] is not None else ""
    capacity = row["beds"] or row["childcare_places"] or row["day_capacity"] or ""
    return {
        "organizations": [[organization, row["name"], "", kind, uscc, row["legal_form"], page_url]],
        "locations": [[location, "physical", organization, row["name"], row["latitude"], row["longitude"]]],
        "addresses": [
            [
                hsds_id(uscc, "address"),
                location,
                row["address"],
                row["county"],
                row["league_city"],
                _("Inner Mongolia"),
                "CN",
                "physical",
            ]
        ],
        "phones": [[hsds_id(uscc, "phone"), location, organization, row["phone"], "voice"]] if row["phone"] else [],
        "services": [
            [
                service,
                organization,
                kind,
                provider.services,
                "active",
                fee,
                grade,
                row["filing_number"],
                capacity,
                row["updated_at"].isoformat(),
            ]
        ],
        "service_at_location": [[hsds_id(uscc, "service_at_location"), service, location]],
    }


def hsds_zip(
    providers: Iterable[Provider], names: dict[str, str], page_url: Any, taken_at: datetime.datetime
) -> tuple[bytes, int]:
    """The zip's bytes and how many organisations it holds; ``page_url(uscc)`` is the
    provider's public page (the organisation's website in HSDS terms)."""
    tables: dict[str, list[list[Any]]] = {name: [] for name in TABLES}
    count = 0
    for provider in providers:
        count += 1
        for table, rows in provider_rows(provider, names, page_url(provider.uscc)).items():
            tables[table].extend(rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table, header in TABLES.items():
            archive.writestr(f"{table}.csv", csv_bytes(header, tables[table]))
        archive.writestr("datapackage.json", json.dumps(datapackage(taken_at, count), ensure_ascii=False, indent=2))
    return buffer.getvalue(), count


def datapackage(taken_at: datetime.datetime, count: int) -> dict[str, Any]:
    return {
        "name": "inner-mongolia-care-providers-hsds",
        "title": "Inner Mongolia certified care providers (HSDS)",
        "profile": "tabular-data-package",
        "hsds_version": HSDS_VERSION,
        "created": taken_at.isoformat(),
        "organizations": count,
        "resources": [
            {
                "name": table,
                "path": f"{table}.csv",
                "format": "csv",
                "encoding": "utf-8-sig",
                "schema": {"fields": [{"name": column} for column in header]},
            }
            for table, header in TABLES.items()
        ],
    }
