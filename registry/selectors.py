"""Shared read rules, written once as query filters: in force on a day, in care on a day,
holds in force over a period.

Each returns a ``Q`` (or, for counts, a subquery expression) so callers stay one SQL
query whatever they filter: a rate table, a provider's fee items, the directory's page of
providers, a run's thousand providers. ``prefix`` reaches the same fields through a
relation (``"provider__"`` …).

The rules, in words:

- *in force on a day*: started on or before the day, and its last day (if any) is the day
  or later — both end days count, an empty end is open-ended;
- *in care on a day*: admitted on or before the day, and discharged (if at all) on the
  day or later — a resident is in care on the admission and on the discharge day;
- *hold in force over a period*: started at or before the period's last moment, and not
  ended by its first moment — a hold ended at an instant no longer holds at that instant.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Resident


def in_any_category(categories: Iterable[str], *, prefix: str = "") -> Q:
    """Residents whose categories (a JSON list of codes) hold any of ``categories``; no
    categories: nobody. PostgreSQL tests containment, which its index serves; SQLite (the
    demo's ``make run`` database) cannot, and looks for the quoted code in the list's text,
    which finds exactly the same rows because codes are plain identifiers."""
    field = f"{prefix}categories"
    postgres = connection.vendor == "postgresql"
    match = Q(pk__in=[])
    for code in categories:
        match |= Q(**{f"{field}__contains": [code]}) if postgres else Q(**{f"{field}__icontains": f'"{code}"'})
    return match


def covers(first: datetime.date, last: datetime.date, *, start: str, end: str) -> Q:
    """Rows whose days ``start``..``end`` (both included, ``end`` empty: open-ended) share
    at least one day with ``first``..``last``."""
    return Q(**{f"{start}__lte": last}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": first}))


def in_force_on(day: datetime.date, *, prefix: str = "") -> Q:
    """Rows (rates, fee items, exemption rules …) whose ``effective_from``..``effective_to``
    includes ``day``."""
    return covers(day, day, start=f"{prefix}effective_from", end=f"{prefix}effective_to")


def in_care_on(day: datetime.date, *, prefix: str = "") -> Q:
    """Residents in care on ``day`` (admitted that day or before, not discharged before it)."""
    return in_care_during(day, day, prefix=prefix)


def in_care_during(first: datetime.date, last: datetime.date, *, prefix: str = "") -> Q:
    """Residents in care on at least one day from ``first`` to ``last`` (a month's stays)."""
    return covers(first, last, start=f"{prefix}admitted_on", end=f"{prefix}discharged_on")


def holds_in_force(start: datetime.datetime, end: datetime.datetime | None = None, *, prefix: str = "") -> Q:
    """Payment holds in force at some moment from ``start`` to ``end`` (``end`` omitted:
    at the moment ``start``)."""
    end = start if end is None else end
    return Q(**{f"{prefix}started_at__lte": end}) & (
        Q(**{f"{prefix}ended_at__isnull": True}) | Q(**{f"{prefix}ended_at__gt": start})
    )


def count_per_provider(rows: QuerySet[Any]) -> Coalesce:
    """How many of ``rows`` (a queryset with a ``provider`` field) belong to the provider of
    the outer row (``OuterRef("pk")``), as a correlated subquery: PostgreSQL counts only for
    the rows it returns (a page), not for every provider before the LIMIT; 0 for none."""
    counted = rows.filter(provider=OuterRef("pk")).order_by().values("provider").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0), output_field=IntegerField())


def residents_in_care(day: datetime.date) -> Coalesce:
    """A provider's residents in care on ``day`` (``count_per_provider``)."""
    return count_per_provider(Resident.objects.filter(in_care_on(day)))
