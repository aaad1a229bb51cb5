"""factory_boy factories for registry records, with valid USCCs and ID numbers.

Providers default to Kundulun district (150203), looked up by code: use them together
with the ``divisions`` fixture, which loads the real divisions.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from registry.models import (
    AnnualReport,
    Caregiver,
    CareLevel,
    CertificateLevel,
    CreditRecord,
    Division,
    FeeItem,
    LegalForm,
    Licence,
    OperationMode,
    Provider,
    ProviderGrade,
    ProviderHold,
    ProviderKind,
    RegistrationAuthority,
    Resident,
)
from safeguards.identifiers import make_id_number, make_uscc

KUNDULUN = "150203"  # 昆都仑区, Baotou: where providers go by default
DONGHE = "150202"  # 东河区, another county of Baotou
BAOTOU = "150200"  # 包头市
HOHHOT = "150100"  # 呼和浩特市
REGION = "150000"  # 内蒙古自治区
GRADED_SINCE = datetime.date(2020, 1, 1)  # a factory provider's grade is in force from this day


def noon(day: datetime.date) -> datetime.datetime:
    """Midday of ``day`` in the project's time zone: a moment that belongs to that day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def division(code: str) -> Division:
    return Division.objects.get(code=code)


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        skip_postgeneration_save = True

    # Civil affairs (5), private non-enterprise unit (2), registered in Kundulun.
    uscc = factory.Sequence(lambda n: make_uscc(authority="5", entity_type="2", area_code="150203", serial=n + 1))
    name = factory.Sequence(lambda n: f"幸福养老院{n}")
    kind = ProviderKind.ELDERLY_INSTITUTION
    legal_form = LegalForm.NON_PROFIT
    operation_mode = OperationMode.PRIVATE
    registration_authority = RegistrationAuthority.CIVIL_AFFAIRS
    division = factory.LazyFunction(lambda: division(KUNDULUN))
    address = factory.Sequence(lambda n: f"包头市昆都仑区钢铁大街{n}号")
    beds = 100
    nursing_beds = 60

    @factory.post_generation
    def grade_history(obj: Provider, create: bool, extracted: object, **kwargs: object) -> None:
        """A provider made with a grade holds it as a record too (issue 19: the grade in
        force on a day is read from the records), valid since ``GRADED_SINCE``."""
        if create and obj.grade:
            ProviderGrade.objects.create(
                provider=obj,
                grade=obj.grade,
                assessor="包头市民政局",
                assessed_on=GRADED_SINCE,
                valid_from=GRADED_SINCE,
            )


def _birth(n: int, first_year: int) -> datetime.date:
    # A different birth date every 1,000 numbers keeps ID numbers unique.
    return datetime.date(first_year, 1, 1) + datetime.timedelta(days=n // 1000)


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"张老人{n}")
    id_number = factory.Sequence(lambda n: make_id_number("150203", _birth(n, 1940), n))
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    bed_number = factory.Sequence(lambda n: f"A{n}")
    admitted_on = datetime.date(2024, 1, 1)
    care_level = CareLevel.PARTLY_DISABLED


class CaregiverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Caregiver

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"李护理{n}")
    id_number = factory.Sequence(lambda n: make_id_number("150202", _birth(n, 1975), n))
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    certificate_level = CertificateLevel.INTERMEDIATE
    certificate_number = factory.Sequence(lambda n: f"CERT-{n:06d}")
    nursing_since = datetime.date(2015, 3, 1)
    employed_from = datetime.date(2020, 1, 1)


class LicenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Licence

    provider = factory.SubFactory(ProviderFactory)
    kind = Licence.Kind.FOOD_BUSINESS
    number = factory.Sequence(lambda n: f"JY{n:010d}")
    issuer = "包头市市场监督管理局"
    issued_on = datetime.date(2023, 1, 1)


class FeeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeItem

    provider = factory.SubFactory(ProviderFactory)
    kind = FeeItem.Kind.BED
    name = "床位费"
    amount = Decimal("800.00")
    effective_from = datetime.date(2024, 1, 1)


class AnnualReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualReport

    provider = factory.SubFactory(ProviderFactory)
    year = 2023
    submitted_on = datetime.date(2024, 3, 20)


class CreditRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditRecord

    provider = factory.SubFactory(ProviderFactory)
    kind = CreditRecord.Kind.BLACKLIST
    start_on = datetime.date(2024, 1, 1)
    source = "包头市民政局"


class ProviderHoldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderHold

    provider = factory.SubFactory(ProviderFactory)
    reason = "重大火灾隐患未整改"
    source = factory.Sequence(lambda n: f"finding:{n}")
    started_at = factory.LazyFunction(timezone.now)
