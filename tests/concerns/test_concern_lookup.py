"""Looking a concern up by its reference: the status, the dates, the outcome and the reply,
never what the citizen wrote nor their contact; an unknown reference reveals nothing."""

from __future__ import annotations

import pytest
from concern_support import CONTACT, DESCRIPTION, lookup, receive
from django.test import Client, override_settings
from django.utils import timezone

from concerns.cases import concern_close, concern_start_investigation

pytestmark = pytest.mark.django_db

REPLY = "经核查属实，已责令机构整改并落实定时翻身，区民政部门将复查。"


def shows_nothing_private(html: str) -> bool:
    return DESCRIPTION not in html and not any(value in html for value in CONTACT.values())


def test_an_open_concern_shows_its_status_and_dates(home) -> None:
    concern = receive(home, days_ago=2)
    html = lookup(Client(), concern.reference.lower().replace("-", " ")).content.decode()  # as typed

    assert concern.reference in html and home.name in html
    assert timezone.localtime(concern.received_at).strftime("%Y-%m-%d") in html
    assert concern.due_on.strftime("%Y-%m-%d") in html
    assert shows_nothing_private(html)


def test_a_closed_concern_shows_the_outcome_and_the_reply_but_not_the_description_or_contact(home, clerk) -> None:
    concern = receive(home, days_ago=10)
    concern_start_investigation(concern=concern, actor=clerk)
    concern_close(concern=concern, outcome="substantiated", public_reply=REPLY, actor=clerk)

    html = lookup(Client(), concern.reference).content.decode()
    english = Client().post("/en/concerns/lookup/", {"reference": concern.reference}, REMOTE_ADDR="198.51.100.21")

    assert REPLY in html
    assert shows_nothing_private(html)
    assert "Substantiated" in english.content.decode() and "Closed on" in english.content.decode()


def test_a_late_reply_is_shown_as_late(home) -> None:
    concern = receive(home, days_ago=30)
    html = Client().post("/en/concerns/lookup/", {"reference": concern.reference}, REMOTE_ADDR="198.51.100.22")

    assert "late: the clerk has been reminded" in html.content.decode()


@pytest.mark.parametrize("typed", ["TS-2026-ZZZZ-ZZZZ", "TS-2026-0000-0000", "hello", "' OR 1=1 --", "x" * 500])
def test_an_unknown_or_malformed_reference_is_not_found_and_reveals_nothing(home, typed: str) -> None:
    receive(home)
    response = Client().post("/en/concerns/lookup/", {"reference": typed}, REMOTE_ADDR="198.51.100.23")

    assert response.status_code == 200
    html = response.content.decode()
    assert "No concern has this reference number" in html
    assert home.name not in html and shows_nothing_private(html)


@override_settings(CONCERN_LOOKUP_RATE_LIMIT=3, CONCERN_RATE_WINDOW=3600)
def test_lookups_are_limited_per_address(home) -> None:
    concern = receive(home)
    client = Client()
    statuses = [lookup(client, concern.reference, ip="203.0.113.40").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert client.get("/concerns/lookup/", REMOTE_ADDR="203.0.113.40").status_code == 200  # the page itself
    assert lookup(client, concern.reference, ip="203.0.113.41").status_code == 200


def test_the_reference_is_sent_by_post_and_never_read_from_the_address(home) -> None:
    concern = receive(home)
    html = Client().get(f"/concerns/lookup/?reference={concern.reference}").content.decode()

    assert home.name not in html
    assert 'method="post"' in html
