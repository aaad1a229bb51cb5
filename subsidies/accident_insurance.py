"""Caregiver accident insurance co-funding, 6:3:1 (000:1081-1083).

"按照政府、机构和护理员本人 6∶3∶1 的比例给予意外伤害投保补贴，所需资金由同级财政安排":
the premium of a caregivers' accident policy is shared government : institution :
caregiver = 6:3:1, and the government's part is paid by the "same-level" finance.

The rule, as data on the scheme (IM-ACCIDENT-631, ``subsidies/reference_data.py``):

- ``cost_shares`` splits the premium 6:3:1, exact to the fen (``allowances.cost_split``);
- ``government_payers`` says which finance pays the government's part, and in what
  proportion if more than one ([["county", 1]]: the provider's banner/county finance pays
  it all; docs/subsidies.md says why).

A policy is co-funded in the run of the month its cover starts, once: one line per
government payer level (subject ``accident:<policy>:<level>``); the bureau pays only those
lines. The institution's and the caregivers' parts are shown in the line's basis, not paid.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry.models import AccidentPolicy
from registry.periods import month_bounds

from .allowances import cost_split
from .models import GrantLine, GrantRun, PayerLevel, SchemeKind, SubsidyScheme
from .money import split_exact
from .operating_grants import _providers_for, lifecycle_changes, provider_month_holds

SUBJECT_PREFIX = "accident"
PAYING_LEVELS = {PayerLevel.REGION, PayerLevel.LEAGUE_CITY, PayerLevel.COUNTY}


def government_share_by_level(scheme: SubsidyScheme, government: Decimal) -> list[tuple[str, Decimal]]:
    """The government's part of a premium split among the finance levels that pay it
    (``scheme.government_payers``), exact to the fen. A scheme that names none, or a
    level that is not a finance level, is refused: nobody could pay such a line."""
    payers = scheme.government_payers or []
    levels = [level for level, _weight in payers]
    if not payers or any(level not in PAYING_LEVELS for level in levels):
        raise ValidationError(
            {
                "government_payers": _("%(code)s does not say which finance pays the government share.")
                % {"code": scheme.code}
            }
        )
    parts = split_exact(government, [Decimal(weight) for _level, weight in payers])
    return list(zip(levels, parts, strict=True))


def accident_shares(scheme: SubsidyScheme, premium: Decimal) -> dict[str, list[tuple[str, Decimal]]]:
    """A premium split 6:3:1 (``shares``) and the government's part split by finance level
    (``government``): e.g. 1,000.00 → government 600.00 (county 600.00), institution
    300.00, caregiver 100.00."""
    shares = cost_split(scheme_code=scheme.code, amount=premium)
    government = sum((part for level, part in shares if level == PayerLevel.GOVERNMENT), Decimal("0.00"))
    return {"shares": shares, "government": government_share_by_level(scheme, government)}


def co_funded_policy_ids(*, exclude_run: GrantRun) -> set[int]:
    """Policies already co-funded by a regular line of any accident insurance run other
    than ``exclude_run`` (the run being refreshed replaces its own lines)."""
    subjects = (
        GrantLine.objects.filter(
            kind=GrantLine.Kind.REGULAR,
            scheme__kind=SchemeKind.ACCIDENT_INSURANCE,
            subject__startswith=f"{SUBJECT_PREFIX}:",
        )
        .exclude(run=exclude_run)
        .values_list("subject", flat=True)
    )
    return {int(subject.split(":")[1]) for subject in subjects}


def accident_insurance_lines(run: GrantRun) -> list[GrantLine]:
    """Every accident policy whose cover starts in the run's month, of a provider the
    scheme covers inside the run's division, not co-funded before: one line per finance
    level paying the government's share. A provider never filed or certified in the month
    earns nothing (the line's holds say so); payment holds (hazard, blacklist, lapsed
    licence) do not change the line: the payment batch leaves it out until they end."""
    scheme, period = run.scheme, run.period
    first, last = month_bounds(period)
    providers = {p.pk: p for p in _providers_for(scheme, run.division, period)}
    taken = co_funded_policy_ids(exclude_run=run)
    policies = (
        AccidentPolicy.objects.filter(provider_id__in=providers, starts_on__gte=first, starts_on__lte=last)
        .exclude(pk__in=taken)
        .prefetch_related("caregivers")
        .order_by("provider_id", "pk")
    )
    changes = lifecycle_changes(providers)
    lines = []
    for policy in policies:
        provider = providers[policy.provider_id]
        split = accident_shares(scheme, policy.premium_yuan)
        holds = provider_month_holds(changes[provider.pk], period)
        basis = {
            "policy": policy.number,
            "insurer": policy.insurer,
            "cover": [policy.starts_on.isoformat(), policy.ends_on.isoformat()],
            "premium": str(policy.premium_yuan),
            "cost_shares": scheme.cost_shares,
            "shares": [[level, str(part)] for level, part in split["shares"]],
            "government_payers": [[level, str(part)] for level, part in split["government"]],
            "caregivers_covered": len(policy.caregivers.all()),
        }
        for level, amount in split["government"]:
            lines.append(
                GrantLine(
                    run=run,
                    scheme=scheme,
                    provider=provider,
                    period=period,
                    subject=f"{SUBJECT_PREFIX}:{policy.pk}:{level}",
                    payer_level=level,
                    quantity=Decimal(1),
                    rate=amount,
                    amount=amount,
                    holds=holds,
                    basis=basis,
                )
            )
    return lines
