"""One provider's open-data record: ``/api/providers/<uscc>/`` (issue 19).

The record is the provider's row of the list (``public.OPEN_DATA_FIELDS``), its status, and
one key per registered ``ApiSection``: the registry's own (status history, fees in force,
published annual reports) and those the other apps add from their ``ready()``
(inspections and findings, subsidies, grades, credit entries, concerns). Every value is
built here or by the section, and described by the section's JSON Schema, from which
``openapi.py`` writes the OpenAPI document.

A provider no longer listed (suspended, closed, revoked, or filed and not yet certified)
keeps its record, as it keeps its page, without the figures that would read as current:
vacancies, attendance and the monthly fee are null and no fee is in force.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .disclosure import public_credit_entries
from .grades import public_grades
from .models import (
    CareMode,
    CreditDisclosure,
    CreditObjection,
    CreditRecord,
    FeeItem,
    Provider,
    ProviderStatus,
    ProviderStatusChange,
)
from .open_data_schema import FIELD_SCHEMAS, REASON_SCHEMA, STATUS_SCHEMA, code, date, decimal, maybe, text
from .public import json_value, open_data_row, status_notice
from .public_sections import ApiSection, api_sections, register_api_section
from .selectors import in_force_on

# What only a listed provider publishes: for any other they would describe a service it no
# longer offers.
UNLISTED_NULLS = ("vacancies", "attendance", "occupancy_as_of", "monthly_fee")


def provider_record(provider: Provider, names: dict[str, str]) -> dict[str, Any]:
    """The whole record of an annotated provider (``public.page_providers``)."""
    row = {key: json_value(value) for key, value in open_data_row(provider, names).items()}
    listed = provider.status == ProviderStatus.CERTIFIED
    if not listed:
        row.update(dict.fromkeys(UNLISTED_NULLS))
    notice = status_notice(provider)
    record: dict[str, Any] = {
        **row,
        "status": provider.status,
        "listed": listed,
        "status_changed_on": json_value(notice.effective_on) if notice else None,
        "status_reason": notice.reason_category if notice else "",
    }
    for section in api_sections():
        record[section.name] = section.build(provider)
    return record


def record_schema() -> dict[str, Any]:
    """The JSON Schema of ``provider_record``, from the same field and section schemas."""
    properties: dict[str, Any] = {
        **FIELD_SCHEMAS,
        "status": STATUS_SCHEMA,
        "listed": {"type": "boolean", "description": "Listed in the directory (certified)"},
        "status_changed_on": maybe(date("Since when the provider has had its status, when not certified")),
        "status_reason": REASON_SCHEMA,
    }
    for section in api_sections():
        properties[section.name] = section.schema
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def array_of(properties: dict[str, Any], description: str) -> dict[str, Any]:
    """A list of objects, each with every key of ``properties``."""
    item = {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}
    return {"type": "array", "items": item, "description": description}


# --- the registry's own sections -------------------------------------------------------------


def status_history(provider: Provider) -> list[dict[str, Any]]:
    """Each lifecycle change, oldest first, with its public reason category (the clerk's
    own words stay in the back office)."""
    changes = provider.status_changes.order_by("effective_on", "recorded_at", "id")
    return [
        {
            "action": change.action,
            "from_status": change.from_status,
            "to_status": change.to_status,
            "effective_on": json_value(change.effective_on),
            "reason_category": change.reason_category,
        }
        for change in changes.only("action", "from_status", "to_status", "effective_on", "reason_category")
    ]


def fees_in_force(provider: Provider) -> list[dict[str, Any]]:
    if provider.status != ProviderStatus.CERTIFIED:
        return []
    fees = provider.fee_items.filter(in_force_on(timezone.localdate())).order_by("kind", "name", "pk")
    return [
        {
            "kind": fee.kind,
            "name": fee.name,
            "amount": json_value(fee.amount),
            "unit": fee.unit,
            "care_mode": fee.care_mode,
            "effective_from": json_value(fee.effective_from),
        }
        for fee in fees
    ]


REPORT_FIGURES = {
    "total_income": "Total income (yuan)",
    "total_expenditure": "Total expenditure (yuan)",
    "total_assets": "Total assets (yuan)",
    "subsidies_received": "Government subsidies received (yuan)",
    "subsidies_used": "Government subsidies used (yuan)",
}


def published_reports(provider: Provider) -> list[dict[str, Any]]:
    """Annual financial reports once published, newest first, with their figures."""
    reports = provider.annual_reports.filter(published_on__isnull=False).order_by("-year")
    return [
        {
            "year": report.year,
            "published_on": json_value(report.published_on),
            **{figure: json_value(getattr(report, figure)) for figure in REPORT_FIGURES},
        }
        for report in reports
    ]


def jsonable(value: Any) -> Any:
    """A value with its dates and amounts written as the API writes them, at any depth."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    return json_value(value)


def grades(provider: Provider) -> list[dict[str, Any]]:
    return jsonable(public_grades(provider))


def credit_entries(provider: Provider) -> list[dict[str, Any]]:
    return jsonable(public_credit_entries(provider))


def register() -> None:
    """The registry's keys of the record, from its AppConfig.ready."""
    statuses = STATUS_SCHEMA["enum"]
    register_api_section(
        ApiSection(
            "status_history",
            status_history,
            array_of(
                {
                    "action": code(ProviderStatusChange.Action.values, "Lifecycle action"),
                    "from_status": code(statuses, "Status before"),
                    "to_status": code(statuses, "Status after"),
                    "effective_on": date("Effective on"),
                    "reason_category": REASON_SCHEMA,
                },
                "Lifecycle changes, oldest first",
            ),
            order=10,
        )
    )
    register_api_section(
        ApiSection(
            "fees",
            fees_in_force,
            array_of(
                {
                    "kind": code(FeeItem.Kind.values, "Kind of fee"),
                    "name": text("Item"),
                    "amount": decimal("Amount (yuan)"),
                    "unit": code(FeeItem.Unit.values, "Unit"),
                    "care_mode": code(CareMode.values, "Service mode of a childcare fee", blank=True),
                    "effective_from": date("In force since"),
                },
                "Fees in force today (none when the provider is not listed)",
            ),
            order=20,
        )
    )
    register_api_section(
        ApiSection(
            "grades",
            grades,
            array_of(
                {
                    "grade": {"type": "integer", "minimum": 1, "maximum": 5, "description": "Grade (stars)"},
                    "standard": text("Rating standard"),
                    "assessor": text("Rating body (empty: not known)"),
                    "assessed_on": date("Assessed on"),
                    "valid_from": date("Valid from"),
                    "valid_until": maybe(date("Valid until (null: until the next rating)")),
                    "in_force": {"type": "boolean", "description": "The grade in force today"},
                },
                "Grades, newest first",
            ),
            order=25,
        )
    )
    objection = {
        "status": code(CreditObjection.Status.values, "Under review, upheld or rejected"),
        "received_on": date("Objection received on"),
        "decided_on": maybe(date("Objection decided on")),
        "outcome": text("Published outcome of the objection"),
    }
    register_api_section(
        ApiSection(
            "credit",
            credit_entries,
            array_of(
                {
                    "type": code(
                        [*CreditDisclosure.Kind.values, *CreditRecord.Kind.values],
                        "Administrative licence or penalty (双公示), or a credit record",
                    ),
                    "decision_number": text("Number of the decision (empty for a credit record)"),
                    "decided_on": date("Date of the decision, or the day the record took effect"),
                    "authority": text("Deciding authority, or the record's source"),
                    "content": text("The decision's public text, as corrected"),
                    "legal_basis": text("Legal basis (empty for a credit record)"),
                    "penalty_type": code(CreditDisclosure.PenaltyType.values, "Kind of penalty", blank=True),
                    "fine_yuan": maybe(decimal("Fine (yuan)")),
                    "period_start": date("Published or in force from"),
                    "period_end": maybe(date("Published or in force until (null: no end)")),
                    "corrected_on": maybe(date("Corrected on, after an upheld objection")),
                    "objection": {
                        "type": ["object", "null"],
                        "properties": objection,
                        "required": list(objection),
                        "additionalProperties": False,
                        "description": "The latest objection (who raised it and its grounds are never published)",
                    },
                },
                "Credit information (双公示): licences, penalties in their publication period, records in force",
            ),
            order=26,
        )
    )
    register_api_section(
        ApiSection(
            "annual_reports",
            published_reports,
            array_of(
                {
                    "year": {"type": "integer", "description": "Financial year"},
                    "published_on": date("Published on"),
                    **{figure: maybe(decimal(description)) for figure, description in REPORT_FIGURES.items()},
                },
                "Published annual financial reports, newest first",
            ),
            order=60,
        )
    )
