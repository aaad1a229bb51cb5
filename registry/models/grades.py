"""A provider's grade as a record: which grade, under which rating standard, by whom,
assessed when and valid from when until when (issue 19). ``Provider.grade`` is the grade
in force today, kept in step by ``registry.grades`` for the directory's filter and sort."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .providers import Provider

# The national standard the region adopted for grading elderly-care institutions (003:344,
# "全面落实《养老机构等级划分与评定》标准"; the result is the basis for subsidies); its number
# is GB/T 37276-2018. The region's own grading standard (000:1046-1050) may be named instead.
DEFAULT_GRADE_STANDARD = "《养老机构等级划分与评定》（GB/T 37276-2018）"
GRADE_CHOICES = [(n, f"{n}★") for n in range(1, 6)]


class ProviderGrade(models.Model):
    """One grade of a provider: in force from ``valid_from`` to ``valid_until`` (both
    included; empty: until a new grade replaces it). Two grades of one provider never
    overlap (``registry.grades.grade_record`` checks it under a lock on the provider)."""

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="grades", verbose_name=_("provider"))
    grade = models.PositiveSmallIntegerField(_("grade"), choices=GRADE_CHOICES)
    standard = models.CharField(
        _("rating standard"),
        max_length=200,
        default=DEFAULT_GRADE_STANDARD,
        help_text=_("The standard the grade was assessed under."),
    )
    assessor = models.CharField(
        _("rating body"), max_length=200, blank=True, help_text=_("Who assessed the grade (empty: not known).")
    )
    assessed_on = models.DateField(_("assessed on"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: until the next grade replaces it.")
    )
    notes = models.TextField(_("notes"), blank=True, help_text=_("Not published."))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grade rating")
        verbose_name_plural = _("grade ratings")
        ordering = ["provider", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=5), name="provider_grade_record_1_5"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="provider_grade_record_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(assessed_on__lte=F("valid_from")), name="provider_grade_record_assessed_first"
            ),
        ]
        indexes = [models.Index(fields=["provider", "valid_from"], name="provider_grade_record_from")]

    def __str__(self) -> str:
        return f"{self.provider} {self.grade}★ {self.valid_from}"
