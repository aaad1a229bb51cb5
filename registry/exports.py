"""One way out for every table the system hands out as a file, recorded and audited.

Every download (the back-office lists, the audit log, grant lines, payment files, the
provider ledger, the public open data, the grant lines written by ``run_operating_grants``)
is an ``ExportTable`` handed to ``export_response`` (or ``export_chunks`` for a command).
That one path:

- writes ID and phone numbers in full only for a user with the personal-data permission
  (``may_export_personal_data``); the table's rows mask them otherwise;
- records the export (``DataExport``: who, what, format, rows, with personal data or not;
  no user for an anonymous open-data download or a command) and one audit entry, before
  the first byte of the file leaves;
- writes CSV in UTF-8 with a BOM (Excel opens Chinese correctly), formula-safe, streamed a
  few hundred rows at a time; xlsx through the same formula-safe writer (``spreadsheets``).

The back-office lists export their rows through ``ListExportMixin``: roster lists
(``RosterAdminMixin``) write their roster headers so the file imports back unchanged; the
other lists write their columns under the Chinese column titles.
"""

from __future__ import annotations

import contextvars
import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import label_for_field, lookup_field
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from safeguards import replica
from safeguards.audit import audit_record

from .admin_base import ModelAdminBase, staff_user
from .models import DataExport, User
from .scoping import user_can_see_personal_data
from .spreadsheets import csv_chunks, xlsx_bytes

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
ARCHIVE = "zip"  # a zip of CSV files (the open data's HSDS export), recorded like the others
EXPORT_CHUNK_ROWS = 2000  # rows read from the database at a time by a streamed export

Rows = Iterable[Sequence[Any]]


@dataclass(frozen=True)
class ExportTable:
    """What a file holds. ``rows`` is called once, with whether ID and phone numbers may be
    written in full (never for a table without ``personal_columns``), and may be lazy."""

    what: str  # recorded in DataExport; the file is named after it unless ``filename``
    header: Sequence[str]
    rows: Callable[[bool], Rows]
    count: int  # the rows the file holds, as counted when the export starts
    personal_columns: bool = False  # has ID or phone number columns, masked unless permitted
    filename: str = ""  # without the extension

    def file_name(self, file_format: str) -> str:
        return f"{self.filename or self.what}.{file_format}"


def plain_table(
    *, what: str, header: Sequence[str], rows: Rows, count: int | None = None, filename: str = ""
) -> ExportTable:
    """A table with no ID or phone number column. ``count`` is needed when ``rows`` is lazy."""
    if count is None:
        rows = list(rows)
        count = len(rows)
    kept = rows
    return ExportTable(what=what, header=header, rows=lambda _personal: kept, count=count, filename=filename)


def may_export_personal_data(*, user: User | None, table: ExportTable) -> bool:
    """Full ID and phone numbers only in a table that has them and only for a user with
    ``registry.view_personal_data``; anyone else (and anonymous users) get them masked."""
    return table.personal_columns and user is not None and user_can_see_personal_data(user)


def export_record(
    *,
    user: User | None,
    table: ExportTable,
    file_format: str,
    audit_action: str = "data.export",
    audit_obj: Model | None = None,
    audit_after: dict[str, Any] | None = None,
    actor_name: str = "",
    reason: str = "",
    reveal: bool = True,
) -> bool:
    """Record the export (``DataExport``, with the ``reason`` given for revealing ID and
    phone numbers) and audit it once (``audit_action``, about ``audit_obj`` or else the
    record, with ``audit_after`` added to what it records); returns whether ID and phone
    numbers are written in full (never when ``reveal`` is False)."""
    if file_format not in (*FORMATS, ARCHIVE):
        raise ValueError(f"unknown export format {file_format!r}")
    personal = reveal and may_export_personal_data(user=user, table=table)
    with transaction.atomic():
        record = DataExport.objects.create(
            what=table.what,
            file_format=file_format,
            rows=table.count,
            personal_data=personal,
            exported_by=user,
            reason=reason if personal else "",
        )
        after = {"what": table.what, "format": file_format, "rows": table.count, "personal_data": personal}
        if personal and reason:
            after["reason"] = reason
        if audit_obj is not None:
            after["export"] = record.pk
        after.update(audit_after or {})
        audit_record(audit_action, actor=user, obj=audit_obj or record, after=after, actor_name=actor_name)
    return personal


def export_chunks(
    *,
    user: User | None,
    table: ExportTable,
    file_format: str,
    audit_action: str = "data.export",
    audit_obj: Model | None = None,
    audit_after: dict[str, Any] | None = None,
    actor_name: str = "",
    reason: str = "",
    reveal: bool = True,
) -> Iterator[bytes]:
    """The file's bytes, recorded and audited before the first of them: CSV a few hundred
    rows at a time, xlsx in one piece. Nothing is recorded until the first is asked for.
    The rows come from the database replica when there is one and the request asking for
    them has written nothing (``safeguards.replica``); the record goes to the primary."""
    reads = replica.export_reads()  # before the record: its own write does not count
    personal = export_record(
        user=user,
        table=table,
        file_format=file_format,
        audit_action=audit_action,
        audit_obj=audit_obj,
        audit_after=audit_after,
        actor_name=actor_name,
        reason=reason,
        reveal=reveal,
    )
    rows = replica.read_via(reads, lambda: table.rows(personal))
    if file_format == "xlsx":
        yield xlsx_bytes(table.header, rows, title=table.what)
    else:
        yield from csv_chunks(table.header, rows)


def export_response(
    *,
    user: User | None,
    table: ExportTable,
    file_format: str,
    audit_action: str = "data.export",
    audit_obj: Model | None = None,
    audit_after: dict[str, Any] | None = None,
    reason: str = "",
    reveal: bool = True,
) -> HttpResponse | StreamingHttpResponse:
    """The download: a streamed CSV, or an xlsx workbook (a zip, written whole), recorded
    and audited (``export_chunks``)."""
    chunks = export_chunks(
        user=user,
        table=table,
        file_format=file_format,
        audit_action=audit_action,
        audit_obj=audit_obj,
        audit_after=audit_after,
        reason=reason,
        reveal=reveal,
    )
    response: HttpResponse | StreamingHttpResponse
    if file_format == "xlsx":
        response = HttpResponse(b"".join(chunks), content_type=XLSX)
    else:
        response = StreamingHttpResponse(_with_request(chunks), content_type=CSV)
    response["Content-Disposition"] = f'attachment; filename="{table.file_name(file_format)}"'
    return response


def _with_request(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Hand out ``chunks`` in the context of the view that made them: a streamed response is
    read after the view has returned, and its audit entry still records the client's address."""
    context = contextvars.copy_context()  # now, while the view runs

    def in_context() -> Iterator[bytes]:
        while True:
            try:
                yield context.run(next, chunks)
            except StopIteration:
                return

    return in_context()


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


EXPORT_CHOICE = "export_choice"
FULL, MASKED = "full", "masked"


class ExportReasonForm(forms.Form):
    """Asked before a list's export writes ID and phone numbers in full: revealing one
    number on a page is logged, so revealing a file of them says why. Without a reason the
    file is written masked (the clerk chooses so explicitly); never a full file unexplained."""

    export_choice = forms.ChoiceField(
        label=_("ID and phone numbers"),
        choices=[(FULL, _("In full, for the reason below")), (MASKED, _("Masked (no reason needed)"))],
        widget=forms.RadioSelect,
        initial=MASKED,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        help_text=_("e.g. the list of residents the bureau asked for on 2026-12-01 to check the subsidies"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["reason"] = (cleaned.get("reason") or "").strip()
        if cleaned.get(EXPORT_CHOICE) == FULL and not cleaned["reason"]:
            self.add_error("reason", _("Say why the full numbers are needed, or choose the masked file."))
        return cleaned


class ListExportMixin(ModelAdminBase):
    """*Export selected rows (xlsx / CSV)* on a changelist: the ``export_fields`` (default:
    the list's columns) under their Chinese titles. Set ``actions`` to include them."""

    export_fields: tuple[str, ...] | list[str] | None = None

    def export_table(self, request: HttpRequest, queryset: QuerySet[Any]) -> ExportTable:
        """The list's columns under their Chinese titles, read as the file is written."""
        model: type[Model] = self.model
        model_admin: Any = self
        names = [n for n in (self.export_fields or self.list_display) if n != "action_checkbox"]
        with translation.override("zh-hans"):
            header = [strip_tags(str(label_for_field(name, model, model_admin))) for name in names]
        related = list(getattr(self, "list_select_related", None) or [])
        if related:
            queryset = queryset.select_related(*related)

        def rows(_personal: bool) -> Iterator[list[Any]]:
            with translation.override("zh-hans"):
                for obj in queryset.iterator(chunk_size=EXPORT_CHUNK_ROWS):
                    yield [export_cell(*_field_and_value(name, obj, model_admin)) for name in names]

        return ExportTable(what=model._meta.model_name or "", header=header, rows=rows, count=queryset.count())

    def _export(
        self, request: HttpRequest, queryset: QuerySet[Any], file_format: str
    ) -> HttpResponse | StreamingHttpResponse:
        """The file; for a list with ID or phone numbers that the user may see in full,
        first a page that asks why (``ExportReasonForm``): with a reason the numbers are
        written in full and the reason recorded; without one the file is masked."""
        table = self.export_table(request, queryset)
        user = staff_user(request)
        if not may_export_personal_data(user=user, table=table):
            return export_response(user=user, table=table, file_format=file_format)
        form = ExportReasonForm(request.POST if EXPORT_CHOICE in request.POST else None)
        if not form.is_valid():
            return self._ask_export_reason(request, form, table)
        reveal = form.cleaned_data[EXPORT_CHOICE] == FULL
        return export_response(
            user=user, table=table, file_format=file_format, reason=form.cleaned_data["reason"], reveal=reveal
        )

    def _ask_export_reason(self, request: HttpRequest, form: ExportReasonForm, table: ExportTable) -> HttpResponse:
        """The page between the action and the file: the rows selected, passed on as posted."""
        passed_on = [
            (name, value)
            for name in ("action", "select_across", "index", helpers.ACTION_CHECKBOX_NAME)
            for value in request.POST.getlist(name)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Why are the full ID numbers needed?"),
            "form": form,
            "rows": table.count,
            "passed_on": passed_on,
        }
        return TemplateResponse(request, "admin/registry/export_reason.html", context)

    @admin.action(description=_("Export selected rows (xlsx)"), permissions=["view"])
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | StreamingHttpResponse:
        return self._export(request, queryset, "xlsx")

    @admin.action(description=_("Export selected rows (CSV)"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | StreamingHttpResponse:
        return self._export(request, queryset, "csv")


def _field_and_value(name: str | Callable[..., Any], obj: Model, model_admin: Any) -> tuple[Any, Any]:
    field, _attr, value = lookup_field(name, obj, model_admin)
    return field, value
