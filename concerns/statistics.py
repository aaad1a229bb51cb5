"""Public statistics of concerns: counts per provider, year received, category and
outcome. Counts only: no description, reply, note or contact is read here, so none can
reach a public page or the open data.

A year's counts are the concerns *received* that year, whatever happened to them since:
those closed, by outcome, and those still open (``OPEN``), so that a year's figures add up
to the concerns received in it and do not move from one year to the next when a case
closes.

For the open data (``/api/providers/<uscc>/``), ``provider_concern_counts(provider)`` gives
one dict per (year, category, outcome) with a count above zero, with stable keys:

- ``year``: int, the year the concerns were received (China Standard Time);
- ``category``: a code of ``models.Category`` (``care_quality``, ``safety``, ``fees``,
  ``contract``, ``food``, ``hygiene``, ``staff_conduct``, ``abuse_neglect``, ``other``);
- ``outcome``: a code of ``models.Outcome`` (``substantiated``, ``partly_substantiated``,
  ``not_substantiated``, ``referred``, ``withdrawn``) for closed concerns, or ``open`` for
  those received or under investigation;
- ``count``: int ≥ 1.

Sorted by year (latest first), then category and outcome in the order of their choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from registry.models import Provider

from .models import Category, Concern, Outcome, Status

OPEN = "open"
OPEN_LABEL = pgettext_lazy("concern status", "Open")
OUTCOME_ORDER = [*Outcome.values, OPEN]
CATEGORY_ORDER = list(Category.values)


def _counted(concerns: QuerySet[Concern]) -> QuerySet[Any]:
    """(year, category, status, outcome, n) rows of ``concerns``: one aggregated query."""
    return (
        concerns.annotate(year=ExtractYear("received_at"))
        .values("year", "category", "status", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _outcome_of(row: dict[str, Any]) -> str:
    return str(row["outcome"]) if row["status"] == Status.CLOSED else OPEN


def provider_concern_counts(provider: Provider) -> list[dict[str, Any]]:
    """The provider's concerns counted by year, category and outcome (see the module's
    docstring for the keys). One query."""
    totals: dict[tuple[int, str, str], int] = {}
    for row in _counted(Concern.objects.filter(provider=provider)):
        key = (int(row["year"]), str(row["category"]), _outcome_of(row))
        totals[key] = totals.get(key, 0) + int(row["n"])
    ordered = sorted(
        totals.items(),
        key=lambda item: (-item[0][0], _index(CATEGORY_ORDER, item[0][1]), _index(OUTCOME_ORDER, item[0][2])),
    )
    return [
        {"year": year, "category": category, "outcome": outcome, "count": n} for (year, category, outcome), n in ordered
    ]


def _index(order: list[str], value: str) -> int:
    return order.index(value) if value in order else len(order)


@dataclass
class CountRow:
    """One line of a table: a label and its counts by outcome (open last), and the total."""

    label: str | Promise
    by_outcome: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_outcome.values())

    def cells(self) -> list[int]:
        return [self.by_outcome.get(outcome, 0) for outcome in OUTCOME_ORDER]

    def add(self, outcome: str, n: int) -> None:
        self.by_outcome[outcome] = self.by_outcome.get(outcome, 0) + n


@dataclass
class YearTable:
    """A year's counts by category: its rows and their sum."""

    year: int
    rows: list[CountRow]

    @property
    def total(self) -> CountRow:
        row = CountRow(label="")
        for each in self.rows:
            for outcome, n in each.by_outcome.items():
                row.add(outcome, n)
        return row


def outcome_headings() -> list[str | Promise]:
    """The column headings of every table, in the order of ``CountRow.cells``."""
    return [*(Outcome(value).label for value in Outcome.values), OPEN_LABEL]


def year_tables(counts: list[dict[str, Any]]) -> list[YearTable]:
    """``provider_concern_counts`` as one table per year (latest first), a row per category."""
    by_year: dict[int, dict[str, CountRow]] = {}
    for item in counts:
        rows = by_year.setdefault(item["year"], {})
        category = item["category"]
        row = rows.setdefault(category, CountRow(label=_category_label(category)))
        row.add(item["outcome"], item["count"])
    return [
        YearTable(year, [rows[c] for c in sorted(rows, key=lambda c: _index(CATEGORY_ORDER, c))])
        for year, rows in sorted(by_year.items(), reverse=True)
    ]


def _category_label(code: str) -> str | Promise:
    return Category(code).label if code in Category.values else code


def years_with_concerns() -> list[int]:
    """Every year in which a concern was received, latest first (one query)."""
    years = (
        Concern.objects.annotate(year=ExtractYear("received_at")).values_list("year", flat=True).distinct().order_by()
    )
    return sorted({int(y) for y in years}, reverse=True)


def year_by_category(year: int) -> YearTable:
    """All providers' concerns received in ``year`` by category and outcome (one query)."""
    counts = [
        {"year": int(row["year"]), "category": row["category"], "outcome": _outcome_of(row), "count": row["n"]}
        for row in _counted(Concern.objects.filter(received_at__year=year))
    ]
    tables = year_tables(counts)
    return tables[0] if tables else YearTable(year, [])


def outcome_counts() -> dict[str, Any]:
    """Conditional counts by outcome (and open), for an aggregated query per provider."""
    counts: dict[str, Any] = {
        f"n_{outcome}": Count("pk", filter=Q(status=Status.CLOSED, outcome=outcome)) for outcome in Outcome.values
    }
    counts[f"n_{OPEN}"] = Count("pk", filter=~Q(status=Status.CLOSED))
    counts["n_total"] = Count("pk")
    return counts


def providers_in_year(year: int) -> QuerySet[Any]:
    """One row per provider with concerns received in ``year``: its code, name and area,
    the counts by outcome and the total; most concerns first."""
    return (
        Concern.objects.filter(received_at__year=year)
        .values("provider__uscc", "provider__name", "provider__division__name")
        .annotate(**outcome_counts())
        .order_by("-n_total", "provider__name", "provider__uscc")
    )


def provider_row_cells(row: dict[str, Any]) -> list[int]:
    """A ``providers_in_year`` row's counts in the order of ``outcome_headings``."""
    return [int(row[f"n_{outcome}"]) for outcome in OUTCOME_ORDER]
