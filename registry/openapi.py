"""The OpenAPI 3.1 document of the open data, ``/api/openapi.json`` (issue 19).

Written from the code that serves the data: the list's fields (``open_data_schema``), the
record's sections (``open_data_api.record_schema``: every app's ``ApiSection``) and the
list's filters (``filters.ProviderFilter``). OpenAPI 3.1 schemas are JSON Schema 2020-12,
so the tests validate real responses against this document with ``jsonschema``.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

from .filters import ProviderFilter
from .open_data_api import record_schema
from .open_data_schema import REASON_SCHEMA, STATUS_SCHEMA, date, moment, provider_schema, text

API_VERSION = "1.1.0"  # 1.1: the provider record, removals in the change feed, data_as_of

BOOLEAN_FILTERS = {"nursing", "vacancies", "medical", "inclusive", "demonstration"}


def removal_schema() -> dict[str, Any]:
    properties = {
        "uscc": text("Unified social credit code"),
        "name": text("Registered name"),
        "status": STATUS_SCHEMA,
        "status_changed_on": date("Since when"),
        "reason_category": REASON_SCHEMA,
        "recorded_at": moment("When the change was recorded"),
    }
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def page_schema() -> dict[str, Any]:
    link = {"type": ["string", "null"], "format": "uri"}
    properties = {
        "count": {"type": "integer", "minimum": 0},
        "next": link,
        "previous": link,
        "data_as_of": moment("When the answer was computed from the register"),
        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Provider"}},
        "removed": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Removal"},
            "description": "With modified_after only: providers that left the directory since then",
        },
    }
    required = ["count", "next", "previous", "data_as_of", "results"]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def detail_schema() -> dict[str, Any]:
    schema = record_schema()
    schema["properties"]["data_as_of"] = moment("When the answer was computed from the register")
    schema["required"] = list(schema["properties"])
    return schema


def filter_parameters() -> list[dict[str, Any]]:
    """The list's query parameters, described in English."""
    parameters = []
    with translation.override("en"):
        for name, each in ProviderFilter.base_filters.items():
            schema: dict[str, Any] = {"type": "string"}
            if name in BOOLEAN_FILTERS:
                schema = {"type": "string", "enum": ["on", "true", "false"]}
            elif name == "modified_after":
                schema = {"type": "string", "format": "date-time"}
            elif getattr(each, "extra", {}).get("choices") and not callable(each.extra["choices"]):
                schema = {"type": "string", "enum": [str(value) for value, _label in each.extra["choices"]]}
            parameters.append(
                {"name": name, "in": "query", "required": False, "description": str(each.label), "schema": schema}
            )
    parameters.append({"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}})
    return parameters


def json_answer(description: str, ref: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


def openapi_document(server: str) -> dict[str, Any]:
    errors = json_answer("Invalid filter or page: the errors by parameter", "#/components/schemas/Errors")
    limited = {"description": "Too many requests: wait Retry-After seconds"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Inner Mongolia care provider register: open data",
            "version": API_VERSION,
            "description": (
                "Certified elderly-care and infant-care providers (the list), and the public record of every "
                "provider ever filed (the detail). No personal data. Amounts are decimal strings in yuan."
            ),
            "license": {"name": "Open data, free to reuse with attribution"},
        },
        "servers": [{"url": server}],
        "paths": {
            "/api/providers/": {
                "get": {
                    "operationId": "listProviders",
                    "summary": "Certified providers, 100 a page; with modified_after, the changes and removals since",
                    "parameters": filter_parameters(),
                    "responses": {
                        "200": json_answer("A page of providers", "#/components/schemas/ProviderPage"),
                        "400": errors,
                        "429": limited,
                    },
                }
            },
            "/api/providers/{uscc}/": {
                "get": {
                    "operationId": "getProvider",
                    "summary": "One provider's public record, whatever its status",
                    "parameters": [
                        {
                            "name": "uscc",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9A-Za-z]{18}$"},
                        }
                    ],
                    "responses": {
                        "200": json_answer("The record", "#/components/schemas/ProviderRecord"),
                        "404": {"description": "No provider with a public record has this code"},
                        "429": limited,
                    },
                }
            },
            "/providers.csv": {
                "get": {
                    "operationId": "downloadProvidersCsv",
                    "summary": "The list's rows as CSV (UTF-8 with BOM), same filters",
                    "responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}, "429": limited},
                }
            },
            "/open-data/hsds.zip": {
                "get": {
                    "operationId": "downloadHsds",
                    "summary": "Certified providers as Human Services Data Specification tables (zip of CSV files)",
                    "responses": {"200": {"description": "zip", "content": {"application/zip": {}}}, "429": limited},
                }
            },
        },
        "components": {
            "schemas": {
                "Provider": provider_schema(),
                "ProviderRecord": detail_schema(),
                "ProviderPage": page_schema(),
                "Removal": removal_schema(),
                "Errors": {
                    "type": "object",
                    "properties": {"errors": {"type": "object", "additionalProperties": {"type": "array"}}},
                    "required": ["errors"],
                },
            }
        },
    }
