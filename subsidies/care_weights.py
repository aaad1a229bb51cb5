"""Care-level weights: operating grants weighted towards disabled residents.

000:906-908 asks for subsidies to operating homes "根据接收失能老年人等情况合理发放", and
000:920-925 for the standard for serving disabled elders to "予以适当倾斜". Neither gives a
figure, so the weight is data per scheme, care level and dates (``CareLevelWeight``); a level
with no row in force counts 1.00, and the reference data loads 1.00 for every level with
the citation until the bureau sets its own.

- A run reads the weights in force on the month's last day (the day its rates are read on),
  once (``weights_in_force``).
- When every weight is 1.00 the run counts heads exactly as before (``is_weighted``).
- Otherwise each counted resident adds their care level's weight, and the approved-beds
  cap, which is about beds, is applied to heads: over the cap the weighted count is scaled
  by beds ÷ heads (``capped_quantity``).
- Adding, changing or removing a weight is audited (``weight_save`` / ``weight_delete``).
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction

from registry.models import CareLevel, User
from registry.selectors import in_force_on
from safeguards.audit import audited_delete, audited_save

from .models import CareLevelWeight, SubsidyScheme
from .occupancy import QUANTITY

DEFAULT_WEIGHT = Decimal("1.00")  # no row in force: the resident counts once


def weights_in_force(scheme: SubsidyScheme, on: datetime.date) -> dict[str, Decimal]:
    """Every care level's weight in ``scheme`` on ``on`` (1.00 without a row), in one query."""
    weights = dict.fromkeys(CareLevel.values, DEFAULT_WEIGHT)
    rows = scheme.care_level_weights.filter(in_force_on(on)).order_by("care_level", "effective_from")
    for level, weight in rows.values_list("care_level", "weight"):
        weights[level] = weight  # one row in force per level; were there two, the later start wins
    return weights


def is_weighted(weights: dict[str, Decimal]) -> bool:
    """Whether any level counts for other than one resident (all 1.00: heads are counted)."""
    return any(weight != DEFAULT_WEIGHT for weight in weights.values())


def capped_quantity(*, heads: Decimal, weighted: Decimal, beds: int) -> Decimal:
    """The quantity paid: the weighted count, unless more residents were counted than the
    provider has approved beds. The cap is about beds, so it is applied to heads: the
    weighted count is scaled by beds ÷ heads (each bed carries the residents' average
    weight), to four decimal places. With every weight 1.00 this is min(heads, beds)."""
    if heads <= beds:
        return weighted
    return (weighted * Decimal(beds) / heads).quantize(QUANTITY, rounding=ROUND_HALF_UP)


def weighted_basis(weighted: Decimal, weights: dict[str, Decimal]) -> dict[str, Any]:
    """What a weighted line's basis adds to ``residents_counted`` (heads)."""
    return {
        "weighted_count": str(weighted.quantize(QUANTITY)),
        "weights": {level: str(weight) for level, weight in sorted(weights.items())},
    }


def _values(weight: CareLevelWeight) -> dict[str, Any]:
    fields = CareLevelWeight._meta.concrete_fields
    return {field.name: getattr(weight, field.attname) for field in fields if not field.primary_key}


@transaction.atomic
def weight_save(*, weight: CareLevelWeight, user: User | None) -> CareLevelWeight:
    """Add ``weight`` or save the changes made to it, refusing a second weight in force on
    a day. The scheme is locked, so two clerks cannot add overlapping weights at once.
    Writes one ``care_level_weight.add`` audit entry (every value) or one
    ``care_level_weight.change`` entry with the fields changed (none when nothing changed)."""
    SubsidyScheme.objects.select_for_update().filter(pk=weight.scheme_id).first()
    weight.full_clean()
    weight.weight = Decimal(weight.weight).quantize(Decimal("0.01"))  # as stored: 1.5 is 1.50
    return audited_save(weight, action="care_level_weight", actor=user, values=_values)


@transaction.atomic
def weight_delete(*, weight: CareLevelWeight, user: User | None) -> None:
    """Remove a weight. Writes one ``care_level_weight.delete`` audit entry with its values."""
    audited_delete(weight, action="care_level_weight", actor=user, values=_values)
