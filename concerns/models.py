"""Concerns and complaints from citizens about a provider (issue 19, item 6): the social
supervision of 002:165 ("发挥社会监督作用，畅通群众质量投诉举报渠道").

A citizen raises a concern on the provider's public page without an account; it becomes a
case of the district clerk of the provider's jurisdiction with a due date
(``CONCERN_RESPONSE_DAYS``), is investigated and closed with an outcome and a short public
reply. The citizen follows it with its reference number; the public sees counts only
(``statistics.py``), never the text.

The contact a citizen may leave is personal data: the phone and the email are encrypted at
rest (``safeguards.fields``), masked in every list, never on a public page, never in the
history tables (left out of ``HistoricalRecords``: they are written once, at receipt) and
shown in full only to a clerk of the jurisdiction with ``registry.view_personal_data``,
through an audited reveal (``cases.concern_contact_reveal``).

Rules live in modules named for them: ``references.py`` (the reference number),
``deadlines.py`` (due dates, open and overdue cases), ``cases.py`` (the write services and
which transition is allowed from which status), ``replies.py`` (what a public reply may not
contain), ``bot_checks.py`` (the honeypot and the fill time), ``reminders.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from registry.models import Provider, User
from safeguards.fields import EncryptedPhoneField, EncryptedTextField, KeyedHashField

DESCRIPTION_MIN_LENGTH = 5
DESCRIPTION_MAX_LENGTH = 2000
PUBLIC_REPLY_MAX_LENGTH = 500


class Category(models.TextChoices):
    """What a concern is about, for elderly and infant care alike. The service contract,
    refunds and forced charges (000:548-558) are a category of their own: they are the
    commonest dispute the seeds name."""

    CARE_QUALITY = "care_quality", _("Quality of care")  # 照护服务质量
    SAFETY = "safety", _("Safety (fire, falls, security)")  # 安全（消防、跌倒、安保）
    FEES = "fees", _("Fees and charges")  # 收费
    CONTRACT = "contract", _("Service contract, admission or refund")  # 服务合同、入住退费
    FOOD = "food", _("Food and meals")  # 膳食与食品安全
    HYGIENE = "hygiene", _("Hygiene and health care")  # 卫生与保健
    STAFF_CONDUCT = "staff_conduct", _("Staff conduct")  # 工作人员言行
    ABUSE_NEGLECT = "abuse_neglect", _("Abuse or neglect")  # 虐待或疏于照料
    OTHER = "other", pgettext_lazy("concern category", "Other")  # 其他


class Status(models.TextChoices):
    """received → under investigation → closed (``cases.TRANSITIONS``)."""

    RECEIVED = "received", pgettext_lazy("concern status", "Received")  # 已受理
    INVESTIGATING = "investigating", _("Under investigation")  # 调查处理中
    # Not the provider lifecycle's "Closed" (注销): a case that is dealt with (已办结).
    CLOSED = "closed", pgettext_lazy("concern status", "Closed")


class Outcome(models.TextChoices):
    """How a closed concern ended."""

    SUBSTANTIATED = "substantiated", _("Substantiated")  # 属实
    PARTLY_SUBSTANTIATED = "partly_substantiated", _("Partly substantiated")  # 部分属实
    NOT_SUBSTANTIATED = "not_substantiated", _("Not substantiated")  # 不属实
    REFERRED = "referred", _("Referred to another authority")  # 已转交其他部门
    WITHDRAWN = "withdrawn", _("Withdrawn by the citizen")  # 投诉人撤回


class Concern(models.Model):
    """A citizen's concern or complaint about one provider."""

    reference = models.CharField(
        _("reference number"),
        max_length=20,
        unique=True,
        editable=False,
        help_text=_("Given to the citizen to look up the status; random, never reused."),
    )
    provider = models.ForeignKey(Provider, models.PROTECT, related_name="concerns", verbose_name=_("provider"))
    category = models.CharField(pgettext_lazy("concern", "category"), max_length=20, choices=Category.choices)
    description = models.TextField(
        pgettext_lazy("concern", "what happened"),
        validators=[MinLengthValidator(DESCRIPTION_MIN_LENGTH), MaxLengthValidator(DESCRIPTION_MAX_LENGTH)],
    )
    # Optional contact, personal data: encrypted (phone, email), masked, never public.
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = EncryptedPhoneField(_("contact phone"), max_length=30, blank=True, hash_field="contact_phone_hash")
    contact_phone_hash = KeyedHashField(_("contact phone hash"), source="contact_phone", blank=True)
    contact_email = EncryptedTextField(_("contact email"), max_length=254, blank=True)
    # When the contact was deleted, CONCERN_CONTACT_RETENTION_DAYS after closing (retention.py).
    contact_deleted_at = models.DateTimeField(_("contact deleted at"), null=True, blank=True, editable=False)

    received_at = models.DateTimeField(_("received at"))
    due_on = models.DateField(_("reply due on"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    investigation_started_at = models.DateTimeField(_("investigation started at"), null=True, blank=True)
    outcome = models.CharField(pgettext_lazy("concern", "outcome"), max_length=30, choices=Outcome.choices, blank=True)
    public_reply = models.TextField(
        _("public reply"),
        blank=True,
        validators=[MaxLengthValidator(PUBLIC_REPLY_MAX_LENGTH)],
        help_text=_("Shown to anyone who looks up the reference number: no names, phone numbers or addresses."),
    )
    internal_notes = models.TextField(_("internal notes"), blank=True, help_text=_("Seen by staff only."))
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="concerns_handled",
        verbose_name=_("handled by"),
    )
    closed_at = models.DateTimeField(pgettext_lazy("concern", "closed at"), null=True, blank=True)

    _history_user: User | None  # who simple-history records as the author of a change

    # The contact is written once, at receipt: the history need not (and must not) copy it,
    # nor when it was deleted (retention.py: the audit log records each run).
    history = HistoricalRecords(
        excluded_fields=["contact_name", "contact_phone", "contact_phone_hash", "contact_email", "contact_deleted_at"]
    )

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-received_at", "-pk"]
        constraints = [
            # An outcome and a closing time exactly when closed.
            models.CheckConstraint(
                condition=(Q(status=Status.CLOSED) & ~Q(outcome="") & Q(closed_at__isnull=False))
                | (~Q(status=Status.CLOSED) & Q(outcome="") & Q(closed_at__isnull=True)),
                name="concern_closed_with_outcome",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.RECEIVED) | Q(handled_by__isnull=False), name="concern_handled_by_someone"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="concern_open_due"),
            models.Index(fields=["provider", "received_at"], name="concern_provider_year"),
        ]

    def __str__(self) -> str:
        # The reference only: audit entries and messages name a case by it, never by its text.
        return self.reference

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_phone or self.contact_email)


class ConcernReminder(models.Model):
    """One day's reminder of one open concern to one clerk; at most one per concern, clerk
    and day (unique), emailed in a digest per clerk (``reminders.py``)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Reply due soon")
        OVERDUE = "overdue", _("Reply overdue")

    concern = models.ForeignKey(Concern, models.CASCADE, related_name="reminders", verbose_name=_("concern"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="concern_reminders", verbose_name=_("recipient")
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    # Bookkeeping of the sender (never shown): which run claimed the row to email it, and when.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("concern reminder")
        verbose_name_plural = _("concern reminders")
        ordering = ["-day", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "recipient", "day"], name="concern_reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.concern} {self.day:%Y-%m-%d}"
