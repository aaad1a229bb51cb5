"""The back-office's view of what happened: roster imports, data exports, the audit log and
background tasks kept while the broker was down. All read-only: services write them.

The audit log and the deferred tasks are the platform's models (``safeguards``); their
admins are here because the audit log's export goes the one export path
(``registry.exports``), which knows who may see personal data."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _

from safeguards.audit_labels import action_label, actor_label, object_type_label
from safeguards.models import AuditEntry, DeferredTask

from .admin_mixins import (
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    staff_user,
)
from .exports import EXPORT_CHUNK_ROWS, export_response, plain_table
from .models import (
    DataExport,
    RosterImport,
)


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Audit of roster imports: who uploaded what, what it changed."""

    scope_path_lookup = "jurisdiction__path"
    list_display = ["filename", "kind", "status", "uploaded_by", "rows_total", "counts", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    fields = readonly_fields = (
        "kind",
        "filename",
        "sha256",
        "jurisdiction",
        "uploaded_by",
        "status",
        "rows_total",
        "counts",
        "error_count",
        "errors",
        "created_at",
        "finished_at",
    )


@admin.register(DeferredTask)
class DeferredTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Background tasks kept while the broker was down; sent again every five minutes."""

    list_display = ["task", "created_at", "attempts", "sent_at", "error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    fields = readonly_fields = ("task", "args", "kwargs", "options", "error", "attempts", "created_at", "sent_at")


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Audit of exports: who exported what, how many rows, with personal data or not."""

    list_display = ["what", "file_format", "rows", "personal_data", "exported_by", "exported_at"]
    list_filter = ["what", "personal_data"]
    fields = readonly_fields = ("what", "file_format", "rows", "personal_data", "exported_by", "exported_at")


class AuditActionFilter(admin.SimpleListFilter):
    """The actions the log holds, by their labels (safeguards.audit_labels)."""

    title = _("action")
    parameter_name = "action__exact"  # the address the plain field filter used

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(((action, action_label(action)) for action in actions), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditObjectTypeFilter(admin.SimpleListFilter):
    """The object types the log holds, by their models' names."""

    title = _("object type")
    parameter_name = "object_type__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        types = AuditEntry.objects.exclude(object_type="").order_by().values_list("object_type", flat=True).distinct()
        return sorted(((kind, object_type_label(kind)) for kind in types), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log, read-only, for the audit admin: search, filter, export."""

    list_display = ["at", "action_text", "actor_text", "ip", "object_type_text", "object_repr"]
    list_filter = [AuditActionFilter, AuditObjectTypeFilter, ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_name", "object_repr", "object_id", "detail", "ip"]
    date_hierarchy = "at"
    fields = readonly_fields = (
        "at",
        "action_text",
        "actor",
        "actor_text",
        "ip",
        "object_type_text",
        "object_id",
        "object_repr",
        "before",
        "after",
        "detail",
    )
    actions = ["export_csv"]

    @admin.display(description=_("action"), ordering="action")
    def action_text(self, entry: AuditEntry) -> str:
        return action_label(entry.action)

    @admin.display(description=_("user name"), ordering="actor_name")
    def actor_text(self, entry: AuditEntry) -> str:
        return actor_label(entry.actor_name)

    @admin.display(description=_("object type"), ordering="object_type")
    def object_type_text(self, entry: AuditEntry) -> str:
        return object_type_label(entry.object_type) or "-"

    @admin.action(description=_("Export selected entries (CSV)"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> HttpResponseBase:
        entries = queryset.order_by("at", "pk")
        table = plain_table(
            what="audit-log",
            header=["time", "action", "user", "ip", "object_type", "object_id", "object", "before", "after", "detail"],
            rows=(
                [
                    e.at.isoformat(),
                    e.action,
                    e.actor_name,
                    e.ip,
                    e.object_type,
                    e.object_id,
                    e.object_repr,
                    json.dumps(e.before, ensure_ascii=False),
                    json.dumps(e.after, ensure_ascii=False),
                    e.detail,
                ]
                for e in entries.iterator(chunk_size=EXPORT_CHUNK_ROWS)
            ),
            count=entries.count(),
        )
        return export_response(user=staff_user(request), table=table, file_format="csv", audit_action="audit.export")
