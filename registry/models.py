"""Registry: divisions, staff users, providers and everything the rules read about them.

Business rules (lifecycle, scoping, fire exemption, holds) live in modules named for
them (``lifecycle.py``, ``scoping.py``, ``fire_safety.py``, ``holds.py``); the models
hold data, choices and the database constraints that keep it consistent.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from .crypto import id_number_hash
from .fields import EncryptedIdNumberField, EncryptedPhoneField, IdNumberHashField, KeyedHashField
from .identifiers import normalise_id_number, normalise_uscc, validate_id_number, validate_uscc


def money_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:  # type: ignore[type-arg]
    """Money is yuan with two decimal places (DESIGN: rules that hold everywhere)."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class Division(models.Model):
    """An administrative division (GB/T 2260), or a non-standard unit staff added."""

    class Level(models.IntegerChoices):
        REGION = 1, _("Region")
        LEAGUE_CITY = 2, _("League/City")
        COUNTY = 3, _("Banner/County/District")
        TOWNSHIP = 4, _("Sumu/Township/Subdistrict")
        VILLAGE = 5, _("Gacha/Village/Community")

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    kind = models.CharField(_("type"), max_length=20, blank=True, help_text=_("e.g. banner, county, district"))
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent division")
    )
    # Materialised path of codes ("150000/150200/150203/") so that "this division and
    # everything under it" is one indexed prefix match, also for non-standard units whose
    # codes do not follow the GB/T 2260 prefix pattern.
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True)
    is_standard = models.BooleanField(
        _("GB/T 2260 standard"),
        default=False,
        help_text=_("Unchecked for units added locally, such as development zones and townships."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]
        permissions = [("move_division", _("Can change a division's code, level or parent"))]
        indexes = [models.Index(fields=["path"], name="division_path_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        old_path = self.path
        self.path = (self.parent.path if self.parent else "") + f"{self.code}/"
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if old_path and old_path != self.path:
            # Keep descendants' paths in step when a unit moves or is recoded.
            for child in Division.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                child.path = self.path + child.path[len(old_path) :]
                Division.objects.filter(pk=child.pk).update(path=child.path)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.parent is None and self.level != self.Level.REGION:
            raise ValidationError({"parent": _("Only the region has no parent division.")})
        if self.parent is not None and self.level <= self.parent.level:
            raise ValidationError({"level": _("A division must be at a lower level than its parent.")})

    def contains(self, other: Division) -> bool:
        return other.path.startswith(self.path)


class User(AbstractUser):
    """A staff user. Every staff user works inside one jurisdiction (a division)."""

    jurisdiction = models.ForeignKey(
        Division,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("jurisdiction"),
        help_text=_("The user sees and changes only providers inside this division."),
    )
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def save(self, *args: Any, **kwargs: Any) -> None:
        # create_user() and createsuperuser hash the password without set_password():
        # the 90 days of a first password start when the account is saved.
        if self.password_changed_at is None and self.has_usable_password():
            self.password_changed_at = timezone.now()
        super().save(*args, **kwargs)


class PasswordHistory(models.Model):
    """A password hash an account used before (never shown; see passwords.PasswordHistoryValidator)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="+", verbose_name=_("account"))
    password = models.CharField(_("password"), max_length=128)
    replaced_at = models.DateTimeField(_("replaced at"), default=timezone.now)

    class Meta:
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")

    def __str__(self) -> str:
        return f"{self.user} {self.replaced_at:%Y-%m-%d}"


class RoleGrant(models.Model):
    """A request to give an account a role (and its jurisdiction), made by the system admin
    and in force only once the security admin confirms it (``registry.accounts``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(User, models.CASCADE, related_name="role_grants", verbose_name=_("account"))
    group = models.ForeignKey("auth.Group", models.PROTECT, related_name="+", verbose_name=_("role"))
    jurisdiction = models.ForeignKey(
        Division,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("jurisdiction"),
        help_text=_("The account's jurisdiction once confirmed; empty keeps the one it has."),
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["-requested_at"]
        permissions = [("confirm_rolegrant", _("Can confirm or refuse role grants"))]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group"],
                condition=Q(status="pending"),
                name="rolegrant_one_pending_per_role",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="rolegrant_two_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ← {self.group}"


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

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        self.uscc = normalise_uscc(self.uscc)
        errors: dict[str, Any] = {}
        if self.nursing_beds > self.beds:
            errors["nursing_beds"] = _("Nursing-type beds cannot exceed the total number of beds.")
        if self.premises_basis == PremisesBasis.LEASED and not self.lease_end:
            errors["lease_end"] = _("Leased premises need the date the lease ends.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_childcare(self) -> bool:
        return self.kind in ProviderKind.childcare()


class ProviderStatusChange(models.Model):
    """One lifecycle transition: who moved the provider from which status to which, and why."""

    class Action(models.TextChoices):
        FILE = "file", _("File")
        CERTIFY = "certify", _("Certify")
        SUSPEND = "suspend", _("Suspend")
        REINSTATE = "reinstate", _("Reinstate")
        CLOSE = "close", _("Close")
        REVOKE = "revoke", _("Revoke")

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="status_changes", verbose_name=_("provider"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from status"), max_length=20, choices=ProviderStatus.choices)
    to_status = models.CharField(_("to status"), max_length=20, choices=ProviderStatus.choices)
    reason = models.TextField(_("reason"))
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
        ONCE = "once", _("one-off")

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="fee_items", verbose_name=_("provider"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("item"), max_length=100)
    amount = money_field(_("amount (yuan)"), validators=[MinValueValidator(0)])
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.MONTH)
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
    total_income = money_field(_("total income (yuan)"), null=True, blank=True)
    total_expenditure = money_field(_("total expenditure (yuan)"), null=True, blank=True)
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


class CareLevel(models.TextChoices):
    SELF_CARE = "self_care", _("Self-care")
    PARTLY_DISABLED = "partly_disabled", _("Partly disabled")
    DISABLED = "disabled", _("Disabled")
    COGNITIVELY_IMPAIRED = "cognitively_impaired", _("Cognitively impaired")


class ResidentCategory(models.TextChoices):
    EXTREME_POVERTY = "extreme_poverty", _("Person in extreme poverty")
    DIBAO = "dibao", _("Minimum-living-allowance recipient")
    MARGINAL_LOW_INCOME = "marginal_low_income", _("Marginal low-income household")
    REGISTERED_POOR = "registered_poor", _("Registered poor household")
    ADVANCED_AGE = "advanced_age", _("Advanced age")
    SPECIAL_FAMILY_PLANNING = "special_family_planning", _("Special family-planning household")


_RESIDENT_CATEGORIES = frozenset(ResidentCategory.values)  # .values builds a new list at every call


def validate_resident_categories(value: object) -> None:
    from django.core.exceptions import ValidationError

    if not isinstance(value, list) or any(not isinstance(v, str) or v not in _RESIDENT_CATEGORIES for v in value):
        raise ValidationError(_("Resident categories: unknown category."), code="category")


class PersonalDataMixin(models.Model):
    """Fields that identify a person; masked unless the user may see personal data."""

    name = models.CharField(_("name"), max_length=50)
    # Encrypted at rest; found and kept unique through the keyed hash (registry/crypto.py).
    id_number = EncryptedIdNumberField(_("ID number"), validators=[validate_id_number])
    id_number_hash = IdNumberHashField(_("ID number hash"))
    # Encrypted too; the hash finds a whole number (search by a user who may see it).
    phone = EncryptedPhoneField(_("phone"), max_length=30, blank=True)
    phone_hash = KeyedHashField(_("phone hash"), source="phone", blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # "…018x" and "…018X" are the same person: store the canonical form; hash it now
        # so the uniqueness constraints are checked before saving.
        self.id_number = normalise_id_number(self.id_number)
        self.id_number_hash = id_number_hash(self.id_number) if self.id_number else ""

    def validate_constraints(self, exclude: Any = None) -> None:
        """The uniqueness rules are on the hash, which no form shows: check them whenever
        the ID number is checked, and report them on the ID number."""
        exclude = set(exclude or ())
        if "id_number" not in exclude:
            exclude.discard("id_number_hash")
            self.id_number_hash = id_number_hash(self.id_number) if self.id_number else ""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            if "id_number_hash" in errors:
                errors.setdefault("id_number", []).extend(errors.pop("id_number_hash"))
            raise ValidationError(errors) from None


class Resident(PersonalDataMixin):
    """An older person living in (or attending) a provider."""

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="residents", verbose_name=_("provider"))
    bed_number = models.CharField(_("bed number"), max_length=20, blank=True)
    admitted_on = models.DateField(_("admitted on"))
    discharged_on = models.DateField(_("discharged on"), null=True, blank=True)
    care_level = models.CharField(_("care level"), max_length=30, choices=CareLevel.choices)
    categories = models.JSONField(_("categories"), default=list, blank=True, validators=[validate_resident_categories])

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["provider", "name"]
        permissions = [("view_personal_data", _("Can see full ID numbers and phone numbers"))]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "id_number_hash"],
                name="resident_once_per_provider",
                violation_error_message=_("This person is already registered at this provider."),
            ),
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True) | Q(discharged_on__gte=F("admitted_on")),
                name="resident_discharged_after_admitted",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "admitted_on", "discharged_on"], name="resident_stay"),
            models.Index(fields=["id_number_hash"], name="resident_person"),
            models.Index(fields=["name", "id"], name="resident_name"),
        ]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        if self.discharged_on and self.admitted_on and self.discharged_on < self.admitted_on:
            raise ValidationError({"discharged_on": _("The discharge date cannot be before the admission date.")})

    def in_care_on(self, day: datetime.date) -> bool:
        return self.admitted_on <= day and (self.discharged_on is None or self.discharged_on >= day)


class CertificateLevel(models.TextChoices):
    NONE = "none", _("No certificate")
    JUNIOR = "junior", _("Junior")
    INTERMEDIATE = "intermediate", _("Intermediate")
    SENIOR = "senior", _("Senior")


class Caregiver(PersonalDataMixin):
    """A caregiver employed by a provider; certificate and nursing years drive allowances."""

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="caregivers", verbose_name=_("provider"))
    certificate_level = models.CharField(
        _("certificate level"), max_length=20, choices=CertificateLevel.choices, default=CertificateLevel.NONE
    )
    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    certificate_issued_on = models.DateField(_("certificate issued on"), null=True, blank=True)
    nursing_since = models.DateField(_("nursing work since"), null=True, blank=True)
    employed_from = models.DateField(_("employed from"))
    employed_to = models.DateField(_("employed until"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("caregiver")
        verbose_name_plural = _("caregivers")
        ordering = ["provider", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                name="caregiver_id_number_unique",
                violation_error_code="unique",  # reported on the ID number field
                violation_error_message=_("A caregiver with this ID number is already registered."),
            ),
            models.CheckConstraint(
                condition=Q(employed_to__isnull=True) | Q(employed_to__gte=F("employed_from")),
                name="caregiver_employment_dates_ordered",
            ),
        ]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        if self.employed_to and self.employed_from and self.employed_to < self.employed_from:
            raise ValidationError({"employed_to": _("The end of employment cannot be before its start.")})


class DeferredTask(models.Model):
    """A background task the broker could not take (Redis down): kept here, nothing lost,
    and sent again by ``registry.deferred.deferred_tasks_send`` once the broker answers."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    error = models.TextField(_("last error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    created_at = models.DateTimeField(_("deferred at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deferred background task")
        verbose_name_plural = _("deferred background tasks")
        ordering = ["pk"]
        indexes = [models.Index(fields=["sent_at", "id"], name="deferred_task_pending")]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"


class RosterImport(models.Model):
    """An uploaded roster: what it would change, whether it was imported, by whom.

    Doubles as the audit record of imports. A file is kept until it is imported so that
    the confirmed import applies exactly the previewed file.
    """

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Checking")
        PREVIEWED = "previewed", _("Previewed")
        RUNNING = "running", _("Importing")
        IMPORTED = "imported", _("Imported")
        REJECTED = "rejected", _("Rejected (errors)")
        FAILED = "failed", pgettext_lazy("roster import", "Failed")

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
    # Why a confirmed import that ran in the background did not happen (shown on the preview).
    notice = models.CharField(_("notice"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

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


class AuditEntry(models.Model):
    """One audited event. Append-only: a PostgreSQL trigger refuses UPDATE and DELETE
    (``manage.py prune_audit`` is the only way out, and only for old entries)."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    actor = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("actor"))
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    chain_hash = models.CharField(
        _("chain hash"),
        max_length=64,
        blank=True,
        db_default="",
        help_text=_("HMAC of this entry and the one before it: a changed or removed entry breaks the chain."),
    )

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.actor_name}"
