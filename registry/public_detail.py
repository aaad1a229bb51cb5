"""What the public provider page shows of a provider's records besides its own columns
(issue 19): its grade history, its published credit information (双公示, blacklist,
commendations) and its annual reports, each read in one query."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from .disclosure import public_credit_entries
from .grades import public_grades
from .models import AnnualReport, Provider

REPORT_YEARS_SHOWN = 3  # the figures of the last three published years


def report_table(reports: list[AnnualReport]) -> tuple[list[AnnualReport], list[AnnualReport]]:
    """From a provider's reports, newest first: (the last ``REPORT_YEARS_SHOWN`` published
    ones, whose figures are shown; the last ``REPORT_YEARS_SHOWN`` years whatever their
    status, whose status is shown). A report is published once civil affairs has published
    it (``published_on``, set by ``registry.annual_reports.annual_report_publish`` when the
    district clerk accepts the provider's report in the portal); its figures are public
    only then."""
    published = [r for r in reports if r.published_on is not None][:REPORT_YEARS_SHOWN]
    return published, reports[:REPORT_YEARS_SHOWN]


def public_detail_context(provider: Provider, day: datetime.date | None = None) -> dict[str, Any]:
    """The grade, credit and report sections of the page (four queries whatever the
    provider's history: grades, licences and penalties, credit records, reports)."""
    day = day or timezone.localdate()
    grades = public_grades(provider, day)
    current = next((g for g in grades if g["in_force"]), None)
    published, latest = report_table(list(provider.annual_reports.order_by("-year")))
    return {
        "current_grade": current,
        "past_grades": [g for g in grades if g is not current],
        "credit_entries": public_credit_entries(provider, day),
        "published_reports": published,
        "reports": latest,
    }
