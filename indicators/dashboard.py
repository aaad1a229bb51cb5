"""What the dashboard and the upward report show, read from the snapshots in a constant
number of queries whatever the number of providers: each indicator's value, target and
status for a division, its trend over the last 24 months, and its children's values."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext as _

from registry.labels import choice_label
from registry.models import Division, ProviderKind, User
from registry.periods import add_months
from registry.scoping import jurisdiction_path

from .models import Comparator, Indicator, IndicatorSnapshot, Nature, Unit
from .status import NO_DATA, missing_message, status_label, target_status

TREND_MONTHS = 24


def dashboard_root(user: User, code: str | None) -> tuple[Division, Division]:
    """The user's own division (the region for a user who sees everything) and the one
    asked for (``?division=``), which must be inside it: anything else is a 404."""
    path = jurisdiction_path(user)
    if path is None:
        raise PermissionDenied
    own = user.jurisdiction if path else Division.objects.filter(parent__isnull=True).order_by("code").first()
    if own is None:
        raise Http404(_("No division to show."))
    if not code or code == own.code:
        return own, own
    division = Division.objects.filter(code=code, path__startswith=own.path).first()
    if division is None:
        raise Http404(_("No such division in your jurisdiction."))
    return own, division


@dataclass
class Cell:
    """One value as shown: the number, its status, and the no-data sentence if any."""

    value: Decimal | None
    status: str
    status_label: str
    message: str = ""

    @property
    def number(self) -> float | None:
        return None if self.value is None else float(self.value)


@dataclass
class Panel:
    indicator: Indicator
    unit: str
    target: str  # "≥ 55 %", "" without a target
    nature: str
    dimensions: list[tuple[str, str]]  # (code, label); ("", "") for an indicator without
    now: dict[str, Cell] = field(default_factory=dict)  # dimension → the month's cell
    trend: dict[str, list[Cell | None]] = field(default_factory=dict)  # dimension → one per month
    children: list[tuple[Division, dict[str, Cell | None]]] = field(default_factory=list)
    months: list[datetime.date] = field(default_factory=list)

    def now_rows(self) -> list[tuple[str, Cell]]:
        """(kind label or "", the month's cell) per dimension."""
        return [(label, self.now[code]) for code, label in self.dimensions]

    def trend_rows(self) -> list[tuple[datetime.date, list[Cell | None]]]:
        return [(month, [self.trend[code][i] for code, _l in self.dimensions]) for i, month in enumerate(self.months)]

    def child_rows(self) -> list[tuple[Division, list[Cell | None]]]:
        return [(child, [cells.get(code) for code, _l in self.dimensions]) for child, cells in self.children]

    def chart(self, months: list[datetime.date], urls: list[str]) -> dict[str, Any]:
        """The numbers of both charts, for the page's script (``json_script``)."""

        def series(cells_by_dimension: dict[str, list[Cell | None]]) -> list[dict[str, Any]]:
            return [
                {
                    "name": label or self.indicator.name,
                    "data": [cell.number if cell else None for cell in cells_by_dimension[code]],
                }
                for code, label in self.dimensions
            ]

        breakdown = {code: [cells.get(code) for _d, cells in self.children] for code, _label in self.dimensions}
        return {
            "code": self.indicator.code,
            "unit": self.unit,
            "target": None if self.indicator.target is None else float(self.indicator.target),
            "months": [f"{m:%Y-%m}" for m in months],
            "trend": series(self.trend),
            "divisions": [division.name for division, _cells in self.children],
            "urls": urls,
            "breakdown": series(breakdown),
        }


@dataclass
class Dashboard:
    own: Division
    division: Division
    ancestors: list[Division]  # from the user's own division down to the parent shown
    month: datetime.date | None
    months: list[datetime.date]
    panels: list[Panel]


def unit_label(indicator: Indicator) -> str:
    return "%" if indicator.unit == Unit.PERCENT else _("per 1,000 people")


def target_text(indicator: Indicator) -> str:
    if indicator.target is None:
        return ""
    sign = "≥" if indicator.comparator == Comparator.AT_LEAST else "≤"
    unit = "%" if indicator.unit == Unit.PERCENT else " " + _("per 1,000 people")
    return f"{sign} {indicator.target.normalize():f}{unit}"


def _cell(indicator: Indicator, snapshot: IndicatorSnapshot | None) -> Cell | None:
    if snapshot is None:
        return None
    status = target_status(indicator, snapshot.value)
    message = missing_message(snapshot.missing) if status == NO_DATA else ""
    return Cell(snapshot.value, status, status_label(status), message)


def _dimensions(indicator: Indicator, snapshots: list[IndicatorSnapshot]) -> list[tuple[str, str]]:
    codes = sorted({s.dimension for s in snapshots if s.indicator_id == indicator.pk}) or [""]
    return [(code, choice_label(code, ProviderKind) if code else "") for code in codes]


def dashboard(own: Division, division: Division) -> Dashboard:
    """The dashboard of ``division`` (inside ``own``) at its latest snapshot month."""
    indicators = list(Indicator.objects.order_by("order", "code"))
    children = list(Division.objects.filter(parent=division).order_by("code"))
    codes = [code for code in division.path.split("/") if code]
    ancestors = list(Division.objects.filter(code__in=codes[:-1], path__startswith=own.path).order_by("level", "code"))
    month = IndicatorSnapshot.objects.filter(division=division).aggregate(latest=Max("month"))["latest"]
    months = [add_months(month, -back) for back in range(TREND_MONTHS - 1, -1, -1)] if month else []
    trend = (
        list(IndicatorSnapshot.objects.filter(division=division, month__gte=months[0], month__lte=month))
        if month
        else []
    )
    below = list(IndicatorSnapshot.objects.filter(division__in=children, month=month)) if month else []
    by_key = {(s.indicator_id, s.division_id, s.month, s.dimension): s for s in [*trend, *below]}
    panels = []
    for indicator in indicators:
        dimensions = _dimensions(indicator, trend)
        panel = Panel(
            indicator=indicator,
            unit=unit_label(indicator),
            target=target_text(indicator),
            nature=choice_label(indicator.nature, Nature) if indicator.nature else "",
            dimensions=dimensions,
            months=months,
        )
        for code, _label in dimensions:
            panel.trend[code] = [_cell(indicator, by_key.get((indicator.pk, division.pk, m, code))) for m in months]
            latest = panel.trend[code][-1] if months else None
            panel.now[code] = latest or Cell(None, NO_DATA, status_label(NO_DATA), _("no data: not computed yet"))
        panel.children = [
            (
                child,
                {code: _cell(indicator, by_key.get((indicator.pk, child.pk, month, code))) for code, _l in dimensions},
            )
            for child in children
        ]
        panels.append(panel)
    return Dashboard(own=own, division=division, ancestors=ancestors, month=month, months=months, panels=panels)
