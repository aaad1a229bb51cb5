"""A sentence a clerk can check by hand: how a line's amount follows from its basis."""

from __future__ import annotations

from django.utils.translation import gettext as _

from registry.labels import division_name, plain_number
from registry.models import CareLevel, ResidentCategory

from .models import ConstructionGrant, GrantLine, OccupancyRule


def explain_line(line: GrantLine) -> str:
    basis = line.basis or {}
    if "caregiver" in basis:
        return _("%(caregiver)s, %(level)s certificate, nursing since %(since)s: %(rate)s yuan a month.") % {
            "caregiver": basis["caregiver"],
            "level": basis.get("certificate_level", ""),
            "since": basis.get("nursing_since") or "-",
            "rate": line.rate,
        }
    if "living" in basis:
        what = (
            _("make-up to the cost standard %(standard)s yuan a month")
            if basis["living"] == "make_up"
            else _("living allowance %(rate)s yuan a month")
        ) % {"standard": basis.get("standard"), "rate": line.rate}
        return _(
            "%(resident)s (%(category)s, home county %(county)s), %(days)s of %(month_days)s days in care: "
            "%(what)s → %(amount)s yuan."
        ) % {
            "resident": basis.get("resident"),
            "category": ResidentCategory(basis["category"]).label if basis.get("category") else "-",
            "county": division_name(basis.get("home_county")),
            "days": basis.get("days_in_care"),
            "month_days": basis.get("days_in_month"),
            "what": what,
            "amount": line.amount,
        }
    if "policy" in basis:
        return _("Policy %(policy)s, premium %(premium)s yuan: this payer's share is %(amount)s yuan.") % {
            "policy": basis["policy"],
            "premium": basis.get("premium"),
            "amount": line.amount,
        }
    if "rule" not in basis:
        return ""
    rule = {
        OccupancyRule.MIN_DAYS: _("residents present at least %(n)s days") % {"n": basis.get("min_days")},
        OccupancyRule.CENSUS_DAY: _("residents present on the census day"),
        OccupancyRule.PRO_RATA: _("resident-days ÷ days in the month"),
    }.get(basis["rule"], basis["rule"])
    text = _(
        "%(rule)s: %(counted)s counted (%(excluded)s excluded as in two providers), capped at %(beds)s beds "
        "→ %(quantity)s × %(rate)s yuan = %(amount)s yuan."
    ) % {
        "rule": rule,
        "counted": basis.get("residents_counted"),
        "excluded": basis.get("residents_excluded_as_duplicates", 0),
        "beds": basis.get("cap_beds"),
        "quantity": plain_number(line.quantity),
        "rate": line.rate,
        "amount": line.amount,
    }
    if "weighted_count" in basis:  # care_weights.py: the quantity counts residents at their weight
        weights = ", ".join(f"{CareLevel(level).label} {weight}" for level, weight in basis.get("weights", {}).items())
        text += " " + _("Counted by care level (%(weights)s): %(weighted)s weighted residents.") % {
            "weights": weights,
            "weighted": plain_number(basis["weighted_count"]),
        }
    if line.kind == GrantLine.Kind.ADJUSTMENT:
        text += " " + _("Adjusts the approved count %(old)s of %(period)s.") % {
            "old": plain_number(basis.get("adjusts_quantity")),
            "period": f"{line.period:%Y-%m}",
        }
    return text


def explain_eligible_beds(grant: ConstructionGrant) -> str:
    """Why a per-bed construction grant counts fewer beds than claimed: the floor-area cap
    (a bed counts ``area_per_bed_m2`` of floor area with shared space, 000:1011-1022;
    ``instalments.eligible_beds``), e.g. "1980 m² ÷ 30 m²/bed: 66 beds approved"."""
    per_bed = grant.scheme.area_per_bed_m2 if grant.scheme_id else None
    if not per_bed or grant.eligible_beds >= grant.beds_claimed:
        return ""
    return _("%(claimed)d beds claimed; by floor area %(area)s m² ÷ %(per_bed)s m²/bed, %(beds)d beds approved.") % {
        "claimed": grant.beds_claimed,
        "area": f"{grant.floor_area_m2.normalize():f}",
        "per_bed": f"{per_bed.normalize():f}",
        "beds": grant.eligible_beds,
    }
