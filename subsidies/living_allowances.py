"""Living allowances of residents in extreme poverty or on dibao placed in social-run
institutions (000:1056-1063): "当地财政应将上述人员的基本生活费拨入养老服务机构 … 该费用低于
当地政府规定的生活、医疗、照料服务等费用标准部分，由其户籍所在地旗县(市、区)补足".

One monthly run: each qualifying resident of an eligible provider gets a line paid to the
institution with their basic living allowance for the days they were in care, paid by
their home county (户籍所在地); when that county's cost standard is higher than the
allowance, a second line makes up the difference, paid by the same county. The rates are
data per county (``Rate`` keys ``<county code>:<category>`` and ``<county code>:standard``).

What cannot be computed is flagged on the line (amount 0, never batched), not silently
paid 0: no home county, no rate, or the same person in care at two providers on the same
day (DOMAIN §7). Once the data is corrected, a later month's run pays the earlier month as
an adjustment line (``catch_up_lines``), within the adjustment window.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from registry.models import Division, Provider, Resident, ResidentCategory
from registry.periods import add_months, month_bounds
from registry.selectors import in_any_category, in_care_during

from .models import GrantLine, GrantRun, OccupancyRule, PayerLevel, Rate, SubsidyScheme
from .money import to_fen
from .occupancy import QUANTITY, Stay
from .operating_grants import (
    ADJUSTMENT_WINDOW_MONTHS,
    _providers_for,
    eligible_spans,
    lifecycle_changes,
    provider_month_holds,
    stays_within,
)
from .rates import rates_in_force
from .stay_conflicts import MonthConflicts, month_conflicts

MAKE_UP = "make_up"
STANDARD = "standard"
# Flags that leave a line unpaid until the data is corrected (then caught up later).
DATA_PROBLEMS = frozenset({"no_home_county", "no_rate", "duplicate_resident"})

Span = tuple[datetime.date, datetime.date]


def qualifying_category(scheme: SubsidyScheme, categories: Iterable[str]) -> str | None:
    """The first of the scheme's resident categories the resident has (None: not eligible)."""
    held = set(categories or ())
    return next((category for category in scheme.resident_categories if category in held), None)


def rate_key(county: Division, key: str) -> str:
    """``150203:extreme_poverty``, ``150203:standard``: a county's rates are its own."""
    return f"{county.code}:{key}"


class MonthShare(NamedTuple):
    days: int  # days in care on the provider's eligible days
    days_in_month: int
    share: Decimal  # the part of the month's allowance due


def month_share(parts: list[Stay], period: datetime.date) -> MonthShare:
    """The part of a month's allowance due for the resident's days in care (``parts``: the
    stay cut to the provider's eligible days, and to the days a clerk's overlap decision
    left it): days ÷ days in the month, both ends of the stay included. The allowance is
    the person's, so it follows them day by day: a resident moving from home A (until the
    10th) to home B (from the 11th) is paid once, split by days, whatever the scheme's
    occupancy rule says for beds."""
    last = month_bounds(period)[1]
    days = sum(((part.discharged_on or last) - part.admitted_on).days + 1 for part in parts)
    return MonthShare(days, last.day, Decimal(days) / Decimal(last.day))


def split_amounts(allowance: Decimal, standard: Decimal | None, share: Decimal) -> tuple[Decimal, Decimal]:
    """(allowance paid, make-up) for the share of the month: the allowance to the fen, and
    the standard's share less it when the standard is higher, so together they are the
    standard's share to the fen."""
    paid = to_fen(allowance * share)
    if standard is None or standard <= allowance:
        return paid, Decimal("0.00")
    return paid, to_fen(standard * share) - paid


def _flag(code: str, resident: Resident, reason: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "resident": resident.name, "resident_id": resident.pk, "reason": reason, **extra}


class MonthFacts(NamedTuple):
    """What the lines of one month need, read once for all its residents."""

    rates: dict[str, Rate]
    changes: dict[int, list[Any]]  # lifecycle logs of the providers
    conflicts: MonthConflicts  # people at two providers in the month, after clerks' decisions


def month_facts(scheme: SubsidyScheme, period: datetime.date, residents: list[Resident]) -> MonthFacts:
    return MonthFacts(
        rates=rates_in_force(scheme, month_bounds(period)[1]),
        changes=lifecycle_changes({r.provider_id for r in residents}),
        conflicts=month_conflicts(period),
    )


def resident_lines(
    run: GrantRun, resident: Resident, period: datetime.date, facts: MonthFacts, *, adjusts: GrantLine | None = None
) -> list[GrantLine]:
    """The allowance line of ``resident`` for ``period`` and, when the home county's
    standard is higher, its make-up line; none when no day counts. ``adjusts``: an earlier
    month's flagged line this catches up (the lines are then adjustments)."""
    scheme, provider = run.scheme, resident.provider
    category = qualifying_category(scheme, resident.categories)
    changes = facts.changes[provider.pk]
    spans = eligible_spans(changes, period)
    person = resident.id_number_hash
    # A person with stays at two providers in the month: the days a clerk's decision left
    # this stay (stay_conflicts.month_conflicts); everyone else: the stay itself.
    days_here = facts.conflicts.days.get(person, {}).get(provider.pk)
    stays = (
        [Stay(person, first, last) for first, last in days_here]
        if days_here is not None
        else [Stay(person, resident.admitted_on, resident.discharged_on)]
    )
    parts = stays_within(stays, spans)
    share = month_share(parts, period)
    if category is None or not share.share:
        return []
    # A provider's payment holds (hazard, blacklist, fire licence) pause payment in the batch
    # (payments.payable_lines), they do not change the line (DOMAIN §7).
    holds = provider_month_holds(changes, period)
    county = resident.home_county
    allowance = facts.rates.get(rate_key(county, category)) if county else None
    standard = facts.rates.get(rate_key(county, STANDARD)) if county else None
    flags = []
    if county is None:
        flags.append(_flag("no_home_county", resident, _("No home county (户籍所在地) recorded.")))
    elif allowance is None:
        flags.append(
            _flag(
                "no_rate",
                resident,
                _("No living allowance rate of %(county)s for %(category)s.")
                % {"county": county, "category": ResidentCategory(category).label},
            )
        )
    elif standard is None:
        flags.append(
            _flag("no_standard", resident, _("No cost standard of %(county)s: no make-up.") % {"county": county})
        )
    if provider.pk in facts.conflicts.conflicts.get(person, set()):
        flags.append(
            _flag(
                "duplicate_resident",
                resident,
                _("In care at two providers on the same day."),
                providers=sorted(facts.conflicts.conflicts[person]),
            )
        )
    blocked = any(flag["code"] in DATA_PROBLEMS for flag in flags)
    monthly = allowance.amount if allowance else Decimal("0.00")
    paid, make_up = (
        (Decimal("0.00"), Decimal("0.00"))
        if blocked or allowance is None
        else split_amounts(monthly, standard.amount if standard else None, share.share)
    )
    basis = {
        "living": "allowance",
        "resident": resident.name,
        "category": category,
        "home_county": county.code if county else None,
        "rule": OccupancyRule.PRO_RATA,
        "days_in_care": share.days,
        "days_in_month": share.days_in_month,
        "eligible_days": [[start.isoformat(), end.isoformat()] for start, end in spans],
        "rate_key": rate_key(county, category) if county else None,
        "rate_id": allowance.pk if allowance else None,
        "standard": str(standard.amount) if standard else None,
        "standard_id": standard.pk if standard else None,
    }
    common = {
        "run": run,
        "scheme": scheme,
        "provider": provider,
        "period": period,
        "payer_level": PayerLevel.COUNTY,
        "payer_division": county,
        "quantity": share.share.quantize(QUANTITY),
        "holds": holds,
        "kind": GrantLine.Kind.ADJUSTMENT if adjusts else GrantLine.Kind.REGULAR,
        "adjusts": adjusts,
    }
    subject = f"resident:{resident.pk}"
    lines = [GrantLine(subject=subject, rate=monthly, amount=paid, basis=basis, flags=flags, **common)]
    if make_up and standard is not None:
        lines.append(
            GrantLine(
                subject=f"{subject}:{MAKE_UP}",
                rate=standard.amount - monthly,
                amount=make_up,
                basis={**basis, "living": MAKE_UP},
                **common,
            )
        )
    return lines


def _residents(scheme: SubsidyScheme, providers: Iterable[int], period: datetime.date) -> list[Resident]:
    """The month's stays, at ``providers``, of residents of the scheme's categories."""
    if not scheme.resident_categories:
        return []
    categories = in_any_category(scheme.resident_categories)
    return list(
        Resident.objects.filter(in_care_during(*month_bounds(period)), categories, provider_id__in=list(providers))
        .select_related("provider__division", "home_county")
        .order_by("provider_id", "pk")
    )


def catch_up_lines(run: GrantRun) -> list[GrantLine]:
    """Earlier approved months (the adjustment window) whose line was left unpaid for want
    of data (no home county, no rate, a stay at two providers) and that can be paid now:
    adjustment lines for those months. A line is caught up once: not when another run
    already has an adjustment of it."""
    scheme = run.scheme
    earliest = add_months(run.period.replace(day=1), -ADJUSTMENT_WINDOW_MONTHS)
    flagged = (
        GrantLine.objects.filter(
            scheme=scheme,
            kind=GrantLine.Kind.REGULAR,
            run__status=GrantRun.Status.APPROVED,
            period__gte=earliest,
            period__lt=run.period,
            amount=0,
            provider__division__path__startswith=run.division.path,
            subject__startswith="resident:",
        )
        .exclude(subject__endswith=f":{MAKE_UP}")
        .exclude(adjustments__in=GrantLine.objects.exclude(run=run))
        .order_by("period", "pk")
    )
    by_period: dict[datetime.date, list[GrantLine]] = defaultdict(list)
    for line in flagged:
        if any(flag.get("code") in DATA_PROBLEMS for flag in line.flags):
            by_period[line.period].append(line)
    lines: list[GrantLine] = []
    for period, originals in sorted(by_period.items()):
        residents = {
            r.pk: r
            for r in Resident.objects.filter(pk__in=[int(line.subject.split(":")[1]) for line in originals])
            .select_related("provider__division", "home_county")
            .order_by("pk")
        }
        facts = month_facts(scheme, period, list(residents.values()))
        for original in originals:
            resident = residents.get(int(original.subject.split(":")[1]))
            if resident is None:
                continue
            caught = resident_lines(run, resident, period, facts, adjusts=original)
            if caught and caught[0].amount > 0:
                lines += caught
    return lines


def living_allowance_lines(run: GrantRun) -> list[GrantLine]:
    """The lines of a draft living-allowance run: each qualifying resident of the run's
    eligible providers, paid once per month (not again when another run of the scheme
    and month has them), then the catch-up of earlier flagged months."""
    scheme, period = run.scheme, run.period
    providers: dict[int, Provider] = {p.pk: p for p in _providers_for(scheme, run.division, period)}
    taken = set(
        GrantLine.objects.filter(scheme=scheme, period=period, kind=GrantLine.Kind.REGULAR)
        .exclude(run=run)
        .values_list("subject", flat=True)
    )
    residents = [r for r in _residents(scheme, providers, period) if f"resident:{r.pk}" not in taken]
    facts = month_facts(scheme, period, residents)
    lines: list[GrantLine] = []
    for resident in residents:
        resident.provider = providers[resident.provider_id]
        lines += resident_lines(run, resident, period, facts)
    return lines + catch_up_lines(run)
