"""Monthly operating grants: one line per eligible provider with the basis it used.

Approved runs are never changed: corrections to an approved month's roster appear as
adjustment lines in the next run. Only the days the provider was filed or certified count
(DOMAIN §7); a line's ``holds`` say why it pays nothing at all (never filed or certified in
the month, no rate). A provider's payment holds (an open major hazard, a blacklisting, a
lapsed fire licence) do not change its lines: they pause payment, and the payment batch
decides (``payments.payable_lines``), so the month is paid once the hold ends (DOMAIN §7).
A resident whose stays at two providers overlap is flagged on both lines and counted for
neither; a transfer from one to the other is not an overlap (``stay_conflicts.py``).

A graded scheme pays the rate of the grade in force on the month's last day — the day the
rates and care-level weights are read on — from the provider's grade records
(``registry.grades.grade_on``), not its grade today: a month paid after a regrade pays the
grade the provider had then, and a grade that expired before that day is "not rated".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from registry.grades import grade_on
from registry.models import (
    Division,
    Provider,
    ProviderStatus,
    ProviderStatusChange,
    Resident,
)
from registry.periods import add_months, month_bounds
from registry.selectors import in_care_during
from safeguards.identifiers import mask_id_number

from .care_weights import capped_quantity, is_weighted, weighted_basis, weights_in_force
from .models import GrantLine, GrantRun, OccupancyRule, SubsidyScheme
from .money import to_fen
from .occupancy import Stay, count_occupancy
from .rates import eligible_providers_q, rates_in_force
from .stay_conflicts import MonthConflicts, counted_at_min_days, excluded_here, month_conflicts

ADJUSTMENT_WINDOW_MONTHS = 12
GOOD_STANDING = {ProviderStatus.FILED, ProviderStatus.CERTIFIED}


def eligible_spans(
    changes: list[ProviderStatusChange], period: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """The days of the month the provider was filed or certified, as (first, last) spans,
    from its lifecycle log (DOMAIN §7: a provider counts only from the day it became
    eligible, and not on the days it was suspended, closed or revoked). A change takes
    effect on its ``effective_on`` day."""
    first, last = month_bounds(period)
    ordered = sorted(changes, key=lambda c: (c.effective_on, c.recorded_at, c.pk))  # made in this order
    status: str = ProviderStatus.DRAFT
    for change in ordered:
        if change.effective_on <= first:
            status = change.to_status
    start = first if status in GOOD_STANDING else None
    spans: list[tuple[datetime.date, datetime.date]] = []
    for change in ordered:
        if not first < change.effective_on <= last:
            continue
        if change.to_status in GOOD_STANDING and start is None:
            start = change.effective_on
        elif change.to_status not in GOOD_STANDING and start is not None:
            if change.effective_on > start:
                spans.append((start, change.effective_on - datetime.timedelta(days=1)))
            start = None
    if start is not None:
        spans.append((start, last))
    return spans


def stays_within(stays: list[Stay], spans: list[tuple[datetime.date, datetime.date]]) -> list[Stay]:
    """The parts of ``stays`` on the provider's eligible days: days before it became
    eligible, or while it was not, do not count."""
    parts = []
    for stay in stays:
        for start, end in spans:
            admitted, discharged = max(stay.admitted_on, start), min(stay.discharged_on or end, end)
            if admitted <= discharged:
                parts.append(Stay(stay.id_number, admitted, discharged, stay.weight))
    return parts


def _hold(code: str, reason: str) -> dict[str, str]:
    return {"code": code, "reason": reason}


def provider_month_holds(changes: list[ProviderStatusChange], period: datetime.date) -> list[dict[str, str]]:
    """Why the provider with lifecycle ``changes`` earns nothing for the month (empty: it
    may): it was never filed or certified in it. Status decides which days count
    (``eligible_spans``); payment holds only pause payment (module docstring)."""
    if not eligible_spans(changes, period):
        return [_hold("not_filed", _("Not filed or certified during the month."))]
    return []


def _month_stays(period: datetime.date) -> QuerySet[Resident]:
    """Every resident stay overlapping the month (present at least one day)."""
    return Resident.objects.filter(in_care_during(*month_bounds(period)))


def _stays_by_provider(
    period: datetime.date, provider_ids: list[int], weights: dict[str, Decimal] | None = None
) -> dict[int, list[Stay]]:
    """The month's stays of the run's providers, grouped by provider; each carries its care
    level's weight when ``weights`` are given (a weighted run), else 1."""
    stays: dict[int, list[Stay]] = defaultdict(list)
    # A person is known by the keyed hash of their ID number: equal numbers, equal hashes,
    # and nothing to decrypt.
    rows = _month_stays(period).filter(provider_id__in=provider_ids)
    for provider_id, person, admitted_on, discharged_on, care_level in rows.values_list(
        "provider_id", "id_number_hash", "admitted_on", "discharged_on", "care_level"
    ):
        weight = weights[care_level] if weights else Decimal(1)
        stays[provider_id].append(Stay(person, admitted_on, discharged_on, weight))
    return stays


def masked_id_numbers(people: Iterable[str]) -> dict[str, str]:
    """Masked ID numbers of the given people (keyed hashes), for the review flags."""
    rows = Resident.objects.filter(id_number_hash__in=list(people)).values_list("id_number_hash", "id_number")
    return {person: mask_id_number(number) for person, number in rows}


def _line_values(
    scheme: SubsidyScheme,
    provider: Provider,
    period: datetime.date,
    *,
    stays: list[Stay],
    conflicts: MonthConflicts,
    winners: dict[str, int] | None,
    rates: dict[str, Any],
    holds: list[dict[str, str]],
    masked: dict[str, str],
    spans: list[tuple[datetime.date, datetime.date]],
    grade: int,
    weights: dict[str, Decimal] | None = None,
) -> dict[str, Any]:
    """Quantity, rate, amount, basis and flags of one provider's line; ``grade``: its grade
    in force on the month's reference day; ``weights``: the run's care-level weights when
    one is not 1.00 (the quantity is then weighted)."""
    in_conflict, elsewhere = excluded_here(conflicts, provider.pk, winners)
    shared = conflicts.people_at(provider.pk)
    # People at two providers count by their days here after the clerks' decisions.
    # Their days here keep the care-level weight of their stay here (the larger of two).
    weight_here: dict[str, Decimal] = {}
    for stay in stays:
        if stay.id_number in shared:
            weight_here[stay.id_number] = max(stay.weight, weight_here.get(stay.id_number, stay.weight))
    stays = [s for s in stays if s.id_number not in shared] + [
        Stay(person, first, last, weight_here.get(person, Decimal(1)))
        for person in shared
        for first, last in conflicts.days[person][provider.pk]
    ]
    counted = count_occupancy(
        stays_within(stays, spans),
        period,
        rule=scheme.occupancy_rule,
        min_days=scheme.occupancy_min_days,
        census_day=scheme.census_day,
        exclude_ids=in_conflict | elsewhere,
    )
    quantity = min(counted, Decimal(provider.beds))
    weighted = counted
    if weights:  # the same count, each resident at their care level's weight
        weighted = count_occupancy(
            stays_within(stays, spans),
            period,
            rule=scheme.occupancy_rule,
            min_days=scheme.occupancy_min_days,
            census_day=scheme.census_day,
            exclude_ids=in_conflict | elsewhere,
            weighted=True,
        )
        quantity = capped_quantity(heads=counted, weighted=weighted, beds=provider.beds)
    key = "any" if "any" in rates else str(grade)
    rate = rates.get(key)
    holds = list(holds)
    if rate is None:
        holds.append(_hold("no_rate", _("No rate for grade %(grade)s.") % {"grade": grade}))
    rate_amount = rate.amount if rate else Decimal("0.00")
    flags = [
        {
            "code": "duplicate_resident",
            "resident": masked.get(person, ""),
            "providers": sorted(conflicts.conflicts[person]),
        }
        for person in sorted(in_conflict, key=lambda p: masked.get(p, ""))
    ]
    basis = {
        "rule": scheme.occupancy_rule,
        "min_days": scheme.occupancy_min_days,
        "census_day": scheme.census_day,
        "eligible_days": [[start.isoformat(), end.isoformat()] for start, end in spans],
        "residents_counted": str(counted),
        "residents_excluded_as_duplicates": len(in_conflict),
        "cap_beds": provider.beds,
        "capped": counted > provider.beds,
        "grade": grade,
        "rate_key": key,
        "rate_id": rate.pk if rate else None,
        **(weighted_basis(weighted, weights) if weights else {}),
    }
    if elsewhere:  # moved between providers: counted once, where they spent more days
        basis["residents_counted_at_another_provider"] = len(elsewhere)
    return {
        "quantity": quantity,
        "rate": rate_amount,
        "amount": to_fen(rate_amount * quantity),
        "basis": basis,
        "holds": holds,
        "flags": flags,
    }


def _scope(scheme: SubsidyScheme, division: Division) -> Q:
    if not (division.path.startswith(scheme.jurisdiction.path) or scheme.jurisdiction.path.startswith(division.path)):
        raise ValidationError(
            _("%(division)s is outside the jurisdiction of %(code)s.") % {"division": division, "code": scheme.code}
        )
    return eligible_providers_q(scheme) & Q(division__path__startswith=division.path)


def _providers_for(scheme: SubsidyScheme, division: Division, period: datetime.date) -> list[Provider]:
    first, last = month_bounds(period)
    return list(
        Provider.objects.filter(_scope(scheme, division))
        .filter(filed_on__isnull=False, filed_on__lte=last)
        .exclude(status__in=[ProviderStatus.CLOSED, ProviderStatus.REVOKED], status_changed_on__lt=first)
        .select_related("division")
        .order_by("pk")
    )


def lifecycle_changes(ids: Iterable[int]) -> dict[int, list[ProviderStatusChange]]:
    """The lifecycle log of many providers, by provider (one query)."""
    changes: dict[int, list[ProviderStatusChange]] = defaultdict(list)
    for change in ProviderStatusChange.objects.filter(provider_id__in=list(ids)):
        changes[change.provider_id].append(change)
    return changes


def _context_for(
    scheme: SubsidyScheme,
    providers: list[Provider],
    period: datetime.date,
    weights: dict[str, Decimal] | None = None,
) -> dict[str, Any]:
    """Everything the lines need, in a constant number of queries."""
    conflicts = month_conflicts(period)
    winners = None
    if scheme.occupancy_rule == OccupancyRule.MIN_DAYS:
        # One person counted once per scheme and month: where they spent more eligible days.
        moved = {provider_id for by_provider in conflicts.days.values() for provider_id in by_provider}
        of_scheme = list(
            Provider.objects.filter(eligible_providers_q(scheme), pk__in=moved).values_list("pk", flat=True)
        )
        changes = lifecycle_changes(of_scheme)
        eligible = {pk: eligible_spans(changes[pk], period) for pk in of_scheme}
        winners = counted_at_min_days(conflicts, eligible, scheme.occupancy_min_days or 0)
    return {
        "changes": lifecycle_changes(p.pk for p in providers),
        "stays": _stays_by_provider(period, [p.pk for p in providers], weights),
        "conflicts": conflicts,
        "winners": winners,
        "masked": masked_id_numbers(conflicts.conflicts),
    }


def _compute_lines(
    scheme: SubsidyScheme, providers: list[Provider], period: datetime.date
) -> dict[int, dict[str, Any]]:
    # Care-level weights in force on the month's last day, as rates (care_weights.py).
    weights = weights_in_force(scheme, month_bounds(period)[1])
    weights_used = weights if is_weighted(weights) else None
    context = _context_for(scheme, providers, period, weights_used)
    rates = rates_in_force(scheme, month_bounds(period)[1])
    # The grade in force on the same day as the rates (module docstring).
    grades = grade_on([p.pk for p in providers], month_bounds(period)[1])
    lines = {}
    for provider in providers:
        holds = provider_month_holds(context["changes"][provider.pk], period)
        lines[provider.pk] = _line_values(
            scheme,
            provider,
            period,
            stays=context["stays"].get(provider.pk, []),
            conflicts=context["conflicts"],
            winners=context["winners"],
            rates=rates,
            holds=holds,
            masked=context["masked"],
            spans=eligible_spans(context["changes"][provider.pk], period),
            grade=grades[provider.pk],
            weights=weights_used,
        )
    return lines


def _adjustment_lines(run: GrantRun, scheme: SubsidyScheme, division: Division) -> list[GrantLine]:
    """Differences between what approved earlier months paid and what their rosters say now."""
    earliest = add_months(run.period.replace(day=1), -ADJUSTMENT_WINDOW_MONTHS)  # exactly 12 calendar months
    originals = (
        GrantLine.objects.filter(
            scheme=scheme,
            kind=GrantLine.Kind.REGULAR,
            run__status=GrantRun.Status.APPROVED,
            period__gte=earliest,
            period__lt=run.period,
            provider__division__path__startswith=division.path,
        )
        .select_related("provider__division")
        .order_by("period", "provider_id")
    )
    by_period: dict[datetime.date, list[GrantLine]] = defaultdict(list)
    for line in originals:
        if not line.holds:
            by_period[line.period].append(line)
    adjustments = []
    for period, lines in by_period.items():
        recomputed = _compute_lines(scheme, [line.provider for line in lines], period)
        paid = dict(
            GrantLine.objects.filter(
                scheme=scheme,
                period=period,
                provider_id__in=[line.provider_id for line in lines],
                run__status=GrantRun.Status.APPROVED,
            )
            .values("provider_id")
            .annotate(total=Sum("amount"))
            .values_list("provider_id", "total")
        )
        for line in lines:
            now = recomputed[line.provider_id]
            expected = to_fen(line.rate * now["quantity"])  # the approved rate, never today's
            difference = expected - paid.get(line.provider_id, Decimal("0.00"))
            if difference:
                adjustments.append(
                    GrantLine(
                        run=run,
                        scheme=scheme,
                        provider=line.provider,
                        period=period,
                        kind=GrantLine.Kind.ADJUSTMENT,
                        adjusts=line,
                        basis={
                            **now["basis"],
                            "adjusts_quantity": str(line.quantity),
                            "rate_id": line.basis.get("rate_id"),
                        },
                        quantity=now["quantity"] - line.quantity,
                        rate=line.rate,
                        amount=difference,
                        flags=now["flags"],
                    )
                )
    return adjustments


def operating_lines(run: GrantRun) -> list[GrantLine]:
    """The regular lines of a draft run plus adjustments for earlier approved months."""
    scheme, division, period = run.scheme, run.division, run.period
    providers = _providers_for(scheme, division, period)
    # A provider already in another run of this scheme and period (a run for a wider or
    # narrower division) keeps its line there: never two regular lines for one month.
    taken = set(
        GrantLine.objects.filter(scheme=scheme, period=period, kind=GrantLine.Kind.REGULAR)
        .exclude(run=run)
        .values_list("provider_id", flat=True)
    )
    providers = [p for p in providers if p.pk not in taken]
    computed = _compute_lines(scheme, providers, period)
    regular = [GrantLine(run=run, scheme=scheme, provider=p, period=period, **computed[p.pk]) for p in providers]
    return regular + _adjustment_lines(run, scheme, division)
