"""Subsidies: rate tables as data, construction grants and instalments, monthly grant
runs, payment batches and recoveries.

Rules live in modules named for them (``rates.py``, ``instalments.py``,
``operating_grants.py``, ``payments.py``, ``recoveries.py``); these models hold the data
and the database constraints that make double payment impossible.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from registry.models import Division, Provider, money_field, name_in_language

from .rate_keys import rate_key_label


def preparers_field() -> models.ManyToManyField:
    """Everyone who created, refreshed, edited, collected or submitted the object: none of
    them may approve it (subsidies/maker_checker.py; in PostgreSQL also a trigger)."""
    return models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="+",
        blank=True,
        verbose_name=_("preparers"),
        help_text=_("Everyone who created, refreshed or edited it; none of them may approve it."),
    )


class PayerLevel(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    REGION = "region", _("Region finance")
    LEAGUE_CITY = "league_city", _("League/city finance")
    COUNTY = "county", _("Banner/county finance")
    INSTITUTION = "institution", _("Institution")
    CAREGIVER = "caregiver", _("Caregiver")


class SchemeKind(models.TextChoices):
    CONSTRUCTION_PER_BED = "construction_per_bed", _("One-off construction subsidy per bed")
    CONSTRUCTION_FIXED = "construction_fixed", _("Fixed construction subsidy per facility")
    OPERATING = "operating", _("Monthly bed operating grant")
    CAREGIVER_ALLOWANCE = "caregiver_allowance", _("Caregiver special-post allowance")
    INSURANCE_COFUNDING = "insurance_cofunding", _("Liability insurance premium co-funding")
    ACCIDENT_INSURANCE = "accident_insurance", _("Caregiver accident insurance cost sharing")
    AWARD = "award", _("Award in lieu of subsidy")
    LIVING_ALLOWANCE = "living_allowance", _("Living allowance of residents in extreme poverty or on dibao")


class OccupancyRule(models.TextChoices):
    CENSUS_DAY = "census_day", _("Residents present on the census day")
    MIN_DAYS = "min_days", _("Residents present at least N days of the month")
    PRO_RATA = "pro_rata", _("Resident-days divided by days in the month")


class SubsidyScheme(models.Model):
    """A subsidy as the policy text defines it: who pays, who is eligible, how it is counted."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_mn = models.CharField(_("name in Mongolian script"), max_length=200, blank=True)
    jurisdiction = models.ForeignKey(Division, models.PROTECT, related_name="+", verbose_name=_("jurisdiction"))
    payer_level = models.CharField(_("payer level"), max_length=20, choices=PayerLevel.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=SchemeKind.choices)

    # Eligibility. provider_kinds: empty means any kind. eligibility: a list of
    # alternatives, each {attribute: [allowed values]}; a provider qualifies when it
    # matches any alternative, e.g. [{"legal_form": ["non_profit"]},
    # {"operation_mode": ["public_built_private_run"]}]. Empty list: everyone.
    provider_kinds = models.JSONField(_("provider kinds"), default=list, blank=True)
    eligibility = models.JSONField(_("eligibility alternatives"), default=list, blank=True)
    filing_required = models.BooleanField(_("filing with the authority required"), default=True)

    # Counting and splitting rules, as data.
    occupancy_rule = models.CharField(
        _("occupancy counting rule"), max_length=20, choices=OccupancyRule.choices, blank=True
    )
    occupancy_min_days = models.PositiveSmallIntegerField(_("minimum days present (N)"), null=True, blank=True)
    census_day = models.PositiveSmallIntegerField(
        _("census day of the month"), null=True, blank=True, help_text=_("Empty: the last day of the month.")
    )
    area_per_bed_m2 = models.DecimalField(
        _("floor area per bed (m²)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    instalment_ratios = models.JSONField(_("instalment ratios"), default=list, blank=True, help_text="[3, 3, 4]")
    cost_shares = models.JSONField(
        _("cost shares"), default=list, blank=True, help_text='[["region", 5], ["league_city", 3], ["county", 2]]'
    )
    # Who pays the "government" part of cost_shares, as [[payer level, weight]]: e.g. the
    # accident insurance's 6 from the same-level finance (000:1083), docs/subsidies.md.
    government_payers = models.JSONField(
        _("government share paid by"), default=list, blank=True, help_text='[["county", 1]]'
    )
    min_nursing_years = models.PositiveSmallIntegerField(_("minimum years of nursing work"), null=True, blank=True)
    min_lease_years = models.PositiveSmallIntegerField(_("minimum lease years"), null=True, blank=True)
    # Schemes paid per resident (living allowances, 000:1056-1063): the resident categories
    # that qualify, in order of precedence (a resident in two is paid under the first).
    resident_categories = models.JSONField(
        _("resident categories"),
        default=list,
        blank=True,
        help_text=_('Paid per resident: the categories that qualify, in order of precedence, e.g. ["extreme_poverty"]'),
    )

    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, help_text=_("Seed document and lines, e.g. 004:80"))
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subsidy scheme")
        verbose_name_plural = _("subsidy schemes")
        ordering = ["code"]

    def __str__(self) -> str:
        # The name a clerk knows it by (issue 21); the code is for the API and the files.
        return self.name

    @property
    def name(self) -> str:
        return name_in_language(self.name_zh, mn=self.name_mn, en=self.name_en)


class Rate(models.Model):
    """An amount of a scheme for one key (premises basis, grade, certificate level …)."""

    scheme = models.ForeignKey(SubsidyScheme, models.CASCADE, related_name="rates", verbose_name=_("scheme"))
    key = models.CharField(_("key"), max_length=40, help_text=_("Premises basis, grade, certificate level …"))
    amount = money_field(_("amount (yuan)"))
    max_amount = money_field(_("maximum amount (yuan)"), null=True, blank=True, help_text=_("For ranges."))
    threshold_field = models.CharField(
        _("threshold attribute"), max_length=40, blank=True, help_text=_("e.g. households_served, floor_area_m2")
    )
    threshold_min = models.DecimalField(_("threshold minimum"), max_digits=12, decimal_places=2, null=True, blank=True)
    # Who may receive this amount, on top of the scheme's own eligibility: e.g. the
    # happiness-home award only to happiness homes (004:80). Empty: any kind the scheme allows.
    provider_kinds = models.JSONField(
        _("provider kinds for this rate"),
        default=list,
        blank=True,
        help_text=_('Empty: any kind the scheme allows, e.g. ["happiness_home"]'),
    )
    is_example = models.BooleanField(
        _("example rate"), default=False, help_text=_("The policy gives only a range; this value is an example.")
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rate")
        verbose_name_plural = _("rates")
        ordering = ["scheme", "key", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "key", "effective_from"], name="rate_once_per_key_and_start"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="rate_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.name} {rate_key_label(self.key)} {self.amount}"


class ConstructionGrant(models.Model):
    """An application for a construction subsidy and, once approved, its instalments."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    provider = models.ForeignKey(
        Provider, models.PROTECT, related_name="construction_grants", verbose_name=_("provider")
    )
    scheme = models.ForeignKey(SubsidyScheme, models.PROTECT, related_name="+", verbose_name=_("scheme"))
    basis = models.CharField(_("rate key"), max_length=40, help_text=_("Premises basis or facility kind."))
    beds_claimed = models.PositiveIntegerField(_("beds claimed"), default=0)
    floor_area_m2 = models.DecimalField(_("floor area (m²)"), max_digits=10, decimal_places=2)
    lease_end = models.DateField(_("lease ends on"), null=True, blank=True)
    eligible_beds = models.PositiveIntegerField(_("eligible beds"), default=0)
    rate_amount = money_field(_("rate (yuan)"), default=0)
    total = money_field(_("total (yuan)"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("prepared by")
    )
    preparers = preparers_field()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approved by")
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("construction grant")
        verbose_name_plural = _("construction grants")
        ordering = ["-created_at"]
        permissions = [("approve_constructiongrant", _("Can approve construction grants"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="construction_grant_maker_is_not_checker",
            ),
            models.UniqueConstraint(
                fields=["provider", "scheme"],
                condition=Q(status__in=["draft", "approved"]),
                name="one_live_construction_grant_per_scheme",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="construction_grant_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.scheme.name}"


class Instalment(models.Model):
    """One yearly instalment of an approved construction grant (3:3:4)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        RELEASED = "released", _("Released")
        WITHHELD = "withheld", _("Withheld")
        CANCELLED = "cancelled", _("Cancelled")
        PAID = "paid", _("Paid")

    grant = models.ForeignKey(ConstructionGrant, models.PROTECT, related_name="instalments", verbose_name=_("grant"))
    number = models.PositiveSmallIntegerField(_("instalment"))
    year = models.PositiveSmallIntegerField(_("year"))
    amount = money_field(_("amount (yuan)"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    withheld_reason = models.TextField(_("reason withheld or cancelled"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
        help_text=_("Empty when the scheduled review decided it."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["grant", "number"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "number"], name="instalment_once_per_grant"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="instalment_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.grant} #{self.number} {self.year}"


class GrantRun(models.Model):
    """A monthly run of a scheme (operating grant, caregiver allowance …) for a period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    scheme = models.ForeignKey(SubsidyScheme, models.PROTECT, related_name="runs", verbose_name=_("scheme"))
    period = models.DateField(_("period"), help_text=_("First day of the month paid."))
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="+", verbose_name=_("division"), help_text=_("Providers inside it.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    preparers = preparers_field()
    refreshed_at = models.DateTimeField(_("refreshed at"), auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grant run")
        verbose_name_plural = _("grant runs")
        ordering = ["-period", "scheme"]
        permissions = [("approve_grantrun", _("Can approve grant runs"))]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "period", "division"], name="one_run_per_scheme_period_division"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | Q(created_by__isnull=True) | ~Q(approved_by=F("created_by")),
                name="grant_run_maker_is_not_checker",
            ),
        ]

    def __str__(self) -> str:
        # An add form sent back with an error has an instance without some of these.
        scheme = self.scheme.name if self.scheme_id else "-"
        period = f"{self.period:%Y-%m}" if self.period else "-"
        return f"{scheme} {period} {self.division if self.division_id else '-'}"


class GrantLine(models.Model):
    """One provider's (or caregiver's) amount in a run, with the basis it was computed from."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular")
        ADJUSTMENT = "adjustment", _("Adjustment")

    run = models.ForeignKey(GrantRun, models.CASCADE, related_name="lines", verbose_name=_("run"))
    scheme = models.ForeignKey(SubsidyScheme, models.PROTECT, related_name="+", verbose_name=_("scheme"))
    provider = models.ForeignKey(Provider, models.PROTECT, related_name="grant_lines", verbose_name=_("provider"))
    period = models.DateField(_("period"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    subject = models.CharField(
        _("subject"),
        max_length=60,
        blank=True,
        help_text=_("Caregiver or policy the line is for; empty for the provider."),
    )
    adjusts = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="adjustments", verbose_name=_("adjusts")
    )
    basis = models.JSONField(_("basis"), default=dict, help_text=_("Rule, counts, cap, grade and rate used."))
    payer_level = models.CharField(
        _("payer level"),
        max_length=20,
        choices=PayerLevel.choices,
        blank=True,
        help_text=_("Who pays this line; empty: the scheme's payer level."),
    )
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=4, default=0)
    rate = money_field(_("rate (yuan)"), default=0)
    amount = money_field(_("amount (yuan)"), default=0)
    # A line paid by another division than the provider's own (a resident's home county pays
    # their living allowance, 000:1056-1063): payment batches of that division collect it.
    payer_division = models.ForeignKey(
        Division,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paying division"),
        help_text=_("Empty: the division of the provider pays."),
    )
    holds = models.JSONField(_("holds"), default=list, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)

    class Meta:
        verbose_name = _("grant line")
        verbose_name_plural = _("grant lines")
        ordering = ["run", "provider__name", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "provider", "period", "subject"],
                condition=Q(kind="regular"),
                name="one_regular_line_per_scheme_provider_period",
            )
        ]
        indexes = [models.Index(fields=["provider", "period"], name="grant_line_provider_period")]

    def __str__(self) -> str:
        return f"{self.provider} {self.period:%Y-%m} {self.amount}"

    @property
    def payable(self) -> bool:
        return self.amount != 0 and not self.holds


def _state_not_failed() -> Q:
    return ~Q(state="failed")


class PaymentBatch(models.Model):
    """Approved lines and released instalments paid together (maker-checker)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        EXPORTED = "exported", _("Exported")
        CLOSED = "closed", _("Reconciled")

    name = models.CharField(_("name"), max_length=100)
    division = models.ForeignKey(Division, models.PROTECT, related_name="+", verbose_name=_("division"))
    payer_level = models.CharField(_("payer level"), max_length=20, choices=PayerLevel.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("prepared by")
    )
    preparers = preparers_field()
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["-created_at"]
        permissions = [("approve_paymentbatch", _("Can approve payment batches"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="payment_batch_maker_is_not_checker",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PaymentItem(models.Model):
    """One transfer to one payee. Unique constraints make a second payment impossible."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", pgettext_lazy("payment", "Failed")

    batch = models.ForeignKey(PaymentBatch, models.PROTECT, related_name="items", verbose_name=_("batch"))
    provider = models.ForeignKey(Provider, models.PROTECT, related_name="payment_items", verbose_name=_("provider"))
    scheme = models.ForeignKey(SubsidyScheme, models.PROTECT, related_name="+", verbose_name=_("scheme"))
    period = models.DateField(_("period"), null=True, blank=True)
    grant_line = models.ForeignKey(
        GrantLine, models.PROTECT, null=True, blank=True, related_name="payment_items", verbose_name=_("grant line")
    )
    instalment = models.ForeignKey(
        Instalment, models.PROTECT, null=True, blank=True, related_name="payment_items", verbose_name=_("instalment")
    )
    award = models.ForeignKey(
        "subsidies.Award", models.PROTECT, null=True, blank=True, related_name="payment_items", verbose_name=_("award")
    )
    line_kind = models.CharField(_("kind"), max_length=20, choices=GrantLine.Kind.choices, blank=True)
    subject = models.CharField(_("subject"), max_length=60, blank=True)
    amount = money_field(_("amount (yuan)"))
    offset = money_field(_("recovery offset (yuan)"), default=0)
    payee = models.CharField(_("payee"), max_length=200)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account_number = models.CharField(_("account number"), max_length=40, blank=True)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment item")
        verbose_name_plural = _("payment items")
        ordering = ["batch", "provider__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "provider", "period", "subject"],
                condition=Q(line_kind="regular") & _state_not_failed(),
                name="pay_scheme_provider_period_once",
            ),
            models.UniqueConstraint(
                fields=["instalment"],
                condition=Q(instalment__isnull=False) & _state_not_failed(),
                name="pay_instalment_once",
            ),
            models.UniqueConstraint(
                fields=["grant_line"],
                condition=Q(grant_line__isnull=False) & _state_not_failed(),
                name="pay_grant_line_once",
            ),
            models.UniqueConstraint(
                fields=["award"], condition=Q(award__isnull=False) & _state_not_failed(), name="pay_award_once"
            ),
            models.CheckConstraint(
                condition=Q(grant_line__isnull=False) | Q(instalment__isnull=False) | Q(award__isnull=False),
                name="payment_item_has_source",
            ),
            models.CheckConstraint(
                condition=Q(offset__gte=0) & Q(offset__lte=F("amount")), name="offset_within_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payee} {self.amount}"

    @property
    def net_amount(self) -> Any:
        return self.amount - self.offset


class Recovery(models.Model):
    """A claim to recover subsidy paid, after a change of use or closure (000:1024-1026)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SETTLED = "settled", _("Settled")
        WAIVED = "waived", _("Waived")

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="recoveries", verbose_name=_("provider"))
    grant = models.ForeignKey(
        ConstructionGrant, models.PROTECT, null=True, blank=True, related_name="recoveries", verbose_name=_("grant")
    )
    reason = models.TextField(_("reason"))
    amount = money_field(_("amount to recover (yuan)"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    offset_allowed = models.BooleanField(_("may be offset against later payments"), default=True)
    opened_on = models.DateField(_("opened on"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
        help_text=_("Empty when the daily check opened it."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")
        ordering = ["-opened_on"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive"),
            models.UniqueConstraint(fields=["grant"], condition=Q(grant__isnull=False), name="one_recovery_per_grant"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount}"


class Repayment(models.Model):
    """Money received against a recovery: a transfer from the provider or an offset."""

    class Method(models.TextChoices):
        TRANSFER = "transfer", _("Transfer from the provider")
        OFFSET = "offset", _("Offset against a payment")

    recovery = models.ForeignKey(Recovery, models.PROTECT, related_name="repayments", verbose_name=_("recovery"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    amount = money_field(_("amount (yuan)"))
    received_on = models.DateField(_("received on"))
    payment_item = models.OneToOneField(
        PaymentItem, models.PROTECT, null=True, blank=True, related_name="repayment", verbose_name=_("payment item")
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["-received_on"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.recovery} {self.amount}"


class WithheldLine(GrantLine):
    """Lines a payment batch would take but for their provider's hold (``withholding.py``)."""

    class Meta:
        proxy = True
        verbose_name = _("withheld line")
        verbose_name_plural = _("withheld lines")


# The back-office's other views of providers (proxies), the operating awards and
# the care-level weights live in modules of their own (this one is near the 600-line limit),
# imported here so that Django registers them as models of the subsidies app.
from .award_models import Award as Award  # noqa: E402
from .award_models import OperationEvaluation as OperationEvaluation  # noqa: E402
from .care_weight_models import CareLevelWeight as CareLevelWeight  # noqa: E402
from .proxy_models import ProviderLedger as ProviderLedger  # noqa: E402
from .proxy_models import ProviderOnHold as ProviderOnHold  # noqa: E402
from .review_models import ReviewEvent as ReviewEvent  # noqa: E402
