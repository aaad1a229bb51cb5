"""Plan indicators as data (name, formula, target, comparator, nature, year, source), the
inputs the bureau enters (population and communities per division and year) and the
monthly snapshots the dashboard and the upward report read (docs/indicators.md)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.models import Division


class FormulaKey(models.TextChoices):
    """Which rule of ``indicators/formulas.py`` computes the indicator."""

    NURSING_BED_SHARE = "nursing_bed_share", _("Nursing-type beds / beds of elderly-care institutions")
    CHILDCARE_PLACES_PER_1000 = "childcare_places_per_1000", _("Childcare places × 1,000 / population")
    PUBLIC_BED_SHARE = "public_bed_share", _("Government-run beds / all elderly-care beds")
    OCCUPANCY_BY_KIND = "occupancy_by_kind", _("Residents in care / beds, by provider kind")
    DAY_CARE_COVERAGE = "day_care_coverage", _("Communities with a day-care centre / communities")
    INCLUSIVE_PLACE_SHARE = "inclusive_place_share", _("Inclusive childcare places / childcare places")


class Comparator(models.TextChoices):
    AT_LEAST = "gte", _("at least (≥)")
    AT_MOST = "lte", _("at most (≤)")


class Nature(models.TextChoices):
    BINDING = "binding", _("Binding")
    EXPECTED = "expected", _("Expected")


class Unit(models.TextChoices):
    PERCENT = "percent", _("percent")
    PER_THOUSAND = "per_1000", _("per 1,000 people")


class Indicator(models.Model):
    """One plan indicator. Rows come from ``indicators/reference_data.py`` (matched by
    ``code``); the bureau may change a target or a name in the admin (history kept)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    formula = models.CharField(_("formula"), max_length=40, choices=FormulaKey.choices)
    target = models.DecimalField(
        _("target"), max_digits=10, decimal_places=2, null=True, blank=True, help_text=_("Empty: no target.")
    )
    comparator = models.CharField(_("comparator"), max_length=3, choices=Comparator.choices, blank=True)
    nature = models.CharField(_("nature"), max_length=10, choices=Nature.choices, blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    unit = models.CharField(pgettext_lazy("measure", "unit"), max_length=10, choices=Unit.choices)
    source = models.CharField(_("source"), max_length=200, help_text=_("The plan and line it comes from."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target__isnull=True) | ~Q(comparator=""), name="indicator_target_has_comparator"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    def clean(self) -> None:
        if self.target is not None and not self.comparator:
            raise ValidationError({"comparator": _("Say whether the value must be at least or at most the target.")})

    def meets(self, value: Decimal) -> bool:
        """Whether ``value`` meets the target (an indicator without a target is never "met")."""
        if self.target is None:
            return False
        return value >= self.target if self.comparator == Comparator.AT_LEAST else value <= self.target


class DivisionFigure(models.Model):
    """A number per division and year with its source; it applies from its year until a
    newer one exists (``indicators/inputs.py``)."""

    division = models.ForeignKey(Division, models.PROTECT, related_name="+", verbose_name=_("division"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1949)])
    source = models.CharField(_("source"), max_length=200)
    is_demo = models.BooleanField(_("demo value"), default=False, help_text=_("Made up for the demo, not a statistic."))

    class Meta:
        abstract = True
        ordering = ["division__code", "-year"]


class PopulationFigure(DivisionFigure):
    population = models.PositiveIntegerField(_("resident population"), validators=[MinValueValidator(1)])

    history = HistoricalRecords()

    class Meta(DivisionFigure.Meta):
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")
        constraints = [
            models.UniqueConstraint(fields=["division", "year"], name="one_population_per_division_and_year"),
            models.CheckConstraint(condition=Q(population__gt=0), name="population_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.division} {self.year}: {self.population}"


class CommunityCount(DivisionFigure):
    communities = models.PositiveIntegerField(_("communities"), validators=[MinValueValidator(1)])

    history = HistoricalRecords()

    class Meta(DivisionFigure.Meta):
        verbose_name = _("community count")
        verbose_name_plural = _("community counts")
        constraints = [
            models.UniqueConstraint(fields=["division", "year"], name="one_community_count_per_division_and_year"),
            models.CheckConstraint(condition=Q(communities__gt=0), name="communities_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.division} {self.year}: {self.communities}"


class IndicatorSnapshot(models.Model):
    """An indicator's value for a division and month (operating providers on the month's
    last day). ``value`` is empty when an input is missing; ``missing`` says which."""

    indicator = models.ForeignKey(Indicator, models.CASCADE, related_name="snapshots", verbose_name=_("indicator"))
    division = models.ForeignKey(Division, models.PROTECT, related_name="+", verbose_name=_("division"))
    month = models.DateField(_("month"))
    dimension = models.CharField(_("dimension"), max_length=40, blank=True)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, null=True, blank=True)
    numerator = models.DecimalField(_("numerator"), max_digits=14, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(_("denominator"), max_digits=14, decimal_places=2, null=True, blank=True)
    missing = models.JSONField(_("missing inputs"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("indicator snapshot")
        verbose_name_plural = _("indicator snapshots")
        ordering = ["-month", "indicator__order", "division__code", "dimension"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "division", "month", "dimension"], name="one_snapshot_per_indicator_division_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="snapshot_month_is_first_day"),
        ]
        indexes = [models.Index(fields=["division", "month"], name="snapshot_division_month")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.division} {self.month:%Y-%m}"
