"""What a provider must renew or send in time: licences (fire, food, liability insurance,
medical filing) and the annual financial report.

- A licence is due for renewal when it is the provider's latest of its kind and expires
  within ``LICENCE_WARNING_DAYS`` (a setting) or has already expired. A renewed licence is
  not due: its successor is the latest.
- The annual financial report of year Y is due by ``ANNUAL_REPORT_DUE`` (31 March) of Y+1,
  from government-run and non-profit elderly-care providers (000:533-540; childcare
  providers are not asked, DOMAIN §7) that were operating (filed or certified) in year Y.
  It is overdue after that day until it is submitted.

Both are querysets, so the workbench counts them in one query and the lists filter by them.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from .models import AnnualReport, LegalForm, Licence, OperationMode, Provider, ProviderKind, ProviderStatus

IN_OPERATION = (ProviderStatus.FILED, ProviderStatus.CERTIFIED)


def licences_due_for_renewal(day: datetime.date) -> QuerySet[Licence]:
    """Each provider's latest licence of a kind that expires within the warning days or has expired."""
    newer = Licence.objects.filter(provider=OuterRef("provider"), kind=OuterRef("kind")).filter(
        Q(issued_on__gt=OuterRef("issued_on")) | Q(issued_on=OuterRef("issued_on"), pk__gt=OuterRef("pk"))
    )
    return Licence.objects.filter(
        expires_on__lte=day + datetime.timedelta(days=settings.LICENCE_WARNING_DAYS),
        provider__status__in=IN_OPERATION,
    ).exclude(Exists(newer))


def report_year_due(day: datetime.date) -> int:
    """The latest financial year whose annual report is past its due date on ``day``."""
    month, due_day = settings.ANNUAL_REPORT_DUE
    return day.year - 1 if day > datetime.date(day.year, month, due_day) else day.year - 2


def owes_annual_report() -> Q:
    """Providers asked for an annual financial report: government-run or non-profit elderly care."""
    return Q(kind__in=ProviderKind.elderly()) & (
        Q(legal_form=LegalForm.NON_PROFIT) | Q(operation_mode=OperationMode.PUBLIC)
    )


def asked_for_annual_report(provider: Provider) -> bool:
    """``owes_annual_report`` for one provider: government-run or non-profit elderly care
    (000:533-540; childcare providers are not asked, DOMAIN §7)."""
    return provider.kind in ProviderKind.elderly() and (
        provider.legal_form == LegalForm.NON_PROFIT or provider.operation_mode == OperationMode.PUBLIC
    )


def annual_report_deadline(year: int) -> datetime.date:
    """The day the report of financial year ``year`` is due: ``ANNUAL_REPORT_DUE`` of the next year."""
    month, due_day = settings.ANNUAL_REPORT_DUE
    return datetime.date(year + 1, month, due_day)


def annual_reports_owed(provider: Provider, day: datetime.date) -> list[int]:
    """The financial years whose report ``provider`` owes on ``day``, oldest first: the one
    overdue (``report_year_due``) and the year just ended, due by its deadline; a year the
    provider was not yet operating in, or whose report was submitted, is not owed."""
    if not asked_for_annual_report(provider):
        return []
    operating_since = provider.filed_on or provider.certified_on
    years = sorted({report_year_due(day), day.year - 1})
    submitted = set(
        provider.annual_reports.filter(year__in=years, submitted_on__isnull=False).values_list("year", flat=True)
    )
    return [
        year for year in years if year not in submitted and (operating_since is None or operating_since.year <= year)
    ]


def providers_with_report_overdue(day: datetime.date) -> QuerySet[Provider]:
    """Providers in operation whose annual report of ``report_year_due(day)`` is not submitted."""
    year = report_year_due(day)
    submitted = AnnualReport.objects.filter(provider=OuterRef("pk"), year=year, submitted_on__isnull=False)
    return (
        Provider.objects.filter(owes_annual_report(), status__in=IN_OPERATION)
        .annotate(operating_since=Coalesce("filed_on", "certified_on"))
        .filter(Q(operating_since__isnull=True) | Q(operating_since__year__lte=year))
        .exclude(Exists(submitted))
    )
