"""Providers and what the rules read about them: kind, status and its changes, licences,
fire-safety exemptions, fees, annual reports, credit records and holds."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from safeguards.identifiers import normalise_uscc, validate_uscc

from ..pinyin import PINYIN_MAX_LENGTH, name_pinyin
from .childcare import (
    CHILDCARE_FILING_AUTHORITY,
    CHILDCARE_REGISTRATION_AUTHORITIES,
    CareMode,
    ChildcareSetting,
    DemonstrationLevel,
)
from .divisions import Division
from .staff import User


def money_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """Money is yuan with two decimal places (DESIGN: rules that hold everywhere)."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class ProviderKind(models.TextChoices):
    ELDERLY_INSTITUTION = "elderly_institution", _("Elderly-care institution")
    TOWNSHIP_HOME = "township_home", _("Township home for the aged / extreme-poverty support institution")
    DAY_CARE_CENTRE = "day_care_centre", _("Community day-care centre for older people")
    SERVICE_STATION = "service_station", _("Elderly service station")
    HAPPINESS_HOME = "happiness_home", _("Rural/pastoral mutual-aid happiness home")
    MEDICAL_ELDERLY = "medical_elderly", _("Integrated medical and elderly-care institution")
    INFANT_CARE = "infant_care", _("Childcare (infant-care) provider")
    NURSERY = "nursery", _("Nursery")
    KINDERGARTEN_CLASS = "kindergarten_class", _("Kindergarten toddler class")
    COMMUNITY_CHILDCARE = "community_childcare", _("Community childcare point")
    WORKPLACE_CHILDCARE = "workplace_childcare", _("Workplace childcare point")
    HOME_CHILDCARE = "home_childcare", _("Home-based childcare point")

    @classmethod
    def childcare(cls) -> frozenset[str]:
        return frozenset(
            {
                cls.INFANT_CARE,
                cls.NURSERY,
                cls.KINDERGARTEN_CLASS,
                cls.COMMUNITY_CHILDCARE,
                cls.WORKPLACE_CHILDCARE,
                cls.HOME_CHILDCARE,
            }
        )

    @classmethod
    def elderly(cls) -> frozenset[str]:
        return frozenset(cls.values) - cls.childcare()


class LegalForm(models.TextChoices):
    NON_PROFIT = "non_profit", _("Non-profit")
    FOR_PROFIT = "for_profit", _("For-profit")


class OperationMode(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")
    PUBLIC_BUILT_PRIVATE_RUN = "public_built_private_run", _("Publicly built, privately operated")
    PRIVATE_BUILT_PUBLIC_AID = "private_built_public_aid", _("Privately built, publicly assisted")


class RegistrationAuthority(models.TextChoices):
    MARKET_REGULATION = "market_regulation", _("Market Regulation")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil Affairs")
    ESTABLISHMENT_OFFICE = "establishment_office", _("Establishment (staffing) office")


class FilingAuthority(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("Civil Affairs")
    HEALTH_COMMISSION = "health_commission", _("Health Commission")


class PremisesBasis(models.TextChoices):
    NEW_BUILD = "new_build", _("New build")
    BOUGHT_RENOVATED = "bought_renovated", _("Bought idle building, renovated")
    LEASED = "leased", _("Leased premises")
    EXPANSION = "expansion", _("Expansion/renovation")


class ProviderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FILED = "filed", _("Filed")
    CERTIFIED = "certified", _("Certified")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")
    REVOKED = "revoked", _("Revoked")


class Provider(models.Model):
    """An elderly-care or infant-care provider (DOMAIN §2)."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc])
    name = models.CharField(_("name"), max_length=200)
    # The name the provider writes in Mongolian (traditional script), if it has one: shown
    # on the Mongolian pages and beside the Chinese name, and in the open data.
    name_mn = models.CharField(_("name in Mongolian script"), max_length=200, blank=True)
    # The name's pinyin and initials, for the public keyword search (kept in step by save()).
    name_pinyin = models.CharField(_("name in pinyin"), max_length=PINYIN_MAX_LENGTH, blank=True, editable=False)
    kind = models.CharField(_("kind"), max_length=40, choices=ProviderKind.choices)
    legal_form = models.CharField(_("legal form"), max_length=20, choices=LegalForm.choices)
    operation_mode = models.CharField(_("operation mode"), max_length=40, choices=OperationMode.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=ProviderStatus.choices, default=ProviderStatus.DRAFT, editable=False
    )

    registration_authority = models.CharField(
        _("registration authority"), max_length=30, choices=RegistrationAuthority.choices
    )
    registration_number = models.CharField(_("registration number"), max_length=60, blank=True)
    filing_authority = models.CharField(
        _("filing authority"), max_length=30, choices=FilingAuthority.choices, blank=True
    )
    filing_number = models.CharField(_("filing number"), max_length=60, blank=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True, editable=False)
    certified_on = models.DateField(_("certified on"), null=True, blank=True, editable=False)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True, editable=False)

    division = models.ForeignKey(Division, models.PROTECT, related_name="providers", verbose_name=_("division"))
    address = models.CharField(_("address"), max_length=255)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("institution phone"), max_length=30, blank=True, help_text=_("The institution's public phone number.")
    )
    contact_email = models.EmailField(
        _("institution email"), blank=True, help_text=_("Reminders of self-inspections due are sent here.")
    )
    services = models.TextField(_("services offered"), blank=True)
    facilities = models.TextField(_("facilities and conditions"), blank=True)

    floor_area_m2 = models.DecimalField(
        _("floor area (m²)"), max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    investment_yuan = money_field(_("investment (yuan)"), null=True, blank=True, validators=[MinValueValidator(0)])
    built_on = models.DateField(_("built on"), null=True, blank=True)
    last_altered_on = models.DateField(
        _("last alteration on"), null=True, blank=True, help_text=_("Leave empty if never altered.")
    )
    premises_basis = models.CharField(_("premises basis"), max_length=30, choices=PremisesBasis.choices, blank=True)
    lease_end = models.DateField(_("lease ends on"), null=True, blank=True)

    beds = models.PositiveIntegerField(_("beds"), default=0)
    nursing_beds = models.PositiveIntegerField(_("nursing-type beds"), default=0)
    childcare_places = models.PositiveIntegerField(_("childcare places"), default=0)
    # A day-care centre or service station: how many people it can serve a day (its
    # occupancy is the day's attendance, ``Attendance``; it has no vacant beds).
    day_capacity = models.PositiveIntegerField(
        _("people served a day (capacity)"),
        null=True,
        blank=True,
        help_text=_("Day-care centres and service stations."),
    )
    # Infant care (issue 17): how it is run, inclusive (普惠) places and their price cap,
    # demonstration status, and the registration data pushed to the health commission.
    childcare_setting = models.CharField(
        _("childcare setting"), max_length=20, choices=ChildcareSetting.choices, blank=True
    )
    inclusive_places = models.PositiveIntegerField(
        _("inclusive places"), default=0, help_text=_("Places offered at the inclusive (普惠) price.")
    )
    inclusive_price = money_field(
        _("inclusive price cap (yuan a month)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    demonstration_level = models.CharField(
        _("demonstration provider named by"), max_length=20, choices=DemonstrationLevel.choices, blank=True
    )
    demonstration_year = models.PositiveSmallIntegerField(_("demonstration year"), null=True, blank=True)
    registration_pushed_on = models.DateField(
        _("registration data pushed to the health commission on"),
        null=True,
        blank=True,
        help_text=_("Childcare: the registration authority sends its data to the health commission (000:175-177)."),
    )
    grade = models.PositiveSmallIntegerField(
        _("grade"),
        default=0,
        validators=[MaxValueValidator(5)],
        choices=[(0, _("Not rated"))] + [(n, f"{n}★") for n in range(1, 6)],
    )
    has_medical_unit = models.BooleanField(_("in-house medical unit filed"), default=False)
    households_served = models.PositiveIntegerField(
        _("households served"), null=True, blank=True, help_text=_("For mutual-aid happiness homes.")
    )

    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account_name = models.CharField(_("account name"), max_length=200, blank=True)
    bank_account_number = models.CharField(_("account number"), max_length=40, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    history = HistoricalRecords()
    # Not columns: who makes the next save() and why, for its history row (simple-history).
    _history_user: User
    _change_reason: str

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]
        permissions = [
            ("file_provider", _("Can file a provider")),
            ("certify_provider", _("Can certify a provider")),
            ("suspend_provider", _("Can suspend a provider")),
            ("reinstate_provider", _("Can reinstate a provider")),
            ("close_provider", _("Can close a provider")),
            ("revoke_provider", _("Can revoke a provider")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(nursing_beds__lte=F("beds")), name="provider_nursing_beds_lte_beds"),
            models.CheckConstraint(condition=Q(grade__gte=0, grade__lte=5), name="provider_grade_0_5"),
            models.CheckConstraint(
                condition=Q(inclusive_places__lte=F("childcare_places")), name="provider_inclusive_places_lte_places"
            ),
            models.CheckConstraint(
                condition=Q(demonstration_level="") | Q(demonstration_year__isnull=False),
                name="provider_demonstration_has_year",
            ),
            models.CheckConstraint(
                condition=~Q(premises_basis=PremisesBasis.LEASED) | Q(lease_end__isnull=False),
                name="provider_leased_has_lease_end",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "kind"], name="provider_status_kind"),
            models.Index(fields=["division", "status"], name="provider_division_status"),
            # Public directory filters and sorts (always with status = certified).
            models.Index(fields=["status", "name"], name="provider_status_name"),
            models.Index(fields=["status", "grade"], name="provider_status_grade"),
            models.Index(fields=["status", "beds"], name="provider_status_beds"),
            models.Index(fields=["status", "legal_form", "operation_mode"], name="provider_status_form_mode"),
            models.Index(fields=["status", "has_medical_unit"], name="provider_status_medical"),
            models.Index(fields=["status", "updated_at"], name="provider_status_updated"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_pinyin = name_pinyin(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin"}
        super().save(*args, **kwargs)

    def clean(self) -> None:

        self.uscc = normalise_uscc(self.uscc)
        errors: dict[str, Any] = {}
        if self.nursing_beds > self.beds:
            errors["nursing_beds"] = _("Nursing-type beds cannot exceed the total number of beds.")
        if self.is_childcare:
            allowed = CHILDCARE_REGISTRATION_AUTHORITIES.get(self.legal_form)
            if allowed is not None and self.registration_authority and self.registration_authority not in allowed:
                errors["registration_authority"] = _(
                    "A non-profit childcare provider registers with the establishment office or civil affairs, "
                    "a for-profit one with market regulation (000:169-177)."
                )
            if self.filing_authority and self.filing_authority != CHILDCARE_FILING_AUTHORITY:
                errors["filing_authority"] = _("A childcare provider files with the health commission (000:175).")
        if self.inclusive_places > self.childcare_places:
            errors["inclusive_places"] = _("Inclusive places cannot exceed the childcare places.")
        if self.demonstration_level and not self.demonstration_year:
            errors["demonstration_year"] = _("Give the year the provider was named a demonstration provider.")
        if self.premises_basis == PremisesBasis.LEASED and not self.lease_end:
            errors["lease_end"] = _("Leased premises need the date the lease ends.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_childcare(self) -> bool:
        return self.kind in ProviderKind.childcare()


class StatusReason(models.TextChoices):
    """Why a provider left the directory, as the public page says it (issue 19, DOMAIN §7
    "Public disclosure": the date and the reason category). The clerk's own reason is free
    text and stays in the back office: it may name people."""

    PROVIDER_REQUEST = "provider_request", _("At the provider's request")
    SAFETY = "safety", _("Safety hazards")
    RECTIFICATION = "rectification", _("Rectification not completed in time")
    VIOLATION = "violation", _("Violation of laws or regulations")
    SUBSIDY_FRAUD = "subsidy_fraud", _("Subsidies obtained by fraud")
    REGISTRATION = "registration", _("Registration or filing cancelled")
    MERGER = "merger", _("Merged or relocated")
    OTHER = "other", _("Other")


class ProviderStatusChange(models.Model):
    """One lifecycle transition: who moved the provider from which status to which, and why."""

    class Action(models.TextChoices):
        FILE = "file", _("File")
        CERTIFY = "certify", _("Certify")
        SUSPEND = "suspend", _("Suspend")
        REINSTATE = "reinstate", _("Reinstate")
        # Context-qualified: Django's own "Close" (the read-only page's button, 关闭) must not
        # share this translation (注销 = deregister), issue 21.
        CLOSE = "close", pgettext_lazy("lifecycle action", "Close")
        REVOKE = "revoke", _("Revoke")

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="status_changes", verbose_name=_("provider"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from status"), max_length=20, choices=ProviderStatus.choices)
    to_status = models.CharField(_("to status"), max_length=20, choices=ProviderStatus.choices)
    reason = models.TextField(_("reason"))
    # Public: required when the provider leaves the directory (suspend, close, revoke).
    reason_category = models.CharField(_("reason category"), max_length=20, choices=StatusReason.choices, blank=True)
    effective_on = models.DateField(_("effective on"))
    actor = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("actor"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-recorded_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="status_change_reason_required")]

    def __str__(self) -> str:
        return f"{self.provider} {self.get_action_display()} {self.effective_on}"


class Licence(models.Model):
    """An authorisation held by a provider: fire, food, insurance, medical filing."""

    class Kind(models.TextChoices):
        FIRE_ACCEPTANCE = "fire_acceptance", _("Fire acceptance")
        FIRE_FILING = "fire_filing", _("Fire filing")
        FOOD_BUSINESS = "food_business", _("Food business licence")
        LIABILITY_INSURANCE = "liability_insurance", _("Liability insurance")
        MEDICAL_FILING = "medical_filing", _("In-house medical unit filing")

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="licences", verbose_name=_("provider"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=80)
    issuer = models.CharField(_("issued by"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    premium_yuan = money_field(_("premium (yuan)"), null=True, blank=True, help_text=_("Insurance policies only."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["provider", "kind", "-issued_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("issued_on")),
                name="licence_expires_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def is_current(self, on: datetime.date) -> bool:
        return self.issued_on <= on and (self.expires_on is None or self.expires_on >= on)


class FireExemptionRule(models.Model):
    """When a small or old building needs no fire filing (000:439-447), as data."""

    jurisdiction = models.ForeignKey(Division, models.PROTECT, verbose_name=_("jurisdiction"))
    max_floor_area_m2 = models.DecimalField(_("maximum floor area (m²)"), max_digits=10, decimal_places=2)
    max_investment_yuan = money_field(_("maximum investment (yuan)"))
    built_before = models.DateField(
        _("built and used before"), help_text=_("Buildings in use before this date and never altered are exempt.")
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fire-filing exemption rule")
        verbose_name_plural = _("fire-filing exemption rules")
        ordering = ["jurisdiction", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.effective_from}"


class FeeItem(models.Model):
    """A fee the provider discloses publicly (bed, nursing, meal …)."""

    class Kind(models.TextChoices):
        BED = "bed", _("Bed fee")
        NURSING = "nursing", _("Nursing fee")
        MEAL = "meal", _("Meal fee")
        CHILDCARE = "childcare", _("Childcare fee")
        OTHER = "other", _("Other fee")

    class Unit(models.TextChoices):
        MONTH = "month", _("per month")
        DAY = "day", _("per day")
        HOUR = "hour", _("per hour")
        ONCE = "once", _("one-off")

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="fee_items", verbose_name=_("provider"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("item"), max_length=100)
    amount = money_field(_("amount (yuan)"), validators=[MinValueValidator(0)])
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.MONTH)
    care_mode = models.CharField(
        _("childcare service mode"),
        max_length=20,
        choices=CareMode.choices,
        blank=True,
        help_text=_("Childcare fees: the service mode the fee is for."),
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fee item")
        verbose_name_plural = _("fee items")
        ordering = ["provider", "kind", "name"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="fee_item_amount_not_negative")]
        indexes = [models.Index(fields=["provider", "unit", "effective_from"], name="fee_item_in_force")]

    def __str__(self) -> str:
        return f"{self.name} {self.amount}"


class AnnualReport(models.Model):
    """Annual financial report of a government-run or non-profit provider (000:533-540)."""

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="annual_reports", verbose_name=_("provider"))
    year = models.PositiveSmallIntegerField(_("financial year"))
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    total_income = money_field(_("total income (yuan)"), null=True, blank=True, validators=[MinValueValidator(0)])
    total_expenditure = money_field(
        _("total expenditure (yuan)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    # The balance sheet's total and the public money of the year (issue 18: what the
    # provider reports with its income and expenditure, published with them).
    total_assets = money_field(_("total assets (yuan)"), null=True, blank=True, validators=[MinValueValidator(0)])
    subsidies_received = money_field(
        _("government subsidies received (yuan)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    subsidies_used = money_field(
        _("government subsidies used (yuan)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    document = models.FileField(_("report document"), upload_to="annual_reports/%Y/", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("annual financial report")
        verbose_name_plural = _("annual financial reports")
        ordering = ["provider", "-year"]
        constraints = [models.UniqueConstraint(fields=["provider", "year"], name="annual_report_once_per_year")]

    def __str__(self) -> str:
        return f"{self.provider} {self.year}"


class CreditRecord(models.Model):
    """A commendation, a dishonesty record or a blacklisting, with its dates."""

    class Kind(models.TextChoices):
        COMMENDATION = "commendation", _("Commendation")
        DISHONESTY = "dishonesty", _("Dishonesty record")
        BLACKLIST = "blacklist", _("Blacklist")

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="credit_records", verbose_name=_("provider"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty while still in force."))
    source = models.CharField(_("source"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Set by an upheld objection (``registry.disclosure.objection_decide``): the description
    # was corrected on that day, or the decision was annulled and the record is no longer
    # published nor read by the holds.
    corrected_on = models.DateField(_("corrected on"), null=True, blank=True, editable=False)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        ordering = ["provider", "-start_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=F("start_on")), name="credit_record_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_on}"


class ProviderHold(models.Model):
    """A hold on a provider's payments, opened and closed by another app.

    Inspections opens one for an open major hazard; subsidies reads active holds before
    paying. It lives here so neither app imports the other (DESIGN: data flow).
    """

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="holds", verbose_name=_("provider"))
    reason = models.TextField(_("reason"))
    source = models.CharField(_("source"), max_length=100, help_text=_("What opened the hold, e.g. a finding."))
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment hold")
        verbose_name_plural = _("payment holds")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "source"], condition=Q(ended_at__isnull=True), name="one_open_hold_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.reason}"
