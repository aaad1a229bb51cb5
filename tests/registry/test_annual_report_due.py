"""Non-profit and government-run providers publish a yearly financial report by 31 March."""

from __future__ import annotations

import datetime

import pytest
from factories import AnnualReportFactory, ProviderFactory

from registry.models import LegalForm, OperationMode, ProviderKind
from registry.public import annual_report_overdue
from registry.renewals import providers_with_report_overdue

pytestmark = pytest.mark.django_db
D = datetime.date


def non_profit():
    return ProviderFactory(legal_form=LegalForm.NON_PROFIT, operation_mode=OperationMode.PRIVATE)


def test_last_years_report_is_overdue_after_31_march(divisions):
    provider = non_profit()

    assert annual_report_overdue(provider, D(2026, 3, 31)) == 2024  # 2025's is not due yet
    assert annual_report_overdue(provider, D(2026, 4, 1)) == 2025


def test_a_submitted_report_is_not_overdue(divisions):
    provider = non_profit()
    AnnualReportFactory(provider=provider, year=2025, submitted_on=D(2026, 3, 20))

    assert annual_report_overdue(provider, D(2026, 11, 23)) is None


def test_private_for_profit_providers_owe_no_report(divisions):
    provider = ProviderFactory(legal_form=LegalForm.FOR_PROFIT, operation_mode=OperationMode.PRIVATE)

    assert annual_report_overdue(provider, D(2026, 11, 23)) is None


@pytest.mark.parametrize("kind", sorted(ProviderKind.childcare()))
def test_childcare_providers_owe_no_elderly_institution_report(divisions, kind):
    """000:533-540 asks it of 养老机构 (elderly institutions) only (DOMAIN §7)."""
    nursery = ProviderFactory(kind=kind, legal_form=LegalForm.NON_PROFIT, operation_mode=OperationMode.PUBLIC)

    assert annual_report_overdue(nursery, D(2026, 11, 23)) is None


def test_a_provider_filed_after_the_year_owes_no_report_for_it(divisions):
    """A service station filed in August 2026 did not operate in 2025: nothing is overdue."""
    station = ProviderFactory(
        kind=ProviderKind.SERVICE_STATION, legal_form=LegalForm.NON_PROFIT, status="filed", filed_on=D(2026, 8, 26)
    )
    older = ProviderFactory(
        legal_form=LegalForm.NON_PROFIT, status="certified", filed_on=D(2023, 2, 1), certified_on=D(2023, 4, 11)
    )

    assert annual_report_overdue(station, D(2026, 12, 5)) is None
    assert annual_report_overdue(older, D(2026, 12, 5)) == 2025
    # The workbench's count and the providers list's filter read the same rule.
    assert list(providers_with_report_overdue(D(2026, 12, 5))) == [older]
