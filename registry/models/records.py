"""Records of what came in and went out: roster imports and data exports."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .divisions import Division
from .staff import User


class RosterImport(models.Model):
    """An uploaded roster: what it would change, whether it was imported, by whom.

    Doubles as the audit record of imports. A file is kept until it is imported so that
    the confirmed import applies exactly the previewed file; a rejected, failed or
    abandoned upload's file (and the rows the preview kept of it) is deleted after
    ``UPLOAD_RETENTION_DAYS`` (``rosters/retention.py``), the record staying.
    """

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Checking")
        PREVIEWED = "previewed", _("Previewed")
        RUNNING = "running", _("Importing")
        IMPORTED = "imported", _("Imported")
        REJECTED = "rejected", _("Rejected (errors)")
        FAILED = "failed", pgettext_lazy("roster import", "Failed")
        CANCELLED = "cancelled", pgettext_lazy("roster import", "Cancelled")

    kind = models.CharField(_("roster"), max_length=20)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("file fingerprint"), max_length=64)
    file = models.FileField(_("file"), upload_to="rosters/%Y/%m/", blank=True)
    jurisdiction = models.ForeignKey(
        Division, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("jurisdiction")
    )
    uploaded_by = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("uploaded by")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    digest = models.CharField(_("plan fingerprint"), max_length=64, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows validated"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)  # the first 5,000: [row, column, message]
    error_count = models.PositiveIntegerField(_("errors found"), default=0)
    # What the preview page shows, kept so that it need not check the file again: the first
    # changed rows as [row, [[column, now, after import], …]].
    changes = models.JSONField(_("changes previewed"), default=list, blank=True)
    # The first rows of each action as the roster writes them (ID and phone numbers masked):
    # {"new": [[row, [cell, …]], …], "unchanged": […]}, under the roster's headers.
    samples = models.JSONField(_("rows previewed"), default=dict, blank=True)
    # Why a confirmed import that ran in the background did not happen (shown on the preview).
    notice = models.CharField(_("notice"), max_length=255, blank=True)
    # The spreadsheet row the header was found on (title rows above it are skipped), and
    # what the choice aliases were read as: [[column, alias, label, rows], …].
    header_row = models.PositiveIntegerField(_("header row"), default=1)
    readings = models.JSONField(_("aliases read"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # When the retention purge deleted the file and what the preview kept of its rows.
    file_purged_at = models.DateTimeField(_("file deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256", "jurisdiction"],
                condition=Q(status="running"),
                name="one_running_import_per_file_and_area",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"


class DataExport(models.Model):
    """Audit record of an export: who exported what, how many rows, with personal data or not."""

    what = models.CharField(_("what"), max_length=60)
    file_format = models.CharField(_("format"), max_length=10)
    rows = models.PositiveIntegerField(_("rows"))
    personal_data = models.BooleanField(_("with personal data"))
    # Why full ID and phone numbers were exported (asked before a list's export reveals them).
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # No user: an anonymous open-data download, or a file written by a management command.
    exported_by = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("exported by")
    )
    exported_at = models.DateTimeField(_("exported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-exported_at"]

    def __str__(self) -> str:
        return f"{self.what} {self.rows}"
