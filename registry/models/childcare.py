"""What the public register reads about an infant-care provider (托育, children under 3):
places by age band and service mode (000:124-126, 002:151), and the day's attendance of
a day-care centre or service station, whose capacity is not beds.

The children themselves, childcare staff, classes and the ratio standards are the
``childcare`` app's; these are facts about the provider, as its beds are.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AgeBand(models.TextChoices):
    """Age bands of childcare places (托位): under 1, 1-2 and 2-3 years."""

    UNDER_1 = "under_1", _("Under 1 year")
    ONE_TO_TWO = "1_2", _("1 to 2 years")
    TWO_TO_THREE = "2_3", _("2 to 3 years")


class CareMode(models.TextChoices):
    """Service modes of childcare (000:124-126: 全日制、半日制、计时制; 002:151: 临时托)."""

    FULL_DAY = "full_day", _("Full-day care")
    HALF_DAY = "half_day", _("Half-day care")
    HOURLY = "hourly", _("Hourly care")
    TEMPORARY = "temporary", _("Temporary care")


class DemonstrationLevel(models.TextChoices):
    """Who named a childcare provider a demonstration provider (000:294-296, 002:151)."""

    NATIONAL = "national", _("National")
    REGION = "region", _("Autonomous region")
    LEAGUE_CITY = "league_city", _("League/city")
    COUNTY = "county", _("Banner/county/district")


class ChildcareSetting(models.TextChoices):
    """How a childcare provider is run (000:97-100, 000:153)."""

    STANDALONE = "standalone", _("Stand-alone")
    EMBEDDED = "embedded", _("Embedded in a community")
    CHAIN = "chain", _("Part of a chain")
    EMPLOYER = "employer", _("Run by an employer for its staff")


# 000:169-177: a non-profit infant-care provider registers with the establishment
# (staffing) office or civil affairs, a for-profit one with market regulation, and once
# registered it files with the health commission.
CHILDCARE_REGISTRATION_AUTHORITIES = {
    "non_profit": frozenset({"establishment_office", "civil_affairs"}),
    "for_profit": frozenset({"market_regulation"}),
}
CHILDCARE_FILING_AUTHORITY = "health_commission"


class ChildcarePlaces(models.Model):
    """Places (托位) a childcare provider offers in one service mode for one age band."""

    provider = models.ForeignKey(
        "registry.Provider", models.CASCADE, related_name="childcare_place_offers", verbose_name=_("provider")
    )
    mode = models.CharField(_("service mode"), max_length=20, choices=CareMode.choices)
    age_band = models.CharField(_("age band"), max_length=10, choices=AgeBand.choices)
    places = models.PositiveIntegerField(_("places"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("childcare places")
        verbose_name_plural = _("childcare places")
        ordering = ["provider", "mode", "age_band"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "mode", "age_band"], name="childcare_places_once"),
        ]
        indexes = [models.Index(fields=["age_band", "mode", "provider"], name="childcare_places_filter")]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.get_age_band_display()}: {self.places}"


class Attendance(models.Model):
    """How many people a day-care centre or service station served on one day: its
    occupancy, which beds do not measure (issue 17, "vacancies by kind")."""

    provider = models.ForeignKey(
        "registry.Provider", models.CASCADE, related_name="attendances", verbose_name=_("provider")
    )
    day = models.DateField(_("day"))
    attended = models.PositiveIntegerField(_("people served"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("daily attendance")
        verbose_name_plural = _("daily attendance")
        ordering = ["provider", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "day"], name="attendance_once_a_day"),
            models.CheckConstraint(condition=Q(attended__gte=0), name="attendance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.day}: {self.attended}"


class VacancyReport(models.Model):
    """Vacant beds or places as the provider itself reported them on a day, accepted by a
    clerk (the provider portal, issue 18). The public register shows the latest report with
    its date instead of the count from the residents on record, and marks it out of date
    after ``REPORTED_VACANCIES_STALE_DAYS``."""

    provider = models.ForeignKey(
        "registry.Provider", models.CASCADE, related_name="vacancy_reports", verbose_name=_("provider")
    )
    as_of = models.DateField(_("as of"))
    vacant = models.PositiveIntegerField(_("vacant beds or places"))
    source = models.CharField(_("source"), max_length=100, help_text=_("e.g. the portal submission it came from."))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reported vacancies")
        verbose_name_plural = _("reported vacancies")
        ordering = ["provider", "-as_of"]
        constraints = [models.UniqueConstraint(fields=["provider", "as_of"], name="vacancy_report_once_a_day")]

    def __str__(self) -> str:
        return f"{self.provider} {self.as_of}: {self.vacant}"
