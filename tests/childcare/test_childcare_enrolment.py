"""Children enrolled at a provider on a day — what the public register's vacancies of a
childcare provider are computed from: the count beside each provider of a page, per
service mode, per age band on that day, and which providers' children changed since."""

from __future__ import annotations

import datetime

import pytest
from childcare_support import ChildFactory, NurseryFactory

from childcare.children import record_leaving
from childcare.enrolment import (
    enrolled_by_band,
    enrolled_by_mode,
    enrolled_count,
    providers_with_child_changes,
)
from registry.models import CareMode, Provider

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = D(2026, 3, 2)


def test_each_provider_of_a_page_gets_its_children_enrolled_that_day_in_one_query(nursery, django_assert_num_queries):
    other = NurseryFactory()
    empty = NurseryFactory()
    ChildFactory.create_batch(3, provider=nursery, enrolled_on=D(2025, 9, 1))
    ChildFactory(provider=nursery, enrolled_on=D(2025, 9, 1), left_on=DAY)  # leaves that day: still enrolled
    ChildFactory(provider=nursery, enrolled_on=D(2025, 9, 1), left_on=DAY - datetime.timedelta(days=1))
    ChildFactory(provider=nursery, enrolled_on=DAY + datetime.timedelta(days=1))
    ChildFactory(provider=other, enrolled_on=D(2025, 9, 1))

    with django_assert_num_queries(1):
        counts = dict(
            Provider.objects.filter(pk__in=[nursery.pk, other.pk, empty.pk])
            .annotate(enrolled=enrolled_count(DAY))
            .values_list("pk", "enrolled")
        )

    assert counts == {nursery.pk: 4, other.pk: 1, empty.pk: 0}


def test_children_enrolled_per_service_mode_every_mode_named(nursery):
    ChildFactory.create_batch(2, provider=nursery, mode=CareMode.FULL_DAY)
    ChildFactory(provider=nursery, mode=CareMode.HOURLY)
    ChildFactory(provider=nursery, mode=CareMode.HOURLY, left_on=D(2026, 1, 31))
    ChildFactory(provider=NurseryFactory(), mode=CareMode.HALF_DAY)

    assert enrolled_by_mode(nursery, DAY) == {"full_day": 2, "half_day": 0, "hourly": 1, "temporary": 0}


def test_children_enrolled_per_age_band_on_the_day_the_three_year_olds_apart(nursery, django_assert_num_queries):
    ChildFactory(provider=nursery, birth_date=D(2025, 3, 3), enrolled_on=D(2025, 9, 1))  # 11 months
    ChildFactory(provider=nursery, birth_date=D(2025, 3, 2), enrolled_on=D(2025, 9, 1))  # 12 months today
    ChildFactory(provider=nursery, birth_date=D(2024, 3, 3), enrolled_on=D(2025, 9, 1))  # 23 months
    ChildFactory(provider=nursery, birth_date=D(2024, 3, 2), enrolled_on=D(2025, 9, 1))  # 24 months
    ChildFactory(provider=nursery, birth_date=D(2023, 3, 3), enrolled_on=D(2025, 9, 1))  # 35 months
    ChildFactory(provider=nursery, birth_date=D(2023, 3, 2), enrolled_on=D(2025, 9, 1))  # 3 today
    ChildFactory(provider=nursery, birth_date=D(2023, 3, 1), enrolled_on=D(2025, 9, 1), left_on=D(2026, 2, 28))

    with django_assert_num_queries(1):
        bands = enrolled_by_band(nursery, DAY)

    assert bands == {"under_1": 1, "1_2": 2, "2_3": 2, "over_3": 1}
    # The same children a month earlier: a child moves up a band on the day of the birthday.
    assert enrolled_by_band(nursery, D(2026, 2, 1)) == {"under_1": 2, "1_2": 2, "2_3": 3, "over_3": 0}


def test_providers_whose_children_changed_since_a_moment(nursery, clerk):
    quiet = NurseryFactory()
    ChildFactory(provider=quiet)
    child = ChildFactory(provider=nursery)
    since = datetime.datetime.now(tz=datetime.UTC)

    assert not providers_with_child_changes(since).exists()

    record_leaving(child=child, left_on=DAY, actor=clerk)

    assert list(providers_with_child_changes(since).values_list("provider_id", flat=True)) == [nursery.pk]
    assert set(Provider.objects.filter(pk__in=providers_with_child_changes(since))) == {nursery}
