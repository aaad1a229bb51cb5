"""Class sizes and staff-to-child ratios against the class standard in force: the numbers
come from the data (the national standard loaded as reference data), a class at the limit
passes and one more child fails, only carers employed that day count, and a class whose
type has no standard in force is reported, never passed."""

from __future__ import annotations

import datetime

import pytest
from childcare_support import ChildFactory, ClassFactory, WorkerFactory

from childcare import reference_data
from childcare.classes import standard_save
from childcare.models import ClassStandard, ClassType, StaffRole
from childcare.ratios import NO_STANDARD, OVER, SHORT, WITHIN, class_checks, classes_breaching, standard_in_force

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = D(2026, 3, 2)
INFANT_BIRTH = D(2025, 6, 1)  # 9 months on DAY
OLDER_BIRTH = D(2023, 9, 1)  # 30 months on DAY


def fill(group, count, birth, **fields):
    return ChildFactory.create_batch(
        count, provider=group.provider, childcare_class=group, birth_date=birth, enrolled_on=D(2025, 12, 1), **fields
    )


def carers(group, count, **fields):
    return WorkerFactory.create_batch(count, provider=group.provider, childcare_class=group, **fields)


def check_of(group, day=DAY):
    return next(c for c in class_checks(group.provider, day) if c.childcare_class.pk == group.pk)


def test_the_national_standard_is_loaded_as_data_with_its_citation(divisions):
    standards = {s.class_type: s for s in ClassStandard.objects.all()}

    assert {
        t: (s.min_age_months, s.max_age_months, s.max_children, s.children_per_carer) for t, s in standards.items()
    } == {
        ClassType.INFANT: (6, 12, 10, 3),
        ClassType.TODDLER_SMALL: (12, 24, 15, 5),
        ClassType.TODDLER_LARGE: (24, 36, 20, 7),
        ClassType.MIXED: (18, 36, 18, 5),
    }
    assert all("国卫人口发〔2019〕58号" in s.source for s in standards.values())
    assert "1:5" in standards[ClassType.MIXED].source  # the ratio the standard leaves open: our decision
    assert {s.effective_from for s in standards.values()} == {D(2019, 10, 8)}
    assert reference_data.load() == {"class standards": 0}  # loading again changes nothing
    assert ClassStandard.objects.count() == 4


def test_a_class_at_its_largest_size_passes_and_one_more_child_is_too_many(nursery):
    group = ClassFactory(provider=nursery, class_type=ClassType.INFANT)
    carers(group, 4)  # 1:3 allows 12: only the size is tested
    fill(group, 10, INFANT_BIRTH)

    at_limit = check_of(group)
    assert (at_limit.children, at_limit.carers, at_limit.verdict) == (10, 4, WITHIN)
    assert not at_limit.too_many_children
    assert not classes_breaching(DAY).exists()

    fill(group, 1, INFANT_BIRTH)

    over = check_of(group)
    assert (over.children, over.too_many_children, over.too_few_carers, over.verdict) == (11, True, False, OVER)
    assert list(classes_breaching(DAY)) == [group]


def test_a_class_at_its_ratio_passes_and_one_more_child_is_short_of_carers(nursery):
    group = ClassFactory(provider=nursery, class_type=ClassType.TODDLER_LARGE)
    carers(group, 2)  # 1:7: fourteen children
    fill(group, 14, OLDER_BIRTH)

    assert check_of(group).verdict == WITHIN

    fill(group, 1, OLDER_BIRTH)

    short = check_of(group)
    assert (short.children, short.too_few_carers, short.too_many_children, short.verdict) == (15, True, False, SHORT)
    assert list(classes_breaching(DAY)) == [group]


def test_only_carers_employed_on_the_day_in_a_carer_role_of_the_class_count(nursery):
    group = ClassFactory(provider=nursery, class_type=ClassType.TODDLER_LARGE)
    other = ClassFactory(provider=nursery, class_type=ClassType.TODDLER_LARGE)
    fill(group, 7, OLDER_BIRTH)
    carers(group, 1, employed_to=DAY)  # leaves at the end of the day: counts
    carers(group, 1, role=StaffRole.INFANT_CARER, employed_from=DAY)  # starts that day: counts
    carers(group, 1, role=StaffRole.TEACHER)
    carers(group, 1, employed_to=DAY - datetime.timedelta(days=1))  # left the day before
    carers(group, 1, employed_from=DAY + datetime.timedelta(days=1))  # not started
    carers(group, 1, role=StaffRole.DIRECTOR)
    carers(group, 1, role=StaffRole.HEALTH_CARE)
    carers(other, 2)
    WorkerFactory(provider=nursery)  # on the staff, in no class

    assert check_of(group).carers == 3


def test_children_who_left_or_are_not_yet_enrolled_are_not_counted(nursery):
    group = ClassFactory(provider=nursery, class_type=ClassType.TODDLER_LARGE)
    fill(group, 2, OLDER_BIRTH)
    fill(group, 1, OLDER_BIRTH, left_on=DAY - datetime.timedelta(days=1))
    ChildFactory(
        provider=nursery, childcare_class=group, birth_date=OLDER_BIRTH, enrolled_on=DAY + datetime.timedelta(days=1)
    )

    assert check_of(group).children == 2


def test_the_standard_is_read_from_the_data_a_bureau_may_change(nursery, superuser):
    group = ClassFactory(provider=nursery, class_type=ClassType.TODDLER_LARGE)
    carers(group, 2)
    fill(group, 9, OLDER_BIRTH)
    national = standard_in_force(ClassType.TODDLER_LARGE, DAY)
    assert check_of(group).verdict == WITHIN  # 9 ≤ 2 × 7

    # The bureau sets 1:4 from 1 January 2026: the national row ends the day before.
    national.effective_to = D(2025, 12, 31)
    standard_save(standard=national, actor=superuser)
    standard_save(
        standard=ClassStandard(
            class_type=ClassType.TODDLER_LARGE,
            min_age_months=24,
            max_age_months=36,
            max_children=20,
            children_per_carer=4,
            effective_from=D(2026, 1, 1),
            source="某盟市卫生健康委（测试）",
        ),
        actor=superuser,
    )

    assert check_of(group).verdict == SHORT  # 9 > 2 × 4
    assert check_of(group).standard.children_per_carer == 4
    assert check_of(group, D(2025, 12, 31)).verdict == WITHIN  # the national standard, that day
    assert list(classes_breaching(DAY)) == [group]
    assert not classes_breaching(D(2025, 12, 31)).exists()


def test_a_class_type_without_a_standard_in_force_is_reported_not_passed(nursery, superuser):
    group = ClassFactory(provider=nursery, class_type=ClassType.INFANT)
    empty = ClassFactory(provider=nursery, class_type=ClassType.INFANT)
    carers(group, 4)
    fill(group, 2, INFANT_BIRTH)
    standard = standard_in_force(ClassType.INFANT, DAY)
    standard.effective_to = D(2026, 2, 28)
    standard_save(standard=standard, actor=superuser)

    check = check_of(group)

    assert (check.standard, check.verdict) == (None, NO_STANDARD)
    assert not check.too_many_children and not check.too_few_carers
    assert list(classes_breaching(DAY)) == [group]  # the class without children has nothing to report
    assert check_of(empty).verdict == WITHIN


def test_children_too_young_or_too_old_for_the_class_are_named(nursery):
    group = ClassFactory(provider=nursery, class_type=ClassType.INFANT)  # 6 to 12 months
    carers(group, 2)
    (five_months,) = fill(group, 1, D(2025, 10, 1))
    fill(group, 1, D(2025, 9, 2))  # 6 months on DAY: fits
    fill(group, 1, D(2025, 3, 3))  # 11 months: fits
    (twelve_months,) = fill(group, 1, D(2025, 3, 2))  # one year old on DAY: a toddler class's

    assert set(check_of(group).children_outside_ages) == {five_months.pk, twelve_months.pk}


def test_a_mixed_class_holds_eighteen_children_and_is_staffed_one_to_five(nursery):
    group = ClassFactory(provider=nursery, class_type=ClassType.MIXED)
    carers(group, 3)
    fill(group, 15, D(2024, 6, 1))  # 21 months: inside a mixed class's 18-36

    assert check_of(group).verdict == WITHIN
    fill(group, 1, D(2024, 6, 1))
    assert check_of(group).verdict == SHORT  # 16 > 3 × 5
    assert check_of(group).children_outside_ages == ()


@pytest.mark.parametrize("classes", [1, 6])
def test_a_providers_checks_take_three_queries_whatever_its_classes(nursery, django_assert_num_queries, classes):
    for _n in range(classes):
        group = ClassFactory(provider=nursery)
        carers(group, 1)
        fill(group, 3, D(2024, 9, 1))

    with django_assert_num_queries(3):
        checks = class_checks(nursery, DAY)

    assert [c.children for c in checks] == [3] * classes
