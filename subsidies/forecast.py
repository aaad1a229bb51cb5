"""What the finance office will have to pay this year and next, by payer level and scheme
(the finance workbench's panel; docs/subsidies.md "Workbench").

- Construction instalments: the amounts of the approved grants' schedules not yet paid
  (scheduled, released or withheld), by the instalment's year; one still unpaid from an
  earlier year counts in this year. Paid by the grant scheme's payer level (as batches
  collect them, ``payments.payable_instalments``).
- Monthly grants: an estimate. The payable regular lines of the approved runs of the last
  closed month, by the payer level of each line (already split by the scheme's cost
  shares when the run was computed, ``allowances.cost_split``), times the months still to
  run: this year the months from the current one to December, next year twelve.

Both read in one query each, whatever the number of grants and lines; money is Decimal,
rounded to the fen.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, CharField, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from registry.models import User
from registry.scoping import scope_queryset

from .models import ConstructionGrant, GrantLine, GrantRun, Instalment, PayerLevel
from .money import to_fen
from .waiting import last_closed_month

ZERO = Decimal("0.00")
MONTHS_PER_YEAR = 12
# Who pays first in the table: the region, then league/city, then banner/county …
PAYER_ORDER = {level: index for index, level in enumerate(PayerLevel.values)}


@dataclass(frozen=True)
class ForecastRow:
    payer_level: str
    scheme_code: str
    scheme_name: str
    this_year: Decimal
    next_year: Decimal

    @property
    def payer_label(self) -> str:
        return str(PayerLevel(self.payer_level).label) if self.payer_level in PayerLevel.values else self.payer_level


@dataclass(frozen=True)
class PayerTotal:
    payer_level: str
    this_year: Decimal
    next_year: Decimal

    @property
    def payer_label(self) -> str:
        return str(PayerLevel(self.payer_level).label) if self.payer_level in PayerLevel.values else self.payer_level


@dataclass(frozen=True)
class Forecast:
    year: int
    based_on: datetime.date  # the last closed month whose runs the estimate repeats
    months_left: int  # months still to run this year, the current one included
    rows: list[ForecastRow] = field(default_factory=list)
    payers: list[PayerTotal] = field(default_factory=list)
    this_year: Decimal = ZERO
    next_year: Decimal = ZERO


def months_left_in_year(today: datetime.date) -> int:
    """The months from the current one to December: their runs are still to come."""
    return MONTHS_PER_YEAR - today.month + 1


def _scheme_name(name_zh: str, name_en: str) -> str:
    return name_en if (get_language() or "").startswith("en") else name_zh


def _instalments_due(user: User, year: int) -> list[dict[str, object]]:
    unpaid = Instalment.objects.filter(
        grant__status=ConstructionGrant.Status.APPROVED,
        status__in=[Instalment.Status.SCHEDULED, Instalment.Status.RELEASED, Instalment.Status.WITHHELD],
        year__lte=year + 1,
    )
    unpaid = scope_queryset(unpaid, user, "grant__provider__division__path")
    return list(
        unpaid.values(
            payer=F("grant__scheme__payer_level"),
            code=F("grant__scheme__code"),
            name_zh=F("grant__scheme__name_zh"),
            name_en=F("grant__scheme__name_en"),
        )
        .annotate(
            this_year=Sum("amount", filter=Q(year__lte=year)),
            next_year=Sum("amount", filter=Q(year=year + 1)),
        )
        .order_by()
    )


def _monthly_base(user: User, period: datetime.date) -> list[dict[str, object]]:
    lines = GrantLine.objects.filter(
        run__status=GrantRun.Status.APPROVED, period=period, kind=GrantLine.Kind.REGULAR, holds=[]
    )
    lines = scope_queryset(lines, user, "provider__division__path")
    payer = Case(
        When(payer_level="", then=F("scheme__payer_level")), default=F("payer_level"), output_field=CharField()
    )
    money: DecimalField = DecimalField(max_digits=14, decimal_places=2)
    return list(
        lines.values(payer=payer, code=F("scheme__code"), name_zh=F("scheme__name_zh"), name_en=F("scheme__name_en"))
        .annotate(month=Coalesce(Sum("amount"), Value(ZERO), output_field=money))
        .order_by()
    )


def payment_forecast(*, user: User, today: datetime.date) -> Forecast:
    """Instalments and monthly grants due this year and next in the user's jurisdiction,
    by payer level and scheme (the method: this module's docstring). Two queries."""
    year = today.year
    based_on = last_closed_month(today)
    months_left = months_left_in_year(today)
    amounts: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    names: dict[str, str] = {}
    for row in _instalments_due(user, year):
        key = (str(row["payer"]), str(row["code"]))
        names[key[1]] = _scheme_name(str(row["name_zh"]), str(row["name_en"]))
        amounts[key][0] += Decimal(str(row["this_year"] or ZERO))
        amounts[key][1] += Decimal(str(row["next_year"] or ZERO))
    for row in _monthly_base(user, based_on):
        key = (str(row["payer"]), str(row["code"]))
        names[key[1]] = _scheme_name(str(row["name_zh"]), str(row["name_en"]))
        month = Decimal(str(row["month"]))
        amounts[key][0] += month * months_left
        amounts[key][1] += month * MONTHS_PER_YEAR
    rows = [
        ForecastRow(payer, code, names[code], to_fen(this), to_fen(next_))
        for (payer, code), (this, next_) in amounts.items()
        if this or next_
    ]
    rows.sort(key=lambda r: (PAYER_ORDER.get(r.payer_level, len(PAYER_ORDER)), r.scheme_code))
    by_payer: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for forecast_row in rows:
        by_payer[forecast_row.payer_level][0] += forecast_row.this_year
        by_payer[forecast_row.payer_level][1] += forecast_row.next_year
    payers = [PayerTotal(level, this, next_) for level, (this, next_) in by_payer.items()]
    return Forecast(
        year=year,
        based_on=based_on,
        months_left=months_left,
        rows=rows,
        payers=payers,
        this_year=sum((r.this_year for r in rows), ZERO),
        next_year=sum((r.next_year for r in rows), ZERO),
    )
