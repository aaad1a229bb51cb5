"""The people a provider looks after and employs: residents and caregivers, with their ID
and phone numbers encrypted at rest."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from safeguards.crypto import id_number_hash
from safeguards.fields import EncryptedIdNumberField, EncryptedPhoneField, IdNumberHashField, KeyedHashField
from safeguards.identifiers import normalise_id_number, validate_id_number

from .divisions import Division
from .providers import Provider


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

    # A person's name is 姓名, not an organisation's 名称 (the context keeps the two apart).
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    # Encrypted at rest; found and kept unique through the keyed hash (safeguards/crypto.py).
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
    # 户籍所在地: the banner/county of household registration, which pays a resident's living
    # allowance and makes up any shortfall below its cost standard (000:1056-1063).
    home_county = models.ForeignKey(
        Division,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home county"),
        help_text=_("The banner/county of household registration (户籍所在地)."),
    )

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
        if self.home_county is not None and self.home_county.level != Division.Level.COUNTY:
            raise ValidationError({"home_county": _("The home county must be a banner, county or district.")})

    def in_care_on(self, day: datetime.date) -> bool:
        return self.admitted_on <= day and (self.discharged_on is None or self.discharged_on >= day)


class OverlappingStay(Resident):
    """Stays sharing a day with another provider's stay of the same person, undecided
    (``registry.overlaps``): the list clerks work through."""

    class Meta:
        proxy = True
        verbose_name = _("overlapping stay")
        verbose_name_plural = _("overlapping stays")


class OverlapDecision(models.Model):
    """A clerk's decision on one person's two stays that share days at two providers
    (DOMAIN §7 "Same person, two providers"): ``kept`` is the right stay on the days they
    share, ``set_aside`` does not count on those days. Until it is decided, the person is
    counted at neither provider for a month with shared days; the next run pays the right
    one, the earlier months through adjustment lines."""

    kept = models.ForeignKey(Resident, models.PROTECT, related_name="+", verbose_name=_("stay kept"))
    set_aside = models.ForeignKey(
        Resident, models.PROTECT, related_name="overlap_decisions", verbose_name=_("stay set aside")
    )
    note = models.TextField(_("reason"), help_text=_("What the clerk checked, e.g. the discharge certificate."))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("overlap decision")
        verbose_name_plural = _("overlap decisions")
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["kept", "set_aside"], name="one_decision_per_stay_pair"),
            models.CheckConstraint(condition=~Q(kept=F("set_aside")), name="overlap_decision_two_stays"),
        ]

    def __str__(self) -> str:
        return f"{self.kept_id} > {self.set_aside_id}"


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
