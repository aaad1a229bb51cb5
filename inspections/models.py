"""Inspections: regimes as data, planned tasks, double-random draws, inspection records,
findings and rectification, notifications.

Rules live in modules named for them (``periods.py``, ``planning.py``,
``random_draw.py``, ``records.py``, ``reminders.py``); these models hold the data and
the constraints that make planning and reminders idempotent.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from registry.models import Division, Provider, name_in_language

from .validators import validate_evidence_size


class Department(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("Civil Affairs")
    EMERGENCY_MANAGEMENT = "emergency_management", _("Emergency Management")
    MARKET_REGULATION = "market_regulation", _("Market Regulation")
    HEALTH_COMMISSION = "health_commission", _("Health Commission")
    FIRE_RESCUE = "fire_rescue", _("Fire and Rescue Detachment")
    PROVIDER = "provider", _("The provider itself")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every quarter")
    HALF_YEARLY = "half_yearly", _("Every half year")
    YEARLY = "yearly", _("Every year")
    AD_HOC = "ad_hoc", _("As needed")


class InspectorLevel(models.TextChoices):
    """Whose inspectors are assigned the tasks of a regime."""

    CITY = "city", _("League/city inspectors")
    COUNTY = "county", _("District inspectors")
    PROVIDER = "provider", _("The provider")


class Regime(models.Model):
    """An inspection regime (DOMAIN §4, 004:94): who inspects whom, how often, what."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_mn = models.CharField(_("name in Mongolian script"), max_length=200, blank=True)
    jurisdiction = models.ForeignKey(Division, models.PROTECT, related_name="+", verbose_name=_("jurisdiction"))
    provider_kinds = models.JSONField(_("provider kinds"), default=list, blank=True)
    frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices)
    inspector_level = models.CharField(_("inspected by"), max_length=20, choices=InspectorLevel.choices)
    lead_department = models.CharField(_("lead department"), max_length=30, choices=Department.choices)
    joint_departments = models.JSONField(_("joint departments"), default=list, blank=True)
    checklist = models.JSONField(
        _("checklist"), default=list, blank=True, help_text=_("Items: code, area, text_zh, text_en.")
    )
    rectification_days = models.JSONField(
        _("rectification days by severity"),
        default=dict,
        blank=True,
        help_text='{"general": 30, "major": 7}',
    )
    reminder_offsets = models.JSONField(
        _("reminder offsets (days from the due date)"), default=list, blank=True, help_text="[-14, -3, 1]"
    )
    source = models.CharField(_("source"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inspection regime")
        verbose_name_plural = _("inspection regimes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """In the page's language: English under /en/, Mongolian under /mn/ (Chinese if it has none)."""
        return name_in_language(self.name_zh, mn=self.name_mn, en=self.name_en)


class InspectionTask(models.Model):
    """One inspection owed: (provider, regime, period), due at the end of the period."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="inspection_tasks", verbose_name=_("provider"))
    regime = models.ForeignKey(Regime, models.PROTECT, related_name="tasks", verbose_name=_("regime"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_on = models.DateField(_("due on"), editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="inspection_tasks", verbose_name=_("assigned to")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[assignees])

    class Meta:
        verbose_name = _("inspection task")
        verbose_name_plural = _("inspection tasks")
        ordering = ["due_on", "provider__name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "regime", "period_start"], name="one_task_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="task_period_ordered"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="task_status_due")]

    def __str__(self) -> str:
        return f"{self.provider} · {self.regime} · {self.period_start:%Y-%m}"


class Draw(models.Model):
    """A double-random, one-public draw: random targets and random inspectors, published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FROZEN = "frozen", _("Drawn and published")

    name = models.CharField(_("name"), max_length=200)
    jurisdiction = models.ForeignKey(Division, models.PROTECT, related_name="+", verbose_name=_("jurisdiction"))
    regime = models.ForeignKey(
        Regime, models.PROTECT, null=True, blank=True, related_name="draws", verbose_name=_("regime")
    )
    provider_kinds = models.JSONField(_("provider kinds"), default=list, blank=True)
    sample_ratio = models.DecimalField(
        _("sample ratio"), max_digits=5, decimal_places=4, null=True, blank=True, help_text=_("e.g. 0.2 for 20 %")
    )
    sample_count = models.PositiveIntegerField(_("sample count"), null=True, blank=True)
    inspector_pool = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("inspector pool")
    )
    team_size = models.PositiveSmallIntegerField(_("team size"), default=2)
    random_value = models.CharField(
        _("public random value"), max_length=100, blank=True, help_text=_("e.g. a published lottery number")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    inputs = models.JSONField(_("published inputs"), default=dict, blank=True, editable=False)
    results = models.JSONField(_("published results"), default=list, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    frozen_at = models.DateTimeField(_("drawn at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("double-random draw")
        verbose_name_plural = _("double-random draws")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sample_ratio__isnull=False) | Q(sample_count__isnull=False), name="draw_has_sample_size"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Inspection(models.Model):
    """What inspectors found on a visit, item by item."""

    class Outcome(models.TextChoices):
        PASSED = "passed", _("Passed")
        FINDINGS = "findings", _("Passed with findings to rectify")
        FAILED = "failed", pgettext_lazy("inspection outcome", "Failed")

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="inspections", verbose_name=_("provider"))
    regime = models.ForeignKey(Regime, models.PROTECT, related_name="inspections", verbose_name=_("regime"))
    task = models.ForeignKey(
        InspectionTask, models.SET_NULL, null=True, blank=True, related_name="inspections", verbose_name=_("task")
    )
    draw = models.ForeignKey(
        Draw, models.SET_NULL, null=True, blank=True, related_name="inspections", verbose_name=_("draw")
    )
    inspected_on = models.DateField(_("inspected on"))
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("inspectors")
    )
    checklist_results = models.JSONField(
        _("checklist results"), default=dict, blank=True, help_text=_("Item code → pass, fail or n/a.")
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    summary = models.TextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[inspectors])

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-id"]
        indexes = [models.Index(fields=["provider", "-inspected_on"], name="inspection_provider_date")]

    def __str__(self) -> str:
        return f"{self.provider} {self.inspected_on}"


class Finding(models.Model):
    """A hazard found, its rectification and the inspector's verification."""

    class Category(models.TextChoices):
        FIRE = "fire", _("Fire safety")
        FOOD = "food", _("Food safety")
        MEDICATION = "medication", _("Medication")
        BUILDING = "building", _("Building safety")
        SERVICE = "service", _("Service safety")

    class Severity(models.TextChoices):
        GENERAL = "general", _("General hazard")
        MAJOR = "major", _("Major hazard")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RECTIFIED = "rectified", _("Rectification reported")
        VERIFIED = "verified", _("Verified fixed")

    inspection = models.ForeignKey(Inspection, models.CASCADE, related_name="findings", verbose_name=_("inspection"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices)
    description = models.TextField(_("description"))
    deadline = models.DateField(_("rectification deadline"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    rectification_report = models.TextField(_("rectification report"), blank=True)
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("verified by")
    )
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    # An inspector who finds the reported rectification not done sends it back: the
    # finding is open again and the provider reads the reason in the portal.
    return_reason = models.TextField(_("reason the rectification was returned"), blank=True)
    returned_on = models.DateField(_("rectification returned on"), null=True, blank=True)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["deadline", "id"]
        permissions = [("verify_finding", _("Can verify rectifications"))]
        indexes = [models.Index(fields=["status", "deadline"], name="finding_status_deadline")]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.description[:40]}"

    @property
    def hold_source(self) -> str:
        return f"inspections.finding:{self.pk}"

    @property
    def hold_label(self) -> str:
        """What a payment hold opened by this finding names (registry.holds.hold_source_label)."""
        return f"{self.inspection} {self.get_category_display()} {self}"


class Evidence(models.Model):
    """A photo or PDF supporting a finding or its rectification."""

    finding = models.ForeignKey(Finding, models.CASCADE, related_name="evidence", verbose_name=_("finding"))
    file = models.FileField(
        _("file"),
        upload_to="evidence/%Y/%m/",
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "pdf"]), validate_evidence_size],
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.caption or self.file.name


class Notification(models.Model):
    """A reminder for one recipient about one object and due date; sent exactly once.

    The unique key (recipient, kind, object, due date) makes re-runs, retries and two
    workers create nothing twice. The email digest claims it (``digest_claim``, a token of
    the sending run, and ``digest_claimed_at``) and commits before sending, then sets
    ``emailed_at`` once the mail server took the digest (``inspections/digests.py``).
    """

    class Kind(models.TextChoices):
        TASK_DUE = "task_due", _("Inspection coming due")
        TASK_OVERDUE = "task_overdue", _("Inspection overdue")
        RECTIFICATION_DUE = "rectification_due", _("Rectification deadline approaching")
        RECTIFICATION_OVERDUE = "rectification_overdue", _("Rectification overdue")
        LICENCE_EXPIRING = "licence_expiring", _("Licence or insurance expiring")
        ANNUAL_REPORT_DUE = "annual_report_due", _("Annual financial report due")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    email = models.EmailField(_("email"), blank=True, help_text=_("For recipients without an account (providers)."))
    # "user:12" or "email:a@b.cn": one non-null key for the uniqueness rule below.
    recipient_key = models.CharField(_("recipient key"), max_length=254, editable=False)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    object_key = models.CharField(_("about"), max_length=60)
    due_on = models.DateField(_("due on"))
    message = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    # Bookkeeping of the digest sender, never shown (hence no translated labels): which run
    # claimed the row to email it, and when (a claim left by a crashed run expires).
    digest_claim = models.UUIDField(null=True, blank=True, editable=False)
    digest_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["recipient_key", "kind", "object_key", "due_on"], name="notify_once"),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(email=""), name="notification_has_recipient"
            ),
            # A claim is whole (token and time) and only on a notification not yet emailed.
            models.CheckConstraint(
                condition=Q(digest_claim__isnull=True, digest_claimed_at__isnull=True)
                | Q(digest_claim__isnull=False, digest_claimed_at__isnull=False, emailed_at__isnull=True),
                name="notification_claim_whole",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.message[:60]


class SelfCheck(models.Model):
    """A provider's own safety log (004:94): the weekly team self-check (班组自查) or the
    daily shift-handover safety check (岗位安全专项交接班), one per provider, kind and week
    (stored as its Monday) or day. Written by ``self_checks.self_check_record`` only."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Weekly team self-check")
        DAILY = "daily", _("Daily shift-handover safety check")

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="self_checks", verbose_name=_("provider"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    day = models.DateField(_("day (a week: its Monday)"))
    results = models.JSONField(_("results"), default=dict, blank=True, help_text=_("Item code → ok, problem or n/a."))
    notes = models.JSONField(_("notes on problems"), default=dict, blank=True)
    all_ok = models.BooleanField(_("everything in order"))
    people = models.CharField(_("who checked"), max_length=200)
    remarks = models.TextField(_("remarks"), blank=True)
    source = models.CharField(_("sent as"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("provider self-check")
        verbose_name_plural = _("provider self-checks")
        ordering = ["-day", "provider__name", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "kind", "day"], name="self_check_once"),
            models.CheckConstraint(
                condition=~Q(kind="weekly") | Q(day__week_day=2), name="weekly_self_check_on_monday"
            ),
        ]
        indexes = [models.Index(fields=["kind", "day"], name="self_check_kind_day")]

    def __str__(self) -> str:
        return f"{self.provider} {self.get_kind_display()} {self.day}"
