"""Caregiver special-post allowances (000:1075-1081; 004:82) and insurance co-funding
splits (5:3:2 premiums, 6:3:1 accident insurance)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry.models import Caregiver, CertificateLevel, Licence, ProviderStatusChange
from registry.periods import month_bounds, years_later

from .models import GrantLine, GrantRun, PayerLevel, SchemeKind, SubsidyScheme
from .money import split_exact, to_fen
from .operating_grants import _providers_for, eligible_spans, lifecycle_changes, provider_month_holds
from .rates import rates_in_force, scheme_by_code

GOVERNMENT_LEVELS = {PayerLevel.GOVERNMENT, PayerLevel.REGION, PayerLevel.LEAGUE_CITY, PayerLevel.COUNTY}


def has_nursing_years(caregiver: Caregiver, years: int, period: datetime.date) -> bool:
    """At least ``years`` of nursing work, inclusive, counted to the last day of the month paid."""
    if caregiver.nursing_since is None:
        return False
    return years_later(caregiver.nursing_since, years) <= month_bounds(period)[1]


def employed_at_month_end(caregiver: Caregiver, period: datetime.date) -> bool:
    last = month_bounds(period)[1]
    return caregiver.employed_from <= last and (caregiver.employed_to is None or caregiver.employed_to >= last)


def not_eligible_on(day: datetime.date, changes: list[ProviderStatusChange], period: datetime.date) -> bool:
    """Whether the provider was not filed or certified on ``day`` of the month."""
    return not any(start <= day <= end for start, end in eligible_spans(changes, period))


def allowance_lines(run: GrantRun) -> list[GrantLine]:
    """One line per qualifying caregiver: certificate, ≥ N years of nursing, still employed."""
    scheme, period = run.scheme, run.period
    providers = {p.pk: p for p in _providers_for(scheme, run.division, period)}
    rates = rates_in_force(scheme, month_bounds(period)[1])
    caregivers = (
        Caregiver.objects.filter(provider_id__in=providers)
        .exclude(certificate_level=CertificateLevel.NONE)
        .order_by("provider_id", "pk")
    )
    changes = lifecycle_changes(providers)
    taken = set(
        GrantLine.objects.filter(scheme=scheme, period=period, kind=GrantLine.Kind.REGULAR)
        .exclude(run=run)
        .values_list("subject", flat=True)
    )
    lines = []
    for caregiver in caregivers:
        subject = f"caregiver:{caregiver.pk}"
        rate = rates.get(caregiver.certificate_level)
        if (
            subject in taken
            or rate is None
            or not employed_at_month_end(caregiver, period)
            or not has_nursing_years(caregiver, scheme.min_nursing_years or 0, period)
        ):
            continue
        provider = providers[caregiver.provider_id]
        line_holds = provider_month_holds(changes[provider.pk], period)
        if not_eligible_on(month_bounds(period)[1], changes[provider.pk], period) and not any(
            hold["code"] == "not_filed" for hold in line_holds
        ):
            # Counted on the month's last day, like employment and nursing years (DOMAIN §7).
            line_holds.append(
                {"code": "not_filed", "reason": _("Not filed or certified on the last day of the month.")}
            )
        lines.append(
            GrantLine(
                run=run,
                scheme=scheme,
                provider=provider,
                period=period,
                subject=subject,
                quantity=Decimal(1),
                rate=rate.amount,
                amount=to_fen(rate.amount),
                holds=line_holds,
                basis={
                    "caregiver": caregiver.name,
                    "certificate_level": caregiver.certificate_level,
                    "nursing_since": caregiver.nursing_since.isoformat() if caregiver.nursing_since else None,
                    "min_nursing_years": scheme.min_nursing_years,
                    "rate_key": caregiver.certificate_level,
                    "rate_id": rate.pk,
                },
            )
        )
    return lines


def cost_split(*, scheme_code: str, amount: Decimal) -> list[tuple[str, Decimal]]:
    """Split a premium by the scheme's cost shares, exact to the fen (last share takes the rounding).

    >>> # IM-INSURANCE-532 on 10,000.01 yuan → region 5,000.01, league/city 3,000.00, county 2,000.00
    """
    scheme: SubsidyScheme = scheme_by_code(scheme_code)
    if scheme.kind not in {SchemeKind.INSURANCE_COFUNDING, SchemeKind.ACCIDENT_INSURANCE} or not scheme.cost_shares:
        raise ValidationError(_("%(code)s has no cost shares.") % {"code": scheme_code})
    levels = [level for level, _weight in scheme.cost_shares]
    parts = split_exact(Decimal(amount), [Decimal(weight) for _level, weight in scheme.cost_shares])
    return list(zip(levels, parts, strict=True))


def insurance_lines(run: GrantRun) -> list[GrantLine]:
    """Liability insurance co-funding: each policy issued in the month with a premium is
    split by the scheme's cost shares, one line per government payer level (5:3:2).

    A policy co-funded under one insurance scheme is not co-funded again under another.
    """
    scheme, period = run.scheme, run.period
    first, last = month_bounds(period)
    providers = {p.pk: p for p in _providers_for(scheme, run.division, period)}
    taken = {
        subject.split(":")[1]
        for subject in GrantLine.objects.filter(
            kind=GrantLine.Kind.REGULAR, subject__startswith="policy:", scheme__kind=SchemeKind.INSURANCE_COFUNDING
        )
        .exclude(run=run)
        .values_list("subject", flat=True)
    }
    policies = Licence.objects.filter(
        provider_id__in=providers,
        kind=Licence.Kind.LIABILITY_INSURANCE,
        issued_on__gte=first,
        issued_on__lte=last,
        premium_yuan__gt=0,
    ).order_by("provider_id", "pk")
    lines = []
    for policy in policies:
        if str(policy.pk) in taken:
            continue
        provider = providers[policy.provider_id]
        shares = cost_split(scheme_code=scheme.code, amount=policy.premium_yuan or Decimal("0"))
        for level, amount in shares:
            if level not in GOVERNMENT_LEVELS:
                continue
            lines.append(
                GrantLine(
                    run=run,
                    scheme=scheme,
                    provider=provider,
                    period=period,
                    subject=f"policy:{policy.pk}:{level}",
                    payer_level=level,
                    quantity=Decimal(1),
                    rate=amount,
                    amount=amount,
                    basis={
                        "policy": policy.number,
                        "premium": str(policy.premium_yuan),
                        "shares": [[lvl, str(part)] for lvl, part in shares],
                    },
                )
            )
    return lines
