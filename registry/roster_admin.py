"""Roster import (upload → preview → confirm) and export for the registry changelists.

The upload is stored with its fingerprint; the preview lists new / changed / unchanged
counts, the fields each changed row changes, and every error by row and column (also as
a downloadable workbook). Confirming re-validates the stored file and applies it only if
the plan is still the one previewed.

A request reads an upload once, and at most ``uploads.REQUEST_READ_BYTES`` of it: a file of
up to ``ROSTER_BACKGROUND_ROWS`` rows is checked from the rows read, a larger one by a
Celery task; the error workbook marks the problems recorded, without checking again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .admin_base import staff_user
from .exports import EXPORT_CHUNK_ROWS, XLSX, ExportTable, ListExportMixin, export_record
from .models import RosterImport
from .rosters import uploads
from .rosters.engine import NEW, UNCHANGED, RowError
from .rosters.error_workbook import write_error_workbook
from .rosters.formats import UnreadableFile, validate_upload_size
from .rosters.guide import column_guides, template_workbook
from .rosters.kinds import KINDS, RosterKind, export_rows
from .scoping import user_can_see_personal_data
from .tasks import apply_roster_upload, validate_roster_upload


def changes_with_labels(kind: RosterKind, changes: list[Any]) -> list[Any]:
    """The previewed changes ([row, [[header, now, after], …]]) with choice codes shown by
    their label, as the roster writes them (部分失能, not partly_disabled)."""
    labels: dict[str, dict[str, str]] = {}
    with translation.override("zh-hans"):  # the roster's own words, as in its other cells
        for column in kind.columns:
            field: Any = kind.model._meta.get_field(column.field)
            if field.flatchoices:
                labels[column.header] = {str(value): str(label) for value, label in field.flatchoices}
    return [
        [
            row,
            [
                [header, labels.get(header, {}).get(old, old), labels.get(header, {}).get(new, new)]
                for header, old, new in fields
            ],
        ]
        for row, fields in changes
    ]


class RosterUploadForm(forms.Form):
    # Refused by its size before any of it is read (Django keeps an upload above
    # FILE_UPLOAD_MAX_MEMORY_SIZE in a temporary file, not in memory).
    roster = forms.FileField(label=_("Roster file (.xlsx or .csv, UTF-8 or GBK)"), validators=[validate_upload_size])


class RosterAdminMixin(ListExportMixin):
    """Adds *Import roster* and *Export* to a changelist. Set ``roster_kind``."""

    roster_kind: str = ""
    change_list_template = "admin/registry/roster_change_list.html"

    @property
    def kind(self) -> RosterKind:
        return KINDS[self.roster_kind]

    def _url_prefix(self) -> str:
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}"

    def get_urls(self) -> list[Any]:
        prefix = self._url_prefix()
        site = self.admin_site
        return [
            path("import/", site.admin_view(self.import_view), name=f"{prefix}_import"),
            path("import/template.xlsx", site.admin_view(self.template_view), name=f"{prefix}_import_template"),
            path("import/<int:upload_id>/", site.admin_view(self.preview_view), name=f"{prefix}_import_preview"),
            path(
                "import/<int:upload_id>/errors.xlsx",
                site.admin_view(self.errors_view),
                name=f"{prefix}_import_errors",
            ),
            *super().get_urls(),
        ]

    def _require_import_permission(self, request: HttpRequest) -> None:
        opts = self.model._meta
        if not (
            request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}")
            and request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
        ):
            raise PermissionDenied

    def _upload(self, request: HttpRequest, upload_id: int) -> RosterImport:
        upload = RosterImport.objects.filter(
            pk=upload_id, uploaded_by=staff_user(request), kind=self.roster_kind
        ).first()
        if upload is None:
            raise Http404
        return upload

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "kind": self.kind,
            "headers": [(c.header, c.alias, c.required) for c in self.kind.columns],
            **extra,
        }

    def import_view(self, request: HttpRequest) -> HttpResponse:
        self._require_import_permission(request)
        form = RosterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["roster"]  # its size checked: read in chunks, never whole
            try:
                # All of a small file, a bounded part of a large one.
                sample = uploads.upload_sample(upload, upload.name, kind=self.roster_kind)
            except UnreadableFile as error:
                form.add_error("roster", str(error))
            else:
                record = uploads.upload_create(
                    kind=self.roster_kind,
                    filename=upload.name,
                    data=upload,
                    user=staff_user(request),
                    rows=sample.row_count,
                )
                if uploads.in_background(record.rows_total):
                    validate_roster_upload.delay_on_commit(record.pk)
                else:  # the rows read: the file is not read again
                    uploads.upload_validate(record, table=(sample.header, sample.rows))
                return HttpResponseRedirect(reverse(f"admin:{self._url_prefix()}_import_preview", args=[record.pk]))
        title = _("Import %(roster)s roster") % {"roster": self.kind.label}
        return TemplateResponse(
            request,
            "admin/registry/roster_import.html",
            self._context(request, form=form, title=title, guides=column_guides(self.kind, staff_user(request))),
        )

    def template_view(self, request: HttpRequest) -> HttpResponse:
        """The roster's headers, one example row naming the clerk's own provider, and a
        drop-down list on each choice column (``guide.template_workbook``)."""
        data = template_workbook(self.kind, staff_user(request))
        response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{self.roster_kind}-template.xlsx"'
        return response

    def _confirm(self, request: HttpRequest, upload: RosterImport) -> HttpResponse | None:
        digest = request.POST.get("digest", "")
        if uploads.in_background(upload.rows_total):
            apply_roster_upload.delay_on_commit(upload.pk, digest)
            self.message_user(request, _("The import runs in the background."), messages.INFO)
            return HttpResponseRedirect(request.path)
        try:
            counts = uploads.upload_apply(upload, digest=digest)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        self.message_user(
            request,
            _("Imported: %(new)d new, %(changed)d changed, %(unchanged)d unchanged.") % counts,
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse(f"admin:{self._url_prefix()}_changelist"))

    def preview_view(self, request: HttpRequest, upload_id: int) -> HttpResponse:
        self._require_import_permission(request)
        upload = self._upload(request, upload_id)
        if upload.status in {RosterImport.Status.VALIDATING, RosterImport.Status.RUNNING}:
            context = self._context(request, title=_("Working on %(file)s") % {"file": upload.filename}, upload=upload)
            return TemplateResponse(request, "admin/registry/roster_progress.html", context)
        if request.method == "POST" and "cancel" in request.POST:
            return self._cancel(request, upload)
        if request.method == "POST" and upload.status == RosterImport.Status.PREVIEWED:
            response = self._confirm(request, upload)
            if response is not None:
                return response
            upload.refresh_from_db()
        if upload.status == RosterImport.Status.IMPORTED:
            return HttpResponseRedirect(reverse(f"admin:{self._url_prefix()}_changelist"))
        # What the check found, as recorded: a 100,000-row file is not checked again per view.
        context = self._context(
            request,
            title=_("Preview: %(file)s") % {"file": upload.filename},
            upload=upload,
            counts=upload.counts,
            changed=upload.changes,
            changed_shown=changes_with_labels(self.kind, upload.changes),
            samples=[
                (action, title, upload.samples.get(action, []), upload.counts.get(action, 0))
                for action, title in ((NEW, _("New rows")), (UNCHANGED, _("Unchanged rows")))
                if upload.samples.get(action)
            ],
            sample_headers=[c.header for c in self.kind.columns],
            cancellable=upload.status in uploads.CANCELLABLE and upload.file_purged_at is None,
            errors=[RowError(*error) for error in upload.errors[:1000]],
        )
        return TemplateResponse(request, "admin/registry/roster_preview.html", context)

    def _cancel(self, request: HttpRequest, upload: RosterImport) -> HttpResponse:
        """Discard the checked upload (``uploads.upload_cancel``) and go back to the list."""
        try:
            uploads.upload_cancel(upload=upload, user=staff_user(request))
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)
        self.message_user(
            request, _("The import of %(file)s was cancelled; nothing was saved.") % {"file": upload.filename}
        )
        return HttpResponseRedirect(reverse(f"admin:{self._url_prefix()}_changelist"))

    def errors_view(self, request: HttpRequest, upload_id: int) -> HttpResponse:
        """The clerk's own sheet with each problem marked on its cell (``error_workbook``), to
        fix in place and upload again."""
        self._require_import_permission(request)
        upload = self._upload(request, upload_id)
        if not upload.file:  # imported: the file is gone, and had no errors
            raise Http404
        # The uploaded rows hold ID and phone numbers as typed: recorded and audited as any
        # export, and masked for a user without the personal-data permission.
        user = staff_user(request)
        with uploads.opened_upload(upload) as file, tempfile.TemporaryFile() as out:
            personal = write_error_workbook(
                upload=upload,
                kind=self.kind,
                file=file,
                out=out,
                may_see_personal=user_can_see_personal_data(user),
                header_row=upload.header_row,
            )
            table = ExportTable(
                what=f"{self.roster_kind}-errors",
                header=[],
                rows=lambda _personal: (),
                count=upload.rows_total,
                personal_columns=personal,
                filename=f"errors-{upload_id}",
            )
            export_record(user=user, table=table, file_format="xlsx", audit_obj=upload)
            out.seek(0)
            response = HttpResponse(out.read(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{table.file_name("xlsx")}"'
        return response

    # --- export ------------------------------------------------------------------

    def export_table(self, request: HttpRequest, queryset: QuerySet[Any]) -> ExportTable:
        """The roster's own headers and cells (its resource's), so that the file imports back
        unchanged; ID and phone numbers in full only for a user who may see them
        (``export_response``)."""
        objects = queryset.select_related(*self.kind.related)
        resource = self.kind.resource

        def rows(personal: bool) -> Iterator[list[Any]]:
            chunked = objects.iterator(chunk_size=EXPORT_CHUNK_ROWS)
            if resource is None:  # a kind declared with its own columns
                return iter(export_rows(self.kind, chunked, may_see_personal=personal))
            return resource.rows(chunked, may_see_personal=personal)

        return ExportTable(
            what=self.roster_kind,
            header=resource.headers() if resource is not None else [c.header for c in self.kind.columns],
            rows=rows,
            count=objects.count(),
            personal_columns=bool(self.kind.personal),
        )
