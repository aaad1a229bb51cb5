"""Lists of residents and caregivers count at most ``COUNT_CAP`` rows (issue 8: no full
COUNT of a table of half a million rows on every page); past it they say "more than"."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from factories import ProviderFactory, ResidentFactory

from registry import paginators

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_residents(divisions):
    home = ProviderFactory()
    return [ResidentFactory(provider=home) for _ in range(5)]


def changelist(client, language: str = "en", **params: str) -> str:
    with translation.override(language):
        response = client.get(reverse("admin:registry_resident_changelist"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_never_counts_past_the_cap(five_residents, clerk, client_for, monkeypatch):
    monkeypatch.setattr(paginators, "COUNT_CAP", 3)

    with CaptureQueriesContext(connection) as queries:
        changelist(client_for(clerk))

    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "registry_resident" in q["sql"]]
    assert counts, "the list counts its rows"
    assert all("LIMIT 4" in sql for sql in counts), counts  # cap + 1 rows at most, never the whole table


def test_past_the_cap_the_list_says_more_than_and_names_no_total(five_residents, clerk, client_for, monkeypatch):
    monkeypatch.setattr(paginators, "COUNT_CAP", 3)

    html = changelist(client_for(clerk))

    assert "More than 3 residents" in html
    assert "Select all matching residents" in html
    assert "Select all 3" not in html and "5 residents" not in html
    assert html.count('name="_selected_action"') == 5  # the page itself still lists every row
    assert "超过 3 条 入住老人" in changelist(client_for(clerk), language="zh-hans")  # the default language


def test_under_the_cap_the_list_counts_exactly(five_residents, clerk, client_for, monkeypatch):
    monkeypatch.setattr(paginators, "COUNT_CAP", 10)

    html = changelist(client_for(clerk))

    assert "5 residents" in html
    assert "More than" not in html


def test_a_search_past_the_cap_says_more_than_n_results(five_residents, clerk, client_for, monkeypatch):
    monkeypatch.setattr(paginators, "COUNT_CAP", 3)
    html = changelist(client_for(clerk), q="张老人")  # every generated resident's name

    assert "More than 3 results" in html
    assert "More than 3 residents" in html
