"""Reference divisions of Inner Mongolia (DOMAIN §1) and scoping by division."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from factories import BAOTOU, DONGHE, KUNDULUN, REGION, ProviderFactory

from registry.models import Division, FireExemptionRule
from registry.scoping import divisions_visible_to, providers_visible_to, user_can_see_division
from registry.staff import roles
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

L = Division.Level


def load() -> str:
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    return out.getvalue()


def test_the_command_loads_the_region_its_12_leagues_and_cities_and_103_counties():
    load()

    region = Division.objects.get(code=REGION)
    assert region.name == "内蒙古自治区"
    assert region.level == L.REGION
    assert region.parent is None
    assert region.children.filter(level=L.LEAGUE_CITY, is_standard=True).count() == 12
    assert Division.objects.filter(level=L.COUNTY, is_standard=True).count() == 103
    assert not Division.objects.filter(level__gt=L.COUNTY).exists()


def test_every_league_and_city_is_under_the_region_and_every_county_under_a_league_or_city():
    load()

    assert not Division.objects.filter(level=L.LEAGUE_CITY).exclude(parent__code=REGION).exists()
    assert not Division.objects.filter(level=L.COUNTY).exclude(parent__level=L.LEAGUE_CITY).exists()
    assert not Division.objects.exclude(path__startswith=f"{REGION}/").exists()


def test_baotou_has_its_nine_standard_counties_and_the_rare_earth_hi_tech_zone():
    load()

    baotou = Division.objects.get(code=BAOTOU)
    assert baotou.name == "包头市"
    assert baotou.children.filter(is_standard=True).count() == 9
    zone = baotou.children.get(is_standard=False)
    assert (zone.code, zone.name, zone.level) == ("150271", "稀土高新区", L.COUNTY)


def test_kundulun_has_its_real_name_and_path():
    load()

    kundulun = Division.objects.get(code=KUNDULUN)
    assert kundulun.name == "昆都仑区"
    assert kundulun.path == "150000/150200/150203/"


def test_the_region_fire_exemption_rule_is_loaded():
    load()

    rule = FireExemptionRule.objects.get()
    assert rule.jurisdiction.code == REGION
    assert (rule.max_floor_area_m2, rule.max_investment_yuan) == (300, 300000)


def test_running_the_command_twice_creates_and_changes_nothing():
    load()
    counts = (Division.objects.count(), Division.history.count(), FireExemptionRule.objects.count())

    output = load()

    assert (Division.objects.count(), Division.history.count(), FireExemptionRule.objects.count()) == counts
    assert "registry: divisions: 0 created or changed" in output


def test_running_the_command_again_repairs_a_renamed_division():
    load()
    Division.objects.filter(code=KUNDULUN).update(name="wrong")

    output = load()

    assert Division.objects.get(code=KUNDULUN).name == "昆都仑区"
    assert "registry: divisions: 1 created or changed" in output


def test_the_command_keeps_divisions_that_staff_added(divisions):
    township = Division.objects.create(
        code="150203001", name="林荫路街道", level=L.TOWNSHIP, parent=divisions[KUNDULUN]
    )

    load()

    township.refresh_from_db()
    assert township.parent.code == KUNDULUN


# --- townships and scoping ---------------------------------------------------------------


@pytest.fixture
def township(divisions):
    return Division.objects.create(code="150203001", name="林荫路街道", level=L.TOWNSHIP, parent=divisions[KUNDULUN])


def test_a_township_gets_a_path_under_its_county(township):
    assert township.path == "150000/150200/150203/150203001/"
    assert not township.is_standard


def test_county_and_city_staff_see_a_township_and_its_providers(township, make_staff):
    provider = ProviderFactory(division=township)
    clerk = make_staff(roles.DISTRICT_CLERK, KUNDULUN)
    reviewer = make_staff(roles.CITY_REVIEWER, BAOTOU)

    for user in (clerk, reviewer):
        assert user_can_see_division(user, township)
        assert township in divisions_visible_to(user)
        assert provider in providers_visible_to(user)


def test_staff_of_another_county_see_neither_the_township_nor_its_providers(township, make_staff):
    provider = ProviderFactory(division=township)
    outsider = make_staff(roles.DISTRICT_CLERK, DONGHE)

    assert not user_can_see_division(outsider, township)
    assert township not in divisions_visible_to(outsider)
    assert provider not in providers_visible_to(outsider)


def test_township_staff_do_not_see_the_rest_of_their_county(township, make_staff):
    county_provider = ProviderFactory()
    township_clerk = make_staff(roles.DISTRICT_CLERK, township.code)

    assert county_provider not in providers_visible_to(township_clerk)
    assert not user_can_see_division(township_clerk, township.parent)


def test_moving_a_township_moves_its_villages_and_providers_into_the_new_county(township, divisions, make_staff):
    village = Division.objects.create(code="150203001001", name="某社区", level=L.VILLAGE, parent=township)
    provider = ProviderFactory(division=village)
    donghe_clerk = make_staff(roles.DISTRICT_CLERK, DONGHE)

    township.parent = divisions[DONGHE]
    township.save()

    village.refresh_from_db()
    assert village.path == "150000/150200/150202/150203001/150203001001/"
    assert provider in providers_visible_to(donghe_clerk)
    assert provider not in providers_visible_to(make_staff(roles.DISTRICT_CLERK, KUNDULUN))


def test_a_prefix_of_a_code_is_not_a_parent(divisions, make_staff):
    # "150203/" must not match a unit whose own code merely starts with 150203.
    lookalike = Division.objects.create(code="1502031", name="lookalike", level=L.COUNTY, parent=divisions[BAOTOU])

    assert lookalike not in divisions_visible_to(make_staff(roles.DISTRICT_CLERK, KUNDULUN))


# --- the division admin -------------------------------------------------------------------


def test_clerk_adds_a_township_under_their_county_in_the_admin(clerk, client_for, divisions):
    response = client_for(clerk).post(
        reverse("admin:registry_division_add"),
        {
            "code": "150203002",
            "name": "昆北街道",
            "level": L.TOWNSHIP,
            "kind": "街道",
            "parent": divisions[KUNDULUN].pk,
        },
    )

    assert response.status_code == 302
    added = Division.objects.get(code="150203002")
    assert added.path == "150000/150200/150203/150203002/"
    assert not added.is_standard


def test_clerk_cannot_add_a_township_under_another_county(clerk, client_for, divisions):
    response = client_for(clerk).post(
        reverse("admin:registry_division_add"),
        {"code": "150202009", "name": "外区街道", "level": L.TOWNSHIP, "parent": divisions[DONGHE].pk},
    )

    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    assert not Division.objects.filter(code="150202009").exists()


def test_clerk_cannot_add_a_division_outside_every_jurisdiction(clerk, client_for, divisions):
    """A county clerk leaving the parent empty would create a top-level unit that nobody's
    jurisdiction contains."""
    response = client_for(clerk).post(
        reverse("admin:registry_division_add"), {"code": "990001", "name": "孤立单位", "level": L.TOWNSHIP}
    )

    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    assert not Division.objects.filter(code="990001").exists()


def test_a_division_must_be_below_its_parent(clerk, client_for, divisions):
    response = client_for(clerk).post(
        reverse("admin:registry_division_add"),
        {"code": "150203900", "name": "同级单位", "level": L.COUNTY, "parent": divisions[KUNDULUN].pk},
    )

    assert response.status_code == 200
    assert "level" in response.context["adminform"].form.errors
    assert not Division.objects.filter(code="150203900").exists()


def test_standard_divisions_are_read_only_but_staff_added_ones_can_be_changed(clerk, client_for, township):
    client = client_for(clerk)

    standard = client.get(reverse("admin:registry_division_change", args=[township.parent.pk]))
    local = client.get(reverse("admin:registry_division_change", args=[township.pk]))

    assert standard.status_code == local.status_code == 200
    assert b'name="_save"' not in standard.content
    assert b'name="_save"' in local.content


def test_clerk_cannot_rename_a_standard_division(clerk, client_for, divisions):
    kundulun = divisions[KUNDULUN]

    response = client_for(clerk).post(
        reverse("admin:registry_division_change", args=[kundulun.pk]),
        {"code": KUNDULUN, "name": "改名", "level": L.COUNTY, "parent": kundulun.parent_id},
    )

    assert response.status_code == 403
    assert Division.objects.get(code=KUNDULUN).name == "昆都仑区"


# --- who may change a unit's place (issue 23, finding 1) ------------------------------------


def test_a_clerk_cannot_lift_their_own_unit_out_from_under_the_city(divisions, make_staff, client_for):
    """clerk_xitu set 稀土高新区 to level "Region" with no parent: the city lost its 6 providers."""
    zone = Division.objects.get(code="150271")
    provider = ProviderFactory(division=zone)
    clerk = make_staff(roles.DISTRICT_CLERK, "150271")
    reviewer = make_staff(roles.CITY_REVIEWER, BAOTOU)
    url = reverse("admin:registry_division_change", args=[zone.pk])

    response = client_for(clerk).post(url, {"code": "150271", "name": "稀土高新区", "level": L.REGION, "parent": ""})

    zone.refresh_from_db()
    assert zone.level == L.COUNTY and zone.parent.code == BAOTOU and zone.path == "150000/150200/150271/"
    assert provider in providers_visible_to(reviewer)
    # What a clerk may change: the name of their own local unit, and that is audited.
    assert response.status_code == 302
    client_for(clerk).post(url, {"name": "稀土高新技术产业开发区", "kind": "开发区"})
    zone.refresh_from_db()
    assert zone.name == "稀土高新技术产业开发区" and zone.parent.code == BAOTOU
    entry = AuditEntry.objects.filter(action="division.change", object_id=str(zone.pk)).latest("id")
    assert entry.before["name"] == "稀土高新区" and entry.after["name"] == "稀土高新技术产业开发区"


def test_the_system_admin_moves_a_unit_only_naming_who_loses_sight_of_it(township, divisions, make_staff, client_for):
    provider = ProviderFactory(division=township)
    kundulun_clerk = make_staff(roles.DISTRICT_CLERK, KUNDULUN)
    sysadmin = make_staff(roles.SYSTEM_ADMIN, REGION)
    client = client_for(sysadmin)
    url = reverse("admin:registry_division_change", args=[township.pk])
    data = {"code": township.code, "name": township.name, "level": L.TOWNSHIP, "parent": divisions[DONGHE].pk}

    refused = client.post(url, data)

    assert refused.status_code == 200
    assert kundulun_clerk.username in str(refused.context["adminform"].form.errors["parent"])
    township.refresh_from_db()
    assert township.parent.code == KUNDULUN

    moved = client.post(url, {**data, "confirm_move": "on"})

    assert moved.status_code == 302
    township.refresh_from_db()
    assert township.parent.code == DONGHE and provider not in providers_visible_to(kundulun_clerk)
    entry = AuditEntry.objects.get(action="division.change", object_id=str(township.pk))
    assert entry.before["parent_id"] == divisions[KUNDULUN].pk and entry.after["parent_id"] == divisions[DONGHE].pk
    assert entry.after["lost_sight"] == [kundulun_clerk.username]


def test_no_unit_but_the_region_is_without_a_parent(township, make_staff, client_for):
    sysadmin = make_staff(roles.SYSTEM_ADMIN, REGION)
    url = reverse("admin:registry_division_change", args=[township.pk])

    response = client_for(sysadmin).post(
        url, {"code": township.code, "name": township.name, "level": L.REGION, "parent": "", "confirm_move": "on"}
    )

    assert response.status_code == 200 and "parent" in response.context["adminform"].form.errors
    township.refresh_from_db()
    assert township.parent is not None
