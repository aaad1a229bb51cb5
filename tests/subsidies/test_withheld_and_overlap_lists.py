"""The lists issue 13 asks for, as the clerks use them: what every hold withholds (lines and
amount), every overlap that needs a decision, each filterable and linked to the provider,
and "withheld from … to …, released on …" on a line."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from factories import DONGHE, ProviderHoldFactory, ResidentFactory, noon

from registry.holds import hold_close
from registry.models import OverlapDecision
from registry.periods import previous_month
from registry.staff import roles
from subsidies.models import GrantLine

pytestmark = pytest.mark.django_db

LAST_MONTH = previous_month(timezone.localdate())


@pytest.fixture
def held_home(make_provider, approved_run):
    home = make_provider(name="甲养老院")
    for _ in range(2):
        ResidentFactory(provider=home, admitted_on=datetime.date(2025, 6, 1))
    ProviderHoldFactory(provider=home, source="finding:3", reason="消防通道堵塞", started_at=noon(LAST_MONTH))
    run = approved_run("BT-OPERATING", LAST_MONTH)
    return home, run.lines.get(provider=home, kind=GrantLine.Kind.REGULAR)


def test_providers_on_hold_show_why_and_the_money_waiting(held_home, clerk, client_for):
    home, line = held_home
    page = client_for(clerk).get(reverse("admin:subsidies_provideronhold_changelist")).content.decode()

    assert "甲养老院" in page and "消防通道堵塞" in page
    assert line.amount == Decimal("200.00") and "200.00" in page
    assert reverse("admin:registry_provider_change", args=[home.pk]) in page


def test_withheld_lines_list_links_the_provider_and_says_since_when(held_home, clerk, client_for):
    home, _line = held_home
    with translation.override("en"):
        page = client_for(clerk).get(reverse("admin:subsidies_withheldline_changelist")).content.decode()

    assert f"withheld since {LAST_MONTH}" in page
    assert reverse("admin:registry_provider_change", args=[home.pk]) in page


def test_a_released_line_says_from_when_to_when(held_home, clerk, client_for):
    home, line = held_home
    hold_close(provider=home, source="finding:3")
    today = timezone.localdate()
    with translation.override("en"):
        page = client_for(clerk).get(reverse("admin:subsidies_grantline_change", args=[line.pk])).content.decode()
        listed = client_for(clerk).get(reverse("admin:subsidies_withheldline_changelist")).content.decode()

    assert f"withheld from {LAST_MONTH} to {today}, released on {today}" in page
    assert "甲养老院" not in listed  # released: no longer waiting


def test_the_lists_stay_inside_the_clerks_jurisdiction(held_home, make_staff, client_for):
    elsewhere = make_staff(roles.DISTRICT_CLERK, DONGHE)
    client = client_for(elsewhere)
    for name in ("subsidies_provideronhold_changelist", "subsidies_withheldline_changelist"):
        assert "甲养老院" not in client.get(reverse(f"admin:{name}")).content.decode()


def test_a_clerk_decides_an_overlap_from_its_list(make_provider, clerk, client_for):
    home_a, home_b = make_provider(name="甲养老院"), make_provider(name="乙养老院")
    at_a = ResidentFactory(provider=home_a, name="王秀兰", admitted_on=datetime.date(2025, 1, 1))
    at_b = ResidentFactory(provider=home_b, id_number=at_a.id_number, name="王秀兰", admitted_on=LAST_MONTH)
    client = client_for(clerk)

    listed = client.get(reverse("admin:registry_overlappingstay_changelist")).content.decode()
    assert listed.count("王秀兰") >= 2 and at_a.id_number not in listed  # masked
    decide = reverse("admin:registry_overlappingstay_decide", args=[at_b.pk])
    assert decide in listed

    refused = client.post(decide, {"note": ""})
    assert refused.status_code == 200 and not OverlapDecision.objects.exists()
    done = client.post(decide, {"note": "甲养老院出院证明"})

    assert done.status_code == 302
    decision = OverlapDecision.objects.get()
    assert (decision.kept, decision.set_aside, decision.decided_by) == (at_b, at_a, clerk)
    assert "王秀兰" not in client.get(reverse("admin:registry_overlappingstay_changelist")).content.decode()


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_lists_read_a_page_in_the_same_number_of_queries_however_many_rows(
    make_provider, approved_run, clerk, client_for
):
    client = client_for(clerk)
    urls = [
        reverse("admin:registry_overlappingstay_changelist"),
        reverse("admin:subsidies_withheldline_changelist"),
        reverse("admin:subsidies_provideronhold_changelist"),
    ]

    def add_rows(n):
        for i in range(n):
            home, other = make_provider(), make_provider()
            ResidentFactory(provider=home, admitted_on=datetime.date(2025, 6, 1))
            stay = ResidentFactory(provider=home, admitted_on=datetime.date(2025, 6, 1))
            ResidentFactory(provider=other, id_number=stay.id_number, admitted_on=LAST_MONTH)
            ProviderHoldFactory(provider=home, source=f"finding:{n}-{i}", started_at=noon(LAST_MONTH))

    add_rows(1)
    approved_run("BT-OPERATING", previous_month(LAST_MONTH))
    few = [_queries(client, url) for url in urls]
    add_rows(3)
    approved_run("BT-OPERATING", previous_month(previous_month(LAST_MONTH)))
    many = [_queries(client, url) for url in urls]

    assert many == few


def test_the_overlap_list_filters_by_division(make_provider, reviewer, client_for, divisions):
    kundulun, qingshan = "150203", "150204"
    home_a = make_provider(division=divisions[kundulun])
    home_b = make_provider(division=divisions[qingshan])
    stay = ResidentFactory(provider=home_a, admitted_on=datetime.date(2025, 1, 1))
    ResidentFactory(provider=home_b, id_number=stay.id_number, admitted_on=LAST_MONTH)
    client = client_for(reviewer)  # the city reviewer sees both districts
    url = reverse("admin:registry_overlappingstay_changelist")
    link_a = reverse("admin:registry_provider_change", args=[home_a.pk])
    link_b = reverse("admin:registry_provider_change", args=[home_b.pk])

    everything = client.get(url).content.decode()
    filtered = client.get(url, {"in_division": kundulun}).content.decode()

    assert link_a in everything and link_b in everything
    assert link_a in filtered and link_b not in filtered
