"""The annual financial report through the portal (000:533-540, issue 18): only the providers
asked for one see it, their page reminds them while it is due and once overdue; the
figures and the signed PDF, accepted, are published and the public page shows them."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from factories import ProviderFactory
from portal_support import (
    accept,
    form_errors,
    latest,
    pdf,
    png,
    portal_client,
    provider_user,
    return_to_provider,
    text_of,
)

from portal.kinds.annual_report import annual_report_reminders
from portal.models import Submission
from portal.submissions import submission_save
from registry.models import AnnualReport, LegalForm, OperationMode, ProviderKind, ProviderStatus, User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]

FIGURES = {
    "total_income": "1250000.00",
    "total_expenditure": "1180000.50",
    "total_assets": "3400000.00",
    "subsidies_received": "360000.00",
    "subsidies_used": "355000.00",
}


@pytest.fixture(autouse=True)
def _english() -> None:
    translation.activate("en")


@pytest.fixture
def home() -> Any:
    """A non-profit home filed years ago: asked for a report every year."""
    return ProviderFactory(
        name="测试颐养院",
        status=ProviderStatus.CERTIFIED,
        legal_form=LegalForm.NON_PROFIT,
        filed_on=datetime.date(2020, 5, 1),
    )


def last_year() -> int:
    return timezone.localdate().year - 1


def send_report(portal: Client, provider: Any, year: int, *files: Any, button: str = "submit") -> Any:
    data: dict[str, Any] = {"year": str(year), **FIGURES, button: "1"}
    if files:
        data["files"] = list(files)
    return portal.post(reverse("portal:submission_new", args=[provider.pk, "annual_report"]), data)


def reports_shown(provider: Any) -> str:
    page = Client().get(f"/en/providers/{provider.uscc}/").content.decode()
    return text_of(page.split('id="reports"', 1)[1].split("</section>", 1)[0])


def test_the_report_is_sent_with_its_pdf_accepted_and_its_figures_published(
    home: Any, clerk: User, client_for: Callable[[User], Client]
) -> None:
    year = last_year()
    portal = portal_client(provider_user(home))
    response = send_report(portal, home, year, pdf())
    assert response.status_code == 302, form_errors(response)
    submission = latest(home, "annual_report")
    assert submission.status == Submission.Status.SUBMITTED and submission.uploads.count() == 1
    assert "No annual report on record." in reports_shown(home)

    staff = client_for(clerk)
    accept(staff, submission)
    report = AnnualReport.objects.get(provider=home, year=year)
    assert report.published_on == timezone.localdate() and report.submitted_on == timezone.localdate()
    assert (report.total_income, report.total_assets, report.subsidies_used) == (
        Decimal("1250000.00"),
        Decimal("3400000.00"),
        Decimal("355000.00"),
    )
    assert report.document.read().startswith(b"%PDF-")
    shown = reports_shown(home)
    assert f"{year}: published {timezone.localdate():%Y-%m-%d}" in shown
    for label, value in [
        ("Total income (yuan)", "1,250,000.00"),
        ("Total expenditure (yuan)", "1,180,000.50"),
        ("Total assets (yuan)", "3,400,000.00"),
        ("Government subsidies received (yuan)", "360,000.00"),
        ("Government subsidies used (yuan)", "355,000.00"),
    ]:
        assert f"{label} {value}" in shown
    assert "overdue" not in shown
    # Published once: the same year again is refused.
    again = send_report(portal, home, year, pdf())
    assert "was published on" in form_errors(again)


def test_the_signed_pdf_is_required_and_nothing_else_will_do(home: Any) -> None:
    portal = portal_client(provider_user(home))
    without = send_report(portal, home, last_year())
    assert "Attach the signed report as a PDF." in form_errors(without)
    photo = send_report(portal, home, last_year(), png())
    assert "not accepted here" in form_errors(photo)
    assert not Submission.objects.exists()


def test_returned_with_a_reason_then_sent_again_with_the_same_pdf(
    home: Any, clerk: User, client_for: Callable[[User], Client]
) -> None:
    portal = portal_client(provider_user(home))
    send_report(portal, home, last_year(), pdf())
    submission = latest(home, "annual_report")
    staff = client_for(clerk)
    return_to_provider(staff, submission, "资产总额与报表不符")
    assert "资产总额与报表不符" in text_of(portal.get(reverse("portal:provider", args=[home.pk])).content.decode())
    edit = portal.get(reverse("portal:submission_edit", args=[home.pk, submission.pk]))
    document = edit.context["form"].initial["document"]
    corrected = {"year": str(last_year()), **FIGURES, "total_assets": "3500000.00", "document": document, "submit": "1"}
    portal.post(reverse("portal:submission_edit", args=[home.pk, submission.pk]), corrected)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    accept(staff, submission)
    assert AnnualReport.objects.get(provider=home).total_assets == Decimal("3500000.00")


def test_only_providers_asked_for_a_report_see_it() -> None:
    for_profit = ProviderFactory(status=ProviderStatus.CERTIFIED, legal_form=LegalForm.FOR_PROFIT)
    public = ProviderFactory(
        status=ProviderStatus.CERTIFIED, legal_form=LegalForm.FOR_PROFIT, operation_mode=OperationMode.PUBLIC
    )
    nursery = ProviderFactory(
        kind=ProviderKind.NURSERY, status=ProviderStatus.CERTIFIED, legal_form=LegalForm.NON_PROFIT
    )
    for provider, asked in [(for_profit, False), (public, True), (nursery, False)]:
        portal = portal_client(provider_user(provider, f"user{provider.pk}"))
        page = portal.get(reverse("portal:submission_new", args=[provider.pk, "annual_report"]))
        assert page.status_code == (200 if asked else 404), provider.name
        home = text_of(portal.get(reverse("portal:provider", args=[provider.pk])).content.decode())
        assert ("Annual financial report" in home) is asked


def test_the_portal_reminds_while_due_and_once_overdue_until_sent(home: Any) -> None:
    year = last_year()
    february = datetime.date(year + 1, 2, 10)
    due = annual_report_reminders(home, february)
    assert [(r.text, r.due_on, r.overdue) for r in due] == [
        (f"The financial report for {year - 1} is overdue.", datetime.date(year, 3, 31), True),
        (f"The financial report for {year} is due.", datetime.date(year + 1, 3, 31), False),
    ]
    AnnualReport.objects.create(provider=home, year=year - 1, submitted_on=datetime.date(year, 3, 1))
    april = datetime.date(year + 1, 4, 2)
    assert [(r.text, r.overdue) for r in annual_report_reminders(home, april)] == [
        (f"The financial report for {year} is overdue.", True)
    ]
    page = text_of(portal_client(provider_user(home)).get(reverse("portal:provider", args=[home.pk])).content.decode())
    today = timezone.localdate()
    expected = "is overdue" if today > datetime.date(today.year, 3, 31) else "is due"
    assert f"The financial report for {year} {expected}." in page
    # Sent and waiting for the district office: no reminder.
    user = home.portal_access.get().user
    draft = submission_save(
        provider=home, kind="annual_report", data={"year": year, **FIGURES, "document": ""}, user=user
    )
    Submission.objects.filter(pk=draft.pk).update(status=Submission.Status.SUBMITTED, submitted_at=timezone.now())
    assert annual_report_reminders(home, april) == []
