"""How a value reads against its target, and the "no data" sentence that says what is
missing (in the page's language; division names are data and stay as entered)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import Indicator

MET, BEHIND, NO_TARGET, NO_DATA = "met", "behind", "no_target", "no_data"


def status_label(status: str) -> str:
    return {
        MET: _("met"),
        BEHIND: _("behind"),
        NO_TARGET: _("no target"),
        NO_DATA: _("no data"),
    }[status]


def target_status(indicator: Indicator, value: Decimal | None) -> str:
    """Met or behind the target; an indicator without a target has none; no value: no data."""
    if value is None:
        return NO_DATA
    if indicator.target is None:
        return NO_TARGET
    return MET if indicator.meets(value) else BEHIND


def _names(names: list[str]) -> str:
    separator = ", " if (get_language() or "").startswith("en") else "、"
    return separator.join(dict.fromkeys(names))


def missing_message(missing: list[dict[str, Any]]) -> str:
    """ "no data: population of 2026 for 昆都仑区 missing" (one clause per kind of input and
    year, the divisions named together)."""
    groups: dict[tuple[str, int | None], list[str]] = defaultdict(list)
    for entry in missing:
        groups[(entry["input"], entry.get("year"))].append(entry["name"])
    reasons = []
    for (what, year), names in groups.items():
        if what == "population":
            reasons.append(
                _("population of %(year)s for %(divisions)s missing") % {"year": year, "divisions": _names(names)}
            )
        elif what == "communities":
            reasons.append(
                _("number of communities of %(year)s for %(divisions)s missing")
                % {"year": year, "divisions": _names(names)}
            )
        elif what == "places":
            reasons.append(_("no childcare places in operation in %(divisions)s") % {"divisions": _names(names)})
        else:
            reasons.append(_("no beds in operation in %(divisions)s") % {"divisions": _names(names)})
    return _("no data: %(reasons)s") % {"reasons": "; ".join(reasons)}
