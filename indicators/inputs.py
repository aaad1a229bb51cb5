"""What the formulas read, in a constant number of queries per month: the division tree,
the operating providers' capacities (beds, nursing beds, childcare places and inclusive
places) grouped by division, kind, operation mode and status,
the residents in care, and the population and community figures in force.

*Operating on a day* (DOMAIN §7, the lifecycle): the provider's status on the day is the
``to_status`` of its last status change effective on or before the day; a provider
without any recorded change (rows older than the lifecycle log) counts with its current
status from its filing date. Filed or certified is operating.

*A figure in force for a year* is the latest one of that year or earlier: a figure applies
from its year until a newer one exists. A division's figure is its own, else the sum of
its children's when every child has one.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from registry.models import Division, Provider, ProviderStatus, ProviderStatusChange, Resident
from registry.periods import month_bounds
from registry.selectors import in_care_on

from .models import CommunityCount, PopulationFigure

OPERATING = (ProviderStatus.FILED, ProviderStatus.CERTIFIED)


def status_on(day: datetime.date) -> Coalesce:
    """A provider's lifecycle status on ``day``, as an expression (module docstring)."""
    last_change = (
        ProviderStatusChange.objects.filter(provider=OuterRef("pk"), effective_on__lte=day)
        .order_by("-effective_on", "-recorded_at", "-pk")
        .values("to_status")[:1]
    )
    has_log = Exists(ProviderStatusChange.objects.filter(provider=OuterRef("pk")))
    without_log = Case(
        When(~has_log, filed_on__lte=day, then=F("status")),
        default=Value(ProviderStatus.DRAFT),
        output_field=CharField(),
    )
    return Coalesce(Subquery(last_change, output_field=CharField()), without_log, output_field=CharField())


class ProviderGroup(NamedTuple):
    """Operating providers of one division, kind, operation mode and status, summed."""

    path: str
    level: int
    kind: str
    mode: str
    status: str
    providers: int
    beds: int
    nursing_beds: int
    places: int
    inclusive_places: int  # childcare places offered at the inclusive (普惠) price


@dataclass(frozen=True)
class Node:
    id: int
    code: str
    name: str
    path: str
    level: int
    parent_id: int | None


@dataclass
class Tree:
    """Every division, read once: ancestors by path prefix, children by parent."""

    nodes: dict[int, Node]
    by_path: dict[str, int] = field(init=False)
    children: dict[int, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_path = {node.path: node.id for node in self.nodes.values()}
        self.children = defaultdict(list)
        for node in sorted(self.nodes.values(), key=lambda n: n.code):
            if node.parent_id is not None:
                self.children[node.parent_id].append(node.id)

    @classmethod
    def load(cls) -> Tree:
        rows = Division.objects.order_by().values_list("pk", "code", "name", "path", "level", "parent_id")
        return cls({row[0]: Node(*row) for row in rows})

    def containing(self, path: str) -> list[int]:
        """The divisions whose path is a prefix of ``path`` (itself and its ancestors)."""
        codes = path.rstrip("/").split("/")
        prefixes = ("/".join(codes[: i + 1]) + "/" for i in range(len(codes)))
        return [self.by_path[p] for p in prefixes if p in self.by_path]


class Resolved(NamedTuple):
    value: int | None
    missing: list[int]  # divisions whose figure is missing (empty when ``value`` is known)


def figures_in_force(
    model: type[PopulationFigure] | type[CommunityCount], field_name: str, year: int
) -> dict[int, int]:
    """Division → the latest figure of ``year`` or earlier (one query)."""
    rows = model.objects.filter(year__lte=year).order_by("division_id", "-year").values_list("division_id", field_name)
    latest: dict[int, int] = {}
    for division_id, number in rows:
        latest.setdefault(division_id, number)
    return latest


def resolve_figure(tree: Tree, figures: dict[int, int], division_id: int) -> Resolved:
    """The division's own figure, else the sum of its children's when every child has one.
    Missing: the division itself when none of its children has a figure, else the
    children (at any depth) that lack one."""
    if division_id in figures:
        return Resolved(figures[division_id], [])
    children = tree.children.get(division_id, [])
    kids = [resolve_figure(tree, figures, child) for child in children]
    if kids and all(kid.value is not None for kid in kids):
        return Resolved(sum(kid.value or 0 for kid in kids), [])
    if all(kid.missing == [child] for kid, child in zip(kids, children, strict=True)):
        return Resolved(None, [division_id])  # nothing entered below it either: ask for its own
    return Resolved(None, [missing for kid in kids for missing in kid.missing])


@dataclass
class MonthInputs:
    """Everything the formulas of one month read."""

    month: datetime.date
    day: datetime.date  # the month's last day: who operates, who is in care
    tree: Tree
    groups: list[ProviderGroup]
    residents: list[tuple[str, str, int]]  # division path, provider kind, residents in care
    population: dict[int, int]
    communities: dict[int, int]

    @property
    def year(self) -> int:
        return self.month.year

    def rollup(self, items: Iterable[tuple[str, Any, int]]) -> dict[int, dict[Any, int]]:
        """Amounts keyed by (division path, key) summed into each division and its ancestors."""
        totals: dict[int, dict[Any, int]] = defaultdict(lambda: defaultdict(int))
        for path, key, amount in items:
            for division_id in self.tree.containing(path):
                totals[division_id][key] += amount
        return totals


def month_inputs(month: datetime.date, tree: Tree | None = None) -> MonthInputs:
    """The inputs of ``month`` in five queries whatever the number of providers (four when
    the caller passes the tree it already read)."""
    month, day = month_bounds(month)
    operating = Provider.objects.annotate(status_on=status_on(day)).filter(status_on__in=OPERATING)
    grouped = (
        operating.order_by()
        .values("division__path", "division__level", "kind", "operation_mode", "status_on")
        .annotate(
            providers=Count("pk"),
            beds=Coalesce(Sum("beds"), 0),
            nursing_beds=Coalesce(Sum("nursing_beds"), 0),
            places=Coalesce(Sum("childcare_places"), 0),
            inclusive_places=Coalesce(Sum("inclusive_places"), 0),
        )
    )
    groups = [
        ProviderGroup(
            r["division__path"],
            r["division__level"],
            r["kind"],
            r["operation_mode"],
            r["status_on"],
            r["providers"],
            r["beds"],
            r["nursing_beds"],
            r["places"],
            r["inclusive_places"],
        )
        for r in grouped
    ]
    residents = (
        Resident.objects.filter(in_care_on(day), provider_id__in=Subquery(operating.values("pk")))
        .order_by()
        .values("provider__division__path", "provider__kind")
        .annotate(n=Count("pk"))
    )
    return MonthInputs(
        month=month,
        day=day,
        tree=tree or Tree.load(),
        groups=groups,
        residents=[(r["provider__division__path"], r["provider__kind"], r["n"]) for r in residents],
        population=figures_in_force(PopulationFigure, "population", month.year),
        communities=figures_in_force(CommunityCount, "communities", month.year),
    )
