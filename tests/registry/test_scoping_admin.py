"""Jurisdiction scoping in the back-office: insider / reviewer / outsider / read-only.

Every record hangs off a provider in Kundulun district; the outsider is the district
clerk of Donghe, another county of the same city, who has the same role and rights.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from factories import (
    DONGHE,
    HOHHOT,
    KUNDULUN,
    AnnualReportFactory,
    CaregiverFactory,
    CreditRecordFactory,
    FeeItemFactory,
    LicenceFactory,
    ProviderFactory,
    ProviderHoldFactory,
    ResidentFactory,
    division,
)

from registry.lifecycle import provider_transition
from registry.models import Caregiver, Licence, Provider, ProviderStatus, Resident
from registry.scoping import caregivers_visible_to, residents_visible_to
from registry.staff import roles
from safeguards.identifiers import make_id_number

pytestmark = pytest.mark.django_db

# model name → the fixture of a user in Kundulun who may view it but not change it.
READ_ONLY = {
    "provider": "inspector",
    "licence": "inspector",
    "feeitem": "inspector",
    "creditrecord": "inspector",
    "resident": "reviewer",
    "caregiver": "reviewer",
    "annualreport": "reviewer",
}
EDITABLE = list(READ_ONLY)
LOGS = ["providerhold", "providerstatuschange"]
ALL = EDITABLE + LOGS
WITH_HISTORY = [*EDITABLE, "providerhold"]


def records_in(code: str, actor) -> dict[str, object]:
    provider = ProviderFactory(division=division(code))
    change = provider_transition(
        provider=provider, action="file", reason="备案", effective_on=timezone.localdate(), actor=actor
    )
    return {
        "provider": provider,
        "resident": ResidentFactory(provider=provider),
        "caregiver": CaregiverFactory(provider=provider),
        "licence": LicenceFactory(provider=provider),
        "feeitem": FeeItemFactory(provider=provider),
        "annualreport": AnnualReportFactory(provider=provider),
        "creditrecord": CreditRecordFactory(provider=provider),
        "providerhold": ProviderHoldFactory(provider=provider),
        "providerstatuschange": change,
    }


@pytest.fixture
def world(divisions, superuser):
    return SimpleNamespace(inside=records_in(KUNDULUN, superuser), outside=records_in(DONGHE, superuser))


def url(name: str, model: str, *args) -> str:
    return reverse(f"admin:registry_{model}_{name}", args=args)


def change_url(model: str, obj) -> str:
    return url("change", model, obj.pk)


def listed(response, model: str, obj) -> bool:
    assert response.status_code == 200
    return change_url(model, obj) in response.content.decode()


# --- who sees what in the lists and on the pages ------------------------------------------


@pytest.mark.parametrize("model", ALL)
def test_district_clerk_sees_and_opens_records_of_their_county(world, clerk, client_for, model):
    client = client_for(clerk)
    obj = world.inside[model]

    assert listed(client.get(url("changelist", model)), model, obj)
    assert client.get(change_url(model, obj)).status_code == 200


@pytest.mark.parametrize("model", ALL)
def test_city_reviewer_sees_records_of_every_county_of_the_city(world, reviewer, client_for, model):
    client = client_for(reviewer)
    changelist = client.get(url("changelist", model))

    for obj in (world.inside[model], world.outside[model]):
        assert listed(changelist, model, obj)
        assert client.get(change_url(model, obj)).status_code == 200


@pytest.mark.parametrize("model", ALL)
def test_clerk_of_another_county_does_not_see_the_record_in_the_list(world, outsider, client_for, model):
    changelist = client_for(outsider).get(url("changelist", model))

    assert listed(changelist, model, world.outside[model])
    assert not listed(changelist, model, world.inside[model])


@pytest.mark.parametrize("model", ALL)
def test_clerk_of_another_county_gets_404_on_the_record_pages(world, outsider, client_for, model):
    client = client_for(outsider)
    obj = world.inside[model]

    assert client.get(change_url(model, obj)).status_code == 404
    assert client.get(url("history", model, obj.pk)).status_code == 404
    assert client.get(url("delete", model, obj.pk)).status_code == 404


@pytest.mark.parametrize("model", WITH_HISTORY)
def test_clerk_of_another_county_gets_404_on_a_past_version(world, outsider, client_for, model):
    obj = world.inside[model]
    version = obj.history.latest("history_id")

    response = client_for(outsider).get(url("simple_history", model, obj.pk, version.pk))

    assert response.status_code == 404


@pytest.mark.parametrize("model", EDITABLE)
def test_clerk_of_another_county_cannot_change_or_delete_by_posting(world, outsider, client_for, model):
    client = client_for(outsider)
    obj = world.inside[model]

    assert client.post(change_url(model, obj), {"name": "hijacked"}).status_code == 404
    assert client.post(url("delete", model, obj.pk), {"post": "yes"}).status_code == 404
    assert type(obj).objects.filter(pk=obj.pk).exists()
    if hasattr(obj, "name"):
        assert type(obj).objects.get(pk=obj.pk).name == obj.name


@pytest.mark.parametrize("action", ["file", "suspend"])
def test_clerk_of_another_county_gets_404_on_the_lifecycle_page(world, outsider, client_for, action):
    provider = world.inside["provider"]
    client = client_for(outsider)
    lifecycle = reverse("admin:registry_provider_lifecycle", args=[provider.pk, action])

    assert client.get(lifecycle).status_code == 404
    assert client.post(lifecycle, {"reason": "越权", "effective_on": "2024-01-01"}).status_code == 404
    assert Provider.objects.get(pk=provider.pk).status == ProviderStatus.FILED


def test_city_reviewer_of_another_city_sees_nothing_of_baotou(world, make_staff, client_for):
    client = client_for(make_staff(roles.CITY_REVIEWER, HOHHOT))
    provider = world.inside["provider"]

    assert not listed(client.get(url("changelist", "provider")), "provider", provider)
    assert client.get(change_url("provider", provider)).status_code == 404


def test_staff_without_a_jurisdiction_see_nothing_even_with_a_role(world, make_staff, client_for):
    client = client_for(make_staff(roles.DISTRICT_CLERK, None))

    response = client.get(url("changelist", "provider"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    assert client.get(change_url("provider", world.inside["provider"])).status_code == 404


def test_superuser_without_a_jurisdiction_sees_everything(world, superuser, client_for):
    response = client_for(superuser).get(url("changelist", "provider"))

    assert listed(response, "provider", world.inside["provider"])
    assert listed(response, "provider", world.outside["provider"])


def test_searching_for_an_outside_providers_credit_code_finds_nothing(world, outsider, client_for):
    provider = world.inside["provider"]

    response = client_for(outsider).get(url("changelist", "provider"), {"q": provider.uscc})

    assert response.context["cl"].result_count == 0


def test_filtering_on_another_county_shows_nothing(world, outsider, client_for):
    response = client_for(outsider).get(url("changelist", "resident"), {"in_division": KUNDULUN})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_division_filter_offers_only_divisions_in_the_jurisdiction(world, reviewer, client_for):
    response = client_for(reviewer).get(url("changelist", "provider"), {"in_division": KUNDULUN})

    assert response.context["cl"].result_count == 1
    assert listed(response, "provider", world.inside["provider"])
    content = response.content.decode()
    assert f"in_division={DONGHE}" in content
    assert "in_division=150102" not in content  # a Hohhot district


# --- read-only roles -------------------------------------------------------------------------


@pytest.mark.parametrize("model", EDITABLE)
def test_read_only_role_sees_the_page_without_a_save_button(world, request, client_for, model):
    user = request.getfixturevalue(READ_ONLY[model])

    response = client_for(user).get(change_url(model, world.inside[model]))

    assert response.status_code == 200
    assert b'name="_save"' not in response.content


@pytest.mark.parametrize("model", [m for m in EDITABLE if m != "provider"])
def test_read_only_role_cannot_change_by_posting(world, request, clerk, client_for, admin_form_data, model):
    obj = world.inside[model]
    data = admin_form_data(client_for(clerk).get(change_url(model, obj)))
    user = request.getfixturevalue(READ_ONLY[model])

    response = client_for(user).post(change_url(model, obj), data)

    assert response.status_code == 403


def test_inspector_cannot_change_a_provider_by_posting(world, inspector, clerk, client_for, admin_form_data):
    provider = world.inside["provider"]
    data = admin_form_data(client_for(clerk).get(change_url("provider", provider)))
    data["name"] = "改过的名字"

    response = client_for(inspector).post(change_url("provider", provider), data)

    assert response.status_code == 403
    assert Provider.objects.get(pk=provider.pk).name == provider.name


def test_the_clerks_unchanged_form_data_saves(world, clerk, client_for, admin_form_data):
    """Guards the helper the read-only tests rely on: the same data saves for the clerk."""
    provider = world.inside["provider"]
    client = client_for(clerk)
    data = admin_form_data(client.get(change_url("provider", provider)))
    data["name"] = "改过的名字"

    response = client.post(change_url("provider", provider), data)

    assert response.status_code == 302
    assert Provider.objects.get(pk=provider.pk).name == "改过的名字"


@pytest.mark.parametrize("model", ["resident", "caregiver"])
def test_read_only_role_cannot_add(world, reviewer, client_for, model):
    assert client_for(reviewer).get(url("add", model)).status_code == 403


# --- choices outside the jurisdiction --------------------------------------------------------


def new_record_data(model: str, provider: Provider) -> dict[str, object]:
    common = {"provider": provider.pk}
    return {
        "licence": {**common, "kind": Licence.Kind.FOOD_BUSINESS, "number": "JY-NEW-1", "issued_on": "2024-05-01"},
        "resident": {
            **common,
            "name": "新入住老人",
            "id_number": make_id_number(KUNDULUN, datetime.date(1939, 5, 5), 1),
            "admitted_on": "2024-05-01",
            "care_level": "self_care",
            "categories": "[]",
        },
        "caregiver": {
            **common,
            "name": "新护理员",
            "id_number": make_id_number(KUNDULUN, datetime.date(1980, 5, 5), 1),
            "certificate_level": "none",
            "employed_from": "2024-05-01",
        },
        "feeitem": {
            **common,
            "kind": "meal",
            "name": "伙食费",
            "amount": "600.00",
            "unit": "month",
            "effective_from": "2024-05-01",
        },
    }[model]


@pytest.mark.parametrize("model", ["licence", "resident", "caregiver", "feeitem"])
def test_clerk_cannot_add_a_record_for_a_provider_outside_the_jurisdiction(world, clerk, client_for, model):
    client = client_for(clerk)
    model_class = type(world.inside[model])
    before = model_class.objects.count()

    refused = client.post(url("add", model), new_record_data(model, world.outside["provider"]))

    assert refused.status_code == 200
    assert "provider" in refused.context["adminform"].form.errors
    assert model_class.objects.count() == before

    accepted = client.post(url("add", model), new_record_data(model, world.inside["provider"]))
    assert accepted.status_code == 302
    assert model_class.objects.count() == before + 1


@pytest.mark.parametrize("model", ["resident", "caregiver", "licence"])
def test_clerk_cannot_move_a_record_to_a_provider_outside_the_jurisdiction(
    world, clerk, client_for, admin_form_data, model
):
    client = client_for(clerk)
    obj = world.inside[model]
    data = admin_form_data(client.get(change_url(model, obj)))
    data["provider"] = world.outside["provider"].pk

    response = client.post(change_url(model, obj), data)

    assert response.status_code == 200
    assert "provider" in response.context["adminform"].form.errors
    assert type(obj).objects.get(pk=obj.pk).provider == world.inside["provider"]


def test_clerk_cannot_move_a_provider_into_another_county(world, clerk, client_for, admin_form_data):
    client = client_for(clerk)
    provider = world.inside["provider"]
    data = admin_form_data(client.get(change_url("provider", provider)))
    data["division"] = division(DONGHE).pk

    response = client.post(change_url("provider", provider), data)

    assert response.status_code == 200
    assert "division" in response.context["adminform"].form.errors
    assert Provider.objects.get(pk=provider.pk).division.code == KUNDULUN


def test_provider_autocomplete_offers_only_providers_in_the_jurisdiction(world, clerk, client_for):
    response = client_for(clerk).get(
        reverse("admin:autocomplete"),
        {"app_label": "registry", "model_name": "licence", "field_name": "provider", "term": ""},
    )

    ids = {row["id"] for row in response.json()["results"]}
    assert str(world.inside["provider"].pk) in ids
    assert str(world.outside["provider"].pk) not in ids


def test_city_reviewer_sees_residents_and_caregivers_of_both_counties_but_outsider_only_their_own(
    world, reviewer, outsider
):
    assert set(residents_visible_to(reviewer)) == set(Resident.objects.all())
    assert set(caregivers_visible_to(reviewer)) == set(Caregiver.objects.all())
    assert list(residents_visible_to(outsider)) == [world.outside["resident"]]
    assert list(caregivers_visible_to(outsider)) == [world.outside["caregiver"]]


# --- staff users -------------------------------------------------------------------------------


def test_system_admin_sees_only_staff_of_their_jurisdiction(divisions, make_staff, client_for):
    sysadmin = make_staff(roles.SYSTEM_ADMIN, "150200")
    baotou_clerk = make_staff(roles.DISTRICT_CLERK, KUNDULUN)
    hohhot_clerk = make_staff(roles.DISTRICT_CLERK, "150102")
    client = client_for(sysadmin)

    changelist = client.get(url("changelist", "user"))

    assert listed(changelist, "user", baotou_clerk)
    assert not listed(changelist, "user", hohhot_clerk)
    assert client.get(change_url("user", hohhot_clerk)).status_code == 404
