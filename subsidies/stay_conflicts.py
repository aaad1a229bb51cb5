"""One person at two providers in a month, for the monthly runs (DOMAIN §7 "Same person,
two providers").

- Stays that share at least one day of the month are a conflict: flagged on both lines,
  counted on neither, until a clerk decides (``registry.overlaps.overlap_decide``). A
  decision takes the shared days off the stay set aside; what is left counts as usual.
- A transfer (A until the 10th, B from the 11th) is not a conflict. Under min-days each
  provider counts the person if it has the days, but one person is counted at most once
  per scheme and month: at the provider where they spent more (eligible) days; a tie goes
  to the later one. Under pro-rata each provider gets its own days; on a census day only
  one provider has them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import F, Max, Min

from registry.models import OverlapDecision, Resident
from registry.periods import month_bounds
from registry.selectors import in_care_during

ONE_DAY = datetime.timedelta(days=1)
Days = tuple[datetime.date, datetime.date]  # first and last day, both included


class PersonStay(NamedTuple):
    resident_id: int
    person: str  # keyed hash of the ID number
    provider_id: int
    first: datetime.date  # the stay's days inside the month
    last: datetime.date


@dataclass
class MonthConflicts:
    """The month's people with stays at two or more providers, after the clerks' decisions."""

    days: dict[str, dict[int, list[Days]]] = field(default_factory=dict)  # person → provider → day spans
    conflicts: dict[str, set[int]] = field(default_factory=dict)  # person → providers sharing days

    def people_at(self, provider_id: int) -> set[str]:
        return {person for person, by_provider in self.days.items() if provider_id in by_provider}


def _subtract(spans: list[Days], taken: Days) -> list[Days]:
    """``spans`` without the days of ``taken``."""
    left = []
    for first, last in spans:
        if taken[1] < first or taken[0] > last:
            left.append((first, last))
            continue
        if first < taken[0]:
            left.append((first, taken[0] - ONE_DAY))
        if taken[1] < last:
            left.append((taken[1] + ONE_DAY, last))
    return left


def _share_a_day(one: list[Days], other: list[Days]) -> bool:
    return any(a[0] <= b[1] and b[0] <= a[1] for a in one for b in other)


def month_stays_of_people_at_two_providers(period: datetime.date) -> list[PersonStay]:
    """Stays in the month of people registered at more than one provider in it, region-wide.
    Two queries: a grouped pass finds the few people whose stays name two providers (MIN ≠
    MAX, which PostgreSQL can hash, where COUNT(DISTINCT) would sort), then their stays are
    read through the person index."""
    first, last = month_bounds(period)
    month = Resident.objects.filter(in_care_during(first, last)).order_by()
    people = list(
        month.values("id_number_hash")
        .annotate(lowest=Min("provider_id"), highest=Max("provider_id"))
        .filter(lowest__lt=F("highest"))
        .values_list("id_number_hash", flat=True)
    )
    rows = month.filter(id_number_hash__in=people).values_list(
        "pk", "id_number_hash", "provider_id", "admitted_on", "discharged_on"
    )
    return [
        PersonStay(pk, person, provider_id, max(admitted, first), min(discharged or last, last))
        for pk, person, provider_id, admitted, discharged in rows
    ]


def month_conflicts(period: datetime.date) -> MonthConflicts:
    """Who shares days at two providers in the month, once the decisions are applied
    (three queries)."""
    stays = month_stays_of_people_at_two_providers(period)
    by_id = {stay.resident_id: stay for stay in stays}
    spans: dict[int, list[Days]] = {stay.resident_id: [(stay.first, stay.last)] for stay in stays}
    decisions = OverlapDecision.objects.filter(kept_id__in=by_id, set_aside_id__in=by_id).values_list(
        "kept_id", "set_aside_id"
    )
    for kept, set_aside in decisions:
        spans[set_aside] = _subtract(spans[set_aside], (by_id[kept].first, by_id[kept].last))
    result = MonthConflicts()
    for stay in stays:  # a stay set aside on all its days stays listed, with no days
        result.days.setdefault(stay.person, {}).setdefault(stay.provider_id, []).extend(spans[stay.resident_id])
    for person, by_provider in result.days.items():
        providers = sorted(by_provider)
        for i, one in enumerate(providers):
            for other in providers[i + 1 :]:
                if _share_a_day(by_provider[one], by_provider[other]):
                    result.conflicts.setdefault(person, set()).update({one, other})
    return result


def counted_at_min_days(
    conflicts: MonthConflicts,
    eligible: dict[int, list[Days]],
    min_days: int,
) -> dict[str, int]:
    """Under min-days, the one provider that counts each person with stays at several:
    among the providers of the scheme (``eligible``: provider → its eligible days in the
    month) where the person is not in conflict and spent at least ``min_days`` eligible
    days, the one with the most days; a tie goes to the later stay."""
    winners: dict[str, int] = {}
    for person, by_provider in conflicts.days.items():
        in_conflict = conflicts.conflicts.get(person, set())
        best: tuple[int, datetime.date, int] | None = None
        for provider_id, spans in by_provider.items():
            if provider_id in in_conflict or provider_id not in eligible:
                continue
            days = sum(
                max(0, (min(last, e_last) - max(first, e_first)).days + 1)
                for first, last in spans
                for e_first, e_last in eligible[provider_id]
            )
            if days < min_days:
                continue
            candidate = (days, min(first for first, _last in spans), provider_id)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
        if best is not None:
            winners[person] = best[2]
    return winners


def excluded_here(
    conflicts: MonthConflicts, provider_id: int, winners: dict[str, int] | None
) -> tuple[frozenset[str], frozenset[str]]:
    """(people in conflict at this provider, people counted at another provider)."""
    here = conflicts.people_at(provider_id)
    in_conflict = frozenset(p for p in here if provider_id in conflicts.conflicts.get(p, set()))
    elsewhere = frozenset(
        p for p in here - in_conflict if winners is not None and winners.get(p, provider_id) != provider_id
    )
    return in_conflict, elsewhere

