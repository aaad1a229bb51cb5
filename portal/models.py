"""The provider portal (issue 18): the door through which providers send what they know.

- ``ProviderAccess``: which provider(s) a provider user may act for (a chain operator may
  hold several). A provider user is a ``registry.User`` with no staff flag, so the Django
  admin never lets them in, and the same password policy, lockout and second factor apply.
- ``Invitation``: a single-use, expiring link a district clerk sends to a provider's
  contact by email (or reads out for an SMS); only its hash is stored.
- ``Upload``: a file a provider user sent, its type sniffed from the content, stored
  under a random name and served only through a view that checks scope (``uploads.py``).
- ``Submission``: everything a provider sends is one record, draft → submitted → accepted
  or returned with a reason; accepting applies it through the back-office's own services
  (``review.py``, per kind in ``kinds.py``).
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.models import Provider
from safeguards.fields import EncryptedPhoneField


class ProviderAccess(models.Model):
    """A provider user may act for this provider until the access is revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="provider_access", verbose_name=_("provider user")
    )
    provider = models.ForeignKey(Provider, models.PROTECT, related_name="portal_access", verbose_name=_("provider"))
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("granted by")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("portal access")
        verbose_name_plural = _("portal access")
        ordering = ["provider", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider"], condition=Q(revoked_at__isnull=True), name="portal_access_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.provider}"


def invitation_expiry() -> datetime.datetime:
    """When a new invitation stops working (``PORTAL_INVITATION_TTL`` from now)."""
    return timezone.now() + settings.PORTAL_INVITATION_TTL


class Invitation(models.Model):
    """A single-use invitation to open a provider account; the link carries the token,
    the database only its SHA-256."""

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="invitations", verbose_name=_("provider"))
    name = models.CharField(_("invitee's name"), max_length=50)
    email = models.EmailField(_("email"), blank=True)
    phone = EncryptedPhoneField(_("mobile phone"), max_length=30, blank=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"), default=invitation_expiry)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True, editable=False)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("account opened"),
    )

    class Meta:
        verbose_name = _("portal invitation")
        verbose_name_plural = _("portal invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"


ROSTER_CONTENT_TYPES = frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"})


def upload_path(instance: Upload, filename: str) -> str:
    """A random name: nothing of the sender's file name reaches the disk."""
    suffix = ".enc" if instance.encrypted else ""
    return f"portal/{instance.provider_id}/{uuid.uuid4().hex}{instance.extension}{suffix}"


class Upload(models.Model):
    """A file sent through the portal (a photo, a PDF, a roster workbook)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not yet part of a submission")
        ATTACHED = "attached", _("Part of a submission")
        REJECTED = "rejected", _("Rejected")

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="portal_uploads", verbose_name=_("provider"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    file = models.FileField(_("file"), upload_to=upload_path, max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    original_name = models.CharField(_("file name as sent"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("portal upload")
        verbose_name_plural = _("portal uploads")
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["status", "uploaded_at"], name="portal_upload_retention")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def encrypted(self) -> bool:
        """A roster workbook or CSV: it holds ID numbers, so it is stored encrypted."""
        return self.content_type in ROSTER_CONTENT_TYPES

    @property
    def extension(self) -> str:
        return {
            "image/jpeg": ".jpg",
            "image/png": ".png",
            "application/pdf": ".pdf",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
            "text/csv": ".csv",
        }.get(self.content_type, ".bin")


class Submission(models.Model):
    """One thing a provider sent: its kind, its data, its files and where it stands."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted, waiting for review")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="submissions", verbose_name=_("provider"))
    kind = models.CharField(_("kind"), max_length=30)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    data = models.JSONField(_("what was sent"), default=dict, blank=True)
    uploads = models.ManyToManyField(Upload, blank=True, related_name="submissions", verbose_name=_("files"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reviewed by")
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    result = models.TextField(_("what accepting did"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("provider submission")
        verbose_name_plural = _("provider submissions")
        ordering = ["-submitted_at", "-created_at"]
        permissions = [("review_submission", _("Can accept or return provider submissions"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""), name="submission_returned_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="submission_submitted_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "provider"], name="submission_waiting"),
            models.Index(fields=["provider", "kind", "-created_at"], name="submission_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.created_at:%Y-%m-%d}"
