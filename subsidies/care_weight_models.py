"""Care-level weights of an operating grant (000:906-908, 000:920-925: operating subsidies
weighted towards disabled and partly disabled residents). The rules that read and change
them are in ``care_weights.py``; this module holds the table (imported by ``models.py``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.models import CareLevel
from registry.selectors import covers

OPERATING = "operating"  # SchemeKind.OPERATING (models.py imports this module: no import back)


class CareLevelWeight(models.Model):
    """How much one resident of a care level counts in a scheme's monthly occupancy, from
    ``effective_from`` to ``effective_to`` (both included). No row in force: 1.00. At most
    one row in force per scheme, care level and day (``care_weights.weight_overlaps``)."""

    scheme = models.ForeignKey(
        "subsidies.SubsidyScheme",
        models.CASCADE,
        related_name="care_level_weights",
        verbose_name=_("scheme"),
        limit_choices_to={"kind": "operating"},
    )
    care_level = models.CharField(_("care level"), max_length=30, choices=CareLevel.choices)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("How many residents one resident of this care level counts for; 1.00 counts once."),
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, help_text=_("Seed document and lines, e.g. 004:80"))
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("care-level weight")
        verbose_name_plural = _("care-level weights")
        ordering = ["scheme", "care_level", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "care_level", "effective_from"], name="care_weight_once_per_level_and_start"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="care_weight_positive"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="care_weight_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.code} {self.get_care_level_display()} {self.weight}"

    def clean(self) -> None:
        weight_problems(self)


def weight_overlaps(weight: CareLevelWeight) -> list[CareLevelWeight]:
    """Other rows of the same scheme and care level in force on a day ``weight`` is."""
    if weight.scheme_id is None or not weight.care_level or weight.effective_from is None:
        return []
    last = weight.effective_to or datetime.date.max
    return list(
        CareLevelWeight.objects.filter(
            covers(weight.effective_from, last, start="effective_from", end="effective_to"),
            scheme_id=weight.scheme_id,
            care_level=weight.care_level,
        )
        .exclude(pk=weight.pk)
        .order_by("effective_from")
    )


def weight_problems(weight: CareLevelWeight) -> None:
    """``CareLevelWeight.clean``: a ValidationError naming the field for a scheme that is
    not an operating grant, dates the wrong way round, or a second weight in force on a day."""
    errors: dict[str, list[str]] = {}
    if weight.scheme_id is not None and weight.scheme.kind != OPERATING:
        errors.setdefault("scheme", []).append(gettext("Care-level weights apply to operating grants only."))
    if weight.effective_from and weight.effective_to and weight.effective_to < weight.effective_from:
        errors.setdefault("effective_to", []).append(gettext("The weight cannot end before it starts."))
    elif overlapping := weight_overlaps(weight):
        other = overlapping[0]
        end = other.effective_to.isoformat() if other.effective_to else gettext("open-ended")
        errors.setdefault("effective_from", []).append(
            gettext(
                "Another weight for this care level is in force from %(start)s to %(end)s: "
                "end that one first, one weight per care level and day."
            )
            % {"start": other.effective_from.isoformat(), "end": end}
        )
    if errors:
        raise ValidationError(errors)
