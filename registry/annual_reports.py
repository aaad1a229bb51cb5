"""Publishing a provider's annual financial report (000:533-540).

Government-run and non-profit elderly-care institutions send, by the end of March, their
income and expenditure of the year before; civil affairs publishes them. The report here
holds those figures, the year's total assets and the government subsidies received and
used (issue 18), and the signed document. ``annual_report_publish`` records it submitted
and published at once: the provider portal's report, accepted by the district clerk, is
what civil affairs publishes; the public provider page then shows its figures
(``registry.views.provider_detail``).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from safeguards.audit import audit_record

from .models import AnnualReport, Provider, User
from .renewals import asked_for_annual_report

FIGURES = ("total_income", "total_expenditure", "total_assets", "subsidies_received", "subsidies_used")


def annual_report_year_errors(*, provider: Provider, year: int, day: datetime.date) -> dict[str, str]:
    """Why ``provider`` could not publish a report of ``year`` on ``day`` (empty: it can):
    it is not asked for one, the year has not ended, or the year's report is published."""
    if not asked_for_annual_report(provider):
        return {"year": _("Only government-run and non-profit elderly-care institutions report their finances.")}
    if year >= day.year:
        return {"year": _("A financial year is reported once it has ended.")}
    published = provider.annual_reports.filter(year=year, published_on__isnull=False).first()
    if published is not None:
        return {
            "year": _("The report for %(year)d was published on %(day)s: the district office corrects it.")
            % {"year": year, "day": published.published_on.isoformat() if published.published_on else ""}
        }
    return {}


@transaction.atomic
def annual_report_publish(
    *,
    provider: Provider,
    year: int,
    figures: dict[str, Decimal],
    document: bytes,
    submitted_on: datetime.date,
    published_on: datetime.date,
    actor: User | None,
    source: str = "",
) -> AnnualReport:
    """Record the report of ``year`` with its ``figures`` (every one of ``FIGURES``,
    non-negative) and the signed ``document`` (a PDF's bytes), submitted and published
    on the days given; a row the back office made for the year (unpublished) is completed.
    Refused by ``annual_report_year_errors``. One ``annual_report.publish`` audit entry."""
    Provider.objects.select_for_update().filter(pk=provider.pk).first()  # one report of a year at a time
    errors = annual_report_year_errors(provider=provider, year=year, day=published_on)
    missing = [name for name in FIGURES if figures.get(name) is None]
    if missing:
        errors.update(dict.fromkeys(missing, _("This figure is required.")))
    if errors:
        raise ValidationError(errors)
    if not document:
        raise ValidationError(_("The signed report is missing."))
    report = AnnualReport.objects.filter(provider=provider, year=year).first() or AnnualReport(
        provider=provider, year=year
    )
    for name in FIGURES:
        setattr(report, name, figures[name])
    report.submitted_on, report.published_on = submitted_on, published_on
    report.full_clean(exclude=["document"])
    report.document.save(f"{provider.uscc}-{year}.pdf", ContentFile(document), save=False)
    report.save()
    audit_record(
        "annual_report.publish",
        actor=actor,
        obj=report,
        after={"year": year, **{name: str(figures[name]) for name in FIGURES}, "published_on": published_on},
        detail=source,
    )
    return report
