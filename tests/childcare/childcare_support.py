"""Factories of the childcare tests: an infant-care provider (a nursery in Kundulun, the
clerk's district), its classes, children and staff, with valid identifiers whose birth
dates agree with the children's."""

from __future__ import annotations

import datetime

import factory
from factories import ProviderFactory

from childcare.models import Child, ChildcareClass, ChildcareWorker, ClassType, StaffRole
from registry.models import CareMode, ProviderKind
from safeguards.identifiers import make_id_number


class NurseryFactory(ProviderFactory):
    kind = ProviderKind.NURSERY
    name = factory.Sequence(lambda n: f"阳光托育园{n}")
    beds = 0
    nursing_beds = 0
    childcare_places = 60


class ClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChildcareClass

    provider = factory.SubFactory(NurseryFactory)
    name = factory.Sequence(lambda n: f"托小班{n}")
    class_type = ClassType.TODDLER_SMALL


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    provider = factory.SubFactory(NurseryFactory)
    name = factory.Sequence(lambda n: f"王小宝{n}")
    birth_date = datetime.date(2024, 6, 15)
    id_number = factory.LazyAttributeSequence(lambda child, n: make_id_number("150203", child.birth_date, n))
    mode = CareMode.FULL_DAY
    enrolled_on = datetime.date(2025, 9, 1)
    guardian_name = "王伟"
    phone = factory.Sequence(lambda n: f"137{n:08d}")


class WorkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChildcareWorker

    provider = factory.SubFactory(NurseryFactory)
    name = factory.Sequence(lambda n: f"刘保育{n}")
    id_number = factory.Sequence(lambda n: make_id_number("150202", datetime.date(1990, 5, 1), n))
    role = StaffRole.NURSERY_CARER
    employed_from = datetime.date(2020, 1, 1)
