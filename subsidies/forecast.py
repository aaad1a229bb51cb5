"""What the finance office will have to pay this year and next, by payer level and scheme
(the finance workbench's panel; docs/subsidies.md "Workbench").

- Construction instalments: the amounts of the approved grants' schedules not yet paid
  (scheduled, released or withheld), by the instalment's year; one still unpaid from an
  earlier year counts in this year. Paid by the grant scheme's payer level (as batches
  collect them, ``payments.payable_instalments``).
- Monthly grants: an estimate. Per scheme, the payable regular lines of its approved runs
  of the latest approved month up to the last closed one (that month itself once its runs
  are approved; while they wait for review, the month before …, within the last twelve
  months), by the payer level of each line (already split by the scheme's cost shares when
  the run was computed, ``allowances.cost_split``), times the months after it to December
  (still to be paid this year), and times twelve next year.

Three queries, whatever the number of grants and lines; money is Decimal, rounded to the fen.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from django.db.models import Case, CharField, DecimalField, F, Max, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from registry.models import User
from registry.periods import add_months
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
    # Monthly grants: the month the estimate repeats, and how many times this year.
    estimated_from: datetime.date | None = None
    months_this_year: int = 0

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
    last_closed: datetime.date  # the latest month the estimate may repeat
    rows: list[ForecastRow] = field(default_factory=list)
    payers: list[PayerTotal] = field(default_factory=list)
    this_year: Decimal = ZERO
    next_year: Decimal = ZERO


def months_after(period: datetime.date, year: int) -> int:
    """The months after ``period`` up to December of ``year``: still to be paid this year."""
    return max(0, (year * MONTHS_PER_YEAR + MONTHS_PER_YEAR) - (period.year * MONTHS_PER_YEAR + period.month))


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


def _approved_lines(user: User, last_closed: datetime.date) -> QuerySet[GrantLine]:
    lines = GrantLine.objects.filter(
        run__status=GrantRun.Status.APPROVED,
        kind=GrantLine.Kind.REGULAR,
        period__lte=last_closed,
        period__gt=add_months(last_closed, -MONTHS_PER_YEAR),
    )
    return scope_queryset(lines, user, "provider__division__path")


def _monthly_base(user: User, last_closed: datetime.date) -> list[dict[str, object]]:
    # The latest approved month of each scheme (a few rows: one per monthly scheme), then
    # that month's lines of each: two queries, no subquery run per line.
    latest = _approved_lines(user, last_closed).values("scheme_id").annotate(latest=Max("period")).order_by()
    months = Q()
    for row in latest:
        months |= Q(scheme_id=row["scheme_id"], period=row["latest"])
    if not months:
        return []
    lines = _approved_lines(user, last_closed).filter(months, holds=[])
    payer = Case(
        When(payer_level="", then=F("scheme__payer_level")), default=F("payer_level"), output_field=CharField()
    )
    money: DecimalField = DecimalField(max_digits=14, decimal_places=2)
    return list(
        lines.values(
            "period",
            payer=payer,
            code=F("scheme__code"),
            name_zh=F("scheme__name_zh"),
            name_en=F("scheme__name_en"),
        )
        .annotate(month=Coalesce(Sum("amount"), Value(ZERO), output_field=money))
        .order_by()
    )


def payment_forecast(*, user: User, today: datetime.date) -> Forecast:
    """Instalments and monthly grants due this year and next in the user's jurisdiction,
    by payer level and scheme (the method: this module's docstring). Three queries."""
    year = today.year
    last_closed = last_closed_month(today)
    amounts: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    names: dict[str, str] = {}
    estimated: dict[str, datetime.date] = {}
    for row in _instalments_due(user, year):
        key = (str(row["payer"]), str(row["code"]))
        names[key[1]] = _scheme_name(str(row["name_zh"]), str(row["name_en"]))
        amounts[key][0] += Decimal(str(row["this_year"] or ZERO))
        amounts[key][1] += Decimal(str(row["next_year"] or ZERO))
    for row in _monthly_base(user, last_closed):
        key = (str(row["payer"]), str(row["code"]))
        names[key[1]] = _scheme_name(str(row["name_zh"]), str(row["name_en"]))
        period = cast(datetime.date, row["period"])
        estimated[key[1]] = period
        month = Decimal(str(row["month"]))
        amounts[key][0] += month * months_after(period, year)
        amounts[key][1] += month * MONTHS_PER_YEAR
    rows = [
        ForecastRow(
            payer,
            code,
            names[code],
            to_fen(this),
            to_fen(next_),
            estimated.get(code),
            months_after(estimated[code], year) if code in estimated else 0,
        )
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
        last_closed=last_closed,
        rows=rows,
        payers=payers,
        this_year=sum((r.this_year for r in rows), ZERO),
        next_year=sum((r.next_year for r in rows), ZERO),
    )
