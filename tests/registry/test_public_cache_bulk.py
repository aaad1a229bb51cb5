"""Writes that send no signal still bump the public cache's data version (issue 20): the
daily grade sync (``QuerySet.update``), a roster import (``COPY`` and ``bulk_update``),
and ``COPY`` itself. A cached page shows the change on the next request."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from factories import ProviderFactory
from public_cache_support import cache_state, commit_public_changes
from rosters_support import plan_of, resident_row

from registry.bulk import copy_rows
from registry.grades import grades_sync
from registry.models import Attendance, DataExport, Provider, ProviderGrade, ProviderKind, ProviderStatus
from registry.rosters.engine import apply_roster

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(divisions) -> Provider:
    provider = ProviderFactory(name="昆都仑区批量养老院", status=ProviderStatus.CERTIFIED, grade=3)
    commit_public_changes()
    return provider


def record_of(uscc: str) -> tuple[str | None, dict]:
    response = Client().get(f"/api/providers/{uscc}/")
    assert response.status_code == 200
    return cache_state(response), response.json()


def test_the_daily_grade_sync_shows_an_expired_grade_on_the_next_request(certified: Provider) -> None:
    ProviderGrade.objects.filter(provider=certified).update(valid_until=timezone.localdate() - datetime.timedelta(1))
    commit_public_changes()
    assert record_of(certified.uscc)[1]["grade"] == 3
    assert record_of(certified.uscc)[0] == "HIT"

    assert grades_sync() == 1
    assert commit_public_changes()

    state, record = record_of(certified.uscc)
    assert (state, record["grade"]) == ("MISS", 0)


def test_a_roster_import_shows_the_residents_in_the_vacancies_on_the_next_request(certified: Provider, clerk) -> None:
    commit_public_changes()  # the clerk's account
    assert record_of(certified.uscc)[1]["vacancies"] == 100
    assert record_of(certified.uscc)[0] == "HIT"

    plan = plan_of("residents", [resident_row(n, certified.uscc) for n in range(1, 6)], clerk)
    assert apply_roster(plan, user=clerk) == {"new": 5, "changed": 0, "unchanged": 0}
    assert commit_public_changes()

    state, record = record_of(certified.uscc)
    assert (state, record["vacancies"]) == ("MISS", 95)


def test_copy_into_a_public_table_bumps_and_into_another_does_not(divisions) -> None:
    centre = ProviderFactory(kind=ProviderKind.DAY_CARE_CENTRE, status=ProviderStatus.CERTIFIED)
    commit_public_changes()

    copy_rows(DataExport, [{"what": "providers", "file_format": "csv", "rows": 1, "personal_data": False}])
    assert not commit_public_changes()  # the export log is on no public page

    copy_rows(Attendance, [{"provider_id": centre.pk, "day": timezone.localdate(), "attended": 12}])
    assert commit_public_changes()
    assert record_of(centre.uscc)[1]["attendance"] == 12
