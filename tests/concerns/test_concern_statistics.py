"""Public statistics: counts per provider, year received, category and outcome (open ones
as "open"); the provider page's block in one query; no text and no contact on any public
page of concerns."""

from __future__ import annotations

import datetime

import pytest
from concern_support import CONTACT, DESCRIPTION, receive
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from factories import ProviderFactory

from concerns.cases import concern_close, concern_save_notes, concern_start_investigation
from concerns.models import Concern
from concerns.public import provider_concerns_section
from concerns.statistics import provider_concern_counts
from registry.models import ProviderStatus

pytestmark = pytest.mark.django_db

REPLY = "经核查属实，已责令整改。"
NOTES = "内部记录：已约谈院长。"


def received_in(concern: Concern, year: int) -> Concern:
    Concern.objects.filter(pk=concern.pk).update(received_at=timezone.make_aware(datetime.datetime(year, 6, 1, 10, 0)))
    return concern


def close(concern: Concern, clerk, outcome: str) -> None:
    concern_start_investigation(concern=concern, actor=clerk)
    concern_save_notes(concern=concern, internal_notes=NOTES, actor=clerk)
    concern_close(concern=concern, outcome=outcome, public_reply=REPLY, actor=clerk)


@pytest.fixture
def counted(home, clerk) -> dict[str, Concern]:
    """At ``home``: 2025 two substantiated about fees and one open about food; 2026 one not
    substantiated about fees. At another provider: one open."""
    cases = {
        "fees_1": received_in(receive(home, category="fees"), 2025),
        "fees_2": received_in(receive(home, category="fees"), 2025),
        "food": received_in(receive(home, category="food"), 2025),
        "fees_2026": received_in(receive(home, category="fees"), 2026),
    }
    close(cases["fees_1"], clerk, "substantiated")
    close(cases["fees_2"], clerk, "substantiated")
    close(cases["fees_2026"], clerk, "not_substantiated")
    receive(ProviderFactory(status=ProviderStatus.CERTIFIED), category="safety")
    return cases


def test_counts_by_year_category_and_outcome_with_stable_keys(home, counted) -> None:
    assert provider_concern_counts(home) == [
        {"year": 2026, "category": "fees", "outcome": "not_substantiated", "count": 1},
        {"year": 2025, "category": "fees", "outcome": "substantiated", "count": 2},
        {"year": 2025, "category": "food", "outcome": "open", "count": 1},
    ]


def test_a_year_counts_the_concerns_received_in_it_whenever_they_closed(home, counted, clerk) -> None:
    close(counted["food"], clerk, "partly_substantiated")  # closed now, received in 2025

    assert {(c["year"], c["category"], c["outcome"]) for c in provider_concern_counts(home)} == {
        (2026, "fees", "not_substantiated"),
        (2025, "fees", "substantiated"),
        (2025, "food", "partly_substantiated"),
    }


def test_the_provider_page_block_is_one_query_and_shows_counts_only(home, counted) -> None:
    with CaptureQueriesContext(connection) as queries:
        section = provider_concerns_section(home)
    assert len(queries) == 1
    assert [table.year for table in section["years"]] == [2026, 2025]

    html = Client().get(f"/en/providers/{home.uscc}/").content.decode()
    block = html.split('<h2 id="concerns">', 1)[1].split("</section>", 1)[0]
    assert "Concerns received in 2025, by subject and outcome" in block
    assert '<th scope="row">Fees and charges</th><td>2</td><td>0</td>' in block
    assert f'href="/en/concerns/new/{home.uscc}/"' in block


def test_the_statistics_page_counts_per_provider_and_year(home, counted) -> None:
    html = Client().get("/en/concerns/statistics/?year=2025").content.decode()
    provider_rows = html.split('id="by-provider"', 1)[1]

    assert home.name in provider_rows
    row = provider_rows.split(home.name, 1)[1].split("</tr>", 1)[0]
    assert row.count("<td>") == 7
    assert "<td>2</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td><td>3</td>" in row
    assert 'href="?year=2026"' in html


def test_no_public_page_of_concerns_shows_a_text_a_note_or_a_contact(home, counted) -> None:
    client = Client()
    pages = [
        f"/providers/{home.uscc}/",
        f"/en/providers/{home.uscc}/",
        "/concerns/statistics/",
        "/concerns/statistics/?year=2025",
        "/en/concerns/statistics/?year=2026",
        f"/concerns/new/{home.uscc}/",
        "/concerns/lookup/",
    ]
    corpus = "\n".join(client.get(url).content.decode() for url in pages)
    corpus += "\n".join(
        client.post("/concerns/lookup/", {"reference": c.reference}, REMOTE_ADDR="198.51.100.30").content.decode()
        for c in counted.values()
    )

    assert REPLY in corpus  # the lookup shows the reply (written for the public) …
    assert DESCRIPTION not in corpus and NOTES not in corpus  # … never what the citizen wrote or staff noted
    assert not any(value in corpus for value in CONTACT.values())
    assert "139****" not in corpus and "赵*" not in corpus  # not even masked


@pytest.mark.parametrize("year", ["abc", "99999999999", "-1", "0", "2025\x00"])
def test_any_year_in_the_address_shows_a_year_with_concerns(home, counted, year: str) -> None:
    response = Client().get("/en/concerns/statistics/", {"year": year, "page": "x"})

    assert response.status_code in {200, 400}  # a NUL byte: the directory's own 400
    if response.status_code == 200:
        assert "By provider, 2026" in response.content.decode()


def test_the_statistics_page_without_any_concern(divisions) -> None:
    response = Client().get("/en/concerns/statistics/?year=1")

    assert response.status_code == 200
    assert "No concern has been received yet." in response.content.decode()
