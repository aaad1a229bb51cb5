"""A concern received changes the public counts: the public cache's data version is bumped
(``Concern`` registered from the concerns app's ``ready()``), and the cached statistics
and provider page count it on the next request."""

from __future__ import annotations

import pytest
from concern_support import receive
from django.test import Client
from public_cache_support import cache_state, commit_public_changes

from registry.models import Provider

pytestmark = pytest.mark.django_db


def test_a_concern_received_is_counted_on_the_next_request(home: Provider) -> None:
    commit_public_changes()
    statistics = "/concerns/statistics/"
    page = f"/providers/{home.uscc}/"
    for url in (statistics, page):
        Client().get(url)
        assert cache_state(Client().get(url)) == "HIT"
    assert "尚未收到对该机构的投诉" in Client().get(page).content.decode()

    receive(home)
    assert commit_public_changes()

    counted = Client().get(statistics)
    shown = Client().get(page)
    assert (cache_state(counted), cache_state(shown)) == ("MISS", "MISS")
    assert counted.context["summary"].total.total == 1
    assert "尚未收到对该机构的投诉" not in shown.content.decode()
