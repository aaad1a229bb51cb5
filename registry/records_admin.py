"""The back-office's view of what happened: roster imports, data exports, the audit log and
background tasks kept while the broker was down. All read-only: services write them.

The audit log and the deferred tasks are the platform's models (``safeguards``); their
admins are here because the audit log's export goes the one export path
(``registry.exports``), which knows who may see personal data."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from safeguards.audit_labels import action_label, actor_label, entry_changes, object_type_label, readable_value
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
from .rosters.retention import file_kept_until


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Audit of roster imports: who uploaded what, what it changed."""

    scope_path_lookup = "jurisdiction__path"
    list_display = [
        "filename",
        "kind",
        "status",
        "uploaded_by",
        "rows_total",
        "counts_display",
        "created_at",
        "finished_at",
        "file_state",
    ]
    list_filter = ["kind", "status"]
    fields = readonly_fields = (
        "kind",
        "filename",
        "sha256",
        "jurisdiction",
        "uploaded_by",
        "status",
        "rows_total",
        "counts_display",
        "error_count",
        "errors_display",
        "created_at",
        "finished_at",
        "file_state",
    )

    @admin.display(description=_("uploaded file"))
    def file_state(self, roster_import: RosterImport) -> str:
        """Where the file stands: deleted by the retention purge (and when), kept until a
        day, or deleted when it was imported or cancelled."""
        if roster_import.file_purged_at is not None:
            day = formats.date_format(timezone.localtime(roster_import.file_purged_at), "Y-m-d")
            return gettext("Deleted on %(date)s (retention period over)") % {"date": day}
        if (until := file_kept_until(roster_import)) is not None:
            if until <= timezone.localdate():
                return gettext("Deleted at the next nightly purge, unless imported first")
            return gettext("Kept until %(date)s, unless imported") % {"date": formats.date_format(until, "Y-m-d")}
        if roster_import.file:
            return gettext("Kept while it is imported")
        return gettext("Deleted when imported or cancelled")

    @admin.display(description=_("counts"))
    def counts_display(self, roster_import: RosterImport) -> str:
        """{"new": 3, …} as "new rows: 3; …"."""
        return readable_value(roster_import.counts)

    @admin.display(description=_("errors"))
    def errors_display(self, roster_import: RosterImport) -> str:
        """The first errors as rows (row, column, message), not a JSON list."""
        if not roster_import.errors:
            return "—"
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("row"),
            _("column"),
            _("message"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    error if isinstance(error, list) and len(error) == 3 else ("", "", str(error))
                    for error in roster_import.errors[:200]
                ),
            ),
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
    """The actions in the log, by their readable names."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(((action, action_label(action)) for action in actions), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditObjectTypeFilter(admin.SimpleListFilter):
    """The kinds of object in the log, by their model's name."""

    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        types = AuditEntry.objects.exclude(object_type="").order_by().values_list("object_type", flat=True).distinct()
        return sorted(((t, object_type_label(t)) for t in types), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log, read-only, for the audit admin: search, filter (user, action, object,
    date), export. Times are the bureau's (settings.TIME_ZONE), in the list, the fields and
    the title; actions and object types by their names; before/after as the changes."""

    list_display = ["at", "action_name", "actor_text", "ip", "object_link", "object_repr"]
    list_filter = [
        AuditActionFilter,
        ("actor", admin.RelatedOnlyFieldListFilter),
        AuditObjectTypeFilter,
        ("at", admin.DateFieldListFilter),
    ]
    search_fields = ["actor_name", "object_repr", "object_id", "detail", "ip"]
    date_hierarchy = "at"
    fields = readonly_fields = (
        "at",
        "action_name",
        "actor",
        "actor_text",
        "ip",
        "object_type_name",
        "object_id",
        "object_repr",
        "changes",
        "detail",
    )
    actions = ["export_csv"]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # "Every entry about this object": ?object_type=…&object_id=…
        return lookup == "object_id" or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, entry: AuditEntry) -> str:
        return action_label(entry.action)

    @admin.display(description=_("object type"), ordering="object_type")
    def object_type_name(self, entry: AuditEntry) -> str:
        return object_type_label(entry.object_type)

    @admin.display(description=_("object"))
    def object_link(self, entry: AuditEntry) -> str:
        """The object's kind and id, linking to every entry about it."""
        if not entry.object_type:
            return ""
        return format_html(
            '<a href="?{}" title="{}">{} #{}</a>',
            urlencode({"object_type": entry.object_type, "object_id": entry.object_id}),
            _("Every entry about this object"),
            object_type_label(entry.object_type),
            entry.object_id,
        )

    @admin.display(description=_("changes"))
    def changes(self, entry: AuditEntry) -> str:
        """Before → after, one line per field, by the field's name."""
        rows = entry_changes(object_type=entry.object_type, before=entry.before, after=entry.after)
        if not rows:
            return "—"
        return format_html(
            '<table class="audit-changes">{}</table>',
            format_html_join("", "<tr><th>{}</th><td>{} &rarr; {}</td></tr>", rows),
        )

    @admin.display(description=_("user name"), ordering="actor_name")
    def actor_text(self, entry: AuditEntry) -> str:
        """A person by user name; a scheduled task or a command by what it is."""
        return actor_label(entry.actor_name)

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
