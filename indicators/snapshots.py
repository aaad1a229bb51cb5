"""Monthly snapshots of every indicator for every division: taken once per month by the
beat task (the last closed month), on demand by ``take_indicator_snapshots``.

A month is read as it is now: the providers' current capacities (beds, nursing beds,
places) with their status and residents on the month's last day; a backfill of past
months therefore uses today's capacities (docs/indicators.md)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.periods import add_months, month_bounds, previous_month
from safeguards.audit import audit_record

from .formulas import FORMULAS
from .inputs import Tree, month_inputs
from .models import Indicator, IndicatorSnapshot


def last_closed_month(today: datetime.date | None = None) -> datetime.date:
    """The first day of the month before ``today``'s (the last month that has ended)."""
    return previous_month(today or timezone.localdate())


def take_snapshots(*, month: datetime.date, recompute: bool = False, tree: Tree | None = None) -> dict[str, int]:
    """Snapshot every indicator of ``month`` for every division. A month already taken is
    left as it is unless ``recompute`` (then replaced). One audit entry per run that writes."""
    month = month_bounds(month)[0]
    if month > last_closed_month():
        raise ValidationError({"month": _("A month is snapshotted once it has ended.")})
    with transaction.atomic():
        # The indicator rows are the lock: two runs of one month wait for each other, and
        # the second finds the month taken.
        indicators = list(Indicator.objects.select_for_update().order_by("order", "code"))
        taken = IndicatorSnapshot.objects.filter(month=month)
        if taken.exists() and not recompute:
            return {"months skipped": 1}
        replaced = taken.delete()[0] if recompute else 0
        data = month_inputs(month, tree)
        rows = []
        for indicator in indicators:
            for (division_id, dimension), result in FORMULAS[indicator.formula](data).items():
                rows.append(
                    IndicatorSnapshot(
                        indicator=indicator,
                        division_id=division_id,
                        month=month,
                        dimension=dimension,
                        value=result.value,
                        numerator=result.numerator,
                        denominator=result.denominator,
                        missing=result.missing,
                    )
                )
        IndicatorSnapshot.objects.bulk_create(rows, batch_size=2000)
        audit_record(
            "indicators.snapshot",
            after={"month": month.isoformat(), "snapshots": len(rows), "recompute": recompute, "replaced": replaced},
        )
    return {"months taken": 1, "snapshots": len(rows)}


def take_months(*, last: datetime.date, months: int, recompute: bool = False) -> dict[str, int]:
    """``months`` months ending with ``last``, oldest first (a backfill)."""
    tree = Tree.load()
    totals: dict[str, int] = {}
    for back in range(months - 1, -1, -1):
        for what, count in take_snapshots(month=add_months(last, -back), recompute=recompute, tree=tree).items():
            totals[what] = totals.get(what, 0) + count
    return totals
