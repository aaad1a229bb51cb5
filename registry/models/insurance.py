"""Caregivers' accident insurance policies (000:1081-1083): what a provider bought for its
own caregivers. A provider record, like its liability-insurance licence; the subsidy rule
that co-funds the premium 6:3:1 is ``subsidies.accident_insurance``. The checks that need
the caregivers (same provider, no two overlapping policies) are
``registry.accident_policies.accident_policy_errors``."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .people import Caregiver
from .providers import Provider, money_field


class AccidentPolicy(models.Model):
    """One accident insurance policy covering some of a provider's caregivers for a period."""

    provider = models.ForeignKey(Provider, models.PROTECT, related_name="accident_policies", verbose_name=_("provider"))
    insurer = models.CharField(_("insurer"), max_length=100)
    number = models.CharField(_("policy number"), max_length=80)
    starts_on = models.DateField(_("cover starts on"))
    ends_on = models.DateField(_("cover ends on"))
    premium_yuan = money_field(_("premium (yuan)"), help_text=_("The whole premium of the policy."))
    caregivers = models.ManyToManyField(
        Caregiver, related_name="accident_policies", verbose_name=_("caregivers covered")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("caregiver accident insurance policy")
        verbose_name_plural = _("caregiver accident insurance policies")
        ordering = ["provider", "-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="accident_policy_ends_after_start",
                violation_error_message=_("The cover must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(premium_yuan__gt=0),
                name="accident_policy_premium_positive",
                violation_error_message=_("The premium must be more than zero."),
            ),
            models.UniqueConstraint(fields=["insurer", "number"], name="accident_policy_number_once_per_insurer"),
        ]
        indexes = [models.Index(fields=["starts_on"], name="accident_policy_start")]

    def __str__(self) -> str:
        return f"{self.insurer} {self.number}"
