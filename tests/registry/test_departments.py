"""Departments scope what a staff user sees (issue 17: "Inspectors belong to a department,
so a health-commission inspector sees childcare only"): the department's kinds
(``registry.scoping.DEPARTMENT_KINDS``) filter every list and page about a provider, on top
of the jurisdiction; the account admin shows and sets the department, audited.

Every provider is in Kundulun, inside every user's jurisdiction: what differs is the kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from factories import BAOTOU, KUNDULUN, CaregiverFactory, LicenceFactory, ProviderFactory

from registry.admin_mixins import ScopedAdminMixin
from registry.lifecycle import provider_transition, user_may_transition
from registry.models import Provider, ProviderKind, ProviderStatus, StaffDepartment, User
from registry.scoping import provider_kind_lookup, providers_visible_to
from registry.staff import roles
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

HEALTH, CIVIL = StaffDepartment.HEALTH_COMMISSION, StaffDepartment.CIVIL_AFFAIRS


@pytest.fixture
def world(divisions: Any, superuser: User) -> SimpleNamespace:
    """A filed elderly home and a filed nursery in Kundulun, each with a licence and a caregiver."""
    home = ProviderFactory(name="昆都仑区颐养院", kind=ProviderKind.ELDERLY_INSTITUTION)
    nursery = ProviderFactory(name="昆都仑区贝贝托育园", kind=ProviderKind.NURSERY, beds=0, nursing_beds=0)
    for provider in (home, nursery):
        provider_transition(
            provider=provider, action="file", reason="备案", effective_on=timezone.localdate(), actor=superuser
        )
    return SimpleNamespace(
        home=home,
        nursery=nursery,
        licences={p.pk: LicenceFactory(provider=p) for p in (home, nursery)},
        caregivers={p.pk: CaregiverFactory(provider=p) for p in (home, nursery)},
    )


@pytest.fixture
def staff_of(make_staff: Callable[..., User]) -> Callable[..., User]:
    """``staff_of(role, department)``: a user of ``role`` in Kundulun working for ``department``."""

    def make(role: str, department: str = "") -> User:
        return make_staff(role, KUNDULUN, department=department)

    return make


def names_listed(client: Client, model: str) -> set[str]:
    response = client.get(reverse(f"admin:registry_{model}_changelist"))
    assert response.status_code == 200
    return {str(getattr(obj, "provider", obj)) for obj in response.context["cl"].result_list}


# --- who sees which kind ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("department", "sees_home", "sees_nursery"),
    [
        (HEALTH, False, True),
        (CIVIL, True, False),
        ("", True, True),  # the bureau's own staff
        (StaffDepartment.EMERGENCY_MANAGEMENT, True, True),  # fire supervision of both
        (StaffDepartment.MARKET_REGULATION, True, True),
        (StaffDepartment.FIRE_RESCUE, True, True),
    ],
)
def test_the_department_decides_which_kinds_of_provider_an_inspector_sees(
    world, staff_of, client_for, department, sees_home, sees_nursery
):
    client = client_for(staff_of(roles.INSPECTOR, department))
    expected = {name for name, seen in ((world.home.name, sees_home), (world.nursery.name, sees_nursery)) if seen}

    assert names_listed(client, "provider") == expected
    assert names_listed(client, "licence") == expected  # a provider's records follow it


@pytest.mark.parametrize("model", ["provider", "licence"])
def test_a_health_commission_inspector_gets_404_on_an_elderly_homes_pages(world, staff_of, client_for, model):
    client = client_for(staff_of(roles.INSPECTOR, HEALTH))
    obj = world.home if model == "provider" else world.licences[world.home.pk]

    assert client.get(reverse(f"admin:registry_{model}_change", args=[obj.pk])).status_code == 404
    assert client.get(reverse(f"admin:registry_{model}_history", args=[obj.pk])).status_code == 404
    nursery_obj = world.nursery if model == "provider" else world.licences[world.nursery.pk]
    assert client.get(reverse(f"admin:registry_{model}_change", args=[nursery_obj.pk])).status_code == 200


def test_a_health_commission_clerk_sees_the_caregivers_of_childcare_providers_only(world, staff_of, client_for):
    health = client_for(staff_of(roles.DISTRICT_CLERK, HEALTH))
    civil = client_for(staff_of(roles.DISTRICT_CLERK, CIVIL))

    assert names_listed(health, "caregiver") == {world.nursery.name}
    assert names_listed(civil, "caregiver") == {world.home.name}


def test_a_health_commission_clerk_cannot_act_on_an_elderly_homes_lifecycle(world, staff_of, client_for):
    clerk = staff_of(roles.CITY_REVIEWER, HEALTH)  # the role that may suspend

    allowed, why = user_may_transition(clerk, world.home, "suspend")
    assert not allowed and why
    assert user_may_transition(clerk, world.nursery, "suspend")[0]
    page = reverse("admin:registry_provider_lifecycle", args=[world.home.pk, "suspend"])
    client = client_for(clerk)
    assert client.post(page, {"reason": "越权", "effective_on": "2026-01-05"}).status_code == 404
    assert Provider.objects.get(pk=world.home.pk).status == ProviderStatus.FILED


def test_a_health_commission_clerk_is_offered_only_childcare_kinds_for_a_new_provider(staff_of, client_for):
    page = client_for(staff_of(roles.DISTRICT_CLERK, HEALTH)).get(reverse("admin:registry_provider_add"))

    offered = {value for value, _label in page.context["adminform"].form.fields["kind"].choices if value}
    assert offered == set(ProviderKind.childcare())


def test_a_staff_user_with_a_department_nobody_listed_sees_no_provider(world, staff_of):
    user = staff_of(roles.INSPECTOR, "unknown_department")  # fails closed

    assert not providers_visible_to(user).exists()


# --- every admin about a provider gets the rule for free -----------------------------------


def _kind_filters(sql: str) -> list[set[str]]:
    """The values of each ``… "kind" IN (…)`` of a query (a licence's kind too)."""
    return [{value.strip(" '") for value in values.split(",")} for values in re.findall(r'"kind" IN \(([^)]*)\)', sql)]


def provider_admins() -> list[Any]:
    """Every registered admin scoped by a lookup that reaches a provider (the childcare
    app's too, once it registers them)."""
    return sorted(
        (
            model_admin
            for model, model_admin in admin.site._registry.items()
            if isinstance(model_admin, ScopedAdminMixin)
            and provider_kind_lookup(model, model_admin.scope_path_lookup) is not None
        ),
        key=lambda model_admin: model_admin.model._meta.label,
    )


def test_every_admin_scoped_through_a_provider_shows_a_health_inspector_childcare_only(staff_of):
    request = RequestFactory().get("/admin/")
    request.user = staff_of(roles.INSPECTOR, HEALTH)
    admins = provider_admins()
    labels = {model_admin.model._meta.label for model_admin in admins}
    assert {"registry.Provider", "registry.Resident", "inspections.InspectionTask", "inspections.Finding"} <= labels

    for model_admin in admins:
        sql = str(model_admin.get_queryset(request).query)
        assert set(ProviderKind.childcare()) in _kind_filters(sql), model_admin.model._meta.label


def test_a_lookup_goes_through_a_provider_only_when_it_reaches_one():
    from inspections.models import Draw, Finding
    from registry.models import Division, Resident
    from subsidies.models import GrantRun

    assert provider_kind_lookup(Provider, "division__path") == "kind"
    assert provider_kind_lookup(Resident, "provider__division__path") == "provider__kind"
    assert provider_kind_lookup(Finding, "inspection__provider__division__path") == "inspection__provider__kind"
    # Divisions, accounts and rows about an area cover every kind.
    assert provider_kind_lookup(Division, "path") is None
    assert provider_kind_lookup(User, "jurisdiction__path") is None
    assert provider_kind_lookup(GrantRun, "division__path") is None
    assert provider_kind_lookup(Draw, "jurisdiction__path") is None


# --- the account admin ----------------------------------------------------------------------


@pytest.fixture
def sysadmin(make_staff: Callable[..., User]) -> User:
    return make_staff(roles.SYSTEM_ADMIN, BAOTOU)


def test_the_account_list_shows_the_department(sysadmin, staff_of, client_for):
    inspector = staff_of(roles.INSPECTOR, HEALTH)

    page = client_for(sysadmin).get(reverse("admin:registry_user_changelist"))

    assert any(obj.pk == inspector.pk for obj in page.context["cl"].result_list)
    assert '<td class="field-department">卫生健康委</td>' in page.content.decode()  # the label, not the code


def test_the_system_admin_sets_a_department_and_the_change_is_audited(sysadmin, staff_of, client_for, admin_form_data):
    inspector = staff_of(roles.INSPECTOR)
    client = client_for(sysadmin)
    url = reverse("admin:registry_user_change", args=[inspector.pk])
    data = {**admin_form_data(client.get(url)), "department": HEALTH}

    response = client.post(url, data)

    assert response.status_code == 302
    inspector.refresh_from_db()
    assert inspector.department == HEALTH
    entry = AuditEntry.objects.filter(action="account.status", object_id=str(inspector.pk)).latest("id")
    assert (entry.before, entry.after) == ({"department": ""}, {"department": HEALTH})
    assert entry.actor == sysadmin


def test_a_department_change_outside_the_admin_is_audited_too(staff_of):
    inspector = staff_of(roles.INSPECTOR, HEALTH)

    inspector.department = ""  # from the shell: the widest scope
    inspector.save()

    entry = AuditEntry.objects.filter(action="account.status", object_id=str(inspector.pk)).latest("id")
    assert (entry.before, entry.after) == ({"department": HEALTH}, {"department": ""})


def test_nobody_sets_their_own_department(make_staff, client_for, admin_form_data):
    sysadmin = make_staff(roles.SYSTEM_ADMIN, BAOTOU, department=HEALTH)
    client = client_for(sysadmin)
    url = reverse("admin:registry_user_change", args=[sysadmin.pk])
    page = client.get(url)
    assert "department" not in page.context["adminform"].form.fields

    client.post(url, {**admin_form_data(page), "department": ""})

    sysadmin.refresh_from_db()
    assert sysadmin.department == HEALTH


def test_a_new_account_gets_its_department_when_it_is_opened(sysadmin, divisions, client_for):
    client = client_for(sysadmin)

    response = client.post(
        reverse("admin:registry_user_add"),
        {"username": "wjw_inspector", "jurisdiction": divisions[KUNDULUN].pk, "department": HEALTH},
    )

    assert response.status_code == 302
    user = User.objects.get(username="wjw_inspector")
    assert user.department == HEALTH
    opened = AuditEntry.objects.get(action="account.create", object_id=str(user.pk))
    assert (opened.after or {}).get("department") == HEALTH
