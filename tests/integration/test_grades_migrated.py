"""Grade history starts from what exists (issue 19): migrating gives every provider graded
before the upgrade one grade record, from its certification date (else the day it was
created), noted "migrated"; an unrated provider gets none, and the grade in force today is
the grade it had."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from factories import ProviderFactory

from registry.grades import grade_on
from registry.models import ProviderGrade

BEFORE = [("registry", "0037_grade_history_credit_disclosure")]


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_graded_provider_gets_its_grade_as_a_record(divisions):
    certified = ProviderFactory(grade=0, certified_on=datetime.date(2021, 4, 1))
    uncertified = ProviderFactory(grade=0)
    unrated = ProviderFactory(grade=0)
    try:
        migrate(BEFORE)
        with connection.cursor() as cursor:  # graded by the old code: the column only
            cursor.execute("UPDATE registry_provider SET grade = 4 WHERE id = %s", [certified.pk])
            cursor.execute("UPDATE registry_provider SET grade = 2 WHERE id = %s", [uncertified.pk])

        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

        first = ProviderGrade.objects.get(provider=certified)
        assert (first.grade, first.valid_from, first.assessed_on, first.valid_until, first.notes) == (
            4,
            datetime.date(2021, 4, 1),
            datetime.date(2021, 4, 1),
            None,
            "migrated",
        )
        assert ProviderGrade.objects.get(provider=uncertified).valid_from == uncertified.created_at.date()
        assert not ProviderGrade.objects.filter(provider=unrated).exists()
        today = datetime.date.today()
        assert grade_on([certified.pk, uncertified.pk, unrated.pk], today) == {
            certified.pk: 4,
            uncertified.pk: 2,
            unrated.pk: 0,
        }
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
