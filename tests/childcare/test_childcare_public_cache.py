"""A child enrolled or leaving changes a nursery's vacant places: the public cache's data
version is bumped (``Child`` registered from the childcare app's ``ready()``), and the
cached open-data record shows the new count on the next request."""

from __future__ import annotations

import datetime

import pytest
from childcare_support import ChildFactory
from django.test import Client
from public_cache_support import cache_state, commit_public_changes

from childcare.children import record_leaving
from registry.models import Provider, ProviderStatus

pytestmark = pytest.mark.django_db


def test_a_child_leaving_frees_a_place_on_the_next_request(nursery: Provider, clerk) -> None:
    Provider.objects.filter(pk=nursery.pk).update(status=ProviderStatus.CERTIFIED)
    leaving, _staying = ChildFactory.create_batch(2, provider=nursery, enrolled_on=datetime.date(2025, 9, 1))
    commit_public_changes()
    url = f"/api/providers/{nursery.uscc}/"
    before = Client().get(url)
    assert cache_state(Client().get(url)) == "HIT"

    record_leaving(child=leaving, left_on=datetime.date(2025, 12, 31), actor=clerk)
    assert commit_public_changes()

    after = Client().get(url)
    assert cache_state(after) == "MISS"
    assert (before.json()["vacancies"], after.json()["vacancies"]) == (58, 59)
