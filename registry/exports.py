"""Export a changelist's rows (xlsx or CSV) from the back-office, audited.

Every registry changelist offers *Export selected rows*; with "select all" that is every
row the current filters show. Roster lists (``RosterAdminMixin``) write their roster
headers so the file imports back unchanged; the other lists write their columns under
the Chinese column titles. Cells are formula-safe (``spreadsheets``); each export is
recorded (``DataExport``) and audited with its row count and whether it holds personal
data.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import label_for_field, lookup_field
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from safeguards.audit import audit_record

from .admin_base import ModelAdminBase, staff_user
from .models import DataExport, User
from .spreadsheets import csv_bytes, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_response(
    *, user: User, what: str, header: list[str], rows: list[list[Any]], file_format: str, personal: bool
) -> HttpResponse:
    """The file, after recording who exported what, how many rows, with personal data or not."""
    record = DataExport.objects.create(
        what=what, file_format=file_format, rows=len(rows), personal_data=personal, exported_by=user
    )
    audit_record("data.export", actor=user, obj=record, after={"rows": len(rows), "personal_data": personal})
    if file_format == "xlsx":
        response = HttpResponse(xlsx_bytes(header, rows, title=what), content_type=XLSX)
    else:
        response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{what}.{file_format}"'
    return response


def export_cell(field: Any, value: Any) -> Any:
    """A changelist value as a spreadsheet cell: choice labels, ISO dates, 是/否, text."""
    if value is None:
        return ""
    if field is not None and getattr(field, "flatchoices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return strip_tags(str(value))


class ListExportMixin(ModelAdminBase):
    """*Export selected rows (xlsx / CSV)* on a changelist: the ``export_fields`` (default:
    the list's columns) under their Chinese titles. Set ``actions`` to include them."""

    export_fields: tuple[str, ...] | list[str] | None = None

    def export_table(self, request: HttpRequest, queryset: QuerySet[Any]) -> tuple[list[str], list[list[Any]], bool]:
        """(header, rows, holds personal data)."""
        model: type[Model] = self.model
        model_admin: Any = self
        names = [n for n in (self.export_fields or self.list_display) if n != "action_checkbox"]
        with translation.override("zh-hans"):
            header = [strip_tags(str(label_for_field(name, model, model_admin))) for name in names]
        related = list(getattr(self, "list_select_related", None) or [])
        if related:
            queryset = queryset.select_related(*related)
        rows = []
        with translation.override("zh-hans"):
            for obj in queryset:
                row = []
                for name in names:
                    field, _attr, value = lookup_field(name, obj, model_admin)
                    row.append(export_cell(field, value))
                rows.append(row)
        return header, rows, False

    def _export(self, request: HttpRequest, queryset: QuerySet[Any], file_format: str) -> HttpResponse:
        header, rows, personal = self.export_table(request, queryset)
        return export_response(
            user=staff_user(request),
            what=getattr(self, "roster_kind", "") or self.model._meta.model_name,
            header=header,
            rows=rows,
            file_format=file_format,
            personal=personal,
        )

    @admin.action(description=_("Export selected rows (xlsx)"), permissions=["view"])
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse:
        return self._export(request, queryset, "xlsx")

    @admin.action(description=_("Export selected rows (CSV)"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse:
        return self._export(request, queryset, "csv")
