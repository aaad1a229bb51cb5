"""Rate tables: which scheme applies to a provider and which rate was in force."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from registry.models import Provider, ProviderStatus
from registry.selectors import in_force_on

from .models import GrantRun, Rate, SubsidyScheme


class RateNotFound(LookupError):
    pass


def scheme_by_code(code: str) -> SubsidyScheme:
    """The scheme with ``code``; an unknown code is a validation error naming the field."""
    scheme = SubsidyScheme.objects.select_related("jurisdiction").filter(code=code).first()
    if scheme is None:
        raise ValidationError({"scheme_code": _("Unknown subsidy scheme “%(code)s”.") % {"code": code}})
    return scheme


def rate_for(scheme: SubsidyScheme, key: str, on: datetime.date) -> Rate:
    """The rate of ``scheme`` for ``key`` in force on ``on``; the latest start wins."""
    rate = scheme.rates.filter(in_force_on(on), key=key).order_by("-effective_from").first()
    if rate is None:
        raise RateNotFound(f"{scheme.code}: no rate for {key!r} on {on.isoformat()}")
    return rate


def rates_in_force(scheme: SubsidyScheme, on: datetime.date) -> dict[str, Rate]:
    """Every key's rate in force on ``on`` (one query; for runs over many providers)."""
    rates: dict[str, Rate] = {}
    for rate in scheme.rates.filter(in_force_on(on)).order_by("key", "-effective_from"):
        rates.setdefault(rate.key, rate)
    return rates


def who_may_receive(scheme: SubsidyScheme, provider: Provider, *, rate: Rate | None = None) -> list[str]:
    """DOMAIN §7 "Who may receive what": why ``provider`` may not receive ``scheme``
    (empty: it may). The rule is the scheme's data — its provider kinds, jurisdiction,
    legal form / operation mode alternatives (each with its seed citation in
    reference_data.py) and filing — plus, for a rate keyed by facility (the fixed
    construction awards, 004:80), the kinds that rate is for. Checked when a grant or
    line is prepared and again when it is approved."""
    refusals: list[str] = []
    if scheme.provider_kinds and provider.kind not in scheme.provider_kinds:
        refusals.append(
            _("%(code)s is not paid to a %(kind)s.") % {"code": scheme.code, "kind": provider.get_kind_display()}
        )
    if not provider.division.path.startswith(scheme.jurisdiction.path):
        refusals.append(
            _("%(provider)s lies outside the jurisdiction of %(code)s.") % {"provider": provider, "code": scheme.code}
        )
    if scheme.eligibility and not any(
        all(str(getattr(provider, attribute)) in allowed for attribute, allowed in alternative.items())
        for alternative in scheme.eligibility
    ):
        refusals.append(
            _("%(code)s is not paid to a provider that is %(legal_form)s and %(mode)s (%(source)s).")
            % {
                "code": scheme.code,
                "legal_form": provider.get_legal_form_display(),
                "mode": provider.get_operation_mode_display(),
                "source": scheme.source,
            }
        )
    if rate is not None and rate.provider_kinds and provider.kind not in rate.provider_kinds:
        refusals.append(
            _("The “%(key)s” amount of %(code)s is not paid to a %(kind)s.")
            % {"key": rate.key, "code": scheme.code, "kind": provider.get_kind_display()}
        )
    # Filing required: a provider still in draft has not filed yet.
    if scheme.filing_required and provider.status == ProviderStatus.DRAFT:
        refusals.append(_("%(provider)s has not filed yet.") % {"provider": provider})
    return refusals


def matches_eligibility(scheme: SubsidyScheme, provider: Provider) -> bool:
    """``who_may_receive`` without reasons."""
    return not who_may_receive(scheme, provider)


def run_refusals(run: GrantRun) -> list[str]:
    """``who_may_receive`` again, at approval, for every provider with a line in ``run``:
    a provider whose ownership or kind changed since the run was prepared is named."""
    refusals = []
    for provider in Provider.objects.filter(pk__in=run.lines.values("provider_id")).select_related("division"):
        refusals += [f"{provider}: {reason}" for reason in who_may_receive(run.scheme, provider)]
    return refusals


def eligible_providers_q(scheme: SubsidyScheme) -> Q:
    """The same rule as ``matches_eligibility`` as a query filter (for runs)."""
    q = Q(division__path__startswith=scheme.jurisdiction.path)
    if scheme.provider_kinds:
        q &= Q(kind__in=scheme.provider_kinds)
    if scheme.eligibility:
        alternatives = Q()
        for alternative in scheme.eligibility:
            alternatives |= Q(**{f"{attribute}__in": allowed for attribute, allowed in alternative.items()})
        q &= alternatives
    return q
