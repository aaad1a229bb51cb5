"""The registry's write services behind the portal's census, fees and annual report
(issue 18), called directly: what each refuses, what it changes, the audit entry."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from factories import AnnualReportFactory, FeeItemFactory, ProviderFactory, ResidentFactory

from registry.annual_reports import FIGURES, annual_report_publish
from registry.fees import fee_item_publish
from registry.models import AnnualReport, FeeItem, LegalForm, OperationMode, Resident, User
from registry.residents import resident_admit, resident_discharge, shares_days_elsewhere
from safeguards.identifiers import make_id_number, mask_id_number
from safeguards.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]

PERSON = make_id_number("150203", datetime.date(1942, 7, 8), 17)
TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


def admit(provider: Any, actor: User, day: datetime.date = datetime.date(2026, 6, 1)) -> Resident:
    return resident_admit(
        provider=provider,
        name="周玉兰",
        id_number=PERSON,
        admitted_on=day,
        care_level="disabled",
        categories=["dibao"],
        actor=actor,
        source="test",
    )


def test_an_admission_is_recorded_with_its_audit_entry_and_refused_twice(clerk: User) -> None:
    home = ProviderFactory()
    resident = admit(home, clerk)
    assert (resident.name, resident.id_number, resident.discharged_on) == ("周玉兰", PERSON, None)
    entry = AuditEntry.objects.get(action="resident.admit")
    assert entry.after["id_number"] == mask_id_number(PERSON) and PERSON not in str(entry.after)
    with pytest.raises(ValidationError) as again:
        admit(home, clerk)
    assert "2026-06-01" in str(again.value.message_dict["id_number"])
    with pytest.raises(ValidationError) as future:
        resident_admit(
            provider=ProviderFactory(),
            name="周玉兰",
            id_number=PERSON,
            admitted_on=TODAY + datetime.timedelta(days=1),
            care_level="disabled",
            actor=clerk,
        )
    assert "admitted_on" in future.value.message_dict


def test_a_stay_sharing_days_elsewhere_is_recorded_and_said_so(clerk: User) -> None:
    elsewhere = ResidentFactory(id_number=PERSON, admitted_on=datetime.date(2026, 1, 1))
    assert not shares_days_elsewhere(elsewhere)
    here = admit(ProviderFactory(), clerk)
    assert shares_days_elsewhere(here) and shares_days_elsewhere(elsewhere)
    resident_discharge(resident=elsewhere, discharged_on=datetime.date(2026, 5, 31), actor=clerk)
    elsewhere.refresh_from_db()
    assert not shares_days_elsewhere(here)  # a transfer: A until the 31st, B from the 1st


def test_a_discharge_is_refused_before_the_admission_in_the_future_and_twice(clerk: User) -> None:
    resident = ResidentFactory(admitted_on=datetime.date(2026, 3, 1))
    for day in (datetime.date(2026, 2, 28), TODAY + datetime.timedelta(days=1)):
        with pytest.raises(ValidationError):
            resident_discharge(resident=resident, discharged_on=day, actor=clerk)
    resident_discharge(resident=resident, discharged_on=TODAY, actor=clerk, note="转至青山区康乐养老院")
    with pytest.raises(ValidationError):
        resident_discharge(resident=resident, discharged_on=TODAY, actor=clerk)
    resident.refresh_from_db()
    assert resident.discharged_on == TODAY
    assert AuditEntry.objects.get(action="resident.discharge").after["note"] == "转至青山区康乐养老院"


def test_a_new_price_ends_the_previous_one_the_day_before(clerk: User) -> None:
    home = ProviderFactory()
    old = FeeItemFactory(
        provider=home, name="床位费", amount=Decimal("800.00"), effective_from=datetime.date(2025, 1, 1)
    )
    other = FeeItemFactory(
        provider=home, name="护理费", kind=FeeItem.Kind.NURSING, effective_from=datetime.date(2025, 1, 1)
    )
    new = fee_item_publish(
        provider=home,
        kind=FeeItem.Kind.BED,
        name="床位费",
        amount=Decimal("880.00"),
        unit=FeeItem.Unit.MONTH,
        effective_from=datetime.date(2026, 7, 1),
        actor=clerk,
    )
    old.refresh_from_db()
    other.refresh_from_db()
    assert old.effective_to == datetime.date(2026, 6, 30) and other.effective_to is None
    assert (new.amount, new.effective_from, new.effective_to) == (Decimal("880.00"), datetime.date(2026, 7, 1), None)
    with pytest.raises(ValidationError) as earlier:
        fee_item_publish(
            provider=home,
            kind=FeeItem.Kind.BED,
            name="床位费",
            amount=Decimal("850.00"),
            unit=FeeItem.Unit.MONTH,
            effective_from=datetime.date(2026, 7, 1),
            actor=clerk,
        )
    assert "effective_from" in earlier.value.message_dict
    assert FeeItem.objects.filter(provider=home, name="床位费").count() == 2
    assert AuditEntry.objects.filter(action="fee_item.publish").count() == 1


def figures() -> dict[str, Decimal]:
    return dict.fromkeys(FIGURES, Decimal("1000.00"))


def test_a_report_is_published_only_by_providers_asked_for_it_for_a_year_ended(clerk: User) -> None:
    home = ProviderFactory(legal_form=LegalForm.NON_PROFIT)
    AnnualReportFactory(provider=home, year=2025, submitted_on=None, total_income=None)  # a row the back office began
    report = annual_report_publish(
        provider=home,
        year=2025,
        figures=figures(),
        document=b"%PDF-1.4 signed",
        submitted_on=datetime.date(2026, 3, 20),
        published_on=TODAY,
        actor=clerk,
    )
    assert AnnualReport.objects.filter(provider=home).count() == 1
    assert (report.submitted_on, report.published_on, report.total_assets) == (
        datetime.date(2026, 3, 20),
        TODAY,
        Decimal("1000.00"),
    )
    assert report.document.read() == b"%PDF-1.4 signed"
    refusals = [
        (home, 2025),  # published already
        (home, 2026),  # not ended
        (ProviderFactory(legal_form=LegalForm.FOR_PROFIT, operation_mode=OperationMode.PRIVATE), 2025),  # not asked
    ]
    for provider, year in refusals:
        with pytest.raises(ValidationError) as refused:
            annual_report_publish(
                provider=provider,
                year=year,
                figures=figures(),
                document=b"%PDF-1.4",
                submitted_on=TODAY,
                published_on=TODAY,
                actor=clerk,
            )
        assert "year" in refused.value.message_dict
    assert AuditEntry.objects.filter(action="annual_report.publish").count() == 1
