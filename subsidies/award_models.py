"""Operating awards "以奖代补" (DOMAIN §7; 004:80, 000:1034-1040): the operation
evaluation of a provider for a year and the award set from it.

Kept apart from ``models.py``, which imports this module at its end so that Django sees
these models as the subsidies app's (hence the scheme by name here: no import cycle). The
rules are in ``awards.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.models import Provider, money_field


class OperationEvaluation(models.Model):
    """How a day-care centre, service station or community facility ran in a year, as
    evaluated on a date by an evaluator: the basis of its award. One per provider, scheme
    and year, so a provider gets at most one award of a scheme a year."""

    provider = models.ForeignKey(
        Provider, models.PROTECT, related_name="operation_evaluations", verbose_name=_("provider")
    )
    scheme = models.ForeignKey("subsidies.SubsidyScheme", models.PROTECT, related_name="+", verbose_name=_("scheme"))
    year = models.PositiveSmallIntegerField(_("year evaluated"))
    evaluated_on = models.DateField(_("evaluated on"))
    score = models.DecimalField(_("score (0-100)"), max_digits=5, decimal_places=2)
    evaluator = models.CharField(_("evaluator"), max_length=100)
    evaluator_organisation = models.CharField(_("evaluator's organisation"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("operation evaluation")
        verbose_name_plural = _("operation evaluations")
        ordering = ["-year", "provider__name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "scheme", "year"], name="one_evaluation_per_provider_year"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="evaluation_score_0_100"),
        ]

    def __str__(self) -> str:
        scheme = self.scheme.name if self.scheme_id else "-"
        provider = self.provider if self.provider_id else "-"
        return f"{provider} {scheme} {self.year or '-'}"


class Award(models.Model):
    """The amount awarded from one evaluation, inside the scheme's range in force on the
    evaluation date (kept on the award as ``range_min`` … ``range_max``); prepared by a
    clerk, approved by someone else, then paid through a payment batch."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    evaluation = models.OneToOneField(
        OperationEvaluation, models.PROTECT, related_name="award", verbose_name=_("operation evaluation")
    )
    amount = money_field(_("amount (yuan)"))
    range_min = money_field(_("range minimum (yuan)"))
    range_max = money_field(_("range maximum (yuan)"))
    range_source = models.CharField(_("source of the range"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("prepared by")
    )
    # As models.preparers_field(): everyone who prepared it; none of them may approve it.
    preparers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="+",
        blank=True,
        verbose_name=_("preparers"),
        help_text=_("Everyone who created, refreshed or edited it; none of them may approve it."),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("operating award")
        verbose_name_plural = _("operating awards")
        ordering = ["-created_at"]
        permissions = [("approve_award", _("Can approve operating awards"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="award_maker_is_not_checker",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(amount__gte=F("range_min")) & Q(amount__lte=F("range_max")),
                name="award_amount_within_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} {self.amount}" if self.evaluation_id else "-"
