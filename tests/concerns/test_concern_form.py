"""The public form: from the provider's page to a case on the clerk's list and workbench;
the honeypot, the fill time, the rate limit and CSRF; which providers take concerns."""

from __future__ import annotations

import datetime
import re
import time
from pathlib import Path

import pytest
from concern_support import DESCRIPTION, form_data, send
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone
from factories import ProviderFactory

from concerns.bot_checks import fill_token
from concerns.models import Concern, Status
from registry.models import ProviderStatus
from registry.workbench import workbench_sections

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"TS-\d{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}")


def reference_on(html: str) -> str:
    match = REFERENCE.search(html)
    assert match, html
    return match.group(0)


def test_a_concern_sent_from_the_provider_page_reaches_the_clerk_with_its_due_date(home, clerk, client_for) -> None:
    client = Client()
    page = client.get(f"/providers/{home.uscc}/").content.decode()
    form_url = f"/concerns/new/{home.uscc}/"
    assert f'href="{form_url}"' in page
    form = client.get(form_url)
    assert form.status_code == 200 and 'name="csrfmiddlewaretoken"' in form.content.decode()

    sent = client.post(form_url, form_data(), REMOTE_ADDR="198.51.100.1")
    assert sent.status_code == 302
    shown = client.get(sent["Location"]).content.decode()
    reference = reference_on(shown)
    due = timezone.localdate() + datetime.timedelta(days=21)
    assert due.strftime("%Y-%m-%d") in shown

    concern = Concern.objects.get()
    assert (concern.reference, concern.provider, concern.status) == (reference, home, Status.RECEIVED)
    assert concern.due_on == due and concern.description == DESCRIPTION
    listing = client_for(clerk).get("/admin/concerns/concern/?state=open").content.decode()
    assert reference in listing and due.strftime("%Y-%m-%d") in listing
    counts = {item.url: item.count for section in workbench_sections(clerk) for item in section.items}
    assert counts["/admin/concerns/concern/?state=open"] == 1
    assert "/admin/concerns/concern/?state=overdue" not in counts  # nothing overdue: named, not counted


def test_a_reload_of_the_sent_page_sends_nothing_again(home) -> None:
    client = Client()
    sent = send(client, home)
    first = client.get(sent["Location"]).content.decode()
    again = client.get(sent["Location"]).content.decode()

    assert reference_on(first) == reference_on(again)
    assert Concern.objects.count() == 1


def test_a_filled_honeypot_looks_sent_and_stores_nothing(home) -> None:
    client = Client()
    sent = send(client, home, website="http://cheap-pills.example")

    assert sent.status_code == 302
    reference = reference_on(client.get(sent["Location"]).content.decode())
    assert Concern.objects.count() == 0
    found = client.post("/en/concerns/lookup/", {"reference": reference}, REMOTE_ADDR="198.51.100.2").content.decode()
    assert "No concern has this reference number" in found


def test_the_honeypot_is_hidden_from_people_and_skipped_by_keyboard_and_autofill(home) -> None:
    html = Client().get(f"/concerns/new/{home.uscc}/").content.decode()
    block = re.search(r'<div class="hp-field" aria-hidden="true">(.*?)</div>', html, re.S)

    assert block, html
    assert 'name="website"' in block.group(1)
    assert 'tabindex="-1"' in block.group(1) and 'autocomplete="off"' in block.group(1)
    stylesheet = (Path(settings.BASE_DIR) / "static/css/public.css").read_text(encoding="utf-8")
    assert ".hp-field { position: absolute; left: -10000px;" in stylesheet


def test_a_form_sent_within_seconds_of_being_shown_looks_sent_and_stores_nothing(home) -> None:
    client = Client()
    sent = send(client, home, shown_at=fill_token(time.time() - 1))

    assert sent.status_code == 302 and REFERENCE.search(client.get(sent["Location"]).content.decode())
    assert Concern.objects.count() == 0


@pytest.mark.parametrize("token", ["", "not-a-signed-time", "three-days-old"])
def test_a_form_without_a_valid_time_is_shown_again_with_what_was_typed(home, token: str) -> None:
    # The stale token is made in the test: a parameter computed at collection would differ
    # between pytest-xdist's workers, which must collect the same tests.
    if token == "three-days-old":
        token = fill_token(time.time() - 3 * 24 * 3600)
    response = send(Client(), home, shown_at=token)

    assert response.status_code == 200
    html = response.content.decode()
    assert DESCRIPTION in html and 'role="alert"' in html
    assert Concern.objects.count() == 0


def test_a_form_with_missing_answers_says_what_is_missing_and_stores_nothing(home) -> None:
    response = send(Client(), home, category="", description="短")

    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"category", "description"}
    assert Concern.objects.count() == 0


def test_a_contact_phone_that_is_no_phone_is_refused(home) -> None:
    response = send(Client(), home, contact_phone="call me")

    assert response.context["form"].errors.keys() == {"contact_phone"}
    assert Concern.objects.count() == 0


@override_settings(CONCERN_RATE_LIMIT=2, CONCERN_RATE_WINDOW=3600)
def test_sending_is_limited_per_address_and_showing_the_form_is_not(home) -> None:
    client = Client()
    statuses = [send(client, home, ip="203.0.113.9").status_code for _ in range(3)]

    assert statuses == [302, 302, 429]
    assert 3000 < int(send(client, home, ip="203.0.113.9")["Retry-After"]) <= 3600
    assert client.get(f"/concerns/new/{home.uscc}/", REMOTE_ADDR="203.0.113.9").status_code == 200
    assert send(client, home, ip="203.0.113.10").status_code == 302  # another address
    assert Concern.objects.count() == 3


@override_settings(CONCERN_RATE_LIMIT=2)
def test_robots_use_up_the_same_budget(home) -> None:
    client = Client()
    statuses = [send(client, home, ip="203.0.113.11", website="x").status_code for _ in range(3)]

    assert statuses == [302, 302, 429]


def test_the_form_needs_its_csrf_token(home) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(f"/concerns/new/{home.uscc}/")

    assert send(client, home).status_code == 403
    assert Concern.objects.count() == 0


@pytest.mark.parametrize("status", [ProviderStatus.FILED, ProviderStatus.SUSPENDED])
def test_filed_and_suspended_providers_take_concerns(divisions, status: str) -> None:
    provider = ProviderFactory(status=status)

    assert send(Client(), provider).status_code == 302
    assert Concern.objects.filter(provider=provider).count() == 1


@pytest.mark.parametrize("status", [ProviderStatus.CLOSED, ProviderStatus.REVOKED])
def test_a_provider_that_no_longer_operates_offers_no_form(divisions, status: str) -> None:
    provider = ProviderFactory(status=status)
    client = Client()
    page = client.get(f"/concerns/new/{provider.uscc}/")

    assert page.status_code == 200
    assert '<textarea name="description"' not in page.content.decode()
    assert send(client, provider).status_code == 200
    assert Concern.objects.count() == 0


def test_a_draft_or_unknown_provider_is_not_found(divisions) -> None:
    draft = ProviderFactory(status=ProviderStatus.DRAFT)
    client = Client()

    assert client.get(f"/concerns/new/{draft.uscc}/").status_code == 404
    assert client.get("/concerns/new/915002000000000000/").status_code == 404
    assert client.get("/concerns/new/%00/").status_code == 404


def test_the_english_form_sends_too(home) -> None:
    client = Client()
    page = client.get(f"/en/concerns/new/{home.uscc}/").content.decode()
    assert "What happened?" in page and "Quality of care" in page

    sent = client.post(f"/en/concerns/new/{home.uscc}/", form_data(), REMOTE_ADDR="198.51.100.3")
    assert sent["Location"] == "/en/concerns/sent/"
    assert "Your concern has been received" in client.get(sent["Location"]).content.decode()


def test_the_form_and_the_lookup_are_never_kept_by_a_shared_cache(home) -> None:
    client = Client()
    for url in (f"/concerns/new/{home.uscc}/", "/concerns/lookup/"):
        assert "no-store" in client.get(url)["Cache-Control"], url
    assert "no-store" in client.get(send(client, home)["Location"])["Cache-Control"]
