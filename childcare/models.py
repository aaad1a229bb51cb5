"""Infant care (托育, children under 3): the children enrolled, the staff who look after
them, their classes, and the class sizes and staff-to-child ratios as data.

What the public register reads about the provider itself (places by age band and mode,
inclusive places, demonstration status, the day's attendance) is the registry's
(``registry.models.childcare``). Rules live in modules named for them: ``ages.py`` (the age
band on a day, the over-3 flag), ``ratios.py`` (class sizes and ratios against the
standard in force), ``enrolment.py`` (children enrolled, vacancies per mode).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from registry.models import CareMode, PersonalDataMixin, Provider
from safeguards.fields import EncryptedIdNumberField, EncryptedPhoneField

from .identifiers import validate_child_identifier


class ClassType(models.TextChoices):
    """Classes of the national standard (国卫人口发〔2019〕58号, DOMAIN §7)."""

    INFANT = "infant", _("Infant class (6-12 months)")
    TODDLER_SMALL = "toddler_small", _("Younger toddler class (12-24 months)")
    TODDLER_LARGE = "toddler_large", _("Older toddler class (24-36 months)")
    MIXED = "mixed", _("Mixed-age class (over 18 months)")


class ClassStandard(models.Model):
    """The largest class and the fewest carers of one class type, effective-dated and
    cited, so that a bureau can change them (DOMAIN §7; the seeds give no numbers)."""

    class_type = models.CharField(_("class type"), max_length=20, choices=ClassType.choices)
    min_age_months = models.PositiveSmallIntegerField(_("youngest age (months)"))
    max_age_months = models.PositiveSmallIntegerField(_("oldest age (months)"))
    max_children = models.PositiveSmallIntegerField(_("most children in a class"))
    children_per_carer = models.PositiveSmallIntegerField(
        _("children per carer"), help_text=_("At most this many children for each carer (1:3 is 3).")
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("class standard")
        verbose_name_plural = _("class standards")
        ordering = ["class_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["class_type", "effective_from"], name="class_standard_once"),
            models.CheckConstraint(condition=Q(children_per_carer__gt=0), name="class_standard_ratio_positive"),
            models.CheckConstraint(
                condition=Q(max_age_months__gt=F("min_age_months")), name="class_standard_ages_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_class_type_display()} ≤{self.max_children}, 1:{self.children_per_carer}"


class ChildcareClass(models.Model):
    """A class (班) of a childcare provider."""

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="childcare_classes", verbose_name=_("provider"))
    name = models.CharField(_("class name"), max_length=50)
    class_type = models.CharField(_("class type"), max_length=20, choices=ClassType.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("childcare class")
        verbose_name_plural = _("childcare classes")
        ordering = ["provider", "class_type", "name"]
        constraints = [models.UniqueConstraint(fields=["provider", "name"], name="childcare_class_name_once")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_class_type_display()})"


class Child(PersonalDataMixin):
    """A child enrolled at a childcare provider. The identifier (ID or birth-certificate
    number) and the guardian's phone are encrypted and masked like adults' (DESIGN)."""

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="children", verbose_name=_("provider"))
    id_number = EncryptedIdNumberField(_("ID or birth-certificate number"), validators=[validate_child_identifier])
    birth_date = models.DateField(_("date of birth"))
    mode = models.CharField(_("service mode"), max_length=20, choices=CareMode.choices)
    enrolled_on = models.DateField(_("enrolled on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    childcare_class = models.ForeignKey(
        ChildcareClass,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("class"),
    )
    guardian_name = models.CharField(_("guardian"), max_length=50)
    phone = EncryptedPhoneField(_("guardian's phone"), max_length=30, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("enrolled", "child")
        verbose_name_plural = pgettext_lazy("enrolled", "children")
        ordering = ["provider", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "id_number_hash"],
                name="child_once_per_provider",
                violation_error_message=_("This child is already enrolled at this provider."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("enrolled_on")), name="child_left_after_enrolled"
            ),
            models.CheckConstraint(condition=Q(enrolled_on__gte=F("birth_date")), name="child_enrolled_after_birth"),
        ]
        indexes = [
            models.Index(fields=["provider", "enrolled_on", "left_on"], name="child_enrolment"),
            models.Index(fields=["birth_date"], name="child_birth_date"),
        ]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        errors = {}
        if self.left_on and self.enrolled_on and self.left_on < self.enrolled_on:
            errors["left_on"] = _("The day the child left cannot be before the enrolment.")
        if self.birth_date and self.enrolled_on and self.enrolled_on < self.birth_date:
            errors["enrolled_on"] = _("A child cannot be enrolled before being born.")
        group = self.childcare_class
        if group is not None and self.provider_id and group.provider_id != self.provider_id:
            errors["childcare_class"] = _("The class belongs to another provider.")
        if errors:
            raise ValidationError(errors)


class StaffRole(models.TextChoices):
    """Childcare staff (000:194-196, 000:227-231)."""

    NURSERY_CARER = "nursery_carer", _("Childcare worker (保育员)")
    INFANT_CARER = "infant_carer", _("Infant carer (育婴员)")
    TEACHER = "teacher", _("Early-years teacher")
    HEALTH_CARE = "health_care", _("Health-care staff")
    DIRECTOR = "director", _("Director")
    OTHER = "other", _("Other staff")


# The roles that count as carers in a class's staff-to-child ratio.
CARER_ROLES = frozenset({StaffRole.NURSERY_CARER, StaffRole.INFANT_CARER, StaffRole.TEACHER})


class SkillLevel(models.TextChoices):
    """Vocational skill level (职业技能等级) of a certificate."""

    NONE = "none", _("No certificate")
    LEVEL_5 = "5", _("Level 5 (junior)")
    LEVEL_4 = "4", _("Level 4 (intermediate)")
    LEVEL_3 = "3", _("Level 3 (senior)")
    LEVEL_2 = "2", _("Level 2 (technician)")
    LEVEL_1 = "1", _("Level 1 (senior technician)")


class ChildcareWorker(PersonalDataMixin):
    """A member of a childcare provider's staff with their qualification."""

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="childcare_staff", verbose_name=_("provider"))
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)
    qualification = models.CharField(
        _("qualification"), max_length=100, blank=True, help_text=_("e.g. 保育员职业技能等级证书, 教师资格证")
    )
    skill_level = models.CharField(_("skill level"), max_length=10, choices=SkillLevel.choices, default=SkillLevel.NONE)
    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    childcare_class = models.ForeignKey(
        ChildcareClass,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("class"),
    )
    employed_from = models.DateField(_("employed from"))
    employed_to = models.DateField(_("employed until"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("childcare staff member")
        verbose_name_plural = _("childcare staff")
        ordering = ["provider", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "id_number_hash"],
                name="childcare_worker_once_per_provider",
                violation_error_message=_("This person is already on this provider's staff."),
            ),
            models.CheckConstraint(
                condition=Q(employed_to__isnull=True) | Q(employed_to__gte=F("employed_from")),
                name="childcare_worker_dates_ordered",
            ),
        ]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        errors = {}
        if self.employed_to and self.employed_from and self.employed_to < self.employed_from:
            errors["employed_to"] = _("The end of employment cannot be before its start.")
        group = self.childcare_class
        if group is not None and self.provider_id and group.provider_id != self.provider_id:
            errors["childcare_class"] = _("The class belongs to another provider.")
        if errors:
            raise ValidationError(errors)
